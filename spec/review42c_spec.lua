-- Session 42, review42c: leftovers of session 41.
local proc = require "spec.support.proc"

local function exists(path)
   local f = io.open(path, "rb")
   if f then f:close() return true end
   return false
end

describe("review42c: spec/support/tmpfiles.lua", function()
   it("removes NAME, NAME_* and NAME.* files a spec file left behind", function()
      local dir = proc.tmpdir()
      local name
      -- What the checks below find left behind goes too, or the failing
      -- (mutated) run would leave it.
      finally(function()
         local words = { proc.quote(dir) }
         if name and name:match("^/tmp/lua_%w+$") then words[#words + 1] = proc.quote(name) .. " " .. proc.quote(name) .. "[._]*" end
         os.execute("rm -rf -- " .. table.concat(words, " "))
      end)
      local list = dir .. "/names"
      -- A spec file that makes a name and three files from it and removes
      -- nothing, as a test raising before its own clean-up does.
      proc.write_file(dir .. "/leaky_spec.lua", string.format([[
         it("leaks", function()
            local name = os.tmpname()
            for _, path in ipairs { name .. "_log", name .. ".keep", name .. ".d.pem" } do
               local f = assert(io.open(path, "wb")); f:write("x"); f:close()
            end
            local f = assert(io.open(%q, "wb")); f:write(name); f:close()
         end)
      ]], list))
      local out, code = proc.run("busted --lua=lua5.4 " .. proc.quote(dir .. "/leaky_spec.lua"), nil, 60)
      assert.equal(0, code, out)
      name = proc.read_file(list)
      assert.truthy(name:match("^/tmp/lua_%w+$"), out)
      for _, path in ipairs { name, name .. "_log", name .. ".keep", name .. ".d.pem" } do
         assert.is_false(exists(path), path .. " left behind")
      end
   end)
end)
