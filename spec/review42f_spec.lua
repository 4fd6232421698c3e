-- review42f: the C setters behind tls.context repeat the range checks of
-- lua/tls.lua (second copies, review41e left them without planted bugs).
-- require("tls.core") reaches them without tls.lua in between: each must
-- refuse on its own a value that would be stored truncated or wrapped
-- (uint32_t/unsigned casts, uint64_t from a negative double), and take the
-- values at both ends of its range.
local core = require "tls.core"
local CTXM = core.context_methods -- a context's setters (not its methods)

local function refuses(pattern, fn, ...)
   local ok, err = pcall(fn, ...)
   assert.is_false(ok, "the setter took the value")
   assert.matches(pattern, tostring(err), 1, true)
end

local function takes(fn, ...)
   local ok, err = pcall(fn, ...)
   assert.is_true(ok, tostring(err))
   assert.is_true(err)
end

local function client() return assert(core.context(false)) end
local function server() return assert(core.context(true)) end

describe("review42f: context setters reached through tls.core check their own ranges", function()
   -- name of the test, setter, server context?, what the refusal says,
   -- values taken, values refused (arguments after the context)
   local cases = {
      { "set_key_update_after takes 1 and refuses 0 and -1", "set_key_update_after", false,
        "must be at least 1", { 1 }, { 0, -1 } },
      { "set_security_level takes 0 and 5 and refuses -1 and 6", "set_security_level", false,
        "security level 0 to 5", { 0, 5 }, { -1, 6 } },
      -- 65600 would wrap to 64 in the uint16_t field
      { "set_record_size_limit takes 64 and 16385 and refuses 63 and 16386", "set_record_size_limit", false,
        "record size limit out of range", { 64, 16385 }, { 63, 16386, 65536 + 64 } },
      { "set_tickets takes 0 and 16 and refuses -1 and 17", "set_tickets", true,
        "from 0 to 16", { 0, 16 }, { -1, 17 } },
      { "set_ticket_lifetime takes 1 and 604800 and refuses 0 and 604801", "set_ticket_lifetime", true,
        "from 1 to 604800 seconds", { 1, 604800 }, { 0, 604801 } },
      { "set_ticket_key_rotation takes 0 and 1e9 and refuses a negative, a larger or a NaN number",
        "set_ticket_key_rotation", true, "a number of seconds >= 0", { 0, 1e9 }, { -1, -0.5, 1e9 + 1, 0 / 0 } },
   }
   for _, case in ipairs(cases) do
      local title, setter, is_server, says, good, bad = table.unpack(case)
      it(title, function()
         local ctx = is_server and server() or client()
         for _, v in ipairs(good) do takes(CTXM[setter], ctx, v) end
         for _, v in ipairs(bad) do refuses(says, CTXM[setter], ctx, v) end
      end)
   end

   it("set_early_data takes 1 and 2^31-1 bytes and refuses 0 and 2^31", function()
      local ctx = server()
      for _, n in ipairs { 1, 0x7fffffff } do takes(CTXM.set_early_data, ctx, true, n) end
      -- 2^32 + 1 would be stored as 1 in the uint32_t field
      for _, n in ipairs { 0, 0x80000000, 0x100000001 } do
         refuses("a positive number of bytes", CTXM.set_early_data, ctx, true, n)
      end
   end)

   it("set_hook's verify_id is 1 to 255 bytes", function()
      local ctx = client()
      local fn = function() return true end
      takes(CTXM.set_hook, ctx, "verify", fn, "x")
      takes(CTXM.set_hook, ctx, "verify", fn, ("v"):rep(255))
      refuses("verify_id: 1 to 255 bytes", CTXM.set_hook, ctx, "verify", fn, "")
      refuses("verify_id: 1 to 255 bytes", CTXM.set_hook, ctx, "verify", fn, ("v"):rep(256))
   end)

   it("set_verify_chain_only is a client's setting", function()
      takes(CTXM.set_verify_chain_only, client(), true)
      refuses("a server checks no name anyway", CTXM.set_verify_chain_only, server(), true)
   end)
end)

