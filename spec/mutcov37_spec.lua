-- Session 37, review37c: an audit of which security checks no planted bug
-- covered. These eight checks (five security checks, three decode rules)
-- survived every spec when removed by hand; each test here fails with its
-- check gone (mutate/mutations_mutcov37.lua plants them, with twelve that
-- older specs already kill and one for early_data_resume_spec).
local tls = require "tls"
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"
local T = require "spec.support.tls12_peer"
local P = require "spec.support.psk13"

-- The server must decline 0-RTT when it resumes with another cipher suite than the
-- ticket's (rfc8446#4.2.10), tls13_early.c decline_reason(); with that check removed the server
-- accepted the early data and failed on its first record (bad_record_mac).
local KEY = ("E"):rep(16) .. ("e"):rep(24) .. "01234567"
describe("mutcov37: 0-RTT and the ticket's cipher suite", function()
   it("is declined when the server resumes with another suite of the same hash", function()
      local st = tls.store.memory()
      local sopts = { early_data = true, ticket_keys = { KEY }, session_store = st, ciphers = "TLS_AES_128_GCM_SHA256" }
      local sctx = E.server_ctx(sopts)
      -- (the session's suite off on this server: since review41a a server that has it resumes under it
      -- for a client sending early data)
      local o2, sev = E.traced(E.merge(sopts, { ciphers = "TLS_CHACHA20_POLY1305_SHA256" }))
      local other = E.server_ctx(o2)
      local cctx = assert(tls.context { mode = "client", ca = E.CERT, early_data = true,
         ciphers = "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256" })
      local session = E.first_session(cctx, sctx)
      local c, s = E.resume(cctx, other, session, "early")
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.is_true(s:info().resumed)
      assert.equal("rejected", s:info().early_data)
      assert.equal("cipher suite differs from the session's", E.events_of(sev, "decide", "early_data")[1].reason)
   end)
end)

-- README ("Checking certificates yourself"): a connection whose verify function accepted a chain
-- libcrypto rejected "has info().peer_verified == false", and its session is not offered by a verifying
-- client (tls13_psk_client.c: c->pol.verify && !s->peer_verified). tls_hs_common.c
-- `if (rc == 0 && ok && c->pol.verify)`: dropping `ok &&` passes every spec; this one fails then.
local OTHER = assert(tls.selfsigned { names = { "localhost" } })  -- a CA that did not issue E.CERT
describe("mutcov37: a verify function overriding libcrypto", function()
   it("leaves peer_verified false and the session unoffered", function()
      local seen
      local cctx = assert(tls.context { mode = "client", ca = OTHER,
         verify = function(chain, ok, reason) seen = { ok, reason }; return true end })
      local sctx = E.server_ctx { ticket_keys = { ("K"):rep(40) .. "01234567" } }
      local session, c = E.first_session(cctx, sctx)
      local first_seen, first_verified = seen, c:info().peer_verified
      -- the session (verdict: not verified) is not resumed by the verifying context: full handshake
      seen = nil
      local c2, s2 = E.resume(cctx, sctx, session)
      assert.is_false(first_seen[1])
      assert.is_false(first_verified)
      assert.is_true(c2:status().handshake_done, tostring(c2:error()))
      assert.is_false(c2:info().resumed)
      assert.is_not_nil(seen)
   end)
end)

