-- Byte-level TLS 1.3 building blocks for the malformed-message spec: integers
-- and length-prefixed vectors, records, ClientHello and ServerHello builders
-- where any length field can be skewed, a record parser, and a minimal
-- scripted TLS 1.3 client (no certificate checks) that can reach the states
-- behind encryption and then misbehave on purpose.
--
-- Length skews: the builders take `adjust = { name = delta }`; the vector
-- called `name` then carries a length field of (real length + delta) while
-- every enclosing length stays consistent with the bytes actually written.
local I = require("tls.core")._internal

local B = {}

-- Constants used by the spec (RFC 8446 numbering).
B.CT = { ccs = 20, alert = 21, handshake = 22, application_data = 23 }
B.HS = { client_hello = 1, server_hello = 2, encrypted_extensions = 8, certificate = 11,
         certificate_verify = 15, finished = 20 }
B.EXT = { server_name = 0, status_request = 5, supported_groups = 10, signature_algorithms = 13,
          alpn = 16, padding = 21, record_size_limit = 28, pre_shared_key = 41, early_data = 42,
          supported_versions = 43, cookie = 44, psk_key_exchange_modes = 45, oid_filters = 48,
          key_share = 51 }
B.GROUP = { x25519 = 0x001d, secp256r1 = 0x0017, secp384r1 = 0x0018, secp521r1 = 0x0019, x448 = 0x001e,
            ffdhe2048 = 0x0100, ffdhe3072 = 0x0101, ffdhe4096 = 0x0102, ffdhe6144 = 0x0103,
            ffdhe8192 = 0x0104 }
