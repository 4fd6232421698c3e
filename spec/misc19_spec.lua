-- Session 19, small gaps:
-- 1. the settings session 18 left read live from the context during a
--    connection (early_data, max_early_data, sni_strict, tickets,
--    ticket_lifetime, key_update_after, record_size_limit) are taken when
--    the connection is made (engine/tls_conn_int.h, tls_policy);
--    ticket KEYS stay shared, so that a rotation reaches live servers;
-- 2. tls.engine misuse: start() on a server engine or twice raises, and
--    finished() gives nothing once the connection failed;
-- 3. NaN, infinities, negative and fractional numbers in numeric options;
-- 4. ctx:load_ca_path takes a directory with one stat.
local CTXM = require("tls.core").context_methods -- a context's setters (not its methods)
local tls = require "tls"
local socket = require "socket"
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"

local KEY = ("M"):rep(16) .. ("m"):rep(24) .. "01234567"

local function client_ctx(opts)
   return assert(tls.context(E.merge({ mode = "client", ca = E.CERT }, opts)))
end

-- A client that checks no certificate (it then takes no 'ca').
local function blind_ctx()
   return assert(tls.context { mode = "client", verify = false })
end

local function records_in(bytes)
   return #B.parse_records(bytes)
end

describe("misc19: 0-RTT settings a connection keeps", function()
   local function setup(sopts, copts)
      local sctx = E.server_ctx(E.merge({ early_data = true, ticket_keys = { KEY }, session_store = E.table_store() },
                                        sopts))
      local cctx = client_ctx(E.merge({ early_data = true }, copts))
      local session = E.first_session(cctx, sctx)
      return sctx, cctx, session
   end

   it("a server made with early_data on still accepts it after set_early_data(false)", function()
      local sctx, cctx, session = setup()
      local later = E.first_session(cctx, sctx)
      local c = assert(tls.engine(cctx, { servername = "localhost", session = session, early_data = "GET /" }))
      local s = assert(tls.engine(sctx))
      CTXM.set_early_data(sctx, false)
      assert(c:start())
      E.pump(c, s, { strict = true })
      assert.equal("accepted", s:info().early_data)
      assert.equal("GET /", (s:read_early()))
      -- the next connection takes the new setting
      local c2, s2 = E.resume(cctx, sctx, later, "GET /")
      assert.is_true(c2:status().handshake_done, tostring(c2:error()))
      assert.equal("rejected", s2:info().early_data)
   end)

   it("a server keeps its max_early_data when the context lowers it", function()
      local sctx, cctx, session = setup { max_early_data = 1000 }
      local data = ("e"):rep(600)
      local c = assert(tls.engine(cctx, { servername = "localhost", session = session, early_data = data }))
      local s = assert(tls.engine(sctx))
      CTXM.set_early_data(sctx, true, 10)
      assert(c:start())
      E.pump(c, s, { strict = true })
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.equal("accepted", s:info().early_data)
      assert.equal(data, (s:read_early()))
   end)

   it("a client made with early_data on still offers it after set_early_data(false)", function()
      local sctx, cctx, session = setup()
      local c = assert(tls.engine(cctx, { servername = "localhost", session = session, early_data = "GET /" }))
      local s = assert(tls.engine(sctx))
      CTXM.set_early_data(cctx, false)
      assert(c:start())
      E.pump(c, s, { strict = true })
      assert.equal("accepted", c:info().early_data)
      assert.equal("GET /", (s:read_early()))
   end)
end)

describe("misc19: sni_strict a server keeps", function()
   it("a server made without sni_strict still serves an unknown name after set_sni_strict(true)", function()
      -- traced, so that the name is looked at (one pair, untraced, is taken at once)
      local sctx = E.server_ctx { trace = function() end }
      local s = assert(tls.engine(sctx))
      CTXM.set_sni_strict(sctx, true)
      local c = assert(tls.engine(blind_ctx(), { servername = "other.example" }))
      E.handshake(c, s)
      -- a server made now refuses the name
      local c2 = assert(tls.engine(blind_ctx(), { servername = "other.example" }))
      local s2 = assert(tls.engine(sctx))
      assert(c2:start())
      E.pump(c2, s2)
      local msg, alert = s2:error()
      assert.equal("unrecognized_name", alert, msg)
   end)

   it("a server made with sni_strict still refuses an unknown name after set_sni_strict(false)", function()
      local sctx = E.server_ctx { sni_strict = true }
      local s = assert(tls.engine(sctx))
      CTXM.set_sni_strict(sctx, false)
      local c = assert(tls.engine(blind_ctx(), { servername = "other.example" }))
      assert(c:start())
      E.pump(c, s)
      local msg, alert = s:error()
      assert.equal("unrecognized_name", alert, msg)
   end)
end)

