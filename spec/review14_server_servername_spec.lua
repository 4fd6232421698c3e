-- Review of session 14: tls.wrap and tls.engine took option 'servername'
-- with a server context, and ignored it, while they refused that context's
-- other client options ('session', 'early_data'). 'servername' is the name
-- a client verifies: a program that meant to be the client and passed the
-- wrong context (its own server's, say) played the server's part, verified
-- nobody, and sent its data to whoever answered (the same mistake as
-- review13's tls.https 'context'). mutate/mutations_review14.lua plants it back.
local tls = require "tls"
local socket = require "socket"
local E = require "spec.support.engines"

local MESSAGE = "option 'servername' is for clients (the name the server's certificate must carry); this "
  .. "context has mode=\"server\", which verifies no server (a server reads the client's name in "
  .. "info().servername)"

describe("review14: option 'servername' with a server context", function()
  it("is refused by tls.wrap before any byte is sent", function()
    local listener = assert(socket.bind("127.0.0.1", 0))
    local _, port = listener:getsockname()
    local sock = assert(socket.connect("127.0.0.1", port))
    local peer = assert(listener:accept())
    local conn, err = tls.wrap(sock, E.server_ctx(), { servername = "bank.example" })
    assert.is_nil(conn)
    assert.equal("tls.wrap: " .. MESSAGE, err)
    peer:settimeout(0.2)
    local got, perr, partial = peer:receive(1)
    assert.is_nil(got)
    assert.equal("timeout", perr)
    assert.equal("", partial)
    sock:close(); peer:close(); listener:close()
  end)

  it("is refused by tls.engine", function()
    local e, err = tls.engine(E.server_ctx(), { servername = "bank.example" })
    assert.is_nil(e)
    assert.equal("tls.engine: " .. MESSAGE, err)
  end)

  it("still names the server for a client, and a server still goes without it", function()
    local c = assert(tls.engine(assert(tls.context { ca = E.CERT }), { servername = "localhost" }))
    local s = assert(tls.engine(E.server_ctx()))
    E.handshake(c, s)
    assert.equal("localhost", s:info().servername)
  end)
end)
