-- review45a: independent review of session 44's changes (4f5e527..beea272).
local tls = require "tls"
local E = require "spec.support.engines"

-- review45a F1: close() inside cqueues wakes the coroutines waiting on the
-- object and marks it closing (review44f) before the C close runs. A close
-- the C method refuses (made from a callback of the connection's own, say
-- its servername function under pcall) left the connection open but marked
-- closing for good: both waiters and every later call said "closed", and
-- the peer waited for an answer that never came. Only a close that can wait
-- for the waiters (its coroutine can yield) wakes them.
describe("review45a cqueues: a close() the C method refuses", function()
  local cqueues = require "cqueues"
  local socket = require "socket"

  it("leaves the waiters and later calls as they were", function()
    local conn
    local refused
    local sctx = E.server_ctx { servername = function()
      refused = { pcall(conn.close, conn) }
      return nil
    end }
    local l = assert(socket.bind("127.0.0.1", 0))
    local _, port = l:getsockname()
    local raw = assert(socket.connect("127.0.0.1", port))
    local s = assert(l:accept())
    l:close()
    conn = assert(tls.wrap(s, sctx))
    conn:settimeout(5)
    local cctx = assert(tls.context { mode = "client", verify = false })
    local q = cqueues.new()
    local res = {}
    q:wrap(function() res.line = { conn:receive("*l") } end)
    q:wrap(function() res.sent = { conn:send("hello\n") } end)
    q:wrap(function()
      cqueues.sleep(0.05)
      local cl = assert(tls.wrap(raw, cctx, { servername = "localhost" }))
      cl:settimeout(5)
      res.hs = { cl:handshake() }
      res.csent = { cl:send("line\n") }
      res.answer = { cl:receive("*l") }
      cl:close()
    end)
    local ok, err = q:loop(20)
    assert(ok, err)
    assert.is_false(refused[1])
    assert.matches("cannot be called from the connection's own callbacks", refused[2], 1, true)
    assert.same({ true }, res.hs)
    -- before review45a: nil, "closed" for both, and the client's receive timed out
    assert.same({ "line" }, res.line)
    assert.same({ 6 }, res.sent)
    assert.same({ "hello" }, res.answer)
    assert.is_true(conn:getfd() >= 0)
    assert.equal(1, conn:close())
  end)
end)

