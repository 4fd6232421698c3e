-- Session 31: two findings of earlier reviews that were left open.
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"

-- review29d I2: after a HelloRetryRequest the suite is the one it named
-- (rfc8446#4.1.4). A PSK of a SHA-384 session made the first choice
-- TLS_AES_256_GCM_SHA384; a second ClientHello the server handled without
-- that PSK had the suite re-chosen by preference (AES_128) and was refused.
describe("the suite a HelloRetryRequest named", function()
   local P = require "spec.support.psk13"
   local KEY = ("B"):rep(40) .. "01234567"
   local function server() return E.server_engine { ticket_keys = { KEY }, groups = "x25519" } end
   local p256 = { B.GROUP.secp256r1, "\4" .. ("\1"):rep(64) }
   local groups = { B.GROUP.secp256r1, B.GROUP.x25519 }

   local function retried(first)
      local t = P.full(server(), { suites = { B.SUITE.aes256gcm } })[1]
      assert.equal("TLS_AES_256_GCM_SHA384", t.suite)
      local sv, cl = server(), P.client()
      local hello = { server_name = "localhost", groups = groups }
      assert(sv:feed(cl:hello(E.merge({ shares = { p256 }, psks = first and { t } or nil }, hello))))
      local r = cl:receive(sv:output())
      assert.is_true(r.hrr)
      assert.equal(B.SUITE.aes256gcm, r.sh.suite)
      return sv, cl, hello, t
   end

   it("is kept when the second ClientHello no longer carries the PSK that chose it", function()
      local sv, cl, hello = retried(true)
      assert(sv:feed(cl:hello(hello)))
      local f = cl:receive(sv:output())
      assert.is_false(f.hrr)
      assert.equal(B.SUITE.aes256gcm, f.sh.suite)
      assert.is_falsy(cl.resumed)
      assert(sv:feed(cl:finished()))
      assert.is_true(sv:status().handshake_done)
      assert.equal("TLS_AES_256_GCM_SHA384", sv:info().cipher)
   end)

   it("is kept, and the session resumed, when it carries the PSK again", function()
      local sv, cl, hello, t = retried(true)
      assert(sv:feed(cl:hello(E.merge({ psks = { t } }, hello))))
      local f = cl:receive(sv:output())
      assert.equal(B.SUITE.aes256gcm, f.sh.suite)
      assert.is_true(cl.resumed)
   end)

   it("still refuses a second ClientHello whose list changed around it", function()
      local sv, cl, hello = retried(true)
      local ok, msg = sv:feed(cl:hello(E.merge({ suites = { B.SUITE.aes256gcm, B.SUITE.aes128gcm } }, hello)))
      E.assert_failed(sv, ok, msg, "illegal_parameter", "second ClientHello changes the cipher suites")
   end)
end)

-- review29b I1: a client offering TLS 1.2 and 1.3 opens the TLS 1.3 window
-- in which a change_cipher_spec is dropped unread; one that came before a
-- TLS 1.2 ServerHello was dropped too, though in TLS 1.2 it is out of
-- order (rfc5246#7.1), as it is for a client offering TLS 1.2 only.
describe("a change_cipher_spec before a TLS 1.2 ServerHello", function()
   local CCS = B.record(B.CT.ccs, "\1")
   for _, max in ipairs { "TLSv1.3", "TLSv1.2" } do
      it("is unexpected_message for a client whose max_version is " .. max, function()
         local c, s = E.engines({ max_version = max }, { max_version = "TLSv1.2" })
         assert(c:start())
         assert(s:feed(c:output()))
         local ok, msg = c:feed(CCS .. s:output())
         E.assert_failed(c, ok, msg, "unexpected_message",
            max == "TLSv1.3" and "change_cipher_spec record before the server's TLS 1.2 ServerHello"
               or "change_cipher_spec record outside the handshake")
      end)
   end

   it("a TLS 1.2 handshake without one still completes for a client offering both", function()
      local c, s = E.connected(nil, { max_version = "TLSv1.2" })
      assert.equal("TLSv1.2", c:info().version)
   end)
end)

-- review31a F1: with an ECDSA default and an RSA pair, a TLS 1.2 client
-- offering only ECDHE_RSA with SHA-1 signatures (or no
-- signature_algorithms) was refused with the default pair's reason (no
-- ECDHE_ECDSA suite), not with what was missing for the RSA pair.
describe("a TLS 1.2 client no pair fits", function()
   local tls = require "tls"
   local ec, eck = assert(tls.selfsigned { names = { "localhost" }, key = "ec" })
   local rsa, rsak = assert(tls.selfsigned { names = { "localhost" }, key = "rsa" })
   local SHA1 = "no signature algorithm in common with the client for our certificate"
   local NONE = "the client sent no signature_algorithms, which in TLS 1.2 means SHA-1 signatures only; we sign "
      .. "with SHA-256 or better"
   for _, case in ipairs {
      { "sigalgs rsa_pkcs1_sha1 only", { 0x0201 }, SHA1 },
      { "no signature_algorithms", false, NONE },
   } do
      for _, name in ipairs { "localhost", false } do
         it("is told what its suites' pair lacks: " .. case[1] .. (name and ", server_name" or ", no server_name"),
            function()
               -- (review39h I2: with both pairs, the message weighs both, and names the RSA key as the
               -- one the client's suites are for)
               local both = case[2] and "none of our 2 certificates" .. (name and " for localhost" or "")
                  .. " fits this client: its TLS 1.2 suites fit only our RSA 2048 bits key, which signs with none "
                  .. "of the signatures it accepts (rsa_pkcs1_sha1)" or case[3]
               for _, pairs in ipairs {
                  { certificate = ec, key = eck, certificates = { { certificate = rsa, key = rsak } }, why = both },
                  { certificate = rsa, key = rsak, why = case[3] },
               } do
                  local why = pairs.why
                  pairs.why = nil
                  local e = assert(tls.engine(assert(tls.context(E.merge({ mode = "server" }, pairs)))))
                  local ok, msg = e:feed(B.client_hello_record { versions = false, shares = false,
                     groups = { B.GROUP.x25519, B.GROUP.secp256r1 }, suites = { 0xc02f }, sigalgs = case[2],
                     server_name = name or nil, extra = { { 23, "" } } })
                  E.assert_failed(e, ok, msg, "handshake_failure", why)
               end
            end)
      end
   end
end)

-- review31d F1: the drop-in's send and receive re-raised argument errors
-- from a pcall, as "bad argument #2 to '?'" without the program's line.
describe("the drop-in's argument errors", function()
   it("name the method and the argument as LuaSec does, at the program's line", function()
      local ssl = require "tls.luasec"
      local socket = require "socket"
      local l = assert(socket.bind("127.0.0.1", 0))
      local c = socket.tcp()
      assert(c:connect("127.0.0.1", select(2, l:getsockname())))
      local conn = assert(ssl.wrap(c, { mode = "client", protocol = "any", verify = "none" }))
      conn:settimeout(0)
      local line = debug.getinfo(1, "l").currentline
      local ok, err = pcall(function() local r = conn:receive("*x"); return r end)
      assert.is_false(ok)
      assert.equal(("spec/lead31_spec.lua:%d: bad argument #1 to 'receive' (invalid receive pattern)")
         :format(line + 1), err)
      ok, err = pcall(function() local r = conn:send({}); return r end)
      assert.is_false(ok)
      assert.equal(("spec/lead31_spec.lua:%d: bad argument #1 to 'send' (string expected, got table)")
         :format(line + 5), err)
      -- what is not a bad argument passes unchanged
      assert.same({ nil, "wantread", "" }, { conn:receive("*l") })
      conn:close()
      l:close()
   end)
end)
