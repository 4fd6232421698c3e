-- Review of session 14: tls.luasec kept "the connection whose handshake is
-- being driven" in one variable for the whole program, which its context
-- hooks (a client's record of verification for getpeerverification(), a
-- server's sni map) read. Inside cqueues a handshake yields in the middle of
-- the call, and another connection's call set that variable meanwhile: the
-- first connection's verdict went to the other one, and its own stayed
-- unset, which getpeerverification() reported as true. A LuaSec program with
-- verify = "none" that checks getpeerverification() (as LuaSec documents)
-- was told that a server with an untrusted chain was verified, whenever that
-- server answered later than another one. mutate/mutations_review14.lua
-- plants it back.
local tls = require "tls"
local cqueues = require "cqueues"
local socket = require "socket"
local ssl = require "tls.luasec"
local proc = require "spec.support.proc"
local child = require "spec.support.luachild"
local certs = require "spec.support.certs"

describe("review14: tls.luasec inside cqueues", function()
  -- good: trusted (cafile); bad: self-signed, trusted by nobody
  local S = certs.selfsigned()
  local cafile = S.ca
  after_each(proc.kill_all)

  -- A luatls server in the controller that waits `delay` seconds before
  -- its handshake; returns its port.
  local function server(cq, cert, key, delay)
    local ctx = assert(tls.context { mode = "server", certificate = cert, key = key })
    local srv = assert(tls.listen("127.0.0.1", 0, ctx, { timeout = 5 }))
    local _, port = srv:getsockname()
    cq:wrap(function()
      local c = assert(srv:accept())
      cqueues.sleep(delay)
      c:settimeout(5)
      c:handshake()
      c:receive("*l")
      c:close()
      srv:close()
    end)
    return port
  end

  for _, delays in ipairs { { bad = 0.2, good = 0 }, { bad = 0, good = 0.2 } } do
    it(string.format("gives each connection its own verdict (untrusted server after %.1f s, trusted after %.1f s)",
      delays.bad, delays.good), function()
      local cq = cqueues.new()
      local ports = { bad = server(cq, S.bad.cert, S.bad.key, delays.bad),
                      good = server(cq, S.good.cert, S.good.key, delays.good) }
      local ctx = assert(ssl.newcontext { mode = "client", protocol = "any", verify = "none", cafile = cafile })
      local results = {}
      for _, name in ipairs { "bad", "good" } do
        cq:wrap(function()
          local s = socket.tcp()
          assert(s:connect("127.0.0.1", ports[name]))
          local c = assert(ssl.wrap(s, ctx))
          c:settimeout(5)
          assert(c:dohandshake())
          results[name] = { c:getpeerverification() }
          c:send("x\n")
          c:close()
        end)
      end
      assert(cq:loop(5))
      assert.same({ false, "self-signed certificate is not trusted (subject: CN=localhost)" }, results.bad)
      assert.same({ true }, results.good)
    end)
  end

  -- And getpeerverification() no longer takes "no verdict recorded" for
  -- "verified": here the handshake is completed under the drop-in, on its
  -- engine's connection, where no hook knows the connection.
  it("says false for an untrusted chain whose verdict was never recorded", function()
    -- The server waits before its handshake, so that the drop-in's first,
    -- non-blocking dohandshake surely finds nothing to read (openssl
    -- s_server answered fast enough, now and then, to finish it there).
    local port, reap = child.tls_server(S.bad.cert, S.bad.key,
      "require('socket').sleep(0.3)\nconn:handshake()\nconn:receive('*l')")
    local ctx = assert(ssl.newcontext { mode = "client", protocol = "any", verify = "none", cafile = cafile })
    local s = socket.tcp()
    assert(s:connect("127.0.0.1", port))
    local c = assert(ssl.wrap(s, ctx))
    c:settimeout(0)
    assert.same({ false, "wantread" }, { c:dohandshake() })
    c.conn:settimeout(5)
    assert(c.conn:handshake())
    assert.same({ false, "the peer's certificate was not verified" }, { c:getpeerverification() })
    c:close()
    reap()
  end)
end)
