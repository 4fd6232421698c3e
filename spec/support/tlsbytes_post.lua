-- After the handshake, byte by byte: helpers on top of spec/support/tlsbytes.lua
-- for the record-layer specs.
--   * KeyUpdate and NewSessionTicket messages, sealed by the scripted client
--     (which then follows its own key change as RFC 8446 4.6.3 says);
--   * reading everything a peer sent while following its key updates;
--   * a minimal scripted server (TLS_AES_128_GCM_SHA256, x25519, an ECDSA
--     P-256 certificate) that takes our client engine through a handshake and
--     then sends it whatever a test wants: tickets, KeyUpdates, alerts.
-- The secrets come from the engine's own key schedule functions (_internal):
-- these helpers test the record layer's rules, not the key derivation, which
-- the RFC 8448 known answers and the interop specs cover.
local I = require("tls.core")._internal
local B = require "spec.support.tlsbytes"

local P = {}

local SUITE, HASH = "TLS_AES_128_GCM_SHA256", "sha256"

P.HS = { new_session_ticket = 4, encrypted_extensions = 8, certificate = 11, certificate_verify = 15,
         finished = 20, key_update = 24, message_hash = 254 }
P.EXT = { record_size_limit = 28, early_data = 42 }

-- rfc8446#7.2: application_traffic_secret_N+1.
function P.next_secret(secret)
   return assert(I.next_traffic_secret(HASH, secret))
end

-- rfc8446#4.6.3: KeyUpdate { request_update }.
function P.key_update_message(requested)
   return B.handshake(P.HS.key_update, B.u8(requested and 1 or 0))
end

-- rfc8446#4.6.1: a NewSessionTicket with a ticket of `n` random bytes.
function P.ticket_message(n)
   local lifetime = string.pack(">I4", 7200)
   local age_add = string.pack(">I4", 12345)
   return B.handshake(P.HS.new_session_ticket,
      lifetime .. age_add .. B.vec(1, "\0") .. B.vec(2, I.random(n or 32)) .. B.vec(2, ""))
end

-- The scripted client's KeyUpdate: sealed under its current application
-- key, after which it sends under the next one.
function P.client_key_update(fake, requested)
   local record = fake:seal(fake.client_ap, B.CT.handshake, P.key_update_message(requested))
   fake.client_ap = P.next_secret(fake.client_ap)
   return record
end

