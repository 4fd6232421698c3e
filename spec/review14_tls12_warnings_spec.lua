-- Review of session 14: TLS 1.2 warning alerts. RFC 5246 §7.2: after a
-- warning "generally the connection can continue normally", and OpenSSL's
-- s_server, like Apache, sends a warning unrecognized_name (RFC 6066 §3)
-- before its ServerHello when it does not serve the name the client asked
-- for (found with `openssl s_server -tls1_2 -servername other.example`).
-- Every warning but user_canceled failed the handshake as in TLS 1.3
-- ("peer sent alert unrecognized_name"). TLS 1.3 keeps its rule (RFC 8446
-- §6.2: every alert but close_notify and user_canceled is an error).
-- mutate/mutations_review14.lua plants the old behaviour back.
local E = require "spec.support.engines"

local WARNING_UNRECOGNIZED_NAME = "\21\3\3\0\2\1\112"
local WARNING_NO_RENEGOTIATION = "\21\3\3\0\2\1\100"

describe("review14: TLS 1.2 warning alerts", function()
  it("a client offering TLS 1.2 goes on after a warning unrecognized_name before the ServerHello", function()
    local opts, events = E.traced {}
    local c, s = E.engines(opts, { max_version = "TLSv1.2" })
    assert(c:start())
    assert(s:feed(c:output()))
    assert(c:feed(WARNING_UNRECOGNIZED_NAME .. s:output()))
    E.pump(c, s, { strict = true })
    assert.is_true(c:status().handshake_done, tostring(c:error()))
    assert.is_true(s:status().handshake_done, tostring(s:error()))
    assert.equal("TLSv1.2", c:info().version)
    local seen
    for _, ev in ipairs(events) do
      if ev.message == "Alert" and ev.direction == "receive" then seen = ev end
    end
    assert.is_table(seen)
    assert.equal("warning unrecognized_name (112)", seen.alert)
  end)

  it("a TLS 1.2 server goes on after a client's warning in the middle of the handshake", function()
    local c, s = E.engines({ max_version = "TLSv1.2" })
    assert(c:start())
    assert(s:feed(c:output()))
    assert(c:feed(s:output()))
    -- The client's second flight (ClientKeyExchange, ...) after a warning in the clear.
    assert(s:feed(WARNING_NO_RENEGOTIATION .. c:output()))
    E.pump(c, s, { strict = true })
    assert.is_true(s:status().handshake_done, tostring(s:error()))
    assert.is_true(c:status().handshake_done, tostring(c:error()))
  end)

  it("a peer sending warnings without end is still cut off", function()
    local c, s = E.engines({}, { max_version = "TLSv1.2" })
    assert(c:start())
    assert(s:feed(c:output()))
    local ok, msg = c:feed(WARNING_UNRECOGNIZED_NAME:rep(33))
    E.assert_failed(c, ok, msg, "unexpected_message", "peer sent more than 32 records in a row without content")
  end)

  it("a client offering only TLS 1.3 still fails on a warning", function()
    local c, s = E.engines({ min_version = "TLSv1.3" })
    assert(c:start())
    assert(s:feed(c:output()))
    local ok, msg = c:feed(WARNING_UNRECOGNIZED_NAME .. s:output())
    assert.is_nil(ok)
    assert.matches("^peer sent alert unrecognized_name %(112%)", msg)
    assert.is_true(c:status().failed)
  end)

  it("a TLS 1.3 server still fails on a warning after its ServerHello", function()
    local c, s = E.engines()
    assert(c:start())
    assert(s:feed(c:output()))
    local ok, msg = s:feed(WARNING_UNRECOGNIZED_NAME)
    assert.is_nil(ok)
    assert.equal("peer sent alert unrecognized_name (112)", msg)
    assert.is_true(s:status().failed)
  end)
end)
