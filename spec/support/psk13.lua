-- A scripted TLS 1.3 client that resumes: it takes tickets from a server's
-- NewSessionTickets and offers them in a ClientHello's pre_shared_key
-- with binders it computes itself (RFC 8446 §4.2.11.2, §4.6.1, §7.1), on
-- the independent key schedule of spec/support/ref13.lua. It checks
-- nothing of the server (no certificate verification): the specs look at
-- what the server sends and whether it completes.
--
--   local P = require "spec.support.psk13"
--   local cl = P.client()
--   sv:feed(cl:hello{ server_name = "localhost" })
--   local flight = cl:receive(sv:output())         -- { hrr=, sh=, msgs = { {type=,body=,raw=}... } }
--   sv:feed(cl:finished())
--   local tickets = cl:tickets(sv:output())         -- { {lifetime=, age_add=, nonce=, ticket=, psk=, suite=, ext=} }
--   local cl2 = P.client()
--   sv2:feed(cl2:hello{ psks = { tickets[1] } })   -- resumes: cl2.resumed after receive
--   local tickets, cl, flight = P.full(sv)          -- the first four lines, checked
--
-- hello options: suites ({0x1301, 0x1302, 0x1303}), server_name, groups
-- ({x25519}), shares (default: our x25519 share; a list {group, bytes}),
-- psks (identities offered, each a ticket from cl:tickets: { ticket=,
-- psk=, suite=, age_add=, age_ms= (the age we claim, default 0),
-- obfuscated= (overrides the computed age) }), modes ({1}; false: no
-- psk_key_exchange_modes), binders = function(list) -> list (rewrite the
-- binders after they are computed; also given the truncated hello), after
-- (extensions after pre_shared_key), psk_body / modes_body (raw extension
-- bodies), extra (extensions before pre_shared_key), sigalgs (false: none).
local B = require "spec.support.tlsbytes"
local R = require "spec.support.ref13"
local C = require "refcrypto"
local I = require("tls.core")._internal
local luassert = require "luassert"

local P = {}

local u8, u16, vec = B.u8, B.u16, B.vec

local Client = {}
Client.__index = Client

function P.client()
   local priv, pub = B.x25519_keypair()
   return setmetatable({ priv = priv, pub = pub, transcript = "" }, Client)
end

-- A full handshake (no HelloRetryRequest) of a new scripted client with
-- our server engine sv, hello_opts on top of server_name = "localhost":
-- sv's handshake is done. Returns the tickets sv sent, the client and the
-- server's flight.
function P.full(sv, hello_opts)
   local o = { server_name = "localhost" }
   for k, v in pairs(hello_opts or {}) do o[k] = v end
   local cl = P.client()
   assert(sv:feed(cl:hello(o)))
   local flight = cl:receive(sv:output())
   luassert.is_false(flight.hrr)
   assert(sv:feed(cl:finished()))
   luassert.is_true(sv:status().handshake_done)
   return cl:tickets(sv:output()), cl, flight
end

