-- TLS 1.3 cryptography for the test suite's scripted peers, written from
-- RFC 8446 on top of refcrypto (raw libcrypto, spec/support/refcrypto.c).
-- Nothing here calls the engine under test: a mistake shared by our client
-- and our server (a wrong label, a transcript hashed at the wrong point, a
-- nonce built the wrong way) shows up as a failed handshake instead of
-- cancelling out. spec/hostile_server_spec.lua checks every step against
-- RFC 8448's trace.
--
--   R.suite(id_or_name)                 -> { id, name, md, hash_len, cipher, key_len }
--   R.hkdf_extract(md, salt, ikm), R.hkdf_expand(md, prk, info, len)
--   R.expand_label(md, secret, label, context, len)
--   R.derive_secret(md, secret, label, transcript_hash)
--   R.key_schedule(suite)               -> ks; ks:handshake(shared, th), ks:master(th), ks:resumption(th)
--   R.traffic_keys(suite, secret)       -> key, iv
--   R.next_secret(suite, secret)        -> the KeyUpdate successor (rfc8446#7.2)
--   R.nonce(iv, seq)                    -> per-record nonce (rfc8446#5.3)
--   R.finished(suite, base_secret, th)  -> verify_data (rfc8446#4.4.4)
--   R.certificate_verify_content(by_server, th) (rfc8446#4.4.3)
--   R.message_hash(suite, client_hello) -> the synthetic message replacing ClientHello1 (rfc8446#4.4.1)
--   R.protector(suite, secret)          -> p; p:seal(ctype, content, opts) -> record, p:open(record) -> type, content
local C = require "refcrypto"

local R = {}

local SUITES = {
   { id = 0x1301, name = "TLS_AES_128_GCM_SHA256", md = "sha256", hash_len = 32, cipher = "aes-128-gcm", key_len = 16 },
   { id = 0x1302, name = "TLS_AES_256_GCM_SHA384", md = "sha384", hash_len = 48, cipher = "aes-256-gcm", key_len = 32 },
   { id = 0x1303, name = "TLS_CHACHA20_POLY1305_SHA256", md = "sha256", hash_len = 32,
     cipher = "chacha20-poly1305", key_len = 32 },
}
local by_key = {}
for _, s in ipairs(SUITES) do
   by_key[s.id] = s
   by_key[s.name] = s
end

function R.suite(key)
   return by_key[key] or error("ref13: unknown cipher suite " .. tostring(key), 2)
end

local function u8(v) return string.char(v & 0xff) end
local function u16(v) return string.char((v >> 8) & 0xff, v & 0xff) end

---------------------------------------------------------------------------
-- HKDF (RFC 5869) from HMAC alone
---------------------------------------------------------------------------
function R.hkdf_extract(md, salt, ikm)
   -- RFC 5869 2.2: an absent salt is HashLen zeros (HMAC pads an empty key
   -- to the same thing, but say it).
   if salt == nil or salt == "" then salt = ("\0"):rep(#C.digest(md, "")) end
   return C.hmac(md, salt, ikm)
end

function R.hkdf_expand(md, prk, info, len)
   local out, t, i = {}, "", 1
   local have = 0
   while have < len do
      t = C.hmac(md, prk, t .. info .. u8(i))
      out[#out + 1] = t
      have = have + #t
      i = i + 1
   end
   return table.concat(out):sub(1, len)
end

-- rfc8446#7.1: HkdfLabel = length || "tls13 " label || context, each a vector.
function R.expand_label(md, secret, label, context, len)
   local full = "tls13 " .. label
   local info = u16(len) .. u8(#full) .. full .. u8(#context) .. context
   return R.hkdf_expand(md, secret, info, len)
end

-- Derive-Secret(Secret, Label, Messages), given Transcript-Hash(Messages).
function R.derive_secret(md, secret, label, th)
   return R.expand_label(md, secret, label, th, #th)
end

function R.transcript_hash(suite, messages)
   return C.digest(suite.md, messages)
end

---------------------------------------------------------------------------
-- The key schedule (rfc8446#7.1), without PSK
---------------------------------------------------------------------------
local KS = {}
KS.__index = KS

function R.key_schedule(suite)
   local md, hl = suite.md, suite.hash_len
   local ks = setmetatable({ suite = suite }, KS)
   ks.early = R.hkdf_extract(md, "", ("\0"):rep(hl))
   ks.empty_hash = C.digest(md, "")
   ks.derived_early = R.derive_secret(md, ks.early, "derived", ks.empty_hash)
   return ks
end

-- th: Transcript-Hash(ClientHello..ServerHello).
function KS:handshake(shared, th)
   local md = self.suite.md
   self.handshake_secret = R.hkdf_extract(md, self.derived_early, shared)
   self.client_hs = R.derive_secret(md, self.handshake_secret, "c hs traffic", th)
   self.server_hs = R.derive_secret(md, self.handshake_secret, "s hs traffic", th)
   self.derived_hs = R.derive_secret(md, self.handshake_secret, "derived", self.empty_hash)
   return self
end

-- th: Transcript-Hash(ClientHello..server Finished).
function KS:master(th)
   local md, hl = self.suite.md, self.suite.hash_len
   self.master_secret = R.hkdf_extract(md, self.derived_hs, ("\0"):rep(hl))
   self.client_ap = R.derive_secret(md, self.master_secret, "c ap traffic", th)
   self.server_ap = R.derive_secret(md, self.master_secret, "s ap traffic", th)
   self.exporter = R.derive_secret(md, self.master_secret, "exp master", th)
   return self
end

-- th: Transcript-Hash(ClientHello..client Finished).
function KS:resumption(th)
   self.resumption_secret = R.derive_secret(self.suite.md, self.master_secret, "res master", th)
   return self
end

function R.traffic_keys(suite, secret)
   return R.expand_label(suite.md, secret, "key", "", suite.key_len),
          R.expand_label(suite.md, secret, "iv", "", 12)
end

function R.next_secret(suite, secret)
   return R.expand_label(suite.md, secret, "traffic upd", "", suite.hash_len)
end

-- rfc8446#5.3: the 64-bit sequence number, left-padded to the IV length,
-- XORed with the IV.
function R.nonce(iv, seq)
   local padded = ("\0"):rep(4) .. string.pack(">I8", seq)
   local out = {}
   for i = 1, 12 do out[i] = string.char(iv:byte(i) ~ padded:byte(i)) end
   return table.concat(out)
end

function R.finished(suite, base_secret, th)
   local key = R.expand_label(suite.md, base_secret, "finished", "", suite.hash_len)
   return C.hmac(suite.md, key, th)
end

function R.certificate_verify_content(by_server, th)
   local label = by_server and "TLS 1.3, server CertificateVerify" or "TLS 1.3, client CertificateVerify"
   return (" "):rep(64) .. label .. "\0" .. th
end

-- rfc8446#4.4.1: after a HelloRetryRequest, ClientHello1 is replaced by
-- message_hash (254) carrying Hash(ClientHello1).
function R.message_hash(suite, client_hello)
   local h = C.digest(suite.md, client_hello)
   return "\254\0\0" .. u8(#h) .. h
end

---------------------------------------------------------------------------
-- Record protection (rfc8446#5.2): one direction under one secret
---------------------------------------------------------------------------
local P = {}
P.__index = P

function R.protector(suite, secret)
   local key, iv = R.traffic_keys(suite, secret)
   return setmetatable({ suite = suite, secret = secret, key = key, iv = iv, seq = 0 }, P)
end

-- A whole protected record. opts: padding (number of zero bytes), outer_type
-- (23), version (0x0303), length (override of the length field; the AAD
-- uses the field as written), seq (override of the sequence number, which
-- then does not advance).
function P:seal(ctype, content, opts)
   opts = opts or {}
   local inner = content .. (ctype and u8(ctype) or "") .. ("\0"):rep(opts.padding or 0)
   local len = opts.length or (#inner + 16)
   local header = u8(opts.outer_type or 23) .. u16(opts.version or 0x0303) .. u16(len)
   local seq = opts.seq or self.seq
   if not opts.seq then self.seq = self.seq + 1 end
   return header .. assert(C.seal(self.suite.cipher, self.key, R.nonce(self.iv, seq), header, inner))
end

-- Opens one protected record (header included). Returns the inner content
-- type and content, or nil and why.
function P:open(record)
   local header, body = record:sub(1, 5), record:sub(6)
   local inner, err = C.open(self.suite.cipher, self.key, R.nonce(self.iv, self.seq), header, body)
   if not inner then return nil, err end
   self.seq = self.seq + 1
   local i = #inner
   while i > 0 and inner:byte(i) == 0 do i = i - 1 end
   if i == 0 then return nil, "protected record without a content type" end
   return inner:byte(i), inner:sub(1, i - 1)
end

return R
