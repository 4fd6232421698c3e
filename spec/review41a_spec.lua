-- Session 41, review41a: defects left open by the session-40 review.
local tls = require "tls"
local E = require "spec.support.engines"

local KEY = ("R"):rep(16) .. ("r"):rep(24) .. "41a56789"

-- I2: a TLS 1.3 server resuming a session chose its first suite of the
-- session's hash, not the session's own suite, and then had to decline the
-- client's 0-RTT (rfc8446#4.2.10: the same suite).
describe("review41a I2: 0-RTT of a session made under a suite the server does not prefer", function()
  local CHACHA, AES128 = "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"

  local function resume(early)
    local st = tls.store.memory()
    local sopts = { early_data = true, ticket_keys = { KEY }, session_store = st,
      ciphers = AES128 .. ":" .. CHACHA }
    local sctx = E.server_ctx(sopts)
    local cctx = assert(tls.context { mode = "client", ca = E.CERT, early_data = true,
      ciphers = CHACHA .. ":" .. AES128 })
    -- a client offering only ChaCha20 makes the session
    local only = assert(tls.context { mode = "client", ca = E.CERT, early_data = true, ciphers = CHACHA })
    local session, first = E.first_session(only, sctx)
    assert.equal(CHACHA, first:info().cipher)
    local c, s = E.resume(cctx, sctx, session, early)
    assert.is_true(s:status().handshake_done, tostring(s:error()))
    assert.is_true(c:status().handshake_done, tostring(c:error()))
    assert.is_true(s:info().resumed)
    return c, s
  end

  it("is accepted: the server resumes under the session's suite when the client sends early data", function()
    local c, s = resume("early hello")
    assert.equal(CHACHA, s:info().cipher)
    assert.equal("accepted", s:info().early_data)
    assert.equal("accepted", c:info().early_data)
    assert.equal("early hello", s:read_early())
  end)

  it("leaves the server's order alone for a resumption without early data", function()
    local _, s = resume(nil)
    assert.equal(AES128, s:info().cipher)
  end)
end)

