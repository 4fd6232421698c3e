-- Key exchange groups: x25519, secp256r1, secp384r1 and secp521r1 (offered
-- by default, x25519 the key share), x448 (a server accepts it by default,
-- a client offers it on request), and the RFC 7919 groups
-- ffdhe2048 to ffdhe8192 (servers only). Known answers, the checks on the
-- peer's public value, engine pairs, and real peers.
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local I = require("tls.core")._internal

local FFDHE = { ffdhe2048 = 256, ffdhe3072 = 384, ffdhe4096 = 512, ffdhe6144 = 768, ffdhe8192 = 1024 }
local FFDHE_ORDER = { "ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192" }
local ECDHE = { x25519 = 32, secp256r1 = 32, secp384r1 = 48, x448 = 56, secp521r1 = 66 }
local ECDHE_ORDER = { "x25519", "secp256r1", "secp384r1", "x448", "secp521r1" }

-- rfc7919#appendix-A.1
local FFDHE2048_P = B.unhex [[
   FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695
   A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A
   D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935
   984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A
   BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4
   AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61
   9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005
   C58EF1837D1683B2C6F34A26C1B2EFFA886B423861285C97FFFFFFFFFFFFFFFF]]

local server_ctx = E.server_ctx

local function pair(client_opts, server_opts)
   local c, s = E.connected(client_opts, server_opts)
   assert(c:write("over " .. c:info().group))
   E.pump(c, s)
   assert.equal("over " .. c:info().group, s:read())
   return c, s
end

