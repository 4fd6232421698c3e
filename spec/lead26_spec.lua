-- lead26: a server does not resume a session whose client certificate has
-- expired since (review25b's open point): resuming skips the Certificate,
-- so a session would otherwise vouch for a client certificate past its
-- notAfter, which a full handshake refuses. TLS 1.3 tickets and TLS 1.2
-- tickets and session ids; the clock is moved with the test hook.
local CTXM = require("tls.core").context_methods
local tls = require "tls"
local E = require "spec.support.engines"

local DAY = 86400

local function clock(off, ...)
   for _, ctx in ipairs { ... } do CTXM.set_clock_offset(ctx, off) end
end

local RX = require "spec.support.resume_expiry"
local reasons, has = RX.reasons, RX.has

local EXPIRED = "the client certificate kept in the session, or a certificate of its verified chain, has expired "
   .. "(notAfter passed)"

local function check(version, session_ids)
   -- a client certificate valid for 3 days, trusted by the server as itself
   local ccert, ckey = tls.selfsigned { names = { "client.example" }, days = 3 }
   RX.server_check { certificate = ccert, key = ckey, ca = ccert, version = version, session_ids = session_ids,
                   expired = EXPIRED }
end

describe("lead26: the server checks the notAfter of the client certificate a session keeps", function()
   it("TLS 1.3 tickets", function() check("TLSv1.3") end)
   it("TLS 1.2 tickets", function() check("TLSv1.2") end)
   it("TLS 1.2 session ids", function() check("TLSv1.2", true) end)

   it("a server that does not verify clients does not look at the dates", function()
      local ccert, ckey = tls.selfsigned { names = { "client.example" }, days = 3 }
      local sopts, seen = reasons { mode = "server", certificate = E.CERT, key = E.KEY,
                                    ticket_lifetime = 604800 }
      local sctx = assert(tls.context(sopts))
      local cctx = assert(tls.context { ca = E.CERT, certificate = ccert, key = ckey })
      local sess = E.first_session(cctx, sctx)
      clock(4 * DAY, cctx, sctx)
      local c = E.resume(cctx, sctx, sess)
      assert.is_true(c:info().resumed, tostring(c:error()))
      assert.is_false(has(seen, EXPIRED))
   end)
end)

-- review26c: inside a cqueues controller, close/accept and the server's
-- timeout given as a numeric string. In a child process: loading cqueues
-- wraps the methods of every connection of the process.
describe("lead26: review26c's cqueues points", function()
   local proc = require "spec.support.proc"
   local SCRIPT = [==[
local cqueues = require "cqueues"
local tls = require "tls"
local socket = require "socket"
local cert, key = assert(tls.selfsigned { names = { "localhost" } })
local sctx = assert(tls.context { mode = "server", certificate = cert, key = key })
local cq = cqueues.new()
cq:wrap(function()
  -- conn:close() from the connection's own trace function: the C close's
  -- refusal, as a string (it came out as loop.lua's internal table)
  local l = assert(socket.bind("127.0.0.1", 0))
  local _, port = l:getsockname()
  local a = assert(socket.connect("127.0.0.1", port))
  local b = assert(l:accept())
  l:close()
  local c
  c = assert(tls.wrap(a, assert(tls.context { mode = "client", verify = false, trace = function()
    local ok, err = pcall(c.close, c)
    print("close from trace", ok, type(err), err)
    error("stop")
  end }), { servername = "localhost" }))
  c:settimeout(1)
  local s = assert(tls.wrap(b, sctx))
  s:settimeout(0)
  s:handshake()
  print("handshake", c:handshake())
  c:close(); s:close()
  -- a server timeout given as a numeric string, then accept
  local server = assert(tls.listen("127.0.0.1", 0, sctx))
  print("settimeout", server:settimeout("0.05"))
  print("accept", server:accept())
  server:close()
end)
assert(cq:loop())
print("done")
]==]

   it("close from a trace function raises the C close's words; a numeric-string timeout works with accept",
      function()
      local script = os.tmpname() .. "_lead26_cq.lua"
      proc.write_file(script, SCRIPT)
      local p = assert(io.popen(proc.lua_env() .. " " .. proc.lua() .. " " .. proc.quote(script) .. " 2>&1"))
      local out = p:read("a")
      p:close()
      os.remove(script)
      assert.matches("close from trace\tfalse\tstring\ttls: this method cannot be called from the connection's own "
         .. "callbacks", out, 1, true)
      assert.matches("settimeout\t1\naccept\tnil\ttimeout\n", out, 1, true)
      assert.matches("\ndone\n", out, 1, true)
   end)

   it("tls.wrap refuses real LuaSec's connection (a userdata named SSL:Connection)", function()
      -- In a child: this process's "ssl" may be the drop-in (install()).
      local script = os.tmpname() .. "_lead26_luasec.lua"
      proc.write_file(script, [==[
local tls = require "tls"
local ssl = require "ssl"
local socket = require "socket"
local l = assert(socket.bind("127.0.0.1", 0))
local s = socket.tcp()
assert(s:connect("127.0.0.1", select(2, l:getsockname())))
local c = assert(ssl.wrap(s, { mode = "client", protocol = "any", verify = "none" }))
print(type(c), getmetatable(c).__name)
print(pcall(tls.wrap, c, assert(tls.context { verify = false })))
]==])
      local p = assert(io.popen(proc.lua_env() .. " " .. proc.lua() .. " " .. proc.quote(script) .. " 2>&1"))
      local out = p:read("a")
      p:close()
      os.remove(script)
      assert.matches("userdata\tSSL:Connection\n", out)
      assert.matches("false\tbad argument #1 to 'wrap' (connected LuaSocket TCP socket expected, got SSL "
         .. "connection: TLS over a TLS connection is not supported", out, 1, true)
   end)

end)
