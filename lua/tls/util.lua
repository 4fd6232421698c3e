-- tls.util: small checks shared by the Lua modules (tls, tls.luasec), so
-- that one rule has one implementation.
local M = {}

-- A list option holds entries 1 to #list and nothing else. ipairs stops at
-- the first nil, so { nil, pin } (a pin read from an unset variable first)
-- would otherwise add no pin at all, and a pin-only client would then
-- accept any server; the drop-in's verify = { nil, "peer" } would mean no
-- verification: a hole or a named key is an error.
--
-- whole_list(list, label, kind) -> true | nil, message; label starts the
-- message ("option 'pin'", "verify"), kind names what was expected
-- ("a list", "a list of names").
function M.whole_list(list, label, kind)
  local n, count = #list, 0
  for _ in pairs(list) do count = count + 1 end
  for i = 1, n do
    if list[i] == nil then return nil, string.format("%s: entry %d is nil (a list has no holes)", label, i) end
  end
  if count ~= n then
    return nil, string.format("%s must be %s (it has holes or named keys: %d entries, %d in order)",
      label, kind, count, n)
  end
  return true
end

return M