describe("misc19: tickets and their lifetime a server keeps", function()
   it("TLSv1.3: a server made with tickets still issues them after set_tickets(0)", function()
      local sctx = E.server_ctx { ticket_keys = { KEY } }
      local cctx = client_ctx()
      local c = assert(tls.engine(cctx, { servername = "localhost" }))
      local s = assert(tls.engine(sctx))
      CTXM.set_tickets(sctx, 0)
      E.handshake(c, s)
      assert(s:write("x"))
      E.pump(s, c, { strict = true })
      assert.equal("x", c:read())
      assert.is_string(c:session(), "no ticket came")
   end)

   it("TLSv1.3: a server made with tickets still resumes after set_tickets(0)", function()
      local sctx = E.server_ctx { ticket_keys = { KEY } }
      local cctx = client_ctx()
      local session = E.first_session(cctx, sctx)
      local c = assert(tls.engine(cctx, { servername = "localhost", session = session }))
      local s = assert(tls.engine(sctx))
      CTXM.set_tickets(sctx, 0)
      E.handshake(c, s)
      assert.is_true(s:info().resumed)
   end)

   it("TLSv1.2: a server made with tickets still promises and sends one after set_tickets(0)", function()
      local sctx = E.server_ctx { ticket_keys = { KEY } }
      local cctx = client_ctx { max_version = "TLSv1.2" }
      local c = assert(tls.engine(cctx, { servername = "localhost" }))
      local s = assert(tls.engine(sctx))
      CTXM.set_tickets(sctx, 0)
      E.handshake(c, s)
      local session = assert(c:session())
      local c2 = assert(tls.engine(cctx, { servername = "localhost", session = session }))
      local s2 = assert(tls.engine(E.server_ctx { ticket_keys = { KEY } }))
      E.handshake(c2, s2)
      assert.is_true(c2:info().resumed, "the session had no ticket")
   end)

   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it(version .. ": a server keeps its ticket_lifetime when the context shortens it", function()
         local sctx = E.server_ctx { ticket_keys = { KEY }, ticket_lifetime = 3600 }
         local cctx = client_ctx { max_version = version }
         local session = E.first_session(cctx, sctx)
         local s = assert(tls.engine(sctx))
         CTXM.set_ticket_lifetime(sctx, 5)
         CTXM.set_clock_offset(sctx, 60)
         CTXM.set_clock_offset(cctx, 60)
         local c = assert(tls.engine(cctx, { servername = "localhost", session = session }))
         E.handshake(c, s)
         assert.is_true(s:info().resumed, "the session expired under the context's new lifetime")
         -- a server made now retires it
         local c2 = assert(tls.engine(cctx, { servername = "localhost", session = session }))
         local s2 = assert(tls.engine(sctx))
         E.handshake(c2, s2)
         assert.is_false(s2:info().resumed)
      end)
   end

   it("ticket keys stay shared: a key set on the context opens tickets on a server made before", function()
      local other = ("O"):rep(16) .. ("o"):rep(24) .. "01234567"
      local sctx = E.server_ctx { ticket_keys = { KEY } }
      local cctx = client_ctx()
      local session = E.first_session(cctx, E.server_ctx { ticket_keys = { other } })
      local s = assert(tls.engine(sctx))
      assert(sctx:setticketkeys { other })
      local c = assert(tls.engine(cctx, { servername = "localhost", session = session }))
      E.handshake(c, s)
      assert.is_true(s:info().resumed)
   end)
end)

