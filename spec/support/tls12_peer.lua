-- Scripted TLS 1.2 peers for the malformed-input specs: a client that drives
-- our server engine and a server that answers our client engine, both with
-- x25519 ECDHE and TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (or the RSA key
-- transport suite for the client), the extended master secret, and every
-- key computed here from the _internal crypto functions, so that they can
-- reach the states behind ChangeCipherSpec and then misbehave on purpose.
-- They check nothing of what they receive beyond what they need to go on.
--
--   local T = require "spec.support.tls12_peer"
--   local fake = T.client()
--   local flight = server_engine(...):feed(fake:hello()) ...
local I = require("tls.core")._internal
local B = require "spec.support.tlsbytes"

local T = {}

T.SUITE = { ecdhe_ecdsa_aes128 = 0xc02b, rsa_aes128 = 0x009c }
T.HS = { hello_request = 0, client_hello = 1, server_hello = 2, certificate = 11,
         server_key_exchange = 12, certificate_request = 13, server_hello_done = 14, new_session_ticket = 4,
         client_key_exchange = 16, finished = 20 }
T.EXT = { ec_point_formats = 11, extended_master_secret = 23, renegotiation_info = 0xff01,
          supported_groups = 10, signature_algorithms = 13, supported_versions = 43, session_ticket = 35 }
T.DOWNGRD12 = "DOWNGRD\1"

local X25519_BASE = "\9" .. ("\0"):rep(31)

