-- Session 27, lead.
--   tls.selfsigned made certificates for "*.com" or "*.localhost": a
--   wildcard over a single label, which OpenSSL's host check (ours, curl's)
--   matches to no name; refused now.
local tls = require "tls"

local function handshake(cert, key, servername)
   local s = assert(tls.context { mode = "server", certificate = cert, key = key })
   local c = assert(tls.context { mode = "client", ca = cert })
   local ce = assert(tls.engine(c, { servername = servername }))
   local se = assert(tls.engine(s))
   ce:start()
   for _ = 1, 10 do
      local o = ce:output()
      if #o > 0 then se:feed(o) end
      o = se:output()
      if #o > 0 then ce:feed(o) end
   end
   return ce:status().handshake_done, ce:error()
end

describe("tls.selfsigned with a wildcard over one label", function()
   for _, name in ipairs { "*.com", "*.localhost", "*.x" } do
      it("refuses " .. name, function()
         local cert, err = tls.selfsigned { names = { "localhost", name } }
         assert.is_nil(cert)
         assert.equal("tls.selfsigned: option 'names': entry 2 ('" .. name .. "') is not a host name or IP "
            .. "address: it puts a wildcard label before a single label: clients match a wildcard only when two "
            .. "or more labels follow it ('*.example.com'), so it would match no name", err)
      end)
   end

   it("(why) a certificate for *.localhost, made by openssl, matches no name in our client", function()
      local dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir " .. dir))
      local made = os.execute(string.format("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
         .. "-nodes -subj /CN=wild -addext subjectAltName=DNS:*.localhost -days 1 -keyout %s/k.pem "
         .. "-out %s/c.pem 2>/dev/null", dir, dir))
      assert.truthy(made, "openssl req failed")
      local function slurp(path)
         local f = assert(io.open(path))
         local data = f:read("a")
         f:close()
         return data
      end
      local cert, key = slurp(dir .. "/c.pem"), slurp(dir .. "/k.pem")
      os.execute("rm -rf " .. dir)
      local ok, err = handshake(cert, key, "a.localhost")
      assert.is_false(ok)
      assert.equal("host name mismatch: expected a.localhost, certificate is for *.localhost", err)
   end)

   it("(neighbour) takes a wildcard over two or more labels, and plain one-label names", function()
      for _, name in ipairs { "*.example.com", "*.a.b", "localhost", "x" } do
         local cert, key = tls.selfsigned { names = { name } }
         assert.truthy(cert, key)
      end
      local cert, key = assert(tls.selfsigned { names = { "*.example.com" } })
      assert.is_true(handshake(cert, key, "www.example.com"))
   end)
end)

describe("review27a #2: core.loop_method given a C closure", function()
   local core = require "tls.core"

   it("refuses it (it would read the wrapper's upvalues as its own and crash)", function()
      local closure = pairs(core.context_methods)
      assert.is_not_nil(debug.getupvalue(closure, 1), "the test needs a C closure with upvalues")
      assert.has_error(function()
         core.loop_method(closure, function() end, function() end, {}, "tls.conn")
      end, "bad argument #1 to 'loop_method' (C function without upvalues expected, got function)")
      assert.has_error(function()
         core.loop_method(function() end, function() end, function() end, {}, "tls.conn")
      end, "bad argument #1 to 'loop_method' (C function without upvalues expected, got function)")
   end)

   it("(neighbour) wraps a plain C method, which then runs as before", function()
      local mode = core.context_methods.mode
      assert.is_nil(debug.getupvalue(mode, 1))
      local wrapped = core.loop_method(mode, function() end, function() end, {}, "tls.conn")
      assert.equal("client", wrapped(assert(core.context(false))))
      assert.equal("server", wrapped(assert(core.context(true))))
      -- Not a tls.conn: the method runs in the wrapper's frame and says so.
      assert.has_error(function() wrapped(42) end)
   end)
end)

