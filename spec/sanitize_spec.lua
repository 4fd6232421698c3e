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
  it("the client's SNI reaches a server's trace and info() sanitised", function()
    local events = {}
    local sctx = assert(tls.context { mode = "server", certificate = pki:read("evil.pem"),
      key = pki:read("evil.key"), trace = function(ev) events[#events + 1] = ev end })
    local s = assert(tls.engine(sctx))
    assert(s:feed(B.client_hello_record { server_name = "evil\27[31m\n.example\194\155\255" }))
    local hello
    for _, ev in ipairs(events) do
      if ev.direction == "receive" and ev.message == "ClientHello" then hello = ev end
      for _, f in ipairs(ev.fields) do assert.is_true(clean(f[2]), f[1] .. ": " .. f[2]) end
    end
    assert.truthy(hello)
    assert.equal("evil?[31m?.example??", hello.server_name)
    assert.equal("evil?[31m?.example??", s:info().servername)
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
