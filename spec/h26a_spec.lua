-- h26a: three findings of the Lua API misuse review of session 25
-- (review25c #8, #11, #12; mutate/mutations_h26a.lua plants them back).
--  #8  The client_certificate and trace functions' errors read as every
--      other hook's: "<name>: <text>", a table or nil named by type, an
--      object's __tostring applied (its own error's text when it raises).
--  #11 With cqueues loaded, a connection's or server's argument error reads
--      as without it (the caller's line, the method's name, self not
--      counted), outside and inside a controller; it pointed into
--      lua/tls/loop.lua with an argument number one too high, or said '?'.
--  #12 An empty servername is refused at once by the drop-in's newcontext
--      and sni() and by tls.https, in their own words; it failed only at the
--      handshake, with a message naming tls.wrap.
local tls = require "tls"
local E = require "spec.support.engines"
local proc = require "spec.support.proc"
local socket = require "socket"

-- Error values a hook may raise, and the text after the hook's name.
local WEIRD = {
   { "a string", function() error("the card is locked", 0) end, "the card is locked" },
   { "a table", function() error({}) end, "(error object is a table)" },
   { "nil", function() error(nil) end, "(error object is nil)" },
   { "an object whose __tostring raises", function()
      error(setmetatable({}, { __tostring = function() error("inner", 0) end }))
   end, "inner" },
   { "an object whose __tostring returns a table", function()
      error(setmetatable({}, { __tostring = function() return {} end }))
   end, "'__tostring' must return a string" },
   { "an object with a __tostring", function()
      error(setmetatable({}, { __tostring = function() return "as text" end }))
   end, "as text" },
}

-- Moves the bytes between two engines until neither has any.
local function pump(a, b)
   for _ = 1, 20 do
      local x, y = a:output(), b:output()
      if #x == 0 and #y == 0 then return end
      if #x > 0 then b:feed(x) end
      if #y > 0 then a:feed(y) end
   end
end

-- The client's and the server's error after a handshake with these options.
local function handshake(client_opts, server_opts)
   local c = assert(tls.engine(assert(tls.context(E.merge({ mode = "client", ca = E.CERT }, client_opts))),
      { servername = "localhost" }))
   local s = E.server_engine(server_opts)
   assert(c:start())
   pump(c, s)
   return (c:error()), (s:error())
end

describe("h26a #8: hook error texts", function()
   for _, w in ipairs(WEIRD) do
      it("client_certificate raising " .. w[1] .. " reads 'client_certificate: " .. w[3] .. "'", function()
         local cerr = handshake({ certificate = E.CERT, key = E.KEY, client_certificate = w[2] },
            { verify = "optional", ca = E.CERT })
         assert.equal("client_certificate: " .. w[3], cerr)
      end)

      it("trace raising " .. w[1] .. " reads 'trace function: " .. w[3] .. "'", function()
         local _, serr = handshake({}, { trace = w[2] })
         assert.equal("trace function: " .. w[3], serr)
      end)

      it("servername raising " .. w[1] .. " reads the same text after its name", function()
         local _, serr = handshake({}, { servername = w[2] })
         assert.equal("servername function: " .. w[3], serr)
      end)
   end

   it("client_certificate returning no index still says what it returned, once named", function()
      local cerr = handshake({ certificate = E.CERT, key = E.KEY, client_certificate = function() return 3 end },
         { verify = "optional", ca = E.CERT })
      assert.equal("client_certificate: returned 3; expected the index of one of the context's certificates "
         .. "(1 to 1), or nil to send none", cerr)
   end)

   it("a trace function's string error keeps its position after the name", function()
      local _, serr = handshake({}, { trace = function() error("stop here") end })
      assert.matches("^trace function: spec/h26a_spec%.lua:%d+: stop here$", serr)
   end)
end)