-- PEM (first block) to DER.
function T.der(pem)
   local b64 = pem:match("%-%-%-%-%-BEGIN [^-]+%-%-%-%-%-(.-)%-%-%-%-%-END"):gsub("%s", "")
   local map = {}
   local chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
   for i = 1, 64 do map[chars:sub(i, i)] = i - 1 end
   local out, bits, n = {}, 0, 0
   for c in b64:gmatch("[^=]") do
      bits = (bits << 6) | map[c]
      n = n + 6
      if n >= 8 then
         n = n - 8
         out[#out + 1] = string.char((bits >> n) & 0xff)
      end
   end
   return table.concat(out)
end

local Peer = {}
Peer.__index = Peer

local function new(is_server, opts)
   local p = setmetatable({ is_server = is_server, opts = opts or {}, transcript = {},
                            rd_seq = 0, wr_seq = 0, hs_buffer = "" }, Peer)
   p.priv = I.random(32)
   p.pub = assert(I.kex_x25519(p.priv, X25519_BASE))
   return p
end

function Peer:add(msg) self.transcript[#self.transcript + 1] = msg end

function Peer:transcript_hash()
   return I.hash("sha256", table.concat(self.transcript))
end

-- Keys from the premaster (extended master secret unless opts.no_ems).
function Peer:derive(pms)
   local session_hash = not self.opts.no_ems and self:transcript_hash() or nil
   self.master = assert(I.tls12_master_secret("sha256", pms, self.client_random, self.server_random,
      session_hash))
   self:key_block()
end

-- The key block from self.master and the randoms (a resumed session's
-- master gives new keys with new randoms).
function Peer:key_block()
   local kb = assert(I.tls12_key_block("sha256", 16, 4, self.master, self.client_random, self.server_random))
   if self.is_server then
      self.wr_key, self.wr_iv, self.rd_key, self.rd_iv = kb.server_key, kb.server_iv, kb.client_key, kb.client_iv
   else
      self.wr_key, self.wr_iv, self.rd_key, self.rd_iv = kb.client_key, kb.client_iv, kb.server_key, kb.server_iv
   end
end

-- A protected record of ctype (AES-128-GCM); opts.length overrides the
-- header's length field, opts.seq the sequence number used.
function Peer:seal(ctype, content, opts)
   opts = opts or {}
   local seq = opts.seq or self.wr_seq
   self.wr_seq = seq + 1
   local frag = assert(I.tls12_seal("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", self.wr_key, self.wr_iv, seq,
      ctype, content))
   return B.record(ctype, frag, { length = opts.length })
end

-- Opens a protected record {type=, body=} from the peer.
function Peer:open(rec)
   local pt, err = I.tls12_open("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", self.rd_key, self.rd_iv,
      self.rd_seq, rec.type, rec.body)
   self.rd_seq = self.rd_seq + 1
   return pt, err
end

-- The Finished message of our side, over the transcript so far.
function Peer:finished_message(corrupt)
   local vd = assert(I.tls12_finished("sha256", self.master, self.is_server, self:transcript_hash()))
   if corrupt then vd = string.char(vd:byte(1) ~ 1) .. vd:sub(2) end
   return B.handshake(T.HS.finished, vd)
end

-- Handshake messages from plaintext records (those before the peer's CCS).
function Peer:plain_messages(bytes)
   local recs = B.parse_records(bytes)
   local data, rest = {}, {}
   for _, r in ipairs(recs) do
      if r.type == B.CT.handshake then data[#data + 1] = r.body else rest[#rest + 1] = r end
   end
   return B.parse_handshakes(table.concat(data)), rest
end

---------------------------------------------------------------------------
-- The client, against our server
---------------------------------------------------------------------------
-- opts: suite (default ECDHE_ECDSA_AES128), no_ems, extensions (extra
-- {type, body} entries), legacy_version, compression.
function T.client(opts)
   return new(false, opts)
end

function Peer:hello()
   local o = self.opts
   self.client_random = I.random(32)
   local exts = {
      -- rfc8422#5.1.1: the groups also name the curves of ECDSA certificates we take.
      { T.EXT.supported_groups, B.vec(2, B.list16 { 0x001d, 0x0017 }), name = "supported_groups" },
      { T.EXT.ec_point_formats, B.vec(1, "\0"), name = "ec_point_formats" },
      { T.EXT.signature_algorithms, B.vec(2, B.list16 { 0x0403, 0x0804, 0x0401 }), name = "sigalgs" },
      { T.EXT.renegotiation_info, "\0", name = "renegotiation_info" },
   }
   if not o.no_ems then exts[#exts + 1] = { T.EXT.extended_master_secret, "", name = "ems" } end
   for _, e in ipairs(o.extensions or {}) do exts[#exts + 1] = e end
   local ch = B.client_hello {
      legacy_version = o.legacy_version or 0x0303, random = self.client_random,
      suites = { o.suite or T.SUITE.ecdhe_ecdsa_aes128 }, compression = o.compression,
      extensions = exts,
   }
   self:add(ch)
   return B.record(B.CT.handshake, ch, { version = 0x0301 })
end

-- Takes the server's first flight (ServerHello .. ServerHelloDone).
function Peer:server_flight(bytes)
   local msgs = self:plain_messages(bytes)
   for _, m in ipairs(msgs) do
      self:add(m.raw)
      if m.type == T.HS.server_hello then
         self.server_random = m.body:sub(3, 34)
      elseif m.type == T.HS.certificate then
         self.certificate = m.body
      elseif m.type == T.HS.server_key_exchange then
         -- curve_type(1) group(2) point<1..255>
         local len = m.body:byte(4)
         self.server_point = m.body:sub(5, 4 + len)
      end
   end
   assert(self.server_random, "no ServerHello in the server's flight")
   return msgs
end

-- ClientKeyExchange, ChangeCipherSpec and Finished; opts: corrupt_finished,
-- cke (replaces the ClientKeyExchange body), skip_ccs, before_finished
-- (bytes inserted after the CCS).
function Peer:key_exchange(opts)
   opts = opts or {}
   local cke_body, pms
   if (self.opts.suite or T.SUITE.ecdhe_ecdsa_aes128) == T.SUITE.rsa_aes128 then
      assert(self.opts.server_key, "RSA key transport needs opts.server_key (the server's key PEM)")
      local enc
      pms, enc = assert(I.rsa_premaster_encrypt(self.opts.server_key, 0x0303))
      cke_body = B.vec(2, enc)
   else
      pms = assert(I.kex_x25519(self.priv, self.server_point))
      cke_body = B.vec(1, self.pub)
   end
   local cke = B.handshake(T.HS.client_key_exchange, opts.cke or cke_body)
   self:add(cke)
   self:derive(pms)
   local out = B.record(B.CT.handshake, cke)
   if not opts.skip_ccs then out = out .. B.record(B.CT.ccs, "\1") end
   out = out .. (opts.before_finished or "")
   local fin = self:finished_message(opts.corrupt_finished)
   self:add(fin)
   return out .. self:seal(B.CT.handshake, fin)
end

---------------------------------------------------------------------------
-- The server, against our client
---------------------------------------------------------------------------
-- opts: cert_pem, key_pem (ECDSA P-256), suite, random (32 bytes; or
-- sentinel = true for the downgrade sentinel), session_id, no_ems,
-- resume (a session's master secret: answer with the ServerHello alone,
-- then finish() as in an abbreviated handshake),
-- extensions (replacing ours: list of {type, body}), legacy_version,
-- bad_signature, group, session_ticket (the empty SessionTicket extension
-- in the default list: rfc5077), scheme (the ServerKeyExchange's signature
-- scheme name, default "ecdsa_secp256r1_sha256"; "ed25519" with an Ed25519
-- key_pem, rfc8422#5.4).
function T.server(opts)
   return new(true, opts)
end

-- The first flight answering the ClientHello record(s) in `bytes`.
function Peer:answer(bytes)
   local o = self.opts
   local msgs = self:plain_messages(bytes)
   local ch = assert(msgs[1], "no ClientHello")
   self:add(ch.raw)
   self.client_random = ch.body:sub(3, 34)
   self.server_random = o.random or I.random(32)
   if o.sentinel then self.server_random = self.server_random:sub(1, 24) .. T.DOWNGRD12 end
   local exts = o.extensions
   if not exts then
      exts = { { T.EXT.renegotiation_info, "\0" }, { T.EXT.ec_point_formats, B.vec(1, "\0") } }
      if not o.no_ems then exts[#exts + 1] = { T.EXT.extended_master_secret, "" } end
      if o.session_ticket then exts[#exts + 1] = { T.EXT.session_ticket, "" } end
   end
   local block = {}
   for i, e in ipairs(exts) do block[i] = B.u16(e[1]) .. B.vec(2, e[2]) end
   local sh = B.handshake(T.HS.server_hello, B.u16(o.legacy_version or 0x0303) .. self.server_random
      .. B.vec(1, o.session_id or "") .. B.u16(o.suite or T.SUITE.ecdhe_ecdsa_aes128) .. "\0"
      .. B.vec(2, table.concat(block)))
   if o.resume then
      -- rfc5246#7.3: the abbreviated handshake: keys from the session's
      -- master secret (o.resume) and the new randoms, no Certificate.
      self:add(sh)
      self.master = o.resume
      self:key_block()
      return B.record(B.CT.handshake, sh)
   end
   local cert = B.handshake(T.HS.certificate, B.vec(3, B.vec(3, T.der(o.cert_pem))))
   local params = "\3" .. B.u16(o.group or 0x001d) .. B.vec(1, self.pub)
   local scheme = o.scheme or "ecdsa_secp256r1_sha256"
   local scheme_id = assert(({ ecdsa_secp256r1_sha256 = 0x0403, ed25519 = 0x0807 })[scheme], scheme)
   local sig = assert(I.sign(o.key_pem, scheme, self.client_random .. self.server_random .. params))
   if o.bad_signature then sig = sig:sub(1, -2) .. string.char(sig:byte(-1) ~ 1) end
   local ske = B.handshake(T.HS.server_key_exchange, params .. B.u16(scheme_id) .. B.vec(2, sig))
   local shd = B.handshake(T.HS.server_hello_done, "")
   local flight = { sh, cert, ske, shd }
   if o.flight then flight = o.flight(flight) end
   for _, m in ipairs(flight) do self:add(m) end
   return B.record(B.CT.handshake, table.concat(flight))
end

-- Takes the client's ClientKeyExchange, CCS and Finished; returns the
-- client's Finished verify_data as it should be (the check is the caller's).
function Peer:client_flight(bytes)
   local recs = B.parse_records(bytes)
   local i = 1
   while recs[i] and recs[i].type == B.CT.handshake do
      for _, m in ipairs(B.parse_handshakes(recs[i].body)) do
         self:add(m.raw)
         if m.type == T.HS.client_key_exchange then
            self:derive(assert(I.kex_x25519(self.priv, m.body:sub(2))))
         end
      end
      i = i + 1
   end
   assert(recs[i] and recs[i].type == B.CT.ccs, "no ChangeCipherSpec from the client")
   local fin = assert(self:open(recs[i + 1]))
   -- The client's Finished covers the transcript before it.
   self.client_finished_ok = fin == B.handshake(T.HS.finished,
      assert(I.tls12_finished("sha256", self.master, false, self:transcript_hash())))
   self:add(fin)
end

-- Our ChangeCipherSpec and Finished; opts.corrupt_finished,
-- new_session_ticket (the body of a NewSessionTicket sent before the
-- ChangeCipherSpec, rfc5077#3.3), skip_ccs.
function Peer:finish(opts)
   opts = opts or {}
   local out = ""
   if opts.new_session_ticket then
      local nst = B.handshake(T.HS.new_session_ticket, opts.new_session_ticket)
      self:add(nst)
      out = B.record(B.CT.handshake, nst)
   end
   if not opts.skip_ccs then out = out .. B.record(B.CT.ccs, "\1") end
   local fin = self:finished_message(opts.corrupt_finished)
   self:add(fin)
   return out .. self:seal(B.CT.handshake, fin)
end

-- rfc5077#3.3: uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>.
function T.new_session_ticket(ticket, lifetime_hint)
   return string.pack(">I4", lifetime_hint or 0) .. B.vec(2, ticket)
end

return T