-- A TLS 1.2 session ticket offered as a TLS 1.3 PSK identity (binder made with the TLS 1.2
-- master secret; same ticket keys) must not resume: tls13_psk_server.c judge() "not a TLS 1.3 session
-- of a server". With that version/kind test removed (only `made == NULL || s->secret_len !=
-- made->hash_len` kept) every spec passes, and this one shows the server resuming.
local KEY12 = ("T"):rep(16) .. ("t"):rep(24) .. "01234567"
describe("mutcov37: a TLS 1.2 ticket offered in a TLS 1.3 pre_shared_key", function()
   it("is not resumed", function()
      local sctx = E.server_ctx { ticket_keys = { KEY12 } }
      local lines = {}
      local cctx = assert(tls.context { mode = "client", ca = E.CERT, max_version = "TLSv1.2",
         ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384", keylog = function(l) lines[#lines + 1] = l end })
      local c = assert(tls.engine(cctx, { servername = "localhost" }))
      local s = assert(tls.engine(sctx))
      local from_server = {}
      assert(c:start())
      E.pump(c, s, { strict = true, tap = function(from, out) if from == s then from_server[#from_server + 1] = out end end })
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      local ticket
      for _, r in ipairs((B.parse_records(table.concat(from_server)))) do
         if r.type == 20 then break end  -- ChangeCipherSpec: the rest is encrypted
         if r.type == 22 then
            for _, m in ipairs(B.parse_handshakes(r.body)) do
               if m.type == 4 then ticket = m.body:sub(7) end
            end
         end
      end
      local master
      for _, l in ipairs(lines) do master = master or l:match("^CLIENT_RANDOM %x+ (%x+)") end
      assert(ticket and master, "no ticket or no master secret")
      master = B.unhex(master)
      local s2 = assert(tls.engine(sctx))
      local cl = P.client()
      local ok, err = s2:feed(cl:hello { server_name = "localhost", suites = { 0x1302 },
         psks = { { ticket = ticket, psk = master, suite = 0x1302, age_add = 0 } } })
      -- taken (the unknown identity is skipped), and answered with a full handshake
      assert.is_true(ok, err)
      local flight = cl:receive(s2:output())
      assert.is_falsy(flight.hrr)
      assert.is_falsy(cl.resumed)
      assert.is_false(s2:info().resumed)
   end)
end)

-- rfc5246#6.2.1: "Implementations MUST NOT send zero-length fragments of Handshake, Alert, or
-- ChangeCipherSpec content types". In TLS 1.2 only tls_dispatch.c handle_handshake() refuses a protected empty
-- handshake record (tls_record.c refuses plaintext ones, tls_protect13.c TLS 1.3 ones); with
-- `if (0 && len == 0)` there every spec passes and this one fails (the records are taken silently).
describe("mutcov37: our TLS 1.2 server and a protected empty handshake record", function()
   it("fails with unexpected_message", function()
      local s = E.server_engine { max_version = "TLSv1.2" }
      local fake = T.client()
      assert(s:feed(fake:hello()))
      fake:server_flight(s:output())
      assert(s:feed(fake:key_exchange()))
      local recs = B.parse_records(s:output())
      assert(fake:open(recs[2]))
      assert.is_true(s:info().handshake_done)
      local empties = {}
      for i = 1, 1000 do empties[i] = fake:seal(B.CT.handshake, "") end
      local ok, msg = s:feed(table.concat(empties))
      assert.is_nil(ok)
      assert.matches("empty handshake record", msg, 1, true)
   end)
end)

-- tls.https with user = / password = (LuaSocket's fields) must not send those Basic
-- credentials to another host a redirect leads to (as for an Authorization header, https_spec
-- "keeps Authorization on the same host and drops it on another"). lua/tls/https.lua trequest:
-- `if reqt.user ~= nil then reqt = setmetatable({ user = false }, ...)`: no spec fails with it removed.
local https = require "tls.https"
local ltn12 = require "ltn12"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local c = certs.get()
local leaf = c.leaf.ecdsa_p256
local function get(reqt)
  local t = {}
  reqt.sink = ltn12.sink.table(t)
  local ok, code = https.request(reqt)
  if not ok then return nil, code end
  return table.concat(t), code
end
describe("mutcov37: user/password on a redirect", function()
  local srv, port, base
  setup(function()
    srv = proc.spawn(string.format("%s spec/support/https_server.py %s %s", peers.python(), proc.quote(leaf.cert),
      proc.quote(leaf.key)), { timeout = 600 })
    port = tonumber(proc.wait_output(srv, "ready (%d+)"))
    base = "https://localhost:" .. port
  end)
  teardown(function() srv:kill() end)
  it("are sent to the same host and not to another", function()
    local same = get { url = base .. "/redirect?to=/echo", ca = c.ca, user = "alice", password = "pw" }
    local other = get { url = base .. "/redirect?to=https://127.0.0.1:" .. port .. "/echo", ca = c.ca,
      user = "alice", password = "pw" }
    assert.matches("header authorization=Basic YWxpY2U6cHc=\n", same, 1, true)
    assert.matches("header host=127.0.0.1:" .. port .. "\n", other, 1, true)
    assert.not_matches("authorization", other, 1, true)
  end)
end)

-- Three decode rules no test sent a violation of (review37c F6): a
-- ServerHelloDone with a body (rfc5246#7.4.5: struct { }), and bytes after
-- the key in a ClientKeyExchange, ECDHE (rfc8422#5.7) and RSA (rfc5246#7.4.7.1).
describe("mutcov37: TLS 1.2 messages with bytes they cannot have", function()
   local I = require("tls.core")._internal
   local proc = require "spec.support.proc"
   local c = require("spec.support.certs").get()

   it("our client refuses a ServerHelloDone with a body", function()
      local cl = E.client_engine()
      assert(cl:start())
      local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY,
         flight = function(f) f[4] = B.handshake(T.HS.server_hello_done, "\0"); return f end }
      local ok, msg = cl:feed(fake:answer(cl:output()))
      E.assert_failed(cl, ok, msg, "decode_error", "ServerHelloDone is not empty")
   end)

   it("our server refuses an ECDHE ClientKeyExchange with a byte after the point", function()
      local sv = E.server_engine { max_version = "TLSv1.2" }
      local fake = T.client()
      assert(sv:feed(fake:hello()))
      fake:server_flight(sv:output())
      local ok, msg = sv:feed(B.record(B.CT.handshake, B.handshake(T.HS.client_key_exchange, B.vec(1, fake.pub) .. "\0")))
      E.assert_failed(sv, ok, msg, "decode_error", "ClientKeyExchange is malformed")
   end)

   it("our server refuses an RSA ClientKeyExchange with a byte after the encrypted premaster", function()
      local key_pem = proc.read_file(c.leaf.rsa2048.key)
      local sv = E.server_engine { max_version = "TLSv1.2", certificate = c.leaf.rsa2048.cert, key = c.leaf.rsa2048.key,
                                   ciphers = "TLS_RSA_WITH_AES_128_GCM_SHA256" }
      local fake = T.client { suite = T.SUITE.rsa_aes128, server_key = key_pem }
      assert(sv:feed(fake:hello()))
      fake:server_flight(sv:output())
      local _, enc = assert(I.rsa_premaster_encrypt(key_pem, 0x0303))
      local ok, msg = sv:feed(B.record(B.CT.handshake, B.handshake(T.HS.client_key_exchange, B.vec(2, enc) .. "\0")))
      E.assert_failed(sv, ok, msg, "decode_error", "ClientKeyExchange is malformed")
   end)
end)
