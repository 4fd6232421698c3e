-- Finding 9 of issue 7: text a peer chose (the client's SNI, certificate
-- names) reaches the trace, info() and error messages with every control
-- character (C0, DEL, C1, bidirectional overrides) and every byte of invalid
-- UTF-8 replaced by '?', the same way everywhere.
local tls = require "tls"
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"

local pki = require("spec.support.pki").new()
pki:ca("root", "ec256", "/CN=luatls sanitise root")
pki:key("evil", "ec256")
-- CN with C1 CSI (U+009B), right-to-left override (U+202E), a plain e-acute
-- (kept); a DNS name with ESC and a newline.
pki:issue("evil", "/CN=evil\194\15531m\226\128\174txt.exe\195\169", "root",
  { utf8 = true, san = "DNS:localhost,DNS:evil\27[31m.example" })

-- No byte below 0x20, no DEL, no C1 control, no bidi control.
local function clean(s)
  return not s:find("[%z\1-\31\127]") and not s:find("\194[\128-\159]") and not s:find("\226\128[\170-\174]")
    and utf8.len(s) ~= nil
end

describe("peer text", function()
  -- Since session 24 such a name is refused before it is used (RFC 6066 3;
  -- spec/conform24_spec.lua): what the server says of it stays clean.
  it("the client's SNI with control and invalid UTF-8 bytes is refused, and no raw byte of it reaches a server's trace, info() or error", function()
    local events = {}
    local sctx = assert(tls.context { mode = "server", certificate = pki:read("evil.pem"),
      key = pki:read("evil.key"), trace = function(ev) events[#events + 1] = ev end })
    local s = assert(tls.engine(sctx))
    local ok, msg = s:feed(B.client_hello_record { server_name = "evil\27[31m\n.example\194\155\255" })
    assert.is_nil(ok)
    assert.equal("server_name is not a host name (byte 0x1b at 4)", msg)
    assert.is_true(clean(msg))
    for _, ev in ipairs(events) do
      for _, f in ipairs(ev.fields) do assert.is_true(clean(f[2]), f[1] .. ": " .. f[2]) end
    end
    assert.is_nil(s:info().servername)
  end)

  it("certificate names reach the client's trace, info() and messages sanitised", function()
    local copts, events = E.traced { ca = pki:path("root.pem") }
    local c = E.pair(copts, { certificate = pki:read("evil.pem"), key = pki:read("evil.key") },
      "other.example")
    local msg = c:error()
    assert.equal("host name mismatch: expected other.example, certificate is for localhost, evil?[31m.example", msg)
    local cert_event
    for _, ev in ipairs(events) do
      if ev.message == "Certificate" then cert_event = ev end
      for _, f in ipairs(ev.fields) do assert.is_true(clean(f[2]), f[1] .. ": " .. f[2]) end
    end
    assert.equal("CN=evil?31m?txt.exe\195\169", cert_event.subject)
    assert.equal("CN=luatls sanitise root", cert_event.issuer)
    local pc = c:info().peer_certificate
    assert.equal("CN=evil?31m?txt.exe\195\169", pc.subject)
    assert.same({ "localhost", "evil?[31m.example" }, pc.names)
    for _, v in pairs(pc) do
      if type(v) == "string" then assert.is_true(clean(v), v) end
    end
  end)

  it("the trace writes names as info() does", function()
    local events = {}
    local c = E.pair({ trace = function(ev) if ev.message == "Certificate" then events.received = ev end end },
      { trace = function(ev) if ev.message == "Certificate" then events.sent = ev end end })
    assert.is_true(c:status().handshake_done)
    assert.equal("CN=localhost", c:info().peer_certificate.subject)
    assert.equal("CN=localhost", events.received.subject)
    assert.equal("CN=localhost", events.received.issuer)
    assert.equal("CN=localhost", events.sent.subject)
  end)
end)