-- A script making argument mistakes on a connection and a server, printing
-- each message on a line: run without cqueues, with cqueues outside a
-- controller, and inside one (at the connections' timeout 1 and 0; d is a
-- server's connection still in its handshake, under handshake_timeout).
local SCRIPT = [==[
local mode = ...
local cqueues = mode ~= "plain" and require "cqueues" or nil
local tls = require "tls"
local socket = require "socket"
local cert, key = assert(tls.selfsigned { names = { "localhost" } })
local l = assert(socket.bind("127.0.0.1", 0))
local _, port = l:getsockname()
local a = assert(socket.connect("127.0.0.1", port))
local b = assert(l:accept())
l:close()
local c = assert(tls.wrap(a, assert(tls.context { mode = "client", verify = false }), { servername = "localhost" }))
local s = assert(tls.wrap(b, assert(tls.context { mode = "server", certificate = cert, key = key })))
c:settimeout(0); s:settimeout(0)
for _ = 1, 200 do
  local cd = c:handshake(); local sd = s:handshake()
  if cd and sd then break end
  socket.sleep(0.005)
end
local server = assert(tls.listen("127.0.0.1", 0, assert(tls.context { mode = "server", certificate = cert, key = key }),
  { handshake_timeout = 30, timeout = 5 }))
local _, sport = server:getsockname()
local raw = assert(socket.connect("127.0.0.1", sport))
local d = assert(server:accept())
local calls = {
  function() return c:receive("*x") end,
  function() local r = c:receive("*x"); return r end,
  function() return c:receive(3, {}) end,
  function() return c:receive(-1) end,
  function() return c:send({}) end,
  function() local r = c:send("x", {}); return r end,
  function() return c:shutdown("both") end,
  function() return c:export(nil, "", 8) end,
  function() return c:export("label", 5, 8) end,
  function() return c:keyupdate(5) end,
  function() return c.receive(c, "*x") end,
  function() return c.receive({}, "*l") end,
  function() return c.send(5, "x") end,
  function() return server:settimeout(0 / 0) end,
  function() return server.settimeout({}, 1) end,
  function() return d:receive("*x") end,
  function() return d:send("x", 1, {}) end,
  function() return c:receive_early() end,
  -- close, accept and the server's close too (review26c #1)
  function() return c.close(42) end,
  function() return c.close() end,
  function() return server.accept(42) end,
  function() return server.accept(c) end,
  function() return server.close(42) end,
}
local function run(timeout)
  c:settimeout(timeout); d:settimeout(timeout)
  for _, f in ipairs(calls) do print((select(2, pcall(f)))) end
end
if mode == "inside" then
  for _, t in ipairs { 1, 0 } do
    local cq = cqueues.new()
    cq:wrap(function() run(t) end)
    assert(cq:loop())
  end
else
  run(1); run(0)
end
]==]

describe("h26a #11: argument errors with cqueues loaded", function()
   local script = os.tmpname() .. "_h26a_calls.lua"
   proc.write_file(script, SCRIPT)

   local function messages(mode)
      local p = assert(io.popen(proc.lua_env() .. " " .. proc.lua() .. " " .. proc.quote(script) .. " " .. mode
         .. " 2>&1"))
      local out = p:read("a")
      p:close()
      return out
   end
   local plain = messages("plain")

   it("without cqueues, name the method and the caller's line (the baseline)", function()
      assert.matches("_h26a_calls%.lua:25: bad argument #1 to 'receive' %(invalid receive pattern%)\n", plain)
      assert.matches("_h26a_calls%.lua:32: bad argument #1 to 'export' %(string expected, got nil%)\n", plain)
      assert.matches("bad argument #1 to 'settimeout' %(timeout is NaN", plain)
      assert.matches("_h26a_calls%.lua:%d+: tls: receive_early is for servers", plain)
      assert.matches("bad argument #1 to 'close' %(tls.conn expected, got number%)", plain)
      assert.matches("bad argument #1 to 'accept' %(tls.server expected, got tls.conn%)", plain)
      assert.matches("bad argument #1 to 'close' %(tls.server expected, got number%)", plain)
      assert.not_matches("loop%.lua", plain)
   end)

   it("read the same with cqueues loaded, outside a controller", function()
      assert.equal(plain, messages("outside"))
   end)

   it("read the same inside a cqueues controller (blocking and non-blocking connection)", function()
      assert.equal(plain, messages("inside"))
   end)

   teardown(function() os.remove(script) end)
end)

describe("h26a #12: an empty servername", function()
   local ssl = require "tls.luasec"

   it("is refused by the drop-in's newcontext, in its words", function()
      local ctx, err = ssl.newcontext { mode = "client", protocol = "any", verify = "none", servername = "" }
      assert.is_nil(ctx)
      assert.equal("servername: the host name is empty: give the name the server's certificate must carry, or "
         .. "none at all: then no name is checked, as in LuaSec", err)
      ctx, err = ssl.newcontext { mode = "client", protocol = "any", verify = "none", servername = "a\nb" }
      assert.is_nil(ctx)
      assert.equal("servername: the host name contains a control character (0x0a at byte 2)", err)
      assert.truthy(ssl.newcontext { mode = "client", protocol = "any", verify = "none", servername = "localhost" })
   end)

   it("is refused by the drop-in's sni() at once", function()
      local l = assert(socket.bind("127.0.0.1", 0))
      local _, port = l:getsockname()
      local sock = assert(socket.connect("127.0.0.1", port))
      local conn = assert(ssl.wrap(sock, { mode = "client", protocol = "any", verify = "none" }))
      local ok, err = pcall(conn.sni, conn, "")
      assert.is_false(ok)
      assert.matches("bad argument #2 to 'sni' %(the host name is empty: give the name", err)
      assert.not_matches("tls.wrap", err)
      conn:sni("localhost")
      assert.equal("localhost", conn:getsniname())
      conn:close()
      l:close()
   end)

   it("is refused by tls.https before it connects", function()
      local https = require "tls.https"
      local l = assert(socket.bind("127.0.0.1", 0))
      local _, port = l:getsockname()
      local body, err = https.request { url = "https://127.0.0.1:" .. port .. "/", servername = "" }
      assert.is_nil(body)
      assert.equal("tls.https: option 'servername' is empty: give the host name or IP address the certificate "
         .. "must carry (only verify = false skips the name check)", err)
      -- with verify = false (an option, or a ready context) the name is
      -- wrong, not the setting (before session 48: the same words as above)
      local VF = "tls.https: option 'servername' is empty, which is no host name: leave it out to send the URL's "
         .. "host (this request has verify = false, so no name is checked)"
      local url = "https://127.0.0.1:" .. port .. "/"
      assert.same({ nil, VF }, { https.request { url = url, servername = "", verify = false } })
      local ctx = assert(tls.context { verify = false })
      assert.same({ nil, VF }, { https.request { url = url, servername = "", context = ctx } })
      -- a ready context with options beside it, or a server context: not
      -- told that verify = false is in force (their own errors come later)
      local GENERIC = "tls.https: option 'servername' is empty: give the host name or IP address the certificate "
         .. "must carry (only verify = false skips the name check)"
      assert.same({ nil, GENERIC }, { https.request { url = url, servername = "", verify = false, context = ctx } })
      assert.same({ nil, GENERIC }, { https.request { url = url, servername = "", context = E.server_ctx() } })
      local vctx = assert(tls.context { ca = E.CERT })
      assert.same({ nil, "tls.https: option 'servername' is empty: give the host name or IP address the "
         .. "certificate must carry (only verify = false skips the name check)" },
         { https.request { url = url, servername = "", context = vctx } })
      l:settimeout(0)
      assert.is_nil((l:accept()), "no connection made")
      l:close()
   end)
end)