describe("misc19: key_update_after a connection keeps", function()
   it("does not update keys sooner when the context lowers key_update_after", function()
      local o, events = E.traced { mode = "client", ca = E.CERT, key_update_after = 1000 }
      local cctx = assert(tls.context(o))
      local c = assert(tls.engine(cctx, { servername = "localhost" }))
      local s = E.server_engine()
      CTXM.set_key_update_after(cctx, 2)
      E.handshake(c, s)
      for i = 1, 6 do
         assert(c:write("r" .. i))
         assert(s:feed(c:output()))
      end
      assert.equal("r1r2r3r4r5r6", s:read())
      assert.same({}, E.events_of(events, "send", "KeyUpdate"))
      -- a connection made now takes the new value
      local c2 = assert(tls.engine(cctx, { servername = "localhost" }))
      local s2 = E.server_engine()
      E.handshake(c2, s2)
      for i = 1, 6 do
         assert(c2:write("r" .. i))
         assert(s2:feed(c2:output()))
      end
      assert.is_true(#E.events_of(events, "send", "KeyUpdate") > 0)
   end)
end)

describe("misc19: record_size_limit a connection keeps", function()
   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it(version .. ": a client enforces the limit its ClientHello advertised, though the context lowered it",
         function()
            local cctx = client_ctx { record_size_limit = 16385, max_version = version }
            local c = assert(tls.engine(cctx, { servername = "localhost" }))
            local s = E.server_engine()
            assert(c:start())
            local hello = c:output()
            CTXM.set_record_size_limit(cctx, 64)
            assert(s:feed(hello))
            E.pump(s, c, { strict = true })
            assert.is_true(c:status().handshake_done, tostring(c:error()))
            local big = ("b"):rep(5000)
            assert(s:write(big))
            assert(c:feed(s:output()))
            assert.equal(big, c:read())
         end)

      it(version .. ": a client advertises the limit it was made with", function()
         local cctx = client_ctx { record_size_limit = 16385, max_version = version }
         local c = assert(tls.engine(cctx, { servername = "localhost" }))
         local s = E.server_engine()
         CTXM.set_record_size_limit(cctx, 64)
         E.handshake(c, s)
         assert(s:write(("b"):rep(1000)))
         assert.equal(1, records_in(s:output()), "the server was told a smaller limit")
      end)

      it(version .. ": a server advertises and enforces the limit it was made with", function()
         local sctx = E.server_ctx { record_size_limit = 16385 }
         local s = assert(tls.engine(sctx))
         CTXM.set_record_size_limit(sctx, 64)
         local c = assert(tls.engine(client_ctx { record_size_limit = 16385, max_version = version },
                                     { servername = "localhost" }))
         E.handshake(c, s)
         assert(c:write(("c"):rep(1000)))
         local out = c:output()
         assert.equal(1, records_in(out), "the client was told a smaller limit")
         assert(s:feed(out))
         assert.equal(("c"):rep(1000), s:read())
      end)
   end
end)

describe("misc19: a servername switch", function()
   it("takes the chosen context's record_size_limit", function()
      local other = E.server_ctx { record_size_limit = 64 }
      local sctx = E.server_ctx { servername = function() return other end }
      local c = assert(tls.engine(client_ctx { record_size_limit = 16385 }, { servername = "localhost" }))
      local s = assert(tls.engine(sctx))
      E.handshake(c, s)
      assert(c:write(("c"):rep(1000)))
      local out = c:output()
      assert.is_true(records_in(out) >= 16, "the client was not told the chosen context's limit")
      assert(s:feed(out))
      assert.equal(("c"):rep(1000), s:read())
   end)
end)

describe("misc19: tls.engine misuse", function()
   it("start() on a server engine raises", function()
      local s = E.server_engine()
      assert.has_error(function() s:start() end,
         "tls.engine: start() is for a client engine; a server engine begins when the client's hello is fed to it (e:feed)")
   end)

   it("start() twice raises, and the first handshake goes on", function()
      local c, s = E.engines()
      assert(c:start())
      assert.has_error(function() c:start() end,
         "tls.engine: start() was already called on this engine (one handshake per engine: make a new engine for another)")
      E.pump(c, s, { strict = true })
      assert.is_true(c:status().handshake_done, tostring(c:error()))
      -- (a client engine that cannot start is refused when made since
      -- session 32: lead32_spec)
   end)

   it("finished() gives nothing once the handshake failed, though we sent our Finished", function()
      local sv, fake = E.scripted_hello()
      local vd = fake:finished_message(false):sub(5)
      local bad = string.char(vd:byte(1) ~ 1) .. vd:sub(2)
      sv:feed(fake:seal(fake.client_hs, B.CT.handshake, B.handshake(B.HS.finished, bad)))
      assert.is_true(sv:status().failed)
      assert.same({ nil, nil, "no Finished values: the connection failed" }, { sv:finished() })
   end)

   it("finished() gives nothing once a connection failed after its handshake", function()
      local c, s = E.connected()
      assert.is_string((c:finished()))
      assert.is_nil(c:feed("\23\3\3\0\40" .. ("x"):rep(40)))
      assert.is_true(c:status().failed)
      assert.same({ nil, nil, "no Finished values: the connection failed" }, { c:finished() })
      assert.is_string((s:finished()))
   end)
end)

describe("misc19: numbers in options", function()
   local NAN, INF = 0 / 0, math.huge

   -- fn(...) raises an error whose message contains `text` (plain).
   local function raises(text, fn, ...)
      local ok, err = pcall(fn, ...)
      assert.is_false(ok, "no error")
      assert.truthy(tostring(err):find(text, 1, true), tostring(err))
   end

   local tcp_pair = require "spec.support.tcppair"

   it("tls.listen says NaN, and refuses a backlog out of range", function()
      local sctx = E.server_ctx()
      local ok, msg = tls.listen("127.0.0.1", 0, sctx, { timeout = NAN })
      assert.is_nil(ok)
      assert.equal("tls.listen: option 'timeout' must be a number of seconds or false (got NaN)", msg)
      ok, msg = tls.listen("127.0.0.1", 0, sctx, { handshake_timeout = NAN })
      assert.is_nil(ok)
      assert.matches("%(got NaN%)$", msg)
      for _, b in ipairs { -1, 0, 65536, NAN, 2.5, INF } do
         ok, msg = tls.listen("127.0.0.1", 0, sctx, { backlog = b })
         assert.is_nil(ok, tostring(b))
         assert.matches("^tls.listen: option 'backlog' must be a whole number from 1 to 65535 %(got ", msg)
      end
      assert.matches("%(got NaN%)$", select(2, tls.listen("127.0.0.1", 0, sctx, { backlog = NAN })))
      local server = assert(tls.listen("127.0.0.1", 0, sctx, { backlog = 65535, timeout = INF,
                                                               handshake_timeout = INF }))
      server:close()
   end)

   it("tls.connect and tls.wrap say NaN", function()
      assert.same({ nil, "tls.connect: option 'timeout' must be a number of seconds or false (got NaN)" },
                  { tls.connect("127.0.0.1", 1, client_ctx(), { timeout = NAN }) })
      local a, b = tcp_pair()
      assert.same({ nil, "tls.wrap: option 'timeout' must be a number of seconds or false (got NaN)" },
                  { tls.wrap(a, client_ctx(), { timeout = NAN }) })
      a:close()
      b:close()
   end)

   it("tls.https says NaN", function()
      local https = require "tls.https"
      local ok, msg = https.request { url = "https://127.0.0.1:1/", timeout = NAN }
      assert.is_nil(ok)
      assert.matches("option 'timeout' must be a number of seconds > 0 or false %(got NaN%)", msg)
      ok, msg = https.request { url = "https://127.0.0.1:1/", maxredirects = NAN }
      assert.is_nil(ok)
      assert.matches("option 'maxredirects' must be a whole number >= 0 %(got NaN%)", msg)
   end)

   it("ctx:set_clock_offset refuses NaN and offsets past int64_t milliseconds", function()
      local ctx = client_ctx()
      for _, v in ipairs { NAN, INF, -INF, 1e300 } do
         raises("a number of seconds from -1e12 to 1e12 expected", CTXM.set_clock_offset, ctx, v)
      end
      assert.is_true(CTXM.set_clock_offset(ctx, -60))
   end)

   it("context options say NaN, and max_early_data past 2^31 - 1 is refused, not raised", function()
      for option, value in pairs { tickets = NAN, ticket_lifetime = NAN, security_level = NAN,
                                   key_update_after = NAN, record_size_limit = NAN, ticket_key_lifetime = NAN } do
         local o = { mode = "server", certificate = E.CERT, key = E.KEY, [option] = value }
         local ok, msg = tls.context(o)
         assert.is_nil(ok, option)
         assert.matches("%(got NaN%)$", msg)
      end
      local ok, msg = tls.context { mode = "server", certificate = E.CERT, key = E.KEY, early_data = true,
                                    max_early_data = 1 << 40 }
      assert.is_nil(ok)
      -- (at most 1 MiB since session 23, review23 R6)
      assert.equal("option 'max_early_data' must be a whole number of bytes from 1 to 1048576 (got "
                   .. (1 << 40) .. ")", msg)
      assert.truthy(tls.context { mode = "server", certificate = E.CERT, key = E.KEY, early_data = true,
                                  max_early_data = 1 << 20, session_store = tls.store.memory() })
   end)

   it("conn:setstats refuses NaN, infinities and negative numbers", function()
      local a, b = tcp_pair()
      local conn = assert(tls.wrap(a, client_ctx(), { servername = "localhost" }))
      for _, v in ipairs { NAN, INF, -INF, -1 } do
         for arg = 1, 3 do
            local args = { nil, nil, nil }
            args[arg] = v
            assert.has_error(function() conn:setstats(args[1], args[2], args[3]) end)
         end
      end
      assert.equal(1, conn:setstats(10, 20, 30))
      local received, sent, age = conn:getstats()
      assert.equal(10, received)
      assert.equal(20, sent)
      assert.is_true(age >= 30 and age < 40)
      local ok, err = pcall(conn.setstats, conn, NAN)
      assert.is_false(ok)
      assert.matches("is NaN", err)
      assert.equal(1, conn:setstats(nil, 5))
      local r, sent2 = conn:getstats()
      assert.same({ 10, 5 }, { r, sent2 })
      conn:close()
      b:close()
   end)

   it("tls.luasec refuses depth = NaN, an infinity or 9.5 as LuaSec does, and takes 10.0", function()
      local ssl = require "tls.luasec"
      local certs = require "spec.support.certs"
      local function params(depth)
         return { mode = "client", protocol = "any", cafile = certs.get().ca, verify = "peer", depth = depth }
      end
      for _, d in ipairs { NAN, INF, 9.5 } do
         raises("bad argument #1 to 'newcontext' (depth: number has no integer representation)",
                ssl.newcontext, params(d))
      end
      assert.truthy(ssl.newcontext(params(10.0)))
   end)

   it("tls.luasec connections refuse NaN in setstats and settimeout before the handshake", function()
      local ssl = require "tls.luasec"
      local a, b = tcp_pair()
      local conn = assert(ssl.wrap(a, { mode = "client", protocol = "any", verify = "none" }))
      raises("bad argument #1 to 'setstats' (is NaN: a number >= 0 expected)", conn.setstats, conn, NAN)
      raises("bad argument #2 to 'setstats' (out of range: a finite number >= 0 expected)",
             conn.setstats, conn, nil, -1)
      raises("bad argument #1 to 'settimeout' (timeout is NaN", conn.settimeout, conn, NAN)
      assert.equal(1, conn:setstats(1, 2))
      assert.equal(1, conn:settimeout(5))
      conn:close()
      b:close()
   end)
end)

describe("misc19: ctx:load_ca_path", function()
   it("takes a hashed directory and a bundle file", function()
      local proc = require "spec.support.proc"
      local dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir " .. dir))
      proc.write_file(dir .. "/localhost.pem", E.CERT)
      assert(os.execute("openssl rehash " .. dir .. " >/dev/null 2>&1"))
      local ctx = assert(tls.context { mode = "client", ca = dir })
      local c, s = assert(tls.engine(ctx, { servername = "localhost" })), E.server_engine()
      E.handshake(c, s)
      local file = dir .. "/bundle.pem"
      proc.write_file(file, E.CERT)
      assert(tls.context { mode = "client", ca = file })
      assert(os.execute("rm -rf " .. dir))
   end)
end)