-- Opens every record in `bytes` under `keys[field]` (a table holding the
-- peer's current application secret) and follows the peer's KeyUpdates.
-- Returns a list of { type =, content = } for the protected records, and
-- { plain = true, type =, content = } for the unprotected ones.
function P.read_all(opener, keys, field, bytes)
   local out = {}
   local records, rest = B.parse_records(bytes)
   assert(rest == "", "output ends in a partial record")
   for _, r in ipairs(records) do
      if r.type ~= B.CT.application_data then
         out[#out + 1] = { plain = true, type = r.type, content = r.body }
      else
         local ctype, content = opener:open(keys[field], r)
         assert(ctype, "a record did not open: " .. tostring(content))
         out[#out + 1] = { type = ctype, content = content }
         if ctype == B.CT.handshake and content:byte(1) == P.HS.key_update then
            keys[field] = P.next_secret(keys[field])
         end
      end
   end
   return out
end

-- Counts KeyUpdate messages in a list from read_all, by request_update.
function P.count_key_updates(list)
   local requested, not_requested = 0, 0
   for _, r in ipairs(list) do
      if not r.plain and r.type == B.CT.handshake and r.content:byte(1) == P.HS.key_update then
         if r.content:byte(5) == 1 then requested = requested + 1 else not_requested = not_requested + 1 end
      end
   end
   return requested, not_requested
end

---------------------------------------------------------------------------
-- A scripted server
---------------------------------------------------------------------------
local function base64_decode(s)
   local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
   local value = {}
   for i = 1, #alphabet do value[alphabet:byte(i)] = i - 1 end
   s = s:gsub("[^%w%+/]", "")
   local out, bits, nbits = {}, 0, 0
   for i = 1, #s do
      bits = (bits << 6) | value[s:byte(i)]
      nbits = nbits + 6
      if nbits >= 8 then
         nbits = nbits - 8
         out[#out + 1] = string.char((bits >> nbits) & 0xff)
      end
   end
   return table.concat(out)
end

-- The DER bytes of the first certificate in a PEM text.
function P.pem_to_der(pem)
   local body = pem:match("%-%-%-%-%-BEGIN CERTIFICATE%-%-%-%-%-(.-)%-%-%-%-%-END CERTIFICATE%-%-%-%-%-")
   assert(body, "no certificate in the PEM text")
   return base64_decode(body)
end

-- The x25519 key share in a ClientHello message.
local function x25519_share(client_hello)
   local at = client_hello:find("\0\29\0\32", 1, true)
   assert(at, "no x25519 key share in the ClientHello")
   return client_hello:sub(at + 4, at + 35)
end

local Server = {}
Server.__index = Server

-- cert_pem, key_pem: an ECDSA P-256 certificate and its key (tls.selfsigned's default).
function P.fake_server(cert_pem, key_pem)
   local s = B.fake_client() -- for its seal/open, which count sequence numbers per secret
   s.cert_der = P.pem_to_der(cert_pem)
   s.key_pem = key_pem
   for k, v in pairs(Server) do s[k] = v end
   return s
end

-- Takes the client's first flight (its ClientHello record) and returns the
-- server's whole first flight: ServerHello in the clear, then one protected
-- record with EncryptedExtensions (carrying `ee_extensions`, a list of
-- { type, data }), Certificate, CertificateVerify and Finished.
function Server:answer(client_flight, ee_extensions)
   local records = B.parse_records(client_flight)
   local ch = B.parse_handshakes(records[1].body)[1]
   assert(ch.type == B.HS.client_hello, "the client's first message is not a ClientHello")
   local priv, pub = B.x25519_keypair()
   local shared = assert(I.kex_x25519(priv, x25519_share(ch.raw)))
   local sh = B.server_hello { session_id = B.session_id_of(client_flight), share = { B.GROUP.x25519, pub } }
   local transcript = ch.raw .. sh
   local th_sh = I.hash(HASH, transcript)
   local hs = assert(I.keyschedule(SUITE, shared, th_sh, th_sh))
   self.client_hs, self.server_hs = hs.client_hs, hs.server_hs
   local exts = {}
   for i, e in ipairs(ee_extensions or {}) do exts[i] = B.u16(e[1]) .. B.vec(2, e[2]) end
   local ee = B.handshake(P.HS.encrypted_extensions, B.vec(2, table.concat(exts)))
   -- self.certificate_list (optional): the whole certificate_list content.
   local cert = B.handshake(P.HS.certificate,
      B.vec(1, "") .. B.vec(3, self.certificate_list or (B.vec(3, self.cert_der) .. B.vec(2, ""))))
   transcript = transcript .. ee .. cert
   -- rfc8446#4.4.3: 64 spaces, the context string, a zero byte, the transcript hash.
   local content = (" "):rep(64) .. "TLS 1.3, server CertificateVerify\0" .. I.hash(HASH, transcript)
   local sig = assert(I.sign(self.key_pem, "ecdsa_secp256r1_sha256", content))
   local cv = B.handshake(P.HS.certificate_verify, B.u16(0x0403) .. B.vec(2, sig))
   transcript = transcript .. cv
   local fin = B.handshake(P.HS.finished, I.finished(HASH, self.server_hs, I.hash(HASH, transcript)))
   transcript = transcript .. fin
   local keys = assert(I.keyschedule(SUITE, shared, th_sh, I.hash(HASH, transcript)))
   self.client_ap, self.server_ap = keys.client_ap, keys.server_ap
   return B.record(B.CT.handshake, sh) .. self:seal(self.server_hs, B.CT.handshake, ee .. cert .. cv .. fin)
end

-- Drives a started client engine through the handshake; returns the server.
function P.handshake_with(client, cert_pem, key_pem, ee_extensions)
   local srv = P.fake_server(cert_pem, key_pem)
   assert(client:feed(srv:answer(client:output(), ee_extensions)))
   assert(client:status().handshake_done, "the client did not finish its handshake")
   client:output() -- its change_cipher_spec and Finished: not checked here
   return srv
end

-- The scripted server's KeyUpdate, after which it sends under its next key.
function Server:key_update(requested)
   local record = self:seal(self.server_ap, B.CT.handshake, P.key_update_message(requested))
   self.server_ap = P.next_secret(self.server_ap)
   return record
end

return P
