-- The specs' certificate cache (scripts/test_certs.lua, LUATLS_TEST_CERTS):
-- made where build/ does not exist yet (a parallel `make -j2 test` on a
-- fresh checkout), kept while fresh, and used only when its stamp says it
-- was made from the current certs.lua less than 12 hours ago. A stale or
-- foreign cache must be ignored, not trusted: its certificates could have
-- expired or name what another version of certs.lua made.
local proc = require "spec.support.proc"

-- The CA certificate a spec process would use with LUATLS_TEST_CERTS=cache.
local function ca_seen_with(cache)
   local out, code = proc.run(string.format(
      "LUATLS_TEST_CERTS=%s %s %s -e %s", proc.quote(cache), proc.lua_env(), proc.lua(),
      proc.quote('package.path = "./?.lua;" .. package.path\n'
         .. 'local c = require("spec.support.certs").get()\n'
         .. 'io.write(require("spec.support.proc").read_file(c.dir .. "/ca.pem"))')), nil, 60, { ours = true })
   assert(code == 0, out)
   return out
end

local function set_stamp(cache, made, source)
   proc.write_file(cache .. "/stamp.lua", string.format("return { made = %d, source = %q }\n", made, source))
end

describe("the test certificate cache", function()
   local top, cache, ca, source

   setup(function()
      top = proc.tmpdir()
      cache = top .. "/not/yet/test-certs"
      local out, code = proc.run(string.format("%s %s scripts/test_certs.lua %s",
         proc.lua_env(), proc.lua(), proc.quote(cache)), nil, 120, { ours = true })
      assert(code == 0, out)
      assert.equal("test-certs: made " .. cache .. "\n", out)
      ca = proc.read_file(cache .. "/ca.pem")
      source = proc.read_file("spec/support/certs.lua")
   end)

   teardown(function()
      if top then os.execute("rm -rf " .. proc.quote(top)) end
   end)

   it("is made under a directory that did not exist, and kept while fresh", function()
      assert.truthy(ca:match("BEGIN CERTIFICATE"))
      local out, code = proc.run(string.format("%s %s scripts/test_certs.lua %s",
         proc.lua_env(), proc.lua(), proc.quote(cache)), nil, 60, { ours = true })
      assert.equal(0, code)
      assert.equal("", out)
      assert.equal(ca, proc.read_file(cache .. "/ca.pem"))
   end)

   it("is what a spec file uses while its stamp is good", function()
      assert.equal(ca, ca_seen_with(cache))
   end)

   it("is ignored once older than 12 hours: the spec makes its own", function()
      local stale = top .. "/stale"
      assert(os.execute(string.format("cp -a %s %s", proc.quote(cache), proc.quote(stale))))
      set_stamp(stale, os.time() - 12 * 3600 - 60, source)
      local seen = ca_seen_with(stale)
      assert.truthy(seen:match("BEGIN CERTIFICATE"))
      assert.not_equal(ca, seen)
   end)

   it("is ignored when made from another certs.lua, or without a stamp", function()
      local foreign = top .. "/foreign"
      assert(os.execute(string.format("cp -a %s %s", proc.quote(cache), proc.quote(foreign))))
      set_stamp(foreign, os.time(), source .. "\n-- changed\n")
      assert.not_equal(ca, ca_seen_with(foreign))
      os.remove(foreign .. "/stamp.lua")
      assert.not_equal(ca, ca_seen_with(foreign))
      assert.not_equal(ca, ca_seen_with(top .. "/nothing/here"))
   end)
end)
