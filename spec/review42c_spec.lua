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

describe("review42c: a list option given as a table", function()
   local tls = require "tls"
   local E = require "spec.support.engines"
   local function refused(option, list, pattern)
      local ctx, err = tls.context { mode = "client", verify = false, [option] = list }
      assert.is_nil(ctx)
      assert.truthy(err:find(pattern, 1, true), err)
   end

   it("refuses an entry holding ':' or ',', naming that entry", function()
      -- Split, the second name counted as entry 2 and the repeat as entry 3.
      refused("groups", { "x25519:secp256r1", "x25519" },
         [[option 'groups': entry 1 ("x25519:secp256r1") holds a ':': give one name per entry]])
      refused("ciphers", { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256" },
         [[option 'ciphers': entry 2 ("TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256") holds a ',']])
      refused("sigalgs", { "ed25519", "ecdsa_secp256r1_sha256:" }, [[option 'sigalgs': entry 2]])
      local ok, err = tls.context { mode = "server", certificate = E.CERT, key = E.KEY, groups = { "x25519,x448" } }
      assert.is_nil(ok)
      assert.truthy(err:find([[entry 1 ("x25519,x448") holds a ',']], 1, true), err)
   end)

   it("still takes one string with separators, and one name per entry", function()
      assert.truthy(tls.context { mode = "client", verify = false, groups = "x25519:secp256r1, x448" })
      assert.truthy(tls.context { mode = "client", verify = false, groups = { "x25519", "secp256r1" } })
   end)

   it("alpn: an entry is one protocol name, byte for byte, ':' and ',' included (RFC 7301 names are opaque)", function()
      local c = E.connected({ alpn = { "a:b", "c,d" } }, { alpn = { "c,d" } })
      assert.equal("c,d", c:info().alpn)
   end)
end)
