-- Session 43, review43g: leftovers of earlier sessions.
local tls = require "tls"
local E = require "spec.support.engines"

describe("review43g e:write_early() in the wrong state", function()
  local function resumable_client()
    local sctx = E.server_ctx { early_data = true, session_store = E.table_store() }
    local cctx = assert(tls.context { mode = "client", ca = E.CERT, early_data = true })
    local session = E.first_session(cctx, sctx)
    return assert(tls.engine(cctx, { servername = "localhost", session = session }))
  end

  it("raises after start(), as start() twice and feed() before start() do", function()
    local c = resumable_client()
    assert.is_true(c:write_early("GET /"))
    assert(c:start())
    local ok, err = pcall(c.write_early, c, "more")
    assert.is_false(ok)
    assert.matches("tls.engine: write_early() after start(): early data goes with the ClientHello", err, 1, true)
    -- nothing was added to the flight already queued
    local out = c:output()
    assert.is_true(#out > 0)
  end)

  it("raises after close() (before start()), as start() after close() does", function()
    local c = resumable_client()
    assert(c:close())
    local ok, err = pcall(c.write_early, c, "x")
    assert.is_false(ok)
    assert.matches("tls.engine: write_early() after close(): this engine is closed", err, 1, true)
  end)

  it("still says nil, message for data the context or session cannot send early", function()
    local cctx = assert(tls.context { mode = "client", verify = false })
    local c = assert(tls.engine(cctx, { servername = "localhost" }))
    assert.same({ nil, "the context does not allow early data (early_data = true)" }, { c:write_early("x") })
  end)
end)
