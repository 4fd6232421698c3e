-- conform22: unusual but valid peers, both versions, both sides, in memory.
-- First what we mishandled: a NewSessionTicket as large as RFC 8446 4.6.1
-- and RFC 5077 3.3 allow (a ticket of 2^16-1 bytes) ended the connection
-- with decode_error, and a TLS 1.3 ticket too large to be offered again
-- made the next ClientHello fail ("out of memory building the
-- ClientHello"). Then, so that they stay so, unusual hellos and messages
-- each side already took (spec/conform19_spec.lua has the others).
local tls = require "tls"
local I = require("tls.core")._internal
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local T = require "spec.support.tls12_peer"
local H = require "spec.support.hostile_server"

-- Our TLS 1.3 client after a handshake with the scripted server, data both ways.
local function talks(s)
   assert(s:send_app("hello"))
   assert.equal("hello", s.engine:read())
   assert(s.engine:write("back"))
   s:collect()
   assert.equal("back", s:client_data())
end

-- `msg` cut into protected records of at most 16000 bytes by server s.
local function in_records(s, msg)
   local t = {}
   for i = 1, #msg, 16000 do t[#t + 1] = s:record(H.CT.handshake, msg:sub(i, i + 15999)) end
   return table.concat(t)
end

-- The ClientHello a new client engine on ctx sends with `session`, parsed;
-- and the trace events of that engine.
local function hello_with(ctx_opts, session)
   local opts, events = E.traced(ctx_opts)
   local ctx = assert(tls.context(opts))
   local e = assert(tls.engine(ctx, { servername = "localhost", session = session }))
   assert(e:start())
   local body = {}
   for _, r in ipairs((B.parse_records(e:output()))) do body[#body + 1] = r.body end
   return H.parse_client_hello(B.parse_handshakes(table.concat(body))[1].raw), events
end

local function resumption_reason(events)
   for _, ev in ipairs(E.events_of(events, "decide", "resumption")) do
      for _, f in ipairs(ev.fields or {}) do if f[1] == "reason" then return f[2] end end
      if ev.reason then return ev.reason end
   end
end

describe("conform22: our TLS 1.3 client and NewSessionTickets as large as RFC 8446 allows", function()
   it("takes a ticket of 2^16-1 bytes with a 255-byte nonce and extensions, in five records, and goes on", function()
      local s = H.new {}
      assert(s:handshake())
      local nst = s:new_session_ticket { ticket = ("t"):rep(65535), nonce = ("n"):rep(255),
         extensions = { { 0x5a5a, ("e"):rep(1000) }, { 42, H.u32(0) } } }
      assert(s:deliver(in_records(s, nst)))
      assert.is_false(s.engine:status().failed, tostring(s.engine:error()))
      talks(s)
      -- kept, but not offered: its pre_shared_key would not fit a ClientHello
      local session = assert(s.engine:session())
      local ch = hello_with({ mode = "client", ca = require("spec.support.certs").get().ca }, session)
      assert.is_nil(ch.ext[H.EXT.pre_shared_key])
   end)

   it("starts a full handshake with a session whose ticket is too large to offer (65400 bytes)", function()
      local s = H.new {}
      assert(s:handshake())
      assert(s:deliver(in_records(s, s:new_session_ticket { ticket = ("t"):rep(65400) })))
      talks(s)
      local ch, events = hello_with({ mode = "client", ca = require("spec.support.certs").get().ca },
         assert(s.engine:session()))
      assert.is_nil(ch.ext[H.EXT.pre_shared_key])
      assert.is_nil(ch.ext[H.EXT.early_data])
      local found
      for _, ev in ipairs(events) do
         if ev.message == "resumption" then
            for _, v in pairs(ev) do
               if type(v) == "string" and v:find("too large for a ClientHello", 1, true) then found = true end
            end
         end
      end
      assert.is_true(found, "no trace of why the session was not offered")
   end)

   it("still offers a ticket of 49152 bytes, the largest it offers", function()
      local s = H.new {}
      assert(s:handshake())
      assert(s:deliver(in_records(s, s:new_session_ticket { ticket = ("t"):rep(49152) })))
      talks(s)
      local ch = hello_with({ mode = "client", ca = require("spec.support.certs").get().ca },
         assert(s.engine:session()))
      assert.truthy(ch.ext[H.EXT.pre_shared_key])
      assert.truthy(#ch.ext[H.EXT.pre_shared_key] > 49152)
   end)

   it("refuses a NewSessionTicket one byte longer than its fields allow, before reading it all", function()
      local s = H.new {}
      assert(s:handshake())
      local body_len = 4 + 4 + 256 + 2 + 65535 + 2 + 65534 + 1
      local ok, err = s:deliver(s:record(H.CT.handshake, H.u8(H.HS.new_session_ticket) .. H.u24(body_len) .. "x"))
      assert.is_true(s.engine:status().failed)
      assert.matches("NewSessionTicket message of %d+ bytes is larger than the %d+ we accept", (s.engine:error()))
   end)
end)

---------------------------------------------------------------------------
-- Our TLS 1.2 client and the scripted TLS 1.2 server
---------------------------------------------------------------------------
local function client12(server_opts, client_opts)
   local c = E.client_engine(client_opts)
   assert(c:start())
   local fake = T.server(E.merge({ cert_pem = E.CERT, key_pem = E.KEY }, server_opts))
   return c, fake, fake:answer(c:output())
end

describe("conform22: our TLS 1.2 client and NewSessionTickets", function()
   it("takes a ticket of 2^16-1 bytes (rfc5077#3.3) in five records, keeps it and does not offer it", function()
      local c, fake, flight = client12 { session_ticket = true }
      assert(c:feed(flight))
      fake:client_flight(c:output())
      -- fake:finish with the NewSessionTicket (65545 bytes) cut into records
      local nst = B.handshake(T.HS.new_session_ticket, T.new_session_ticket(("t"):rep(65535), 600))
      fake:add(nst)
      local fin = fake:finished_message()
      fake:add(fin)
      local wire = B.records(B.CT.handshake, nst) .. B.record(B.CT.ccs, "\1") .. fake:seal(B.CT.handshake, fin)
      assert(c:feed(wire))
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      assert(c:feed(fake:seal(B.CT.application_data, "hello")))
      assert.equal("hello", c:read())
      local session = assert(c:session())
      local ch = hello_with({ mode = "client", verify = false }, session)
      assert.equal("", ch.ext[T.EXT.session_ticket])
   end)

   it("takes a zero-length ticket (rfc5077#3.3: the server changed its mind) and keeps the session id", function()
      local sid = B.random(32)
      local c, fake, flight = client12 { session_ticket = true, session_id = sid }
      assert(c:feed(flight))
      fake:client_flight(c:output())
      assert(c:feed(fake:finish { new_session_ticket = T.new_session_ticket("", 0) }))
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      local ch = hello_with({ mode = "client", verify = false }, assert(c:session()))
      assert.equal(sid, ch.session_id)
      assert.equal("", ch.ext[T.EXT.session_ticket])
   end)
end)
