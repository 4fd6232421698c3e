-- Session 37: what this session's reviews of main found (/work/notes/review37*.md
-- on the machine that ran them), each fixed and tested here. The planted
-- bugs that these tests kill are in mutate/mutations_lead37.lua.
local tls = require "tls"
local certs = require "spec.support.certs"
local T = require "spec.support.tls12_peer"

-- review37b F1: RFC 8422 §5.3, a TLS 1.2 server's ECDSA certificate key
-- "MUST use a curve and point format supported by the client". The signature
-- verifies on any curve, so without the check a client's 'groups' decided
-- nothing about the certificate (README says it refuses such a server).
describe("lead37: a TLS 1.2 server's ECDSA key must be on a curve the client offers", function()
   local p384
   setup(function() p384 = certs.ec_selfsigned("P-384") end)
   teardown(function() p384.remove() end)

   -- The scripted server signs its ServerKeyExchange with ecdsa_secp256r1_sha256
   -- by default; a P-384 key signs with ecdsa_secp384r1_sha384 (0x0503), which
   -- TLS 1.2 takes with any curve (RFC 5246 §7.4.1.4.1).
   local function first_flight(groups)
      local I = require("tls.core")._internal
      local sign = I.sign
      I.sign = function(k, _, data) return sign(k, "ecdsa_secp384r1_sha384", data) end
      local ctx = assert(tls.context { mode = "client", ca = p384.cert, groups = groups, max_version = "TLSv1.2" })
      local c = assert(tls.engine(ctx, { servername = "localhost" }))
      assert(c:start())
      local fake = T.server {
         cert_pem = p384.cert_pem, key_pem = p384.key_pem,
         flight = function(flight)
            local ske = flight[3]
            local i = ske:find("\4\3", 4 + 1 + 2 + 1 + ske:byte(8), true)
            flight[3] = ske:sub(1, i - 1) .. "\5\3" .. ske:sub(i + 2)
            return flight
         end,
      }
      local ok, err = c:feed(fake:answer(c:output()))
      I.sign = sign
      return c, fake, ok, err
   end

   it("refused with illegal_parameter when the client's groups leave the curve out", function()
      local c, _, ok, err = first_flight("x25519:secp256r1")
      assert.is_nil(ok)
      assert.equal("server's certificate key is on curve secp384r1, which this client does not offer in its groups", err)
      local _, alert = c:error()
      assert.equal("illegal_parameter", alert)
   end)

   it("taken when the client offers that curve (only as a group, never a key share)", function()
      local c, fake, ok, err = first_flight("x25519:secp256r1:secp384r1")
      assert.is_true(ok, err)
      fake:client_flight(c:output())
      assert.truthy(c:feed(fake:finish()))
      local info = c:info()
      assert.is_true(info.handshake_done)
      assert.equal("TLSv1.2", info.version)
      assert.equal("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", info.cipher)
   end)
end)

-- review37d F1: with every descriptor taken ("too many open files"), accept
-- under cqueues returned the error at once without yielding, so the
-- README's accept loop spun at full CPU and no other coroutine ran again:
-- not the handshake timeouts, not the handlers whose closing connections
-- would have ended the shortage. Now accept pauses (yielding under
-- cqueues) and retries, for at most a second and never past its timeout.
describe("lead37: accept while the process has no descriptor free", function()
   local proc = require "spec.support.proc"
   local function child(args)
      local cmd = string.format("ulimit -n 64; %s %s spec/support/emfile_child.lua %s", proc.lua_env(), proc.lua(), args)
      local out = proc.run(cmd, nil, 30, { ours = true })
      local r = {}
      for k, v in out:gmatch("(%w+)=(%S+)") do r[k] = v end
      assert.truthy(r.held, out)
      assert.truthy(tonumber(r.held) > 30, out)  -- the limit was reached by the child's own files
      return r, out
   end

   it("under cqueues, yields to the other coroutines and accepts once one of them frees a descriptor", function()
      local r, out = child("cqueues-free")
      assert.equal("true", r.conn, out)
      assert.equal("true", r.freed, out)
      assert.truthy(tonumber(r.elapsed) >= 0.29, out)
      assert.truthy(tonumber(r.beats) >= 5, out)
   end)

   it("under cqueues, when none is freed: 'too many open files' after about a second, the loop running meanwhile", function()
      local r, out = child("cqueues-none")
      assert.equal("false", r.conn, out)
      assert.truthy(out:find("err=too many open files", 1, true), out)
      assert.truthy(tonumber(r.elapsed) >= 0.9 and tonumber(r.elapsed) < 3, out)
      assert.truthy(tonumber(r.beats) >= 20, out)
      assert.truthy(tonumber(r.cpu) < 0.5, out)  -- paused, not spinning
   end)

   it("the blocking accept pauses for at most a second, never past its timeout, and not at all at timeout 0", function()
      for _, case in ipairs { { "5", 0.9, 3 }, { "0.2", 0.15, 0.9 }, { "0", 0, 0.1 } } do
         local r, out = child("blocking " .. case[1])
         assert.equal("false", r.conn, out)
         assert.truthy(out:find("err=too many open files", 1, true), out)
         local t = tonumber(r.elapsed)
         assert.truthy(t >= case[2] and t < case[3], case[1] .. ": " .. out)
      end
   end)
end)
