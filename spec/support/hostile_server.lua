-- A scripted TLS 1.3 server that plays against our *client* engine in
-- memory, and can misbehave in any way a test asks. Its keys, transcript,
-- records, signatures and Finished values come from spec/support/ref13.lua
-- on raw libcrypto (build/refcrypto.so), never from the engine: a mistake
-- the client shares with our own server cannot cancel out here.
--
--   local H = require "spec.support.hostile_server"
--   local s = H.new{ leaf = "ecdsa_p256" }    -- client engine started, ClientHello read
--   s:hello()                                 -- ServerHello in the clear, then handshake keys
--   s:flight{ certificate_verify = { corrupt = true } }
--   s.engine:error(), s:client_alert()        --> ..., "decrypt_error"
--
-- Steps of a normal handshake (each with the overrides of its builders):
--   s:hello(o)             ServerHello record (+ change_cipher_spec unless o.ccs == false)
--   s:retry(o)             HelloRetryRequest record, then the client's second ClientHello read
--   s:flight(o)            EE, Certificate, CertificateVerify, Finished in one record (o.records
--                          = "each": one each); o.encrypted_extensions, o.certificate, ... override
--   s:client_finished()    the client's Finished read and checked; application keys
--   s:handshake(o)         all of the above; s:send_app(data), s:client_data() afterwards
--
-- H.new options (all optional):
--   leaf        a key of certs.leaf ("ecdsa_p256", "ecdsa_p384", "rsa2048", "ed25519"), or
--   cert, key   PEM text or file paths (cert may hold a chain: leaf first)
--   scheme      the CertificateVerify scheme name (default: the one for the leaf's key)
--   suite       id or name (default: the client's first offer)
--   client      extra client context options (ciphers, groups, sigalgs, ...); the
--               context trusts certs.ca and verifies by default
--   servername  ("localhost")
--
-- Message builders return the handshake message bytes and add them to the
-- transcript (post-handshake ones excepted); every one takes `body` (the
-- whole body, replacing everything) and `transcript = false`:
--   s:server_hello{ random, legacy_version, session_id, suite, compression, version, group,
--                   key_exchange, extensions (complete list), extra, omit = { name = true } }
--   s:hello_retry_request{ suite, group (nil = no key_share), cookie, extensions, extra }
--   s:encrypted_extensions{ extensions }
--   s:certificate_request{ context, extensions }
--   s:certificate{ context, chain (list of DER), entry_extensions }
--   s:certificate_verify{ scheme, sign_as, key, context_string, th, signature, corrupt }
--   s:finished{ verify_data, corrupt }
--   s:new_session_ticket{ lifetime, age_add, nonce, ticket, extensions }
--   s:key_update{ request }
--   s:message(type, body)
-- Records and delivery:
--   s:use_keys("plain" | "handshake" | "application" | "next")   our write keys
--   s:record(ctype, content, opts) -> bytes (protected once keys are in use unless opts.plain;
--                          opts: padding, version, length, seq, outer_type as in ref13's seal)
--   s:deliver(bytes) -> ok, err   feeds the client and collects what it answers
--   s:send(msg, ...)              the messages in one handshake record
--   s:send_each(msg, ...)         one record each
-- Reading the client (decrypted with our own copy of its keys):
--   s:client_records() -> { { type=, content=, protected= }, ... } new since the last call
--   s:client_alert() -> alert name, level, protected   (the last alert the client sent)
--
-- H.tcp(o) is the same server behind a real socket on 127.0.0.1, against
-- tls.connect in a child process (it receives a line and sends it back in
-- capitals); s:child_output() is what that client printed.
local tls = require "tls"
local C = require "refcrypto"
local R = require "spec.support.ref13"
local certs = require "spec.support.certs"
local proc = require "spec.support.proc"

local H = {}

H.CT = { ccs = 20, alert = 21, handshake = 22, application_data = 23 }
H.HS = { client_hello = 1, server_hello = 2, new_session_ticket = 4, end_of_early_data = 5,
         encrypted_extensions = 8, certificate = 11, certificate_request = 13,
         certificate_verify = 15, finished = 20, key_update = 24, message_hash = 254 }
H.EXT = { server_name = 0, max_fragment_length = 1, status_request = 5, supported_groups = 10,
          signature_algorithms = 13, alpn = 16, padding = 21, pre_shared_key = 41, early_data = 42,
          supported_versions = 43, cookie = 44, psk_key_exchange_modes = 45,
          certificate_authorities = 47, key_share = 51 }
H.GROUP = { secp256r1 = 0x0017, secp384r1 = 0x0018, secp521r1 = 0x0019, x25519 = 0x001d, x448 = 0x001e,
            ffdhe2048 = 0x0100 }
H.SCHEME = { rsa_pkcs1_sha256 = 0x0401, rsa_pkcs1_sha384 = 0x0501, rsa_pkcs1_sha512 = 0x0601,
             ecdsa_secp256r1_sha256 = 0x0403, ecdsa_secp384r1_sha384 = 0x0503,
             ecdsa_secp521r1_sha512 = 0x0603, rsa_pss_rsae_sha256 = 0x0804,
             rsa_pss_rsae_sha384 = 0x0805, rsa_pss_rsae_sha512 = 0x0806, ed25519 = 0x0807,
             rsa_pss_pss_sha256 = 0x0809, rsa_pss_pss_sha384 = 0x080a, rsa_pss_pss_sha512 = 0x080b }
H.ALERT = { close_notify = 0, unexpected_message = 10, bad_record_mac = 20, record_overflow = 22,
            handshake_failure = 40, bad_certificate = 42, unsupported_certificate = 43,
            certificate_revoked = 44, certificate_expired = 45, certificate_unknown = 46,
            illegal_parameter = 47, unknown_ca = 48, access_denied = 49, decode_error = 50,
            decrypt_error = 51, protocol_version = 70, insufficient_security = 71,
            internal_error = 80, inappropriate_fallback = 86, user_canceled = 90,
            missing_extension = 109, unsupported_extension = 110, unrecognized_name = 112,
            bad_certificate_status_response = 113, unknown_psk_identity = 115,
            certificate_required = 116, no_application_protocol = 120 }
H.ALERT_NAME = {}
for name, code in pairs(H.ALERT) do H.ALERT_NAME[code] = name end
H.GROUP_NAME = {}
for name, code in pairs(H.GROUP) do H.GROUP_NAME[code] = name end

-- rfc8446#4.1.3: SHA-256("HelloRetryRequest").
H.HRR_RANDOM = C.digest("sha256", "HelloRetryRequest")

-- The scheme a leaf's key signs with by default.
local LEAF_SCHEME = { ecdsa_p256 = "ecdsa_secp256r1_sha256", ecdsa_p384 = "ecdsa_secp384r1_sha384",
                      rsa2048 = "rsa_pss_rsae_sha256", ed25519 = "ed25519" }

---------------------------------------------------------------------------
-- Encoding
---------------------------------------------------------------------------
local function u8(v) return string.char(v & 0xff) end
local function u16(v) return string.char((v >> 8) & 0xff, v & 0xff) end
local function u24(v) return string.char((v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff) end
local function u32(v) return string.pack(">I4", v) end
local width = { u8, u16, u24 }
local function vec(w, s) return width[w](#s) .. s end
H.u8, H.u16, H.u24, H.u32, H.vec = u8, u16, u24, u32, vec

-- A name from H.GROUP / H.SCHEME, or a number as it is.
local function code(tbl, v)
   if type(v) == "number" then return v end
   return tbl[v] or error("hostile_server: unknown name " .. tostring(v), 3)
end

-- { {type, data}, ... } -> the extensions block (without its length).
function H.extensions(list)
   local t = {}
   for i, e in ipairs(list) do t[i] = u16(code(H.EXT, e[1])) .. vec(2, e[2]) end
   return table.concat(t)
end

function H.handshake(htype, body)
   return u8(htype) .. vec(3, body)
end

function H.plain_record(ctype, content, version)
   return u8(ctype) .. u16(version or 0x0303) .. vec(2, content)
end

-- Splits bytes into whole records { {type=, version=, body=, raw=}, ... } and the rest.
function H.parse_records(bytes)
   local out, pos = {}, 1
   while #bytes - pos + 1 >= 5 do
      local t, v, len = string.unpack(">BI2I2", bytes, pos)
      if #bytes - pos + 1 < 5 + len then break end
      out[#out + 1] = { type = t, version = v, body = bytes:sub(pos + 5, pos + 4 + len),
                        raw = bytes:sub(pos, pos + 4 + len) }
      pos = pos + 5 + len
   end
   return out, bytes:sub(pos)
end

-- Splits handshake bytes into messages { {type=, body=, raw=}, ... } and the rest.
function H.parse_handshakes(bytes)
   local out, pos = {}, 1
   while #bytes - pos + 1 >= 4 do
      local t, len = string.unpack(">BI3", bytes, pos)
      if #bytes - pos + 1 < 4 + len then break end
      out[#out + 1] = { type = t, body = bytes:sub(pos + 4, pos + 3 + len), raw = bytes:sub(pos, pos + 3 + len) }
      pos = pos + 4 + len
   end
   return out, bytes:sub(pos)
end

-- The bytes of a base64 text (a session's body, a PEM's).
local unbase64 = require("spec.support.session_text").b64dec
H.unbase64 = unbase64

-- PEM text -> the DER of every certificate in it, in order.
function H.pem_certificates(pem)
   local ders = {}
   for b64 in pem:gmatch("%-%-%-%-%-BEGIN CERTIFICATE%-%-%-%-%-(.-)%-%-%-%-%-END CERTIFICATE%-%-%-%-%-") do
      ders[#ders + 1] = unbase64(b64)
   end
   return ders
end

local function pem_text(v)
   if v:find("-----BEGIN", 1, true) then return v end
   local data = proc.read_file(v)
   assert(data ~= "", "hostile_server: cannot read " .. v)
   return data
end

---------------------------------------------------------------------------
-- Parsing the ClientHello our client sends
---------------------------------------------------------------------------
local function reader(s)
   local r = { s = s, pos = 1 }
   function r.u8() local v = s:byte(r.pos); r.pos = r.pos + 1; return v end
   function r.u16() local v = string.unpack(">I2", s, r.pos); r.pos = r.pos + 2; return v end
   function r.bytes(n) local v = s:sub(r.pos, r.pos + n - 1); r.pos = r.pos + n; return v end
   function r.vec(w)
      local n = w == 1 and r.u8() or r.u16()
      return r.bytes(n)
   end
   function r.left() return #s - r.pos + 1 end
   return r
end

local function list16(s)
   local t = {}
   for i = 1, #s - 1, 2 do t[#t + 1] = string.unpack(">I2", s, i) end
   return t
end

function H.parse_client_hello(raw)
   assert(raw:byte(1) == H.HS.client_hello, "not a ClientHello")
   local r = reader(raw:sub(5))
   local ch = { raw = raw, ext = {}, ext_order = {} }
   ch.legacy_version = r.u16()
   ch.random = r.bytes(32)
   ch.session_id = r.vec(1)
   ch.suites = list16(r.vec(2))
   ch.compression = r.vec(1)
   local exts = reader(r.vec(2))
   assert(r.left() == 0, "ClientHello has trailing bytes")
   while exts.left() > 0 do
      local t = exts.u16()
      local data = exts.vec(2)
      ch.ext[t] = data
      ch.ext_order[#ch.ext_order + 1] = t
   end
   if ch.ext[H.EXT.supported_groups] then ch.groups = list16(ch.ext[H.EXT.supported_groups]:sub(3)) end
   if ch.ext[H.EXT.signature_algorithms] then
      ch.sigalgs = list16(ch.ext[H.EXT.signature_algorithms]:sub(3))
   end
   if ch.ext[H.EXT.supported_versions] then ch.versions = list16(ch.ext[H.EXT.supported_versions]:sub(2)) end
   ch.shares, ch.share_order = {}, {}
   if ch.ext[H.EXT.key_share] then
      local ks = reader(ch.ext[H.EXT.key_share])
      local all = reader(ks.vec(2))
      while all.left() > 0 do
         local g = all.u16()
         ch.shares[g] = all.vec(2)
         ch.share_order[#ch.share_order + 1] = g
      end
   end
   if ch.ext[H.EXT.cookie] then ch.cookie = reader(ch.ext[H.EXT.cookie]).vec(2) end
   if ch.ext[H.EXT.server_name] then
      local sn = reader(reader(ch.ext[H.EXT.server_name]).vec(2))
      sn.u8()
      ch.server_name = sn.vec(2)
   end
   return ch
end

---------------------------------------------------------------------------
-- The server
---------------------------------------------------------------------------
local S = {}
S.__index = S

-- The server's certificate, key and scheme from H.new's options.
local function load_identity(s, o)
   local c = certs.get()
   local leaf = o.leaf or (not o.cert and "ecdsa_p256")
   if leaf then
      s.cert_pem = pem_text(c.leaf[leaf].cert)
      s.key_pem = pem_text(c.leaf[leaf].key)
      s.scheme = LEAF_SCHEME[leaf]
   else
      s.cert_pem, s.key_pem = pem_text(o.cert), pem_text(o.key)
   end
   s.scheme = o.scheme or s.scheme or "ecdsa_secp256r1_sha256"
   s.chain = H.pem_certificates(s.cert_pem)
   assert(#s.chain > 0, "hostile_server: no certificate in the PEM given")
   s.servername = o.servername or "localhost"
   s.transcript = ""
   s.from_client = ""       -- client bytes not yet read by client_records()
   s.client_messages = {}   -- every handshake message the client sent, parsed
   s.seen_records = {}      -- every record the client sent, opened
end

function H.new(o)
   o = o or {}
   local s = setmetatable({}, S)
   load_identity(s, o)
   local copts = { ca = certs.get().ca, verify = true }
   for k, v in pairs(o.client or {}) do copts[k] = v end
   s.ctx = assert(tls.context(copts))
   s.engine = assert(tls.engine(s.ctx, { servername = s.servername }))
   assert(s.engine:start())
   s:collect()
   s:read_client_hello()
   s.suite = R.suite(o.suite or s.ch.suites[1])
   return s
end

-- Our client in a child process: tls.connect, then one line received and
-- one sent back; it prints what happened.
local TCP_CLIENT = [[
local tls = require "tls"
io.stdout:setvbuf("line")
local port, ca, name = ...
local conn, err = tls.connect("127.0.0.1", tonumber(port), { ca = ca }, { servername = name, timeout = 20 })
if not conn then print("failed " .. err) return end
local i = conn:info()
print("connected " .. i.cipher .. " " .. i.group .. " " .. tostring(i.signature))
local line, rerr = conn:receive("*l")
print("received " .. tostring(line or rerr))
if line then conn:send(line:upper() .. "\n") end
conn:close()
print("closed")
]]

-- The same scripted server behind a real TCP socket on 127.0.0.1, our
-- client being tls.connect in a child process (proc.spawn: the spec's
-- after_each(proc.kill_all) stops it). s.child:output() is what it printed.
function H.tcp(o)
   o = o or {}
   local socket = require "socket"
   local s = setmetatable({}, S)
   load_identity(s, o)
   local listener = assert(socket.bind("127.0.0.1", 0))
   local _, port = listener:getsockname()
   s.client_script = os.tmpname()
   proc.write_file(s.client_script, TCP_CLIENT)
   s.child = proc.spawn(string.format("%s %s %s %d %s %s", proc.lua_env(), proc.lua(),
      proc.quote(s.client_script), port, proc.quote(certs.get().ca), proc.quote(s.servername)),
      { ours = true, timeout = 60 })
   listener:settimeout(20)
   local sock, err = listener:accept()
   listener:close()
   -- Connected: the child has read its script.
   os.remove(s.client_script)
   s.sock = assert(sock, err)
   s:read_client_hello()
   s.suite = R.suite(o.suite or s.ch.suites[1])
   return s
end

-- Waits (TCP) for the child to end and returns what it printed.
function S:child_output()
   self.sock:close()
   self.child:wait(20)
   return self.child:output()
end

-- Takes whatever the client has written (over TCP: what has arrived).
function S:collect()
   local out
   if self.engine then
      out = self.engine:output()
   else
      self.sock:settimeout(0)
      local data, err, partial = self.sock:receive(65536)
      out = data or partial or ""
      self.peer_gone = err == "closed"
   end
   self.from_client = self.from_client .. out
   return out
end

-- Reads the client's records until done(new_records) holds. In memory the
-- client has answered by the time feed() returns; over TCP this waits for
-- its bytes (up to 20 seconds, or until it closes).
function S:pull(done)
   local recs = self:client_records()
   if self.engine then return recs end
   local socket = require "socket"
   local deadline = socket.gettime() + 20
   while not done(recs) and not self.peer_gone and socket.gettime() < deadline do
      socket.select({ self.sock }, nil, deadline - socket.gettime())
      self:collect()
      for _, r in ipairs(self:client_records()) do recs[#recs + 1] = r end
   end
   return recs
end

local function has_type(t)
   return function(recs)
      for _, r in ipairs(recs) do if r.type == t then return true end end
      return false
   end
end

-- Reads a ClientHello (the first, or the second after a HelloRetryRequest)
-- from what the client wrote, and adds it to the transcript.
function S:read_client_hello()
   local records = self:pull(has_type(H.CT.handshake))
   local hs = ""
   for _, r in ipairs(records) do
      if r.type == H.CT.handshake then hs = hs .. r.content end
   end
   local msgs = H.parse_handshakes(hs)
   assert(#msgs == 1 and msgs[1].type == H.HS.client_hello,
          "hostile_server: expected one ClientHello from the client, got " .. #msgs .. " messages")
   self.ch = H.parse_client_hello(msgs[1].raw)
   self.client_hellos = (self.client_hellos or 0) + 1
   self.transcript = self.transcript .. msgs[1].raw
   return self.ch
end

function S:add_transcript(msg, o)
   if not (o and o.transcript == false) then self.transcript = self.transcript .. msg end
   return msg
end

function S:th()
   return R.transcript_hash(self.suite, self.transcript)
end

function S:message(htype, body, o)
   return self:add_transcript(H.handshake(htype, body), o)
end

-- The key share the server answers with: a fresh key pair for `group`, and
-- the shared secret with the client's share for it (if the client sent one).
function S:key_share_for(group)
   local name = assert(H.GROUP_NAME[group], "hostile_server: no key exchange for group " .. group)
   local priv, pub = C.keygen(name)
   local shared
   if self.ch.shares[group] then shared = assert(C.derive(name, priv, self.ch.shares[group])) end
   return pub, shared
end

function S:server_hello(o)
   o = o or {}
   local suite = o.suite and R.suite(o.suite) or self.suite
   local body = o.body
   if not body then
      local group = code(H.GROUP, o.group or self.ch.share_order[1])
      local pub, shared = self:key_share_for(group)
      if o.key_exchange then pub, shared = o.key_exchange, nil end
      self.shared = shared
      local exts = o.extensions
      if not exts then
         local omit = o.omit or {}
         exts = {}
         if not omit.supported_versions then
            exts[#exts + 1] = { H.EXT.supported_versions, u16(o.version or 0x0304) }
         end
         if not omit.key_share then
            exts[#exts + 1] = { H.EXT.key_share, u16(group) .. vec(2, pub) }
         end
         for _, e in ipairs(o.extra or {}) do exts[#exts + 1] = e end
      end
      body = u16(o.legacy_version or 0x0303) .. (o.random or C.random(32))
         .. vec(1, o.session_id or self.ch.session_id) .. u16(suite.id) .. u8(o.compression or 0)
         .. vec(2, H.extensions(exts))
   end
   self.suite = suite
   local msg = self:add_transcript(H.handshake(H.HS.server_hello, body), o)
   -- Keys follow from the transcript so far, whatever the test changed in
   -- it. A second ServerHello (always hostile) leaves the keys in use.
   if self.shared and not self.ks then
      self.ks = R.key_schedule(suite):handshake(self.shared, self:th())
      -- The client moves both directions to handshake keys once it has
      -- taken the ServerHello: its alerts come under its handshake key.
      self.reader = R.protector(suite, self.ks.client_hs)
   end
   return msg
end

function S:hello_retry_request(o)
   o = o or {}
   local suite = o.suite and R.suite(o.suite) or self.suite
   local body = o.body
   if not body then
      local exts = o.extensions
      if not exts then
         exts = { { H.EXT.supported_versions, u16(0x0304) } }
         if o.group then exts[#exts + 1] = { H.EXT.key_share, u16(code(H.GROUP, o.group)) } end
         if o.cookie then exts[#exts + 1] = { H.EXT.cookie, vec(2, o.cookie) } end
         for _, e in ipairs(o.extra or {}) do exts[#exts + 1] = e end
      end
      body = u16(0x0303) .. H.HRR_RANDOM .. vec(1, o.session_id or self.ch.session_id) .. u16(suite.id)
         .. u8(0) .. vec(2, H.extensions(exts))
   end
   self.suite = suite
   -- rfc8446#4.4.1: ClientHello1 becomes message_hash; only the first
   -- ClientHello is ever rewritten this way.
   if not self.hrr_sent then self.transcript = R.message_hash(suite, self.transcript) end
   self.hrr_sent = true
   return self:add_transcript(H.handshake(H.HS.server_hello, body), o)
end

function S:encrypted_extensions(o)
   o = o or {}
   return self:message(H.HS.encrypted_extensions, o.body or vec(2, H.extensions(o.extensions or {})), o)
end

function S:certificate_request(o)
   o = o or {}
   local exts = o.extensions or { { H.EXT.signature_algorithms, vec(2, u16(0x0403) .. u16(0x0804)) } }
   return self:message(H.HS.certificate_request, o.body or vec(1, o.context or "") .. vec(2, H.extensions(exts)),
                       o)
end

function S:certificate(o)
   o = o or {}
   local body = o.body
   if not body then
      local entries = {}
      for i, der in ipairs(o.chain or self.chain) do
         entries[i] = vec(3, der) .. vec(2, H.extensions((o.entry_extensions or {})[i] or {}))
      end
      body = vec(1, o.context or "") .. vec(3, table.concat(entries))
   end
   return self:message(H.HS.certificate, body, o)
end

-- scheme: the code point written; sign_as: the scheme actually used to sign
-- (default: the same); th: the transcript hash signed (default: the real one).
function S:certificate_verify(o)
   o = o or {}
   local body = o.body
   if not body then
      local scheme = o.scheme or self.scheme
      local sig = o.signature
      if not sig then
         local content = R.certificate_verify_content(true, o.th or self:th())
         if o.context_string then
            content = (" "):rep(64) .. o.context_string .. "\0" .. (o.th or self:th())
         end
         sig = assert(C.sign(o.sign_as or scheme, o.key or self.key_pem, content))
      end
      if o.corrupt then sig = sig:sub(1, 10) .. string.char(sig:byte(11) ~ 0x01) .. sig:sub(12) end
      body = u16(code(H.SCHEME, scheme)) .. vec(2, sig)
   end
   return self:message(H.HS.certificate_verify, body, o)
end

function S:finished(o)
   o = o or {}
   local body = o.body
   if not body then
      body = o.verify_data or R.finished(self.suite, self.ks.server_hs, self:th())
      if o.corrupt then body = string.char(body:byte(1) ~ 0x80) .. body:sub(2) end
   end
   local msg = self:message(H.HS.finished, body, o)
   -- rfc8446#7.1: application secrets from the transcript through the
   -- server's Finished.
   self.ks:master(self:th())
   self.server_finished_sent = true
   return msg
end

function S:new_session_ticket(o)
   o = o or {}
   local body = o.body or (u32(o.lifetime or 7200) .. u32(o.age_add or 0x01020304) .. vec(1, o.nonce or "\0")
      .. vec(2, o.ticket or ("T"):rep(32)) .. vec(2, H.extensions(o.extensions or {})))
   return H.handshake(H.HS.new_session_ticket, body)
end

function S:key_update(o)
   o = o or {}
   return H.handshake(H.HS.key_update, o.body or u8(o.request or 0))
end

---------------------------------------------------------------------------
-- Records
---------------------------------------------------------------------------
function S:use_keys(which)
   if which == "plain" then
      self.writer = nil
   elseif which == "handshake" then
      self.writer = R.protector(self.suite, self.ks.server_hs)
   elseif which == "application" then
      self.server_ap = self.ks.server_ap
      self.writer = R.protector(self.suite, self.server_ap)
   elseif which == "next" then
      self.server_ap = R.next_secret(self.suite, self.server_ap)
      self.writer = R.protector(self.suite, self.server_ap)
   else
      error("hostile_server: unknown keys " .. tostring(which), 2)
   end
end

function S:record(ctype, content, opts)
   opts = opts or {}
   if self.writer and not opts.plain then return self.writer:seal(ctype, content, opts) end
   return H.plain_record(ctype, content, opts.version)
end

function S:deliver(bytes)
   if not self.engine then
      return self.sock:send(bytes) == #bytes or nil, "send failed"
   end
   local ok, err = self.engine:feed(bytes)
   self:collect()
   return ok, err
end

function S:send(...)
   return self:deliver(self:record(H.CT.handshake, table.concat({ ... })))
end

function S:send_each(...)
   local t = {}
   for i, m in ipairs({ ... }) do t[i] = self:record(H.CT.handshake, m) end
   return self:deliver(table.concat(t))
end

function S:send_app(data)
   return self:deliver(self:record(H.CT.application_data, data))
end

---------------------------------------------------------------------------
-- Steps of a normal handshake, each with overrides
---------------------------------------------------------------------------
-- ServerHello in its own plaintext record (and the middlebox-compatibility
-- change_cipher_spec unless o.ccs == false), then our handshake write key.
function S:hello(o)
   o = o or {}
   local bytes = self:record(H.CT.handshake, self:server_hello(o))
   if o.ccs ~= false then bytes = bytes .. H.plain_record(H.CT.ccs, "\1") end
   local ok, err = self:deliver(bytes)
   if self.ks then self:use_keys("handshake") end
   return ok, err
end

-- HelloRetryRequest in the clear, then the client's second ClientHello read.
function S:retry(o)
   local ok, err = self:deliver(self:record(H.CT.handshake, self:hello_retry_request(o)))
   if ok and not self.engine:status().failed then self:read_client_hello() end
   return ok, err
end

-- EncryptedExtensions, Certificate, CertificateVerify, Finished, each with
-- the overrides in o[name]; in one record, or one each (o.records = "each").
function S:flight(o)
   o = o or {}
   local msgs = { self:encrypted_extensions(o.encrypted_extensions), self:certificate(o.certificate),
                  self:certificate_verify(o.certificate_verify), self:finished(o.finished) }
   if o.records == "each" then return self:send_each(table.unpack(msgs)) end
   return self:send(table.unpack(msgs))
end

-- Reads the client's answer to our Finished (change_cipher_spec, Finished,
-- checked here) and moves our keys to the application secrets.
function S:client_finished()
   self:pull(function() return self.client_ap ~= nil end)
   assert(self.client_finished_ok, "hostile_server: the client's Finished did not verify")
   self:use_keys("application")
   return true
end

-- A whole good handshake; o as for hello (o.hello) and flight.
function S:handshake(o)
   o = o or {}
   assert(self:hello(o.hello))
   assert(self:flight(o))
   return self:client_finished()
end

---------------------------------------------------------------------------
-- Reading the client
---------------------------------------------------------------------------
-- Opens every complete record the client wrote since the last call,
-- following its key changes: handshake keys after our ServerHello,
-- application keys after its Finished (checked against our own
-- computation), the next secret after each KeyUpdate it sends.
function S:client_records()
   local records, rest = H.parse_records(self.from_client)
   self.from_client = rest
   local out = {}
   for _, r in ipairs(records) do
      local item = { type = r.type, content = r.body, protected = false }
      if r.type == H.CT.application_data then
         assert(self.reader, "hostile_server: a protected record from the client before any keys")
         local ctype, content = self.reader:open(r.raw)
         assert(ctype, "hostile_server: cannot open the client's record: " .. tostring(content))
         item = { type = ctype, content = content, protected = true }
      end
      out[#out + 1] = item
      if item.type == H.CT.handshake and item.protected then
         for _, m in ipairs(H.parse_handshakes(item.content)) do
            self.client_messages[#self.client_messages + 1] = m
            if m.type == H.HS.finished and not self.client_ap then
               -- rfc8446#4.4.4: over everything up to and including the
               -- client's own Certificate, if it sent one.
               self.client_finished_ok = self.server_finished_sent
                  and m.body == R.finished(self.suite, self.ks.client_hs, self:th())
               self:add_transcript(m.raw)
               self.client_ap = self.ks.client_ap
               self.reader = R.protector(self.suite, self.client_ap)
            elseif m.type == H.HS.key_update and self.client_ap then
               self.client_ap = R.next_secret(self.suite, self.client_ap)
               self.reader = R.protector(self.suite, self.client_ap)
            elseif not self.client_ap then
               self:add_transcript(m.raw) -- its Certificate, when we asked for one
            end
         end
      end
   end
   for _, item in ipairs(out) do self.seen_records[#self.seen_records + 1] = item end
   return out
end

-- Application data the client sent since the last read.
function S:client_data()
   local t = {}
   for _, r in ipairs(self:pull(has_type(H.CT.application_data))) do
      if r.type == H.CT.application_data then t[#t + 1] = r.content end
   end
   return table.concat(t)
end

-- The last alert among the client's records (reading any new ones first).
function S:client_alert()
   self:pull(function()
      for _, r in ipairs(self.seen_records) do if r.type == H.CT.alert then return true end end
      return false
   end)
   local a
   for _, r in ipairs(self.seen_records) do
      if r.type == H.CT.alert then a = r end
   end
   if not a then return nil, "the client sent no alert" end
   assert(#a.content == 2, "alert of " .. #a.content .. " bytes")
   return H.ALERT_NAME[a.content:byte(2)] or tostring(a.content:byte(2)), a.content:byte(1), a.protected
end

-- Our client failed with `alert`, sent that alert itself (fatal), and says why
-- in words matching `pattern` (when given).
local luassert = require "luassert"
function S:client_failed_with(alert, pattern)
   luassert.is_true(self.engine:status().failed, "the client did not fail")
   local msg, name, from_peer = self.engine:error()
   luassert.are.equal(alert, name, "error: " .. tostring(msg))
   luassert.is_false(from_peer)
   if pattern then luassert.matches(pattern, msg) end
   local sent, level = self:client_alert()
   luassert.are.equal(alert, sent)
   luassert.are.equal(2, level)
end

---------------------------------------------------------------------------
-- Extra certificates, issued by the suite's test CA with the openssl tool
---------------------------------------------------------------------------
local issued = {}

-- A leaf (EC P-256) with the given subjectAltName and extendedKeyUsage,
-- issued by certs.ca: returns { cert = path, key = path }.
function H.issue_leaf(name, san, eku)
   if issued[name] then return issued[name] end
   local c = certs.get()
   local dir = c.dir
   local function sh(cmd)
      local out, rc = proc.run("cd " .. proc.quote(dir) .. " && " .. cmd, nil, 60)
      assert(rc == 0, "certificate generation failed: " .. cmd .. "\n" .. tostring(out))
   end
   proc.write_file(dir .. "/hostile_" .. name .. ".cnf", table.concat({
      "[ leaf ]", "basicConstraints = critical,CA:FALSE", "keyUsage = critical,digitalSignature",
      "extendedKeyUsage = " .. eku, "subjectAltName = " .. san, "" }, "\n"))
   local base = "hostile_" .. name
   sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " .. base .. ".key")
   sh(string.format("openssl req -new -key %s.key -subj '/CN=%s' -out %s.csr", base, name, base))
   sh(string.format("openssl x509 -req -in %s.csr -CA ca.pem -CAkey ca.key -set_serial 0x%x%06x -days 2 "
      .. "-sha256 -extfile %s.cnf -extensions leaf -out %s.pem", base, os.time(), math.random(0, 0xffffff),
      base, base))
   issued[name] = { cert = dir .. "/" .. base .. ".pem", key = dir .. "/" .. base .. ".key" }
   return issued[name]
end

return H
