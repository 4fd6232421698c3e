-- Checks that `make mutate` (mutate/mutations.lua) showed no other spec
-- makes: each test here fails on at least one planted bug that the rest of
-- the suite let through. Four ways in:
--   * crafted ServerHellos fed to our client engine in memory;
--   * crafted ClientHellos fed to our server engine in memory;
--   * the scripted client of spec/support/tlsbytes.lua against our server
--     engine, behind encryption (it knows every key);
--   * messages handed to our client (or server) engine in any handshake
--     state through the fuzz_hsmsg entry point (fuzz/fuzz_hsmsg.c), whose
--     replay program says what the engine made of each message: this
--     reaches the client's checks of encrypted server messages
--     (CertificateVerify, Finished, EncryptedExtensions) without a server
--     that misbehaves.
local tls = require "tls"
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local I = require("tls.core")._internal

local CERT = E.CERT
local server_engine, client_engine = E.server_engine, E.client_engine
local HRR_RANDOM = B.unhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")

-- The last feed failed with exactly `alert` and a reason matching `pattern`
-- (anchored), and the engine sent that alert.
local assert_refused = E.assert_refused

local function p256_public()
   return select(3, I.kex_pair("secp256r1"))
end

describe("our client engine refuses a ServerHello", function()
   local function started(opts)
      local cl = client_engine(opts)
      assert(cl:start())
      return cl, B.session_id_of(cl:output())
   end

   local function x25519_share()
      return { B.GROUP.x25519, select(2, B.x25519_keypair()) }
   end

   it("choosing a suite we know but did not offer", function()
      local cl, sid = started { ciphers = "TLS_AES_128_GCM_SHA256" }
      local ok, msg = cl:feed(B.record(B.CT.handshake,
         B.server_hello { session_id = sid, suite = B.SUITE.aes256gcm, share = x25519_share() }))
      assert_refused(cl, ok, msg, "illegal_parameter", "server chose cipher suite 0x1302, not offered")
   end)

   it("whose key share names another group than ours, whatever its bytes", function()
      local cl, sid = started()
      local ok, msg = cl:feed(B.record(B.CT.handshake, B.server_hello {
         session_id = sid, share = { B.GROUP.secp256r1, select(2, B.x25519_keypair()) } }))
      assert_refused(cl, ok, msg, "illegal_parameter", "server's key share is for secp256r1, we sent x25519")
   end)

   it("without a key_share", function()
      local cl, sid = started()
      local ok, msg = cl:feed(B.record(B.CT.handshake, B.server_hello { session_id = sid, share = false }))
      assert_refused(cl, ok, msg, "missing_extension", "ServerHello has no key_share")
   end)

   it("with a legacy_version other than TLS 1.2 (rfc8446#4.1.3)", function()
      local cl, sid = started()
      local ok, msg = cl:feed(B.record(B.CT.handshake, B.server_hello {
         session_id = sid, legacy_version = 0x0301, share = x25519_share() }))
      assert_refused(cl, ok, msg, "illegal_parameter", "ServerHello legacy_version is 0x0301 %(must be 0x0303 in TLS 1%.3%)")
   end)

   it("followed in its record by a message under the next key (rfc8446#5.1)", function()
      local cl, sid = started()
      local ee = B.handshake(B.HS.encrypted_extensions, B.vec(2, ""))
      local ok, msg = cl:feed(B.record(B.CT.handshake,
         B.server_hello { session_id = sid, share = x25519_share() } .. ee))
      assert_refused(cl, ok, msg, "unexpected_message",
         "handshake data continues in the record that ended a key epoch")
   end)
end)

describe("our client engine", function()
   it("will not verify a server without a name to check", function()
      -- refused when made (session 32; start() refused it before, and
      -- queued an internal_error alert as the first bytes for the peer)
      local e, msg = tls.engine(assert(tls.context { mode = "client", ca = CERT }))
      assert.is_nil(e)
      assert.matches("needs option 'servername'", msg)
   end)
end)