-- The PSK key schedule (rfc8446#7.1): Early Secret = HKDF-Extract(0, PSK).
local function schedule(suite, psk)
   local ks = R.key_schedule(suite)
   if psk then
      ks.early = R.hkdf_extract(suite.md, "", psk)
      ks.derived_early = R.derive_secret(suite.md, ks.early, "derived", ks.empty_hash)
   end
   return ks
end

-- binder = HMAC(finished_key(binder_key), Transcript-Hash(prefix .. truncated hello)).
function P.binder(suite, psk, prefix, truncated)
   local ks = schedule(suite, psk)
   local binder_key = R.derive_secret(suite.md, ks.early, "res binder", ks.empty_hash)
   return R.finished(suite, binder_key, C.digest(suite.md, prefix .. truncated))
end

-- obfuscated_ticket_age (rfc8446#4.2.11.1).
function P.obfuscated_age(t, age_ms)
   return ((age_ms or 0) + t.age_add) & 0xffffffff
end

function Client:hello(opts)
   opts = opts or {}
   self.opts = opts
   local random = opts.random or I.random(32)
   local psks = opts.psks or {}
   local shares = opts.shares == nil and { { B.GROUP.x25519, self.pub } } or opts.shares
   -- The hello with this pre_shared_key body (nil: none).
   local function build(psk_body)
      local extra = {}
      for _, e in ipairs(opts.extra or {}) do extra[#extra + 1] = e end
      if opts.modes ~= false then
         extra[#extra + 1] = { B.EXT.psk_key_exchange_modes,
                               opts.modes_body or vec(1, string.char(table.unpack(opts.modes or { 1 }))) }
      end
      if psk_body then extra[#extra + 1] = { B.EXT.pre_shared_key, psk_body } end
      for _, e in ipairs(opts.after or {}) do extra[#extra + 1] = e end
      return B.client_hello {
         suites = opts.suites, server_name = opts.server_name, random = random,
         groups = opts.groups == nil and { B.GROUP.x25519 } or opts.groups, shares = shares,
         sigalgs = opts.sigalgs, extra = extra, session_id = opts.session_id,
      }
   end
   local msg
   if opts.psk_body or #psks == 0 then
      msg = build(opts.psk_body)
   else
      local ids, zeros = {}, {}
      for i, t in ipairs(psks) do
         local age = t.obfuscated or P.obfuscated_age(t, t.age_ms)
         ids[i] = vec(2, t.ticket) .. string.pack(">I4", age)
         zeros[i] = vec(1, ("\0"):rep(R.suite(t.suite).hash_len))
      end
      local identities = vec(2, table.concat(ids))
      local draft_body = identities .. vec(2, table.concat(zeros))
      local draft = build(draft_body)
      -- rfc8446#4.2.11.2: the hello up to and including the identities.
      local at = assert(draft:find(draft_body, 1, true))
      local truncated = draft:sub(1, at - 1 + #identities)
      local binders = {}
      for i, t in ipairs(psks) do
         binders[i] = P.binder(R.suite(t.suite), t.psk, self.transcript, truncated)
      end
      if opts.binders then binders = opts.binders(binders, truncated) end
      local parts = {}
      for i, b in ipairs(binders) do parts[i] = vec(1, b) end
      msg = build(identities .. vec(2, table.concat(parts)))
   end
   self.hello_msg = msg
   self.transcript = self.transcript .. msg
   return B.records(B.CT.handshake, msg, { version = 0x0301 })
end

-- The server's answer to our hello: a HelloRetryRequest (the transcript
-- becomes message_hash .. HRR, ready for the second hello), or its flight,
-- decrypted; the keys follow from the PSK of psks[selected] if the server
-- selected one.
function Client:receive(bytes)
   local records = B.parse_records(bytes)
   local i = 1
   while records[i] and records[i].type ~= B.CT.handshake do i = i + 1 end
   assert(records[i], "no ServerHello record")
   local sh_msg = B.parse_handshakes(records[i].body)[1]
   local sh = B.parse_server_hello(sh_msg)
   local suite = R.suite(sh.suite)
   self.suite = suite
   if sh.hrr then
      self.transcript = R.message_hash(suite, self.transcript) .. sh_msg.raw
      return { hrr = true, sh = sh }
   end
   self.transcript = self.transcript .. sh_msg.raw
   local psk
   if sh.ext[B.EXT.pre_shared_key] then
      local selected = string.unpack(">I2", sh.ext[B.EXT.pre_shared_key])
      self.selected = selected
      psk = assert(self.opts.psks[selected + 1], "server selected an identity we did not offer").psk
      self.resumed = true
   end
   local shared = ("\0"):rep(suite.hash_len) -- psk_ke: no (EC)DHE, rfc8446#7.1's "0"
   local ks_data = sh.ext[B.EXT.key_share]
   if ks_data then
      shared = assert(I.kex_x25519(self.priv, ks_data:sub(5)))
   end
   self.psk_ke = ks_data == nil
   local ks = schedule(suite, psk)
   ks:handshake(shared, C.digest(suite.md, self.transcript))
   self.ks = ks
   local reader = R.protector(suite, ks.server_hs)
   local hs = ""
   for j = i + 1, #records do
      if records[j].type == B.CT.application_data then
         local r = records[j]
         local ctype, content = reader:open(string.pack(">BI2I2", r.type, r.version, #r.body) .. r.body)
         assert(ctype, content)
         assert(ctype == B.CT.handshake, "unexpected inner type " .. tostring(ctype))
         hs = hs .. content
      end
   end
   local msgs = B.parse_handshakes(hs)
   assert(#msgs >= 2 and msgs[#msgs].type == B.HS.finished, "server flight does not end in Finished")
   -- The server's Finished, checked.
   local th_before = C.digest(suite.md, self.transcript .. hs:sub(1, #hs - #msgs[#msgs].raw))
   assert(R.finished(suite, ks.server_hs, th_before) == msgs[#msgs].body, "server Finished does not verify")
   self.transcript = self.transcript .. hs
   ks:master(C.digest(suite.md, self.transcript))
   return { hrr = false, sh = sh, msgs = msgs }
end

-- Our Finished (protected under the client handshake key).
function Client:finished()
   local suite, ks = self.suite, self.ks
   local fin = B.handshake(B.HS.finished, R.finished(suite, ks.client_hs, C.digest(suite.md, self.transcript)))
   self.transcript = self.transcript .. fin
   ks:resumption(C.digest(suite.md, self.transcript))
   return R.protector(suite, ks.client_hs):seal(B.CT.handshake, fin)
end

-- The NewSessionTickets in the server's output after our Finished, with
-- the PSK each stands for (rfc8446#4.6.1).
function Client:tickets(bytes)
   local suite, ks = self.suite, self.ks
   self.reader = self.reader or R.protector(suite, ks.server_ap)
   local out = {}
   for _, r in ipairs((B.parse_records(bytes))) do
      local ctype, content = self.reader:open(string.pack(">BI2I2", r.type, r.version, #r.body) .. r.body)
      assert(ctype, content)
      if ctype == B.CT.handshake then
         for _, m in ipairs(B.parse_handshakes(content)) do
            assert(m.type == 4, "post-handshake message of type " .. m.type)
            local lifetime, age_add, nonce, pos = string.unpack(">I4I4s1", m.body)
            local ticket, ext
            ticket, pos = string.unpack(">s2", m.body, pos)
            ext = string.unpack(">s2", m.body, pos)
            out[#out + 1] = {
               lifetime = lifetime, age_add = age_add, nonce = nonce, ticket = ticket, ext = ext,
               suite = suite.name,
               psk = R.expand_label(suite.md, ks.resumption_secret, "resumption", nonce, suite.hash_len),
            }
         end
      end
   end
   return out
end

return P