-- review27a #1: a session keeps the peer's leaf, not its chain; an
-- intermediate (or trust anchor) that expired since would make a full
-- handshake fail, so the session keeps the earliest notAfter of the
-- verified path and is not resumed past it, on both sides.
describe("review27a #1: resumption past the notAfter of an intermediate of the verified chain", function()
   local CTXM = require("tls.core").context_methods
   local E = require "spec.support.engines"
   local pki = require "spec.support.pki"
   local DAY = 86400
   local EXPIRED_CLIENT = "the client certificate kept in the session, or a certificate of its verified chain, "
      .. "has expired (notAfter passed)"
   local EXPIRED_SERVER = "the server's certificate kept in the session, or a certificate of its verified chain, "
      .. "has expired (notAfter passed)"

   -- root (30 days) -> intermediate (3 days) -> leaf (30 days)
   local p = pki.new()
   p:ca("root", "ec256", "/CN=Root 30d", 30)
   p:key("int", "ec256")
   p:issue("int", "/CN=Intermediate 3d", "root", { ext = "ca", days = 3 })
   p:key("leaf", "ec256")
   p:issue("leaf", "/CN=localhost", "int", { days = 30 })
   p:bundle("chain", "leaf", "int")
   local ROOT, CHAIN, KEY = p:read("root.pem"), p:read("chain.pem"), p:read("leaf.key")

   local function clock(off, ...)
      for _, ctx in ipairs { ... } do CTXM.set_clock_offset(ctx, off) end
   end

   local RX = require "spec.support.resume_expiry"
   local tracing, has = RX.reasons, RX.has

   local function server_side(version, session_ids)
      RX.server_check { certificate = CHAIN, key = KEY, ca = ROOT, version = version, session_ids = session_ids,
                      expired = EXPIRED_CLIENT }
   end

   it("server: TLS 1.3 tickets", function() server_side("TLSv1.3") end)
   it("server: TLS 1.2 tickets", function() server_side("TLSv1.2") end)
   it("server: TLS 1.2 session ids", function() server_side("TLSv1.2", true) end)

   it("server: a session resumed from such a session keeps the chain's date", function()
      local sopts, seen = tracing { mode = "server", certificate = E.CERT, key = E.KEY, verify = "required",
                                    ca = ROOT, ticket_lifetime = 604800 }
      local sctx = assert(tls.context(sopts))
      local cctx = assert(tls.context { ca = E.CERT, certificate = CHAIN, key = KEY })
      local sess = E.first_session(cctx, sctx)
      clock(2 * DAY, sctx)
      local c, s = E.resume(cctx, sctx, sess)
      assert.is_true(c:info().resumed)
      -- the ticket the resumed connection sends
      assert(s:write("x"))
      E.pump(s, c)
      assert.equal("x", c:read())
      local chained = assert(c:session())
      clock(4 * DAY, sctx)
      local c2 = E.resume(cctx, sctx, chained)
      assert.is_false(c2:info().resumed)
      assert.is_true(has(seen, EXPIRED_CLIENT), table.concat(seen, " | "))
   end)

   it("client: a session whose server chain has an expired intermediate is not offered", function()
      local sctx = assert(tls.context { mode = "server", certificate = CHAIN, key = KEY, ticket_lifetime = 604800 })
      local copts, seen = tracing { ca = ROOT }
      local cctx = assert(tls.context(copts))
      local sess = E.first_session(cctx, sctx)
      clock(2 * DAY, cctx, sctx)
      local c = E.resume(cctx, sctx, sess)
      assert.is_true(c:info().resumed, tostring(c:error()))
      assert.is_false(has(seen, EXPIRED_SERVER))
      clock(4 * DAY, cctx, sctx)
      local c2 = E.resume(cctx, sctx, sess)
      assert.is_false(c2:info() ~= nil and c2:info().resumed)
      assert.is_true(has(seen, EXPIRED_SERVER), table.concat(seen, " | "))
   end)
end)

