-- Engines in one process for the specs: our client and server engines with
-- a self-signed certificate, the bytes between them moved by hand; our
-- server against the scripted client of spec/support/tlsbytes.lua, our
-- client against the scripted server of spec/support/tlsbytes_post.lua; and
-- the checks of an engine that refused its input.
--
--   local E = require "spec.support.engines"
--   local c, s = E.connected({ groups = "x448" }, { record_size_limit = 100 })
--   local sv, fake = E.scripted_handshake({ record_size_limit = 100 })
--   local ok, msg = sv:feed(bad)
--   E.assert_failed(sv, ok, msg, "decode_error", "Finished message has the wrong length")
local tls = require "tls"
local assert = require "luassert"
local B = require "spec.support.tlsbytes"
local P = require "spec.support.tlsbytes_post"

local E = {}

-- A self-signed certificate for localhost and its key (PEM text).
E.CERT, E.KEY = assert(tls.selfsigned { names = { "localhost" } })

-- base with every field of extra (may be nil) copied over it.
function E.merge(base, extra)
   for k, v in pairs(extra or {}) do base[k] = v end
   return base
end

-- opts (copied) plus a trace function appending every event to the list returned.
function E.traced(opts)
   local events = {}
   return E.merge({ trace = function(ev) events[#events + 1] = ev end }, opts), events
end

-- The events of a list (from E.traced) with this direction and message.
function E.events_of(events, direction, message)
   local out = {}
   for _, ev in ipairs(events) do
      if ev.direction == direction and ev.message == message then out[#out + 1] = ev end
   end
   return out
end

-- A server context with E.CERT unless opts say otherwise.
function E.server_ctx(opts)
   return assert(tls.context(E.merge({ mode = "server", certificate = E.CERT, key = E.KEY }, opts)))
end

function E.server_engine(opts)
   return assert(tls.engine(E.server_ctx(opts)))
end

-- A client engine that checks no certificate, for localhost.
function E.client_engine(opts)
   return assert(tls.engine(assert(tls.context(E.merge({ mode = "client", verify = false }, opts))),
      { servername = "localhost" }))
end

-- Our TLS 1.2 client (E.client_engine(client_opts)) after a whole handshake
-- with the scripted server of spec/support/tls12_peer.lua (T.server with
-- E.CERT and server_opts): the engine and the scripted server.
function E.client12(server_opts, client_opts)
   local T = require "spec.support.tls12_peer"
   local c = E.client_engine(client_opts)
   assert(c:start())
   local fake = T.server(E.merge({ cert_pem = E.CERT, key_pem = E.KEY }, server_opts))
   assert(c:feed(fake:answer(c:output())))
   fake:client_flight(c:output())
   assert(c:feed(fake:finish()))
   assert.is_true(c:status().handshake_done, tostring(c:error()))
   assert.equal("TLSv1.2", c:info().version)
   return c, fake
end

-- The reason a server (a context of server_opts, certificates and all)
-- gives when it refuses a client (a context of client_opts, for
-- `servername`, default localhost) with handshake_failure, as it must.
function E.refusal(server_opts, client_opts, servername)
   local sctx = assert(tls.context(E.merge({ mode = "server" }, server_opts)))
   local cl = assert(tls.engine(assert(tls.context(E.merge({ mode = "client" }, client_opts))),
      { servername = servername or "localhost" }))
   local s = assert(tls.engine(sctx))
   assert(cl:start())
   E.pump(cl, s)
   local msg, alert = s:error()
   assert.equal("handshake_failure", alert)
   return msg
end

-- A session store in a Lua table, and that table (id -> blob).
-- A store that keeps nothing: a server with early_data = true needs a
-- store (tls.context refuses one without), and this one declines every
-- 0-RTT offer as a replay (its delete finds no ticket).
function E.forgetful_store()
   return { get = function() return nil end, put = function() end, delete = function() return false end }
end

function E.table_store()
   local data = {}
   return {
      get = function(id) return data[id] end,
      put = function(id, blob) data[id] = blob end,
      delete = function(id)
         local had = data[id] ~= nil
         data[id] = nil
         return had
      end,
   }, data
end

-- A client trusting E.CERT (unless client_opts say otherwise) for
-- `servername` (default localhost), and a server (E.server_ctx); not started.
function E.engines(client_opts, server_opts, servername)
   local o = E.merge({ mode = "client", ca = E.CERT }, client_opts)
   -- a client that does not verify refuses 'ca' (it would do nothing)
   if o.verify == false and (client_opts or {}).ca == nil then o.ca = nil end
   local cctx = assert(tls.context(o))
   local c = assert(tls.engine(cctx, { servername = servername or "localhost" }))
   return c, E.server_engine(server_opts)
end

-- Moves bytes a -> b, then b -> a, until neither has anything to say;
-- returns how many non-empty flights went each way. A failed feed shows in
-- status() and its alert still flows back, unless opts.strict: then every
-- feed must succeed. opts.tap(from, bytes) sees every flight.
function E.pump(a, b, opts)
   opts = opts or {}
   local to_b, to_a = 0, 0
   local function move(from, to)
      local out = from:output()
      if #out == 0 then return false end
      if opts.tap then opts.tap(from, out) end
      local ok, err = to:feed(out)
      if opts.strict then assert(ok, err) end
      return true
   end
   for _ = 1, 50 do
      local ab = move(a, b)
      if ab then to_b = to_b + 1 end
      local ba = move(b, a)
      if ba then to_a = to_a + 1 end
      if not ab and not ba then return to_b, to_a end
   end
   error("engines did not settle")
end

-- E.engines, the client started and the pair pumped: the handshake may
-- have failed.
function E.pair(client_opts, server_opts, servername)
   local c, s = E.engines(client_opts, server_opts, servername)
   assert(c:start())
   E.pump(c, s)
   return c, s
end

-- Starts client c and pumps (every feed must succeed; pump_opts as for
-- E.pump) until both sides have completed the handshake.
function E.handshake(c, s, pump_opts)
   assert(c:start())
   E.pump(c, s, E.merge({ strict = true }, pump_opts))
   assert.is_true(c:status().handshake_done, tostring(c:error()))
   assert.is_true(s:status().handshake_done, tostring(s:error()))
   return c, s
end

-- E.engines after a complete handshake.
function E.connected(client_opts, server_opts, servername)
   return E.handshake(E.engines(client_opts, server_opts, servername))
end

-- A full handshake of a client on cctx (for localhost) with a server on
-- sctx, then the server's `text` (default "tickets first") read by the
-- client (in TLS 1.3 it reads the tickets with it): the session text the
-- client keeps, and both engines.
function E.first_session(cctx, sctx, text)
   text = text or "tickets first"
   local c = assert(tls.engine(cctx, { servername = "localhost" }))
   local s = assert(tls.engine(sctx))
   E.handshake(c, s)
   assert(s:write(text))
   E.pump(s, c, { strict = true })
   assert.equal(text, c:read())
   return assert(c:session()), c, s
end

-- A client on cctx offering `session` (with early data `early`; nil: none)
-- to a new server engine on sctx, pumped until both are done or failed:
-- the handshake may have failed.
function E.resume(cctx, sctx, session, early)
   local c = assert(tls.engine(cctx, { servername = "localhost", session = session, early_data = early }))
   local s = assert(tls.engine(sctx))
   assert(c:start())
   E.pump(c, s)
   return c, s
end

-- A full or resumed handshake of our client (on cctx, for localhost,
-- offering `session` if given) and server (on sctx) engines: whether it
-- resumed (both sides agree), and the client's latest session.
function E.connect(sctx, cctx, session)
   local c = assert(tls.engine(cctx, { servername = "localhost", session = session }))
   local s = assert(tls.engine(sctx))
   E.handshake(c, s)
   assert.are.equal(c:info().resumed, s:info().resumed)
   return c:info().resumed, c:session()
end

-- Our server engine (E.server_ctx options) after the scripted client's
-- hello (Fake:hello options) and its answer: the client knows every key.
function E.scripted_hello(server_opts, hello_opts)
   local sv = E.server_engine(server_opts)
   local fake = B.fake_client()
   assert(sv:feed(fake:hello(hello_opts)))
   assert(fake:receive_flight(sv:output()))
   return sv, fake
end

-- The same after the scripted client's Finished: the handshake is complete.
-- The server's NewSessionTickets that follow are taken (opened, so that the
-- client's read sequence stays in step) into fake.tickets: the server's
-- output starts empty.
function E.scripted_handshake(server_opts, hello_opts)
   local sv, fake = E.scripted_hello(server_opts, hello_opts)
   assert(sv:feed(fake:finished(false)))
   assert.is_true(sv:status().handshake_done)
   fake.tickets = {}
   for _, r in ipairs((B.parse_records(sv:output()))) do
      local ctype, content = fake:open(fake.server_ap, r)
      assert(ctype == B.CT.handshake, tostring(content))
      fake.tickets[#fake.tickets + 1] = content
   end
   return sv, fake
end

-- Our client engine (E.client_engine options) and the scripted server
-- after a complete handshake.
function E.scripted_server_handshake(client_opts, ee_extensions)
   local cl = E.client_engine(client_opts)
   assert(cl:start())
   return cl, P.handshake_with(cl, E.CERT, E.KEY, ee_extensions)
end

-- The alert in `bytes`, which must be their last record: a fatal alert,
-- protected under `secret` (opened by `opener`, the scripted peer, which
-- counts the records before it). Returns its name.
function E.alert_sent(opener, bytes, secret)
   local level, desc = opener:alert_in(bytes, secret)
   assert.equal(2, level, tostring(desc))
   return B.ALERT_NAME[desc]
end

-- Engine e refused the input of the last feed, which returned ok, msg: with
-- exactly `alert` (our alert, not the peer's), a reason that feed and
-- error() give alike, and `reason` exactly when given; e is failed and closed.
function E.assert_failed(e, ok, msg, alert, reason)
   assert.is_nil(ok, "the engine accepted the input")
   assert.is_string(msg)
   assert.truthy(#msg > 0, "empty error message")
   local emsg, name, from_peer = e:error()
   assert.equal(msg, emsg)
   assert.equal(alert, name, "reason: " .. tostring(emsg))
   if reason then assert.equal(reason, msg) end
   assert.is_false(from_peer)
   assert.is_true(e:status().failed)
   assert.is_true(e:status().closed)
end

-- E.assert_failed with a reason matching `pattern` (anchored), and the
-- engine sent its alert (this takes e's output).
function E.assert_refused(e, ok, msg, alert, pattern)
   E.assert_failed(e, ok, msg, alert)
   assert.truthy(msg:match("^" .. pattern .. "$"), "reason: " .. msg)
   assert.truthy(#e:output() > 0, "no alert was sent")
end

return E
