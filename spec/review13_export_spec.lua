-- Review of session 13: conn:export completes a pending handshake first,
-- but inside cqueues it was not one of the calls that yield: it blocked the
-- whole controller while it waited for the peer, whose own coroutine could
-- then not run (here: no handshake, "timeout" after the connection's 3 s,
-- every other coroutine frozen meanwhile; without a timeout, for as long as
-- the server's handshake_timeout, or for ever on a client)
-- (mutate/mutations_review13.lua plants it back).
local tls = require "tls"
local cqueues = require "cqueues"

describe("review13: conn:export inside cqueues", function()
  it("yields while it completes a pending handshake, as handshake does", function()
    local cert, key = assert(tls.selfsigned { names = { "localhost" } })
    local sctx = assert(tls.context { mode = "server", certificate = cert, key = key })
    local server = assert(tls.listen("127.0.0.1", 0, sctx, { timeout = 3 }))
    local _, port = server:getsockname()
    local cq, keys = cqueues.new(), {}
    cq:wrap(function()
      local conn = assert(server:accept())
      keys.server = table.pack(conn:export("EXPORTER-review13", "", 16))   -- before any handshake
      conn:close()
      server:close()
    end)
    cq:wrap(function()
      local c = assert(tls.connect("127.0.0.1", port, tls.context { verify = false }, { timeout = 5 }))
      keys.client = table.pack(c:export("EXPORTER-review13", "", 16))
      c:close()
    end)
    local ok, err = cq:loop(10)
    assert(ok, err)
    assert.is_true(cq:empty())
    assert.equal(1, keys.server.n, tostring(keys.server[2]))
    assert.equal(16, #keys.server[1])
    assert.same(keys.client, keys.server)
  end)
end)
