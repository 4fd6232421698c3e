-- Loaded by busted before any spec (.busted: helper). os.tmpname() creates
-- the file itself (/tmp/lua_XXXXXX, whatever TMPDIR says), so a spec that
-- forgot one, or a test that raised before its own clean-up, left files
-- behind on every run: hundreds in /tmp on a developer's machine. Here every
-- name os.tmpname() hands out in this busted process is removed once its
-- spec file is done (and at the end of the run), with what was made from it
-- (a directory in its place, NAME.."_suffix" and NAME..".suffix" files, such
-- as keylog_spec's NAME..".keep"). Each spec file runs
-- insulated (busted's default: its modules are loaded again for the next
-- file), so nothing a file made is used after it.
local made = {}
local tmpname = os.tmpname

os.tmpname = function() -- luacheck: ignore (replacing the library function is the point)
   local name = tmpname()
   made[#made + 1] = name
   return name
end

local function q(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function sweep()
   local i = 1
   while i <= #made do
      -- In batches, to keep each command line short.
      local words = {}
      for j = i, math.min(i + 99, #made) do
         -- Only names mkstemp made: a spec that reassigned a variable cannot
         -- send anything else here.
         if made[j]:match("^/tmp/lua_[%w]+$") then
            local n = q(made[j])
            words[#words + 1] = n .. " " .. n .. "_* " .. n .. ".*"
         end
      end
      if #words > 0 then os.execute("rm -rf -- " .. table.concat(words, " ") .. " 2>/dev/null") end
      i = i + 100
   end
   made = {}
end

local busted = require "busted"
for _, event in ipairs { { "file", "end" }, { "exit" } } do
   busted.subscribe(event, function()
      sweep()
      return nil, true
   end)
end
-- busted ends with os.exit(code, true), which closes the state: a run cut
-- short by an error still gets here.
_G.__luatls_tmpfiles = setmetatable({}, { __gc = sweep })
