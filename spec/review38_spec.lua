-- Session 38: what reviews 38a to 38f found, where no older spec had a place.
local E = require "spec.support.engines"
local tcppair = require "spec.support.tcppair"

describe("review38c F1: the drop-in's close() refused inside a callback", function()
  it("leaves the connection open and usable, and a later close() closes it", function()
    local ssl = require "tls.luasec"
    local a, b = tcppair()
    local holder, refused = {}, nil
    local c = assert(ssl.wrap(a, { mode = "client", protocol = "any", verify = "none", alpn = { "h2" } }))
    local s = assert(ssl.wrap(b, { mode = "server", protocol = "any", certificate = E.CERT, key = E.KEY,
      alpn = function()
        local ok, err = pcall(holder.s.close, holder.s)
        refused = not ok and err
        return "h2"
      end }))
    holder.s = s
    c:settimeout(0); s:settimeout(0)
    local done
    for _ = 1, 20 do
      c:dohandshake()
      done = s:dohandshake()
      if done then break end
    end
    assert.truthy(refused, "close() inside the callback was not refused")
    assert.is_true(done)
    assert.is_true(s:getfd() >= 0)
    assert.truthy(s:getpeercertificate() == nil) -- no client certificate, but not "closed"
    assert(s:send("still here\n"))
    c:settimeout(2)
    assert.equal("still here", c:receive("*l"))
    s:close()
    assert.equal(-1, s:getfd())
    local data, err = c:receive(1)
    assert.is_nil(data)
    assert.equal("closed", err)
    c:close()
  end)
end)

-- review38a F1: a HelloRetryRequest without supported_versions was refused with protocol_version and "server
-- chose TLSv1.2, but this client speaks only TLS 1.2 and 1.3"; a ServerHello of legacy_version 0x0304 without it,
-- "server chose TLSv1.3, but this client speaks only TLS 1.2 and 1.3": refusals right, reasons wrong.
describe("review38a F1: the client's reasons for a hello without supported_versions", function()
  local C = require "refcrypto"
  local H = require "spec.support.hostile_server"
  local u16, vec = H.u16, H.vec

  local function refusal(s)
    local msg, alert = s.engine:error()
    return alert, msg, (s:client_alert())
  end

  it("a HelloRetryRequest without it is missing_extension", function()
    for _, ext in ipairs { { 51, u16(0x17) }, { 44, vec(2, "ck") } } do
      local s = H.new()
      s:deliver(s:record(22, s:hello_retry_request { extensions = { ext } }))
      local alert, msg, sent = refusal(s)
      assert.equal("missing_extension", alert)
      assert.equal("missing_extension", sent)
      assert.equal("HelloRetryRequest without supported_versions (RFC 8446 4.1.4)", msg)
    end
  end)

  it("a ServerHello of legacy_version 0x0304 without it is protocol_version, saying why", function()
    local s = H.new()
    s:deliver(H.plain_record(22, H.handshake(2, u16(0x0304) .. C.random(32) .. vec(1, s.ch.session_id) .. u16(0x1301)
      .. "\0" .. vec(2, H.extensions { { 51, u16(0x1d) .. vec(2, ("k"):rep(32)) } }))))
    local alert, msg = refusal(s)
    assert.equal("protocol_version", alert)
    assert.equal("ServerHello legacy_version 0x0304 without supported_versions (TLS 1.3 is chosen only through "
      .. "that extension, RFC 8446 4.1.3)", msg)
  end)
end)
