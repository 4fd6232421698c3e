-- strict_close of a per-name context a servername function switches to
-- (review45g's leftover): before session 48 only the listening context's
-- counted, so a server asking it for one name got nothing: a truncated
-- upload read as a clean end. Now either context's makes receive strict;
-- an engine, which never sees the TCP close, refuses the switch as
-- tls.engine refuses such a context.
local tls = require "tls"
local E = require "spec.support.engines"
local wrapped_pair = require "spec.support.wrapped_pair"

local TRUNCATED = "connection truncated: the peer closed TCP without close_notify"

-- Our client and server over a socket pair, handshakes done; also the
-- client's LuaSocket socket, to close TCP without close_notify.
local function pair(sctx)
  return wrapped_pair(assert(tls.context { mode = "client", ca = E.CERT }), sctx)
end

local function listening(per_name, strict)
  return E.server_ctx { strict_close = strict, servername = function(name)
    if name == "localhost" then return per_name end
  end }
end

describe("strict_close of a context chosen by a servername function", function()
  for _, pattern in ipairs { "*a", "*l", 100 } do
    it("makes the server's receive(" .. tostring(pattern) .. ") fail on a truncation", function()
      local client, server, sock = pair(listening(E.server_ctx { strict_close = true }))
      assert(client:send("data"))
      sock:close() -- TCP closed without close_notify
      assert.same({ nil, TRUNCATED, "data" }, { server:receive(pattern) })
      assert.is_true(server:info().truncated)
      server:close()
    end)
  end

  it("is not needed when the listening context has it, and neither has it without one", function()
    local client, server, sock = pair(listening(E.server_ctx(), true))
    assert(client:send("data"))
    sock:close()
    assert.same({ nil, TRUNCATED, "data" }, { server:receive("*a") })
    server:close()
    client, server, sock = pair(listening(E.server_ctx()))
    assert(client:send("data"))
    sock:close()
    -- not strict: "*a" ends at the close, info says it was truncated
    assert.same({ "data" }, { server:receive("*a") })
    assert.is_true(server:info().truncated)
    server:close()
  end)

  it("fails an engine's handshake, as tls.engine refuses such a context", function()
    local function engines(sctx)
      local c = assert(tls.engine(assert(tls.context { mode = "client", ca = E.CERT }), { servername = "localhost" }))
      local s = assert(tls.engine(sctx))
      assert(c:start())
      E.pump(c, s)
      return c, s
    end
    local c, s = engines(listening(E.server_ctx { strict_close = true }))
    local msg, alert, from_peer = s:error()
    assert.equal("internal_error", alert)
    assert.is_false(from_peer)
    assert.equal("servername function: the servername function returned a context with 'strict_close', which "
      .. "would do nothing on an engine: it never sees the TCP close", msg)
    assert.equal("internal_error", select(2, c:error()))
    -- a per-name context without it is taken
    c, s = engines(listening(E.server_ctx()))
    assert.is_true(s:status().handshake_done, tostring(s:error()))
  end)
end)