describe("review42f: core.selfsigned and core.wrap check their own ranges", function()
   it("selfsigned takes 1 to 64 names and 1 to 36500 days", function()
      assert.truthy((core.selfsigned({ "a.test" }, "ec", 1)))
      assert.truthy((core.selfsigned({ "a.test" }, "ec", 36500)))
      local names = {}
      for i = 1, 64 do names[i] = "n" .. i .. ".test" end
      assert.truthy((core.selfsigned(names, "ec", 30)))
      refuses("days out of range", core.selfsigned, { "a.test" }, "ec", 0)
      refuses("days out of range", core.selfsigned, { "a.test" }, "ec", 36501)
      refuses("between 1 and 64 names expected", core.selfsigned, {}, "ec", 30)
      names[65] = "n65.test"
      refuses("between 1 and 64 names expected", core.selfsigned, names, "ec", 30)
   end)

   it("selfsigned refuses a name holding a zero byte instead of cutting it there", function()
      -- tls_selfsigned takes C strings: the certificate was made for "a.test"
      -- alone (tls.selfsigned refuses the name first; core.selfsigned did not)
      refuses("a name holds a zero byte", core.selfsigned, { "b.test", "a.test\0.evil.test" }, "ec", 30)
      refuses("a name holds a zero byte", core.selfsigned, { "\0" }, "ec", 30)
   end)

   it("wrap refuses a descriptor number that is negative or beyond an int", function()
      local ctx = client()
      refuses("not an open socket", core.wrap, -1, ctx)
      -- 2^32 + 0 would be descriptor 0 (stdin) once cast to int
      refuses("not an open socket", core.wrap, 0x100000000, ctx)
      refuses("not an open socket", core.wrap, 0x80000000, ctx)
   end)
end)

-- A client whose first ClientHello cannot be written (its extensions would
-- pass 65535 bytes once a long server name joins an alpn list tls.context
-- takes) sent a fatal internal_error alert as the first bytes of the
-- connection: the server saw an alert for a connection it knew nothing of.
-- A start problem sends none (review32c F2); neither does this now.
describe("review42f: a ClientHello that cannot be written", function()
   local tls = require "tls"
   local tcppair = require "spec.support.tcppair"
   local LONG_NAME = ("a"):rep(63) .. "." .. ("b"):rep(63) .. ".example"
   local function context()
      -- 65300 bytes of alpn: a hello carries them without a server name, not with LONG_NAME
      local names = {}
      for i = 1, 255 do names[i] = string.format("%03d", i) .. ("p"):rep(252) end
      names[256] = ("q"):rep(19)
      return assert(tls.context { mode = "client", verify = false, alpn = names })
   end

   it("puts no alert on the wire (tls.engine)", function()
      local e = assert(tls.engine(context(), { servername = LONG_NAME }))
      local ok, err = e:start()
      assert.is_nil(ok)
      assert.matches("the ClientHello would be too long", err, 1, true)
      local out = e:output()
      assert.is_true(out == nil or out == "", "bytes went out: " .. #(out or ""))
      local msg, alert = e:error()
      assert.matches("the ClientHello would be too long", msg, 1, true)
      assert.is_nil(alert)
   end)

   it("sends the server nothing (tls.wrap over TCP)", function()
      local a, b = tcppair()
      local conn = assert(tls.wrap(a, context(), { servername = LONG_NAME }))
      local ok, err = conn:handshake()
      assert.is_nil(ok)
      assert.matches("the ClientHello would be too long", err, 1, true)
      conn:close()
      b:settimeout(2)
      local data, rerr, partial = b:receive("*a")
      assert.equal("", data or partial, "the server received bytes")
      assert.is_true(data ~= nil or rerr == "closed", tostring(rerr))
      b:close()
   end)
end)
