-- Liberal where the RFC is: our server accepts every ClientHello the
-- protocol allows, whatever its size, skips what it does not know (suites,
-- groups, signature schemes, versions, extensions, key shares) and asks for
-- a usable key share with HelloRetryRequest. The hellos are built byte by
-- byte (spec/support/tlsbytes.lua); where the scripted client can finish
-- the handshake, it does, so "accepted" means a whole handshake.
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local I = require("tls.core")._internal

local server_engine = E.server_engine

-- n consecutive values from `first`, then the values in `tail`.
local function values(first, n, tail)
   local t = {}
   for i = 0, n - 1 do t[#t + 1] = first + i end
   for _, v in ipairs(tail or {}) do t[#t + 1] = v end
   return t
end

-- The scripted client's hello (options as for Fake:hello) to a fresh
-- server, then the whole handshake; returns the server engine and the client.
local function complete(opts, server_extra)
   local sv, fake = E.scripted_handshake(server_extra, opts)
   assert(sv:feed(fake:seal(fake.client_ap, B.CT.application_data, "ping")))
   assert.equal("ping", sv:read())
   return sv, fake
end

-- The server's answer to a ClientHello, parsed (B.first_server_hello).
local function answer(hello_bytes, server_extra)
   local sv = server_engine(server_extra)
   assert(sv:feed(hello_bytes))
   return B.first_server_hello(sv:output()), sv
end

describe("our server reads a ClientHello of any size the protocol allows:", function()
   it("3000 unknown extensions", function()
      local extra = {}
      for i = 1, 3000 do extra[i] = { 0x1000 + i, i % 2 == 0 and "" or "x" } end
      complete { extra = extra }
   end)

   it("16000 extensions, as many as the block holds", function()
      local extra = {}
      for i = 1, 16000 do extra[i] = { 0x1000 + i, "" } end
      local _, fake = complete { extra = extra }
      assert.truthy(#fake.transcript > 64000)
   end)

   it("32000 signature algorithms, the one it can use last", function()
      complete { sigalgs = values(0x1001, 31999, { 0x0403 }) }
   end)

   it("30000 unknown groups, then x25519", function()
      local sv = complete { groups = values(0x2000, 30000, { B.GROUP.x25519 }) }
      assert.equal("x25519", sv:info().group)
   end)

   it("a cipher-suite list of 32767 entries (2^16-2 bytes), ours last", function()
      local sv, fake = complete { suites = values(0x2000, 32766, { B.SUITE.aes128gcm }) }
      assert.equal("TLS_AES_128_GCM_SHA256", sv:info().cipher)
      assert.equal(B.SUITE.aes128gcm, B.parse_server_hello(fake.server_hello).suite)
   end)

   it("127 supported versions, TLS 1.3 last", function()
      complete { versions = values(0x7f00, 126, { 0x0304 }) }
   end)

   -- Every vector at its largest: 32-byte session id, 2^16-2 bytes of
   -- suites, extensions of 2^16-1 bytes (a padding extension fills them).
   -- compression: "\0" (the only TLS 1.3 value) or 255 bytes.
   local function largest(fake, compression)
      local opts = { session_id = ("s"):rep(32), suites = values(0x2000, 32766, { B.SUITE.aes128gcm }),
                     compression = compression, groups = { B.GROUP.x25519 } }
      local shares = { { B.GROUP.x25519, fake and fake.pub or select(2, B.x25519_keypair()) } }
      local base = B.client_hello_body(setmetatable({ shares = shares }, { __index = opts }))
      local room = B.MAX_CLIENT_HELLO - (255 - #compression) - #base
      opts.extra = { { B.EXT.padding, ("\0"):rep(room - 4) } }
      return opts, shares
   end

   it("a ClientHello of the largest size TLS 1.3 allows", function()
      local fake = B.fake_client()
      local opts = largest(fake, "\0")
      local sv = server_engine()
      assert(sv:feed(fake:hello(opts)))
      assert.equal(4 + B.MAX_CLIENT_HELLO - 254, #fake.transcript)
      assert(fake:receive_flight(sv:output()))
      assert(sv:feed(fake:finished(false)))
      assert.is_true(sv:status().handshake_done)
   end)

   it("a ClientHello of exactly the largest size is read, and its 255 compression methods refused", function()
      local opts, shares = largest(nil, "\0" .. ("\1"):rep(254))
      opts.shares = shares
      local hello = B.client_hello(opts)
      assert.equal(4 + B.MAX_CLIENT_HELLO, #hello)
      local sv = server_engine()
      assert.is_nil((sv:feed(B.records(B.CT.handshake, hello, { version = 0x0301 }))))
      local msg, alert = sv:error()
      assert.equal("illegal_parameter", alert)
      assert.equal("ClientHello offers compression", msg)
   end)

   it("thousands of extensions before one it must refuse: still found", function()
      local extra = {}
      for i = 1, 3000 do extra[i] = { 0x1000 + i, "" } end
      extra[#extra + 1] = { 0x1000 + 1500, "" }
      local sv = server_engine()
      assert.is_nil((sv:feed(B.client_hello_records { extra = extra })))
      local msg, alert = sv:error()
      assert.equal("illegal_parameter", alert)
      assert.equal("ClientHello: duplicate unknown extension (5596)", msg)
   end)
end)

describe("our server with key shares it cannot use", function()
   it("skips a share for a group it does not know", function()
      local sv = complete { groups = { 0x7a7a, B.GROUP.x25519 }, shares_before = { { 0x7a7a, "\1" } } }
      assert.equal("x25519", sv:info().group)
      assert.is_false(sv:info().hello_retry)
   end)

   it("skips, without checking it, a share for a group it is not configured for", function()
      local sv = complete({ groups = { B.GROUP.secp256r1, B.GROUP.x25519 },
                            shares_before = { { B.GROUP.secp256r1, B.bad_p256_point() } } },
         { groups = "x25519" })
      assert.equal("x25519", sv:info().group)
   end)

   it("skips 1000 shares for unknown groups before ours", function()
      local before = {}
      for i = 1, 1000 do before[i] = { 0x3000 + i, "\1" } end
      complete { groups = values(0x3001, 1000, { B.GROUP.x25519 }), shares_before = before }
   end)

   it("answers HelloRetryRequest when no share is usable but a listed group is", function()
      local sh = answer(B.client_hello_record { groups = { 0x7a7a, B.GROUP.secp256r1 }, shares = { { 0x7a7a, "\1" } } })
      assert.is_true(sh.hrr)
      assert.equal(B.hex(B.u16(B.GROUP.secp256r1)), B.hex(sh.ext[B.EXT.key_share]))
   end)

   it("answers HelloRetryRequest when the client sends no share at all", function()
      local sh = answer(B.client_hello_record { groups = { B.GROUP.secp384r1 }, shares = {} })
      assert.is_true(sh.hrr)
      assert.equal(B.hex(B.u16(B.GROUP.secp384r1)), B.hex(sh.ext[B.EXT.key_share]))
   end)

   it("prefers a group with a share to asking for one it prefers", function()
      local pub = select(3, I.kex_pair("secp521r1"))
      local sh = answer(B.client_hello_record { groups = { B.GROUP.x25519, B.GROUP.secp521r1 },
                                                shares = { { B.GROUP.secp521r1, pub } } })
      assert.is_false(sh.hrr)
      assert.equal(B.GROUP.secp521r1, string.unpack(">I2", sh.ext[B.EXT.key_share]))
   end)
end)

describe("our server and early data it does not accept", function()
   it("answers a ClientHello with early_data with a ServerHello and no early_data in EncryptedExtensions", function()
      local _, fake = complete { extra = { { B.EXT.early_data, "" }, { B.EXT.psk_key_exchange_modes, "\1\1" } } }
      local ee = B.parse_encrypted_extensions(fake.flight[1])
      assert.is_nil(ee[B.EXT.early_data])
   end)

   it("answers a second ClientHello without early_data after HelloRetryRequest", function()
      local sv = server_engine { groups = "secp384r1" }
      assert(sv:feed(B.client_hello_record { groups = { B.GROUP.x25519, B.GROUP.secp384r1 },
                                             extra = { { B.EXT.early_data, "" } } }))
      assert.is_true(B.first_server_hello(sv:output()).hrr)
      local pub = select(3, I.kex_pair("secp384r1"))
      assert(sv:feed(B.record(B.CT.ccs, "\1") .. B.client_hello_record {
         groups = { B.GROUP.x25519, B.GROUP.secp384r1 }, shares = { { B.GROUP.secp384r1, pub } } }))
      local sh = B.first_server_hello(sv:output())
      assert.is_false(sh.hrr)
      assert.equal(B.GROUP.secp384r1, string.unpack(">I2", sh.ext[B.EXT.key_share]))
   end)
end)

describe("extensions our server ignores in a ClientHello", function()
   it("GREASE and unknown types, and TLS 1.2's own", function()
      complete { extra = {
         { 0x0a0a, "" }, { 0xfafa, "\0" },
         { 11, "\1\0" },          -- ec_point_formats
         { 23, "" },              -- extended_master_secret
         { 35, "" },              -- session_ticket
         { 22, "" },              -- encrypt_then_mac
         { 0xff01, "\0" },        -- renegotiation_info
         { B.EXT.alpn, B.vec(2, B.vec(1, "h2")) },
         { B.EXT.status_request, "\1\0\0\0\0" },
      } }
   end)

   it("a pre_shared_key that is last (we do not resume: it is ignored)", function()
      -- OfferedPsks: one identity (opaque identity, uint32 age), one binder.
      local psk = B.vec(2, B.vec(2, "ticket") .. "\0\0\0\0") .. B.vec(2, B.vec(1, ("\0"):rep(32)))
      complete { extra = { { B.EXT.psk_key_exchange_modes, "\1\1" }, { B.EXT.pre_shared_key, psk } } }
   end)
end)

describe("openssl s_client with unusual hellos against our server", function()
   after_each(proc.kill_all)
   local c = certs.get()

   local function s_client(port, extra)
      return proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -CAfile %s -servername localhost "
         .. "-verify_hostname localhost -verify_return_error -ign_eof %s", port, c.ca, extra), "hello luatls\n")
   end

   it("every TLS 1.2 and 1.3 suite it has, unusable ones first, and every group and scheme", function()
      local srv, port = peers.luatls_server { cert = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key }
      local out = s_client(port, "-cipher 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' "
         .. "-ciphersuites TLS_AES_128_CCM_8_SHA256:TLS_AES_128_CCM_SHA256:TLS_CHACHA20_POLY1305_SHA256 "
         .. "-groups ffdhe8192:ffdhe6144:ffdhe4096:ffdhe3072:ffdhe2048:secp521r1:x448:secp384r1:secp256r1:x25519 "
         .. "-sigalgs ed448:RSA+SHA1:ECDSA+SHA1:RSA+SHA512:ECDSA+SHA512:ECDSA+SHA256")
      assert.truthy(out:find("New, TLSv1.3, Cipher is TLS_CHACHA20_POLY1305_SHA256", 1, true), out)
      assert.truthy(out:find("\nhello luatls\n", 1, true), out)
      -- s_client sends one key share, for its first group; ffdhe8192 is not among
      -- a server's default groups, so the server asks for its own first choice.
      assert.truthy(srv:output():find("group=x25519 signature=[^ ]+ hello_retry=true"), srv:output())
   end)
end)
