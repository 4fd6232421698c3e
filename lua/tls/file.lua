-- tls.file: the Lua side of util/tls_file.h. A file name given to a Lua
-- reader (tls.ticketkeys, the LuaSec drop-in's cafile/capath) is checked
-- here, in the words the C readers use:
--   "<what>: the file name is empty"            (an unset variable, a missing entry)
--   "<what>: the file name contains a zero byte" (io.open would see a shorter name)
local M = {}

--- check_name(what, name) -> true | nil, message
function M.check_name(what, name)
  if name == "" then return nil, what .. ": the file name is empty" end
  if name:find("\0", 1, true) then return nil, what .. ": the file name contains a zero byte" end
  return true
end

return M