describe("our server engine refuses a ClientHello", function()
   it("without signature_algorithms", function()
      local sv = server_engine()
      local ok, msg = sv:feed(B.client_hello_record { sigalgs = false })
      assert_refused(sv, ok, msg, "missing_extension", "ClientHello has no signature_algorithms")
   end)

   it("without a key_share extension", function()
      local sv = server_engine()
      local ok, msg = sv:feed(B.client_hello_record { shares = false })
      assert_refused(sv, ok, msg, "missing_extension", "ClientHello lacks supported_groups or key_share")
   end)

   it("followed in its record by another message (rfc8446#5.1)", function()
      local sv = server_engine()
      local ok, msg = sv:feed(B.record(B.CT.handshake,
         B.client_hello {} .. B.handshake(B.HS.finished, ("\0"):rep(32)), { version = 0x0301 }))
      assert_refused(sv, ok, msg, "unexpected_message",
         "handshake data continues in the record that ended a key epoch")
   end)

   -- A HelloRetryRequest for secp256r1, then a second ClientHello.
   local function retried(opts, first)
      local sv = server_engine(opts)
      assert(sv:feed(B.client_hello_record(first or {})))
      local reply = B.parse_records(sv:output())
      assert.equal(HRR_RANDOM, reply[1].body:sub(4 + 2 + 1, 4 + 2 + 32), "expected a HelloRetryRequest")
      return sv
   end

   it("a second time with other cipher suites (rfc8446#4.1.2)", function()
      -- the suite chosen is still offered, behind one we prefer
      local sv = retried({ groups = "secp256r1" }, { suites = { B.SUITE.aes256gcm } })
      local ok, msg = sv:feed(B.record(B.CT.handshake, B.client_hello {
         suites = { B.SUITE.aes128gcm, B.SUITE.aes256gcm }, shares = { { B.GROUP.secp256r1, p256_public() } } }))
      assert_refused(sv, ok, msg, "illegal_parameter", "second ClientHello changes the cipher suites")
   end)

   it("a second time with a key share for another group than the one asked for", function()
      local sv = retried({ groups = "secp256r1:x25519" }, { shares = {} })
      local ok, msg = sv:feed(B.record(B.CT.handshake, B.client_hello {
         shares = { { B.GROUP.x25519, select(2, B.x25519_keypair()) } } }))
      assert_refused(sv, ok, msg, "illegal_parameter", "second ClientHello does not carry a key share for secp256r1")
   end)
end)

