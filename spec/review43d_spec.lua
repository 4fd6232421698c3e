-- review43d: a diff review of session 42 (5c1c112..af89b6f).
local tls = require "tls"
local child = require "spec.support.luachild"

local cert, key = assert(tls.selfsigned { names = { "localhost", "127.0.0.1" } })

local TRUNCATED = "connection truncated: the peer closed TCP without close_notify"

describe("review43d", function()
  -- conn:receive(n)'s way straight from the engine's plaintext (session 42)
  -- read the socket itself; a close it met skipped strict_close's check and
  -- said a bare "closed" where "*l", "*a" and receive(n, prefix) say the data
  -- may have been cut short.
  it("strict_close: receive(n) without a prefix reports a close without close_notify as a truncation", function()
    for _, sent in ipairs { "", "partial data" } do
      local port, reap = child.tls_server(cert, key, (sent ~= "" and "assert(conn:send(sent)) " or "")
        .. "conn:receive(1) os.exit(0)", { sent = sent })
      local ctx = assert(tls.context { ca = cert, strict_close = true })
      local conn = assert(tls.connect("127.0.0.1", port, ctx, { timeout = 10 }))
      if sent ~= "" then
        assert.equal(sent, conn:receive(#sent))
      end
      assert(conn:send("x"))
      local data, err, partial = conn:receive(100)
      assert.is_nil(data)
      assert.equal(TRUNCATED, err)
      assert.equal("", partial)
      -- and again, once the close is known
      data, err, partial = conn:receive(100)
      assert.is_nil(data)
      assert.equal(TRUNCATED, err)
      assert.equal("", partial)
      assert.is_true(conn:info().truncated)
      conn:close()
      assert.equal("", reap())
    end
  end)
end)