describe("key exchange, known answers", function()
   it("x448 gives rfc7748#6.2's shared secret", function()
      local a = B.unhex("9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf5"
         .. "74a9419744897391006382a6f127ab1d9ac2d8c0a598726b")
      local b_pub = B.unhex("3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972"
         .. "fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609")
      local k = B.unhex("07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56"
         .. "fd2464c335543936521c24403085d59a449a5037514a879d")
      assert.equal(B.hex(k), B.hex(assert(I.kex_private("x448", a, b_pub))))
   end)

   it("an ffdhe secret is left-padded to the size of p (rfc8446#7.4.1)", function()
      -- Our exponent 100 and the peer's Y = 2 give 2^100: 13 bytes, so 243
      -- bytes of zeros in front.
      local two = ("\0"):rep(255) .. "\2"
      local z = assert(I.kex_private("ffdhe2048", "\100", two))
      assert.equal(256, #z)
      assert.equal(B.hex(("\0"):rep(243) .. "\16" .. ("\0"):rep(12)), B.hex(z))
   end)

   for _, name in ipairs(ECDHE_ORDER) do
      it(name .. ": both ends derive the same " .. ECDHE[name] .. "-byte secret", function()
         local a, b = assert(I.kex_pair(name))
         assert.equal(ECDHE[name], #a)
         assert.equal(B.hex(a), B.hex(b))
      end)
   end

   for _, name in ipairs(FFDHE_ORDER) do
      it(name .. ": both ends derive the same secret, padded to " .. FFDHE[name] .. " bytes", function()
         local a, b, pub = assert(I.kex_pair(name))
         assert.equal(FFDHE[name], #a)
         assert.equal(FFDHE[name], #pub)
         assert.equal(B.hex(a), B.hex(b))
      end)
   end
end)

describe("key exchange, the peer's public value", function()
   local function refused(group, value, message)
      local ok, msg, alert = I.kex_peer(group, value)
      assert.is_nil(ok)
      assert.equal("illegal_parameter", alert)
      assert.equal(message, msg)
   end

   -- A big-endian number of the same length plus a small k (may be negative).
   local function plus(bytes, k)
      local out, carry = {}, k
      for i = #bytes, 1, -1 do
         local v = bytes:byte(i) + carry
         carry = v // 256
         out[i] = string.char(v % 256)
      end
      return table.concat(out)
   end
   local p_minus_1, p_plus_1 = plus(FFDHE2048_P, -1), plus(FFDHE2048_P, 1)

   local out_of_range = "the peer's ffdhe2048 key share is not between 1 and p-1"
   it("ffdhe: 0, 1, p-1, p, p+1 and 2^2048-1 are illegal_parameter (rfc8446#4.2.8.1)", function()
      refused("ffdhe2048", ("\0"):rep(256), out_of_range)
      refused("ffdhe2048", ("\0"):rep(255) .. "\1", out_of_range)
      refused("ffdhe2048", p_minus_1, out_of_range)
      refused("ffdhe2048", FFDHE2048_P, out_of_range)
      refused("ffdhe2048", p_plus_1, out_of_range)
      refused("ffdhe2048", ("\255"):rep(256), out_of_range)
   end)

   it("ffdhe: 2, the generator, is accepted", function()
      assert(I.kex_peer("ffdhe2048", ("\0"):rep(255) .. "\2"))
   end)

   -- For ephemeral keys in rfc7919's safe-prime groups the range check is the
   -- whole validation (SP 800-56A r3 5.6.2.3.2, OpenSSL's "partial"
   -- validation): the only small subgroup is {1, p-1}. The full Y^q check
   -- cost 176 ms for ffdhe8192, which a client could make a server pay for
   -- free.
   it("ffdhe: p-2, in range, is accepted without the costly subgroup check", function()
      assert(I.kex_peer("ffdhe2048", plus(FFDHE2048_P, -2)))
   end)

   it("ffdhe: a value not padded to the size of p is illegal_parameter", function()
      refused("ffdhe2048", "\2", "the peer's ffdhe2048 key share is 1 bytes long, expected 256")
      refused("ffdhe3072", ("\0"):rep(383) .. "\2" .. "\0",
         "the peer's ffdhe3072 key share is 385 bytes long, expected 384")
   end)

   it("x448: an all-zero result is illegal_parameter (rfc8446#7.4.2)", function()
      refused("x448", ("\0"):rep(56), "the peer's x448 key share gives an all-zero shared secret")
      refused("x448", "\1" .. ("\0"):rep(55), "the peer's x448 key share gives an all-zero shared secret")
      refused("x448", ("\0"):rep(55), "the peer's x448 key share is 55 bytes long, expected 56")
   end)

   it("secp521r1: a point off the curve or compressed is illegal_parameter", function()
      refused("secp521r1", "\4" .. ("\0"):rep(65) .. "\1" .. ("\0"):rep(65) .. "\1",
         "the peer's secp521r1 key share is not a valid point on the curve")
      refused("secp521r1", "\2" .. ("\1"):rep(132), "the peer's secp521r1 key share is not an uncompressed point")
   end)
end)

describe("groups in contexts", function()
   it("clients offer x25519, secp256r1, secp384r1 and secp521r1 by default, x25519 shared", function()
      local events = {}
      local ctx = assert(tls.context { verify = false, trace = function(ev) events[#events + 1] = ev end })
      local e = assert(tls.engine(ctx))
      assert(e:start())
      assert.equal("ClientHello", events[1].message)
      assert.equal("x25519, secp256r1, secp384r1, secp521r1", events[1].groups)
      assert.equal("x25519", events[1].key_share)
   end)

   it("a client may ask for x448 and secp521r1", function()
      assert(tls.context { groups = "x448:secp521r1" })
   end)

   it("a client context naming a finite-field group fails, saying why", function()
      for _, name in ipairs(FFDHE_ORDER) do
         local ctx, err = tls.context { groups = { "x25519", name } }
         assert.is_nil(ctx)
         assert.equal("groups: group '" .. name .. "' is not supported by clients "
            .. "(finite-field groups are for servers only)", err)
      end
   end)

   it("a server context may list them", function()
      assert(server_ctx { groups = "ffdhe2048:ffdhe8192:x25519" })
   end)
end)

describe("engine pairs on every group a client can use", function()
   for _, name in ipairs(ECDHE_ORDER) do
      it(name .. " against a server's defaults, without a retry", function()
         local c, s = pair({ groups = name }, nil)
         assert.equal(name, c:info().group)
         assert.equal(name, s:info().group)
         assert.is_false(c:info().hello_retry)
      end)
   end

   it("retries from x25519 to x448", function()
      local c = pair({ groups = "x25519:x448" }, { groups = "x448" })
      assert.is_true(c:info().hello_retry)
      assert.equal("x448", c:info().group)
   end)

   it("retries from x25519 to secp521r1", function()
      local c = pair({ groups = "x25519:secp521r1" }, { groups = "secp521r1:ffdhe2048" })
      assert.is_true(c:info().hello_retry)
      assert.equal("secp521r1", c:info().group)
   end)
end)

describe("our server on finite-field groups", function()
   for _, name in ipairs(FFDHE_ORDER) do
      it("answers an " .. name .. " share with a ServerHello carrying its own, padded to the size of p", function()
         local pub = select(3, assert(I.kex_pair(name)))
         local s = assert(tls.engine(server_ctx { groups = name }))
         assert(s:feed(B.client_hello_record { groups = { B.GROUP[name] }, shares = { { B.GROUP[name], pub } } }))
         local sh = B.first_server_hello(s:output())
         assert.is_false(sh.hrr)
         local group, len = string.unpack(">I2I2", sh.ext[B.EXT.key_share])
         assert.equal(B.GROUP[name], group)
         assert.equal(FFDHE[name], len)
         assert.equal(name, s:info().group)
      end)
   end

   it("refuses an ffdhe2048 share of p with illegal_parameter", function()
      local s = assert(tls.engine(server_ctx()))
      local ok, msg = s:feed(B.client_hello_record {
         groups = { B.GROUP.ffdhe2048 }, shares = { { B.GROUP.ffdhe2048, FFDHE2048_P } } })
      assert.is_nil(ok)
      assert.equal("the peer's ffdhe2048 key share is not between 1 and p-1", msg)
      assert.equal("illegal_parameter", select(2, s:error()))
   end)

   it("takes ffdhe2048 and ffdhe3072 by default, and the larger groups only on request", function()
      for name in pairs(FFDHE) do
         local pub = select(3, assert(I.kex_pair(name)))
         local s = assert(tls.engine(server_ctx()))
         local ok, msg = s:feed(B.client_hello_record { groups = { B.GROUP[name] }, shares = { { B.GROUP[name], pub } } })
         if name == "ffdhe2048" or name == "ffdhe3072" then
            assert(ok, msg)
            assert.equal(name, s:info().group)
         else
            assert.is_nil(ok)
            assert.equal("no key exchange group in common with the client", msg)
            assert.equal("handshake_failure", select(2, s:error()))
         end
      end
   end)

   it("checks an ffdhe share's range before it makes its own key", function()
      local s = assert(tls.engine(server_ctx { groups = "ffdhe8192" }))
      local ok, msg = s:feed(B.client_hello_record {
         groups = { B.GROUP.ffdhe8192 }, shares = { { B.GROUP.ffdhe8192, ("\255"):rep(1024) } } })
      assert.is_nil(ok)
      assert.equal("the peer's ffdhe8192 key share is not between 1 and p-1", msg)
      assert.equal("illegal_parameter", select(2, s:error()))
   end)

   it("asks for ffdhe3072 with a HelloRetryRequest when it is the only group in common", function()
      local s = assert(tls.engine(server_ctx { groups = "ffdhe3072" }))
      assert(s:feed(B.client_hello_record { groups = { B.GROUP.x25519, B.GROUP.ffdhe3072 } }))
      local sh = B.first_server_hello(s:output())
      assert.is_true(sh.hrr)
      assert.equal(B.hex(B.u16(B.GROUP.ffdhe3072)), B.hex(sh.ext[B.EXT.key_share]))
   end)
end)

describe("groups with real peers", function()
   after_each(proc.kill_all)
   local c = certs.get()

   local function luatls_server(groups)
      return peers.luatls_server { cert = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key, groups = groups }
   end

   local function s_client(port, groups)
      return proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -tls1_3 -CAfile %s -servername localhost "
         .. "-verify_hostname localhost -verify_return_error -ign_eof -groups %s", port, c.ca, groups),
         "hello luatls\n")
   end

   local function check(out, srv, group)
      assert.truthy(out:find("Verify return code: 0 (ok)", 1, true), out)
      assert.truthy(out:find("\nhello luatls\n", 1, true), out)
      assert.truthy(srv:output():find("group=" .. group .. " ", 1, true), srv:output())
      assert.truthy(srv:output():find("hello_retry=false", 1, true), srv:output())
   end

   for _, name in ipairs(FFDHE_ORDER) do
      local by_default = name == "ffdhe2048" or name == "ffdhe3072"
      it("openssl s_client -groups " .. name .. " against our server's "
            .. (by_default and "defaults" or "groups = " .. name), function()
         local srv, port = luatls_server(not by_default and name or nil)
         local out = s_client(port, name)
         check(out, srv, name)
         assert.truthy(out:find("Server Temp Key: DH, " .. (FFDHE[name] * 8) .. " bits", 1, true), out)
      end)
   end

   it("openssl s_client -groups x448:secp521r1 gets x448", function()
      local srv, port = luatls_server()
      check(s_client(port, "x448:secp521r1"), srv, "x448")
   end)

   it("openssl s_client -groups secp521r1 gets secp521r1", function()
      local srv, port = luatls_server()
      check(s_client(port, "secp521r1"), srv, "secp521r1")
   end)

   it("gnutls-cli with only ffdhe4096", function()
      local srv, port = luatls_server("x25519:ffdhe4096")
      local out = proc.run(string.format("(printf 'hello luatls\\n'; sleep 1) | gnutls-cli --x509cafile %s "
         .. "--verify-hostname localhost --sni-hostname localhost -p %d "
         .. "--priority NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-FFDHE4096 127.0.0.1", c.ca, port))
      assert.truthy(out:find("- Handshake was completed", 1, true), out)
      assert.truthy(out:find("\nhello luatls\n", 1, true), out)
      assert.truthy(srv:output():find("group=ffdhe4096 ", 1, true), srv:output())
   end)

   for _, name in ipairs { "x448", "secp521r1" } do
      it("our client with groups = { \"" .. name .. "\" } against openssl s_server", function()
         local _, port = peers.s_server(string.format("-tls1_3 -cert %s -key %s -www -groups %s",
            c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, name))
         local conn = assert(tls.connect("127.0.0.1", port, { ca = c.ca, groups = { name } },
            { servername = "localhost", timeout = 10 }))
         conn:settimeout(10)
         assert.equal(name, conn:info().group)
         assert.is_false(conn:info().hello_retry)
         assert(conn:send("GET / HTTP/1.0\r\n\r\n"))
         local page = assert(conn:receive("*a"))
         assert.truthy(page:find("Shared groups: " .. name, 1, true), page)
         conn:close()
      end)
   end

   it("our client with groups = { \"x448\" } against gnutls-serv", function()
      local _, port = peers.gnutls_serv(string.format("--x509certfile %s --x509keyfile %s --echo "
         .. "--priority NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-X448", c.leaf.ecdsa_p256.cert,
         c.leaf.ecdsa_p256.key))
      local conn = assert(tls.connect("127.0.0.1", port, { ca = c.ca, groups = "x448" },
         { servername = "localhost", timeout = 10 }))
      conn:settimeout(10)
      assert(conn:send("x448\n"))
      assert.equal("x448", conn:receive("*l"))
      assert.equal("x448", conn:info().group)
      conn:close()
   end)
end)