describe("our server engine, behind encryption,", function()
   local started, connected = E.scripted_hello, E.scripted_handshake

   it("refuses a Finished one byte too long", function()
      local sv, fake = started()
      local vd = fake:finished_message(false):sub(5)
      local ok, msg = sv:feed(fake:seal(fake.client_hs, B.CT.handshake, B.handshake(B.HS.finished, vd .. "\0")))
      assert_refused(sv, ok, msg, "decode_error", "Finished message has the wrong length")
   end)

   it("drops dummy change_cipher_spec records, but not more than 32 in a row (rfc8446#5)", function()
      local sv, fake = started()
      local ccs = B.record(B.CT.ccs, "\1")
      assert(sv:feed(ccs:rep(5)))
      assert(sv:feed(fake:seal(fake.client_hs, B.CT.handshake, fake:finished_message(false))))
      assert.is_true(sv:status().handshake_done)
      sv = started()
      local ok, msg = sv:feed(ccs:rep(33))
      assert_refused(sv, ok, msg, "unexpected_message", "peer sent more than 32 records in a row without content")
   end)

   it("reads with the client's next key after its KeyUpdate (rfc8446#4.6.3)", function()
      local sv, fake = connected()
      assert(sv:feed(fake:seal(fake.client_ap, B.CT.handshake, B.handshake(24, "\0"))))
      assert.equal("", sv:output(), "update_not_requested needs no answer")
      local next_secret = I.next_traffic_secret("sha256", fake.client_ap)
      assert(sv:feed(fake:seal(next_secret, B.CT.application_data, "after the update")))
      assert.equal("after the update", sv:read())
   end)

   it("answers a KeyUpdate that requests one, then writes with its next key", function()
      local sv, fake = connected()
      assert(sv:feed(fake:seal(fake.client_ap, B.CT.handshake, B.handshake(24, "\1"))))
      local records = B.parse_records(sv:output())
      assert.equal(1, #records)
      local ctype, content = fake:open(fake.server_ap, records[1])
      assert.equal(B.CT.handshake, ctype)
      assert.equal(B.hex(B.handshake(24, "\0")), B.hex(content))
      assert(sv:write("with the new key"))
      local next_secret = I.next_traffic_secret("sha256", fake.server_ap)
      ctype, content = fake:open(next_secret, B.parse_records(sv:output())[1])
      assert.equal(B.CT.application_data, ctype)
      assert.equal("with the new key", content)
   end)

   it("refuses a KeyUpdate with request_update 2", function()
      local sv, fake = connected()
      local ok, msg = sv:feed(fake:seal(fake.client_ap, B.CT.handshake, B.handshake(24, "\2")))
      assert_refused(sv, ok, msg, "illegal_parameter", "KeyUpdate with request_update 2")
   end)

   it("refuses a NewSessionTicket from the client", function()
      local sv, fake = connected()
      local ticket = B.unhex("00001c20 01020304 00 0004 74696b74 0000")
      local ok, msg = sv:feed(fake:seal(fake.client_ap, B.CT.handshake, B.handshake(4, ticket)))
      assert_refused(sv, ok, msg, "unexpected_message", "unexpected NewSessionTicket message after the handshake")
   end)

   it("refuses a protected record of padding only (rfc8446#5.4)", function()
      local sv, fake = connected()
      local ok, msg = sv:feed(fake:seal(fake.client_ap, 0, "", { padding = "\0\0" }))
      assert_refused(sv, ok, msg, "unexpected_message", "protected record without a content type")
   end)

   it("refuses a protected record header longer than 2^14 + 256 before its body arrives", function()
      local sv = connected()
      local ok, msg = sv:feed(B.unhex("17 03 03") .. B.u16(16384 + 257))
      assert_refused(sv, ok, msg, "record_overflow", "record of 16641 bytes %(at most 16640 allowed%)")
   end)
end)

describe("our server engine's limit on a handshake message", function()
   -- A ClientHello may be as large as its length fields allow (131396
   -- bytes); every other message, and a ClientHello once the hellos are
   -- over, has the 64 KiB limit. A header alone is enough: the engine
   -- refuses before it buffers the body.
   it("refuses a Finished larger than 64 KiB in place of the ClientHello", function()
      local sv = server_engine()
      local ok, msg = sv:feed(B.record(B.CT.handshake, B.u8(B.HS.finished) .. B.u24(65537)))
      assert_refused(sv, ok, msg, "decode_error", "Finished message of 65537 bytes is larger than the 65536 we accept")
   end)

   it("refuses a ClientHello larger than 64 KiB after the handshake", function()
      local sv, fake = E.scripted_handshake()
      local header = B.u8(B.HS.client_hello) .. B.u24(65537)
      local ok, msg = sv:feed(fake:seal(fake.client_ap, B.CT.handshake, header))
      assert_refused(sv, ok, msg, "decode_error", "ClientHello message of 65537 bytes is larger than the 65536 we accept")
   end)
end)

---------------------------------------------------------------------------
-- Through the fuzz_hsmsg entry point (see fuzz/fuzz_hsmsg.c for the input
-- format): byte 0 = state + 16 * suite, byte 1 = message type, then the body.
---------------------------------------------------------------------------
describe("a message handed to our engine in a handshake state", function()
   local REPLAY = "build-fuzz/replay/fuzz_hsmsg"
   local CLEAN_ENV = "env -u LD_PRELOAD ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 FUZZ_STATUS=1 "
   local ST = { client_wait_sh = 0, client_wait_sh_after_hrr = 1, client_wait_ee = 2, client_wait_cert_cr = 3,
                client_wait_cv = 5, client_wait_finished = 6, client_connected = 7, server_connected = 11 }
   local AES128, ALL = 0, 3
   local sid

   local run = require("spec.support.proc").capture

   setup(function()
      local code, out = run("env -u LD_PRELOAD make -s fuzz-replay")
      assert(code == 0, "`make fuzz-replay` failed:\n" .. out)
      -- The session id our deterministic client sends, from a recorded ServerHello.
      local f = assert(io.open("fuzz/corpus/fuzz_hsmsg/client_wait_sh_real_suite1", "rb"))
      local seed = f:read("a")
      f:close()
      local at = 2 + 2 + 32 + 1
      sid = seed:sub(at + 1, at + seed:byte(at))
      assert.equal(32, #sid)
   end)

   -- What the engine made of `body` as a message of `type` in `state`.
   local function status(state, suite, mtype, body)
      local path = os.tmpname()
      local f = assert(io.open(path, "wb"))
      f:write(string.char(state + 16 * suite, mtype), body)
      f:close()
      local code, out = run(CLEAN_ENV .. REPLAY .. " " .. path)
      os.remove(path)
      assert(code == 0, out)
      return assert(out:match("status [^:]*: ([^\n]*)"), out)
   end

   local function hrr(extensions, suite)
      return B.server_hello { random = HRR_RANDOM, session_id = sid, extensions = extensions,
                              suite = suite }:sub(5)
   end
   local SV13 = { B.EXT.supported_versions, B.u16(0x0304) }

   it("EncryptedExtensions with an extension we did not offer: unsupported_extension", function()
      assert.equal("target: rejected unsupported_extension: EncryptedExtensions: unknown extension 64250",
         status(ST.client_wait_ee, AES128, B.HS.encrypted_extensions, B.vec(2, B.u16(0xfafa) .. B.vec(2, ""))))
   end)

   it("a server Certificate without certificates: decode_error (rfc8446#4.4.2.4)", function()
      assert.equal("target: rejected decode_error: server sent no certificate",
         status(ST.client_wait_cert_cr, AES128, B.HS.certificate, "\0" .. B.u24(0)))
   end)

   it("a server Certificate with a request context: illegal_parameter", function()
      assert.equal("target: rejected illegal_parameter: server Certificate has a request context",
         status(ST.client_wait_cert_cr, AES128, B.HS.certificate, B.vec(1, "x") .. B.u24(0)))
   end)

   it("a CertificateVerify whose signature does not verify: decrypt_error", function()
      local sig = "\48\6\2\1\1\2\1\1" -- ECDSA r = 1, s = 1
      assert.equal("target: rejected decrypt_error: signature in CertificateVerify does not verify",
         status(ST.client_wait_cv, AES128, B.HS.certificate_verify, B.u16(0x0403) .. B.vec(2, sig)))
   end)

   it("a CertificateVerify with a scheme we did not offer: illegal_parameter (rfc8446#4.4.3)", function()
      assert.equal("target: rejected illegal_parameter: peer signed with rsa_pkcs1_sha256, which TLS 1.3 does not allow in CertificateVerify",
         status(ST.client_wait_cv, AES128, B.HS.certificate_verify, B.u16(0x0401) .. B.vec(2, ("\1"):rep(256))))
   end)

   it("a server Finished that does not match: decrypt_error (rfc8446#4.4.4)", function()
      assert.equal("target: rejected decrypt_error: peer's Finished does not match the handshake we saw",
         status(ST.client_wait_finished, AES128, B.HS.finished, ("\0"):rep(32)))
   end)

   it("a server Finished one byte too long: decode_error", function()
      assert.equal("target: rejected decode_error: Finished message has the wrong length",
         status(ST.client_wait_finished, AES128, B.HS.finished, ("\0"):rep(33)))
   end)

   it("a KeyUpdate with request_update 2 to the client: illegal_parameter", function()
      assert.equal("target: rejected illegal_parameter: KeyUpdate with request_update 2",
         status(ST.client_connected, AES128, 24, "\2"))
   end)

   it("a KeyUpdate to the client: the client reads with the next key", function()
      assert.equal("target: connected [read keys 3, data 0]; peer: connected [read keys 2, data 0]",
         status(ST.client_connected, AES128, 24, "\0"))
   end)

   it("a NewSessionTicket to the server: unexpected_message", function()
      assert.equal("target: rejected unexpected_message: unexpected NewSessionTicket message after the handshake",
         status(ST.server_connected, AES128, 4, B.unhex("00001c20 01020304 00 0004 74696b74 0000")))
   end)

   it("a CertificateRequest with a request context during the handshake: illegal_parameter", function()
      assert.equal("target: rejected illegal_parameter: CertificateRequest during the handshake has a request context",
         status(ST.client_wait_cert_cr, AES128, 13, B.vec(1, "x") .. B.vec(2, "")))
   end)

   it("a HelloRetryRequest for the group we already sent: illegal_parameter (rfc8446#4.2.8)", function()
      assert.equal("target: rejected illegal_parameter: HelloRetryRequest asks for group x25519, which is not usable",
         status(ST.client_wait_sh, AES128, B.HS.server_hello, hrr { SV13, { B.EXT.key_share, B.u16(B.GROUP.x25519) } }))
   end)

   it("a HelloRetryRequest for a group we did not offer: illegal_parameter", function()
      -- x448: clients offer secp521r1 by default since mend15, x448 only on request
      assert.equal("target: rejected illegal_parameter: HelloRetryRequest asks for group x448, which is not usable",
         status(ST.client_wait_sh, AES128, B.HS.server_hello, hrr { SV13, { B.EXT.key_share, B.u16(B.GROUP.x448) } }))
   end)

   it("a HelloRetryRequest that changes nothing: illegal_parameter (rfc8446#4.1.4)", function()
      assert.equal("target: rejected illegal_parameter: HelloRetryRequest asks for no change",
         status(ST.client_wait_sh, AES128, B.HS.server_hello, hrr { SV13 }))
   end)

   it("a second HelloRetryRequest: unexpected_message (rfc8446#4.1.4)", function()
      assert.equal("target: rejected unexpected_message: second HelloRetryRequest",
         status(ST.client_wait_sh_after_hrr, ALL, B.HS.server_hello,
            hrr { SV13, { 44, B.vec(2, "cookie") } }))
   end)

   it("a ServerHello after HelloRetryRequest with another suite: illegal_parameter (rfc8446#4.1.4)", function()
      local sh = B.server_hello { session_id = sid, suite = B.SUITE.aes256gcm,
                                  share = { B.GROUP.secp256r1, p256_public() } }:sub(5)
      assert.equal("target: rejected illegal_parameter: ServerHello changes the cipher suite chosen in HelloRetryRequest",
         status(ST.client_wait_sh_after_hrr, ALL, B.HS.server_hello, sh))
   end)
end)