-- review27c #1: a session made by a later version may carry fields this
-- one does not know after the path's date; it is not resumed (what they
-- say may be a limit), and it is no error: a full handshake.
describe("review27c #1: session texts with trailing fields this version does not know", function()
   local E = require "spec.support.engines"
   local ST = require "spec.support.session_text"

   local function offered(cctx, sctx, text)
      local c = assert(tls.engine(cctx, { servername = "localhost", session = text }))
      local s = assert(tls.engine(sctx))
      assert(c:start())
      E.pump(c, s)
      return c, s
   end

   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it(version .. ": the date field is there, a known session resumes, one with an unknown field does not",
         function()
         local sctx = assert(tls.context { mode = "server", certificate = E.CERT, key = E.KEY,
                                           max_version = version })
         local cctx = assert(tls.context { ca = E.CERT, max_version = version })
         local text = E.first_session(cctx, sctx)
         local bin, text_of = ST.open(text)
         -- the date: length 8, then a time within the leaf's validity
         assert.equal(8, bin:byte(#bin - 8))
         local date = string.unpack(">I8", bin, #bin - 7)
         assert.is_true(date > os.time() and date < os.time() + 40 * 365 * 86400, tostring(date))
         local c = offered(cctx, sctx, text_of(bin))
         assert.is_true(c:info().resumed, tostring(c:error()))
         -- one well-formed field more: a full handshake, no error
         local c2, s2 = offered(cctx, sctx, text_of(bin .. "\3abc"))
         assert.is_true(c2:status().handshake_done, tostring(c2:error()))
         assert.is_true(s2:status().handshake_done, tostring(s2:error()))
         assert.is_false(c2:info().resumed)
         -- an empty one too
         local c3 = offered(cctx, sctx, text_of(bin .. "\0"))
         assert.is_true(c3:status().handshake_done)
         assert.is_false(c3:info().resumed)
         -- a field cut short is malformed, as before
         local bad, err = tls.engine(cctx, { servername = "localhost", session = text_of(bin .. "\5ab") })
         assert.is_nil(bad)
         assert.matches("session: malformed", err, 1, true)
      end)
   end

   it("a date of 0 (not known) keeps the leaf's check alone, as a session made before the field", function()
      local sctx = assert(tls.context { mode = "server", certificate = E.CERT, key = E.KEY })
      local cctx = assert(tls.context { ca = E.CERT })
      local bin, text_of = ST.open((E.first_session(cctx, sctx)))
      local zeroed = bin:sub(1, #bin - 8) .. string.pack(">I8", 0)
      local c = offered(cctx, sctx, text_of(zeroed))
      assert.is_true(c:info().resumed, tostring(c:error()))
   end)
end)

-- review26c #3 (left in session 26): a method called inside a cqueues
-- controller where the coroutine cannot yield fails with Lua's words, and
-- left its deadline behind: the connection's poll timeout stayed set (0
-- once past), so an application polling it woke at once, for ever.
describe("review26c #3: a call inside cqueues that cannot yield leaves no deadline behind", function()
   it("conn:timeout() is nil again after the failed call", function()
      local cqueues = require "cqueues"
      local E = require "spec.support.engines"
      local cq = cqueues.new()
      local srv = assert(tls.listen("127.0.0.1", 0,
         assert(tls.context { mode = "server", certificate = E.CERT, key = E.KEY }), { timeout = 30 }))
      local _, port = srv:getsockname()
      local seen = {}
      cq:wrap(function()
         local s = assert(srv:accept())
         assert(s:handshake())
         cqueues.sleep(0.3)
         s:send("x\n")
         s:close()
      end)
      cq:wrap(function()
         local conn = assert(tls.connect("127.0.0.1", port, assert(tls.context { ca = E.CERT }),
            { servername = "localhost", timeout = 5 }))
         seen.ok, seen.err = pcall(string.gsub, "a", "a", function() return conn:receive() end)
         seen.timeout = conn:timeout()
         -- and the connection still works from where it can yield
         seen.line = conn:receive()
         conn:close()
      end)
      assert(cq:loop(10))
      srv:close()
      assert.is_false(seen.ok)
      assert.matches("attempt to yield across a C%-call boundary", seen.err)
      assert.is_nil(seen.timeout)
      assert.equal("x", seen.line)
   end)
end)