-- The largest ClientHello body its length fields allow (rfc8446#4.1.2):
-- version, random, session id <0..32>, suites <2..2^16-2>,
-- compression <1..2^8-1>, extensions <8..2^16-1>.
B.MAX_CLIENT_HELLO = 2 + 32 + (1 + 32) + (2 + 65534) + (1 + 255) + (2 + 65535)
B.SUITE = { aes128gcm = 0x1301, aes256gcm = 0x1302, chacha = 0x1303 }
B.ALERT = {
   close_notify = 0, unexpected_message = 10, bad_record_mac = 20, record_overflow = 22,
   handshake_failure = 40, illegal_parameter = 47, decode_error = 50, decrypt_error = 51,
   protocol_version = 70, internal_error = 80, user_canceled = 90, missing_extension = 109,
   unsupported_extension = 110,
}
B.ALERT_NAME = {}
for name, code in pairs(B.ALERT) do B.ALERT_NAME[code] = name end

---------------------------------------------------------------------------
-- Integers and vectors
---------------------------------------------------------------------------
function B.u8(v) return string.char(v & 0xff) end
function B.u16(v) return string.char((v >> 8) & 0xff, v & 0xff) end
function B.u24(v) return string.char((v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff) end

local uint = { [1] = B.u8, [2] = B.u16, [3] = B.u24 }

-- A vector with a `width`-byte length prefix; `delta` skews the length field.
function B.vec(width, content, delta)
   return uint[width](#content + (delta or 0)) .. content
end

function B.list16(ids)
   local t = {}
   for i, id in ipairs(ids) do t[i] = B.u16(id) end
   return table.concat(t)
end

function B.hex(s)
   return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

function B.unhex(h)
   return (h:gsub("%s", ""):gsub("..", function(x) return string.char(tonumber(x, 16)) end))
end

function B.random(n) return I.random(n) end

---------------------------------------------------------------------------
-- Records and handshake messages
---------------------------------------------------------------------------
-- opts: version (default 0x0303), length (override of the length field).
function B.record(ctype, body, opts)
   opts = opts or {}
   return B.u8(ctype) .. B.u16(opts.version or 0x0303) .. B.u16(opts.length or #body) .. body
end

-- `bytes` as records of `ctype` of at most 2^14 bytes each (a handshake
-- message of any size); opts as for B.record (no length override).
function B.records(ctype, bytes, opts)
   local out = {}
   for i = 1, math.max(#bytes, 1), 16384 do
      out[#out + 1] = B.record(ctype, bytes:sub(i, i + 16383), opts)
   end
   return table.concat(out)
end

-- A handshake message; `delta` skews its 24-bit length.
function B.handshake(htype, body, delta)
   return B.u8(htype) .. B.vec(3, body, delta)
end

-- Splits bytes into records: { {type=, version=, body=}, ... }, plus any
-- trailing bytes that do not form a whole record.
function B.parse_records(bytes)
   local out, pos = {}, 1
   while #bytes - pos + 1 >= 5 do
      local t, v, len = string.unpack(">BI2I2", bytes, pos)
      if #bytes - pos + 1 < 5 + len then break end
      out[#out + 1] = { type = t, version = v, body = bytes:sub(pos + 5, pos + 4 + len) }
      pos = pos + 5 + len
   end
   return out, bytes:sub(pos)
end

-- Splits concatenated handshake messages: { {type=, body=, raw=}, ... }.
function B.parse_handshakes(bytes)
   local out, pos = {}, 1
   while #bytes - pos + 1 >= 4 do
      local t, len = string.unpack(">BI3", bytes, pos)
      out[#out + 1] = { type = t, body = bytes:sub(pos + 4, pos + 3 + len),
                        raw = bytes:sub(pos, pos + 3 + len) }
      pos = pos + 4 + len
   end
   return out
end

---------------------------------------------------------------------------
-- Key shares
---------------------------------------------------------------------------
local X25519_BASE = "\9" .. ("\0"):rep(31)

-- A fresh x25519 key pair: private (32 bytes), public (32 bytes).
function B.x25519_keypair()
   local priv = I.random(32)
   return priv, assert(I.kex_x25519(priv, X25519_BASE))
end

-- 65 bytes that look like an uncompressed P-256 point but are (with
-- overwhelming probability) not on the curve; x = y = 1 is certainly not.
function B.bad_p256_point()
   return "\4" .. ("\0"):rep(31) .. "\1" .. ("\0"):rep(31) .. "\1"
end

---------------------------------------------------------------------------
-- ClientHello
---------------------------------------------------------------------------
-- opts (all optional):
--   legacy_version (0x0303), random (32 bytes), session_id (""),
--   suites ({0x1301, 0x1302, 0x1303}), compression ("\0"),
--   versions ({0x0304}; false = no supported_versions extension),
--   groups ({x25519, secp256r1}; false = none), sigalgs (ecdsa/rsa-pss/ed25519; false = none),
--   shares ({ {group, key_exchange}, ... }; false = no key_share),
--   server_name (string or nil), extra ({ {type, data}, ... } appended),
--   extensions (a complete list { {type, data}, ... } replacing all of the above),
--   no_extensions (omit the extensions block entirely),
--   adjust = { session_id=, suites=, compression=, extensions=, <ext name>=,
--              groups_list=, sigalgs_list=, versions_list=, shares_list=,
--              share_key=, sni_list=, sni_name=, handshake= } length skews.
function B.client_hello_body(opts)
   opts = opts or {}
   local adj = opts.adjust or {}
   local exts = opts.extensions
   if not exts then
      exts = {}
      if opts.server_name then
         local entry = B.u8(0) .. B.vec(2, opts.server_name, adj.sni_name)
         exts[#exts + 1] = { B.EXT.server_name, B.vec(2, entry, adj.sni_list), name = "server_name" }
      end
      if opts.versions ~= false then
         exts[#exts + 1] = { B.EXT.supported_versions,
            B.vec(1, B.list16(opts.versions or { 0x0304 }), adj.versions_list), name = "supported_versions" }
      end
      if opts.groups ~= false then
         exts[#exts + 1] = { B.EXT.supported_groups,
            B.vec(2, B.list16(opts.groups or { B.GROUP.x25519, B.GROUP.secp256r1 }), adj.groups_list),
            name = "supported_groups" }
      end
      if opts.sigalgs ~= false then
         exts[#exts + 1] = { B.EXT.signature_algorithms,
            B.vec(2, B.list16(opts.sigalgs or { 0x0403, 0x0503, 0x0804, 0x0805, 0x0807 }), adj.sigalgs_list),
            name = "signature_algorithms" }
      end
      if opts.shares ~= false then
         local shares = opts.shares
         if not shares then
            local _, pub = B.x25519_keypair()
            shares = { { B.GROUP.x25519, pub } }
         end
         local entries = {}
         for i, s in ipairs(shares) do
            entries[i] = B.u16(s[1]) .. B.vec(2, s[2], adj.share_key)
         end
         exts[#exts + 1] = { B.EXT.key_share, B.vec(2, table.concat(entries), adj.shares_list),
                             name = "key_share" }
      end
      for _, e in ipairs(opts.extra or {}) do exts[#exts + 1] = e end
   end
   local block = {}
   for i, e in ipairs(exts) do
      block[i] = B.u16(e[1]) .. B.vec(2, e[2], e.name and adj[e.name])
   end
   local body = B.u16(opts.legacy_version or 0x0303)
      .. (opts.random or I.random(32))
      .. B.vec(1, opts.session_id or "", adj.session_id)
      .. B.vec(2, B.list16(opts.suites or { 0x1301, 0x1302, 0x1303 }), adj.suites)
      .. B.vec(1, opts.compression or "\0", adj.compression)
   if not opts.no_extensions then
      body = body .. B.vec(2, table.concat(block), adj.extensions)
   end
   return body
end

function B.client_hello(opts)
   opts = opts or {}
   return B.handshake(B.HS.client_hello, B.client_hello_body(opts), (opts.adjust or {}).handshake)
end

-- The ClientHello in one plaintext handshake record.
function B.client_hello_record(opts)
   return B.record(B.CT.handshake, B.client_hello(opts), { version = 0x0301 })
end

-- The ClientHello in as many plaintext records as its size needs.
function B.client_hello_records(opts)
   return B.records(B.CT.handshake, B.client_hello(opts), { version = 0x0301 })
end

---------------------------------------------------------------------------
-- ServerHello
---------------------------------------------------------------------------
-- opts: session_id (required: the echo), suite (0x1301), legacy_version
-- (0x0303), random, compression (0), version (0x0304; false = no
-- supported_versions), share = {group, key_exchange} (false = none),
-- extensions (complete list replacing the above), adjust = { session_id=,
-- extensions=, supported_versions=, key_share=, share_key=, handshake= }.
function B.server_hello(opts)
   local adj = opts.adjust or {}
   local exts = opts.extensions
   if not exts then
      exts = {}
      if opts.version ~= false then
         exts[#exts + 1] = { B.EXT.supported_versions, B.u16(opts.version or 0x0304), name = "supported_versions" }
      end
      if opts.share ~= false then
         local share = opts.share or { B.GROUP.x25519, select(2, B.x25519_keypair()) }
         exts[#exts + 1] = { B.EXT.key_share, B.u16(share[1]) .. B.vec(2, share[2], adj.share_key),
                             name = "key_share" }
      end
      for _, e in ipairs(opts.extra or {}) do exts[#exts + 1] = e end
   end
   local block = {}
   for i, e in ipairs(exts) do
      block[i] = B.u16(e[1]) .. B.vec(2, e[2], e.name and adj[e.name])
   end
   local body = B.u16(opts.legacy_version or 0x0303)
      .. (opts.random or I.random(32))
      .. B.vec(1, opts.session_id, adj.session_id)
      .. B.u16(opts.suite or 0x1301)
      .. B.u8(opts.compression or 0)
      .. B.vec(2, table.concat(block), adj.extensions)
   return B.handshake(B.HS.server_hello, body, adj.handshake)
end

-- The legacy_session_id of a ClientHello record produced by our client.
function B.session_id_of(client_hello_record)
   -- record header 5, handshake header 4, legacy_version 2, random 32
   local len = client_hello_record:byte(5 + 4 + 2 + 32 + 1)
   return client_hello_record:sub(5 + 4 + 2 + 32 + 2, 5 + 4 + 2 + 32 + 1 + len)
end

-- The fields of a ServerHello or HelloRetryRequest handshake message (as
-- B.parse_handshakes gives it): { hrr =, suite =, session_id =,
-- ext = { [type] = data } }.
local HRR_RANDOM = B.unhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
function B.parse_server_hello(msg)
   assert(msg.type == B.HS.server_hello, "not a ServerHello")
   local body = msg.body
   local sid_len = body:byte(35)
   local pos = 36 + sid_len
   local out = { hrr = body:sub(3, 34) == HRR_RANDOM, session_id = body:sub(36, 35 + sid_len),
                 suite = string.unpack(">I2", body, pos), ext = {} }
   pos = pos + 3
   local stop = pos + 2 + string.unpack(">I2", body, pos)
   pos = pos + 2
   while pos < stop do
      local t, l = string.unpack(">I2I2", body, pos)
      out.ext[t] = body:sub(pos + 4, pos + 3 + l)
      pos = pos + 4 + l
   end
   return out
end

-- The extensions of an EncryptedExtensions message: { [type] = data }.
function B.parse_encrypted_extensions(msg)
   assert(msg.type == B.HS.encrypted_extensions, "not EncryptedExtensions")
   local out, pos = {}, 3
   while pos <= #msg.body do
      local t, l = string.unpack(">I2I2", msg.body, pos)
      out[t] = msg.body:sub(pos + 4, pos + 3 + l)
      pos = pos + 4 + l
   end
   return out
end

-- The first handshake message in a server's output (a ServerHello or
-- HelloRetryRequest in the clear), parsed.
function B.first_server_hello(bytes)
   for _, r in ipairs((B.parse_records(bytes))) do
      if r.type == B.CT.handshake then
         return B.parse_server_hello(B.parse_handshakes(r.body)[1])
      end
   end
   error("no handshake record in " .. #bytes .. " bytes")
end

---------------------------------------------------------------------------
-- A scripted TLS 1.3 client, TLS_AES_128_GCM_SHA256 + x25519 only, that
-- checks nothing of the server and lets the caller send whatever it wants
-- once the keys are known.
---------------------------------------------------------------------------
local SUITE, HASH = "TLS_AES_128_GCM_SHA256", "sha256"

local Fake = {}
Fake.__index = Fake

function B.fake_client()
   local priv, pub = B.x25519_keypair()
   return setmetatable({ priv = priv, pub = pub, seq = {}, transcript = "" }, Fake)
end

-- The ClientHello record (options as for B.client_hello; the key share and
-- suite are forced to the ones this client can finish). Extra options:
-- suites (a list that must lead the server to TLS_AES_128_GCM_SHA256;
-- default that suite alone), shares_before ({ {group, key_exchange}, ... }
-- sent before our x25519 share). A hello larger than a record goes in
-- several.
function Fake:hello(opts)
   opts = opts or {}
   opts.suites = opts.suites or { B.SUITE.aes128gcm }
   opts.groups = opts.groups or { B.GROUP.x25519 }
   local shares = {}
   for i, share in ipairs(opts.shares_before or {}) do shares[i] = share end
   shares[#shares + 1] = { B.GROUP.x25519, self.pub }
   opts.shares = shares
   local msg = B.client_hello(opts)
   self.transcript = msg
   return B.records(B.CT.handshake, msg, { version = 0x0301 })
end

-- Protects `content` of inner type `ctype` under `secret` (the record
-- sequence number is counted per secret).
function Fake:seal(secret, ctype, content, opts)
   opts = opts or {}
   local inner = content .. B.u8(ctype) .. (opts.padding or "")
   local header = B.u8(B.CT.application_data) .. B.u16(0x0303) .. B.u16(#inner + 16)
   local seq = self.seq[secret] or 0
   self.seq[secret] = seq + 1
   return header .. assert(I.seal(SUITE, secret, seq, header, inner))
end

-- Unprotects one record body; returns inner type, content (or nil, err).
function Fake:open(secret, record)
   local header = B.u8(record.type) .. B.u16(record.version) .. B.u16(#record.body)
   local seq = self.seq[secret .. "r"] or 0
   local pt, err = I.open(SUITE, secret, seq, header, record.body)
   if not pt then return nil, err end
   self.seq[secret .. "r"] = seq + 1
   local i = #pt
   while i > 0 and pt:byte(i) == 0 do i = i - 1 end
   return pt:byte(i), pt:sub(1, i - 1)
end

-- Takes the server's first flight (ServerHello .. Finished), derives every
-- key and returns true, or nil and what went wrong. Keeps the ServerHello
-- (self.server_hello) and the decrypted messages after it (self.flight),
-- each as B.parse_handshakes gives them.
function Fake:receive_flight(bytes)
   local records, rest = B.parse_records(bytes)
   assert(rest == "", "server flight ends in a partial record")
   local handshake_bytes, i = "", 1
   -- ServerHello: plaintext.
   while records[i] and records[i].type ~= B.CT.handshake do i = i + 1 end
   local sh_record = assert(records[i], "no ServerHello record")
   local sh = B.parse_handshakes(sh_record.body)[1]
   assert(sh and sh.type == B.HS.server_hello, "first handshake message is not a ServerHello")
   self.transcript = self.transcript .. sh.raw
   -- key_share: find extension 51 in the ServerHello body.
   local body = sh.body
   local pos = 2 + 32 + 1
   pos = pos + body:byte(pos) + 1 + 2 + 1
   local ext_len = string.unpack(">I2", body, pos)
   pos = pos + 2
   local stop, server_pub = pos + ext_len, nil
   while pos < stop do
      local t, l = string.unpack(">I2I2", body, pos)
      if t == B.EXT.key_share then server_pub = body:sub(pos + 8, pos + 3 + l) end
      pos = pos + 4 + l
   end
   assert(server_pub, "ServerHello has no key_share")
   local shared = assert(I.kex_x25519(self.priv, server_pub))
   local th_sh = I.hash(HASH, self.transcript)
   local hs = assert(I.keyschedule(SUITE, shared, th_sh, th_sh))
   self.client_hs, self.server_hs = hs.client_hs, hs.server_hs
   -- The encrypted rest of the flight.
   for j = i + 1, #records do
      local r = records[j]
      if r.type == B.CT.application_data then
         local ctype, content = self:open(self.server_hs, r)
         if not ctype then return nil, content end
         assert(ctype == B.CT.handshake, "unexpected inner type " .. tostring(ctype))
         handshake_bytes = handshake_bytes .. content
      end
   end
   local msgs = B.parse_handshakes(handshake_bytes)
   assert(#msgs >= 4 and msgs[#msgs].type == B.HS.finished, "server flight does not end in Finished")
   self.server_hello, self.flight = sh, msgs
   self.transcript = self.transcript .. handshake_bytes
   local th_sf = I.hash(HASH, self.transcript)
   local keys = assert(I.keyschedule(SUITE, shared, th_sh, th_sf))
   self.client_ap, self.server_ap = keys.client_ap, keys.server_ap
   return true
end

-- The client's Finished handshake message; `corrupt` flips one bit of
-- verify_data.
function Fake:finished_message(corrupt)
   local vd = I.finished(HASH, self.client_hs, I.hash(HASH, self.transcript))
   if corrupt then
      vd = string.char(vd:byte(1) ~ 0x01) .. vd:sub(2)
   end
   return B.handshake(B.HS.finished, vd)
end

-- The client's Finished record (protected under the client handshake key).
function Fake:finished(corrupt)
   return self:seal(self.client_hs, B.CT.handshake, self:finished_message(corrupt))
end

-- Reads the single alert the server sent in `bytes`, decrypting it with
-- `secret` when it is protected. Returns level, description, or nil, why.
function Fake:alert_in(bytes, secret)
   local records = B.parse_records(bytes)
   local last = records[#records]
   if not last then return nil, "no record from the server" end
   if last.type == B.CT.alert then
      return last.body:byte(1), last.body:byte(2)
   end
   if last.type ~= B.CT.application_data or not secret then
      return nil, "last record has type " .. last.type
   end
   -- Skip (and count) the protected records before the last one.
   for k = 1, #records - 1 do
      if records[k].type == B.CT.application_data then self:open(secret, records[k]) end
   end
   local ctype, content = self:open(secret, last)
   if not ctype then return nil, content end
   if ctype ~= B.CT.alert or #content ~= 2 then
      return nil, "protected record of inner type " .. ctype .. " and " .. #content .. " bytes"
   end
   return content:byte(1), content:byte(2)
end

return B
