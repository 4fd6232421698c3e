-- Review of session 13: tls.https's 'context' option took any context. A
-- server context (say, a program's own, reused for its outgoing requests)
-- made every request play the TLS server's part: no certificate asked of
-- the peer, so whoever answered the address (playing a TLS client) got the
-- request with its Authorization header and sent back the answer
-- (mutate/mutations_review13.lua plants it back).
local tls = require "tls"
local https = require "tls.https"
local socket = require "socket"
local ltn12 = require "ltn12"

describe("review13: tls.https and its 'context' option", function()
  it("refuses a server context before connecting anywhere", function()
    local cert, key = assert(tls.selfsigned { names = { "localhost" } })
    local sctx = assert(tls.context { mode = "server", certificate = cert, key = key })
    -- Never accepts, but the kernel completes TCP: a connection would show.
    local listener = assert(socket.bind("127.0.0.1", 0))
    local _, port = listener:getsockname()
    local ok, err = https.request { url = "https://127.0.0.1:" .. port .. "/", context = sctx, timeout = 0.5,
      headers = { authorization = "Bearer secret" }, sink = ltn12.sink.table {} }
    assert.is_nil(ok)
    assert.equal("tls.https: option 'context' must be a client context (this one has mode=\"server\", which "
      .. "would not verify the server)", err)
    listener:settimeout(0)
    assert.is_nil(listener:accept(), "a connection was made")
    listener:close()
  end)

  it("refuses what is not a context, and takes a client context", function()
    local _, err = https.request { url = "https://127.0.0.1:1/", context = io.stdout }
    assert.equal("tls.https: option 'context' must be a context from tls.context (got userdata)", err)
    _, err = https.request { url = "https://127.0.0.1:1/", context = {} }
    assert.equal("tls.https: option 'context' must be a context from tls.context (got table)", err)
    -- A client context gets as far as the TCP connect (nothing listens on port 1).
    _, err = https.request { url = "https://127.0.0.1:1/", context = assert(tls.context {}), timeout = 2 }
    assert.equal("connection refused", err)
  end)
end)
