-- Finding 1 of issue 7: the server name is checked at the call, in Lua and
-- again in C; "" can never switch the host-name check off, and a name only
-- in the subject CN never matches.
local tls = require "tls"
local core = require "tls.core"
local socket = require "socket"
local child = require "spec.support.luachild"
local E = require "spec.support.engines"

local pki = require("spec.support.pki").new()
pki:ca("root", "ec256", "/CN=luatls names root")
pki:key("cnonly", "ec256")
pki:issue("cnonly", "/CN=localhost", "root", { ext = "cnonly" })
pki:key("dnsonly", "ec256")
pki:issue("dnsonly", "/CN=localhost", "root", { san = "DNS:localhost" })
pki:key("ipsan", "ec256")
pki:issue("ipsan", "/CN=localhost", "root", { san = "DNS:localhost,IP:127.0.0.1" })

local function client_ctx() return assert(tls.context { ca = pki:path("root.pem") }) end

-- Each bad name and what is wrong with it, as the messages say.
local BAD = {
  { "", "is empty: give the host name or IP address the certificate must carry "
        .. "(only verify = false skips the name check)" },
  { "local\0host", "contains a NUL byte (at byte 6)" },
  { "evil\27[31m.example", "contains a control character (0x1b at byte 5)" },
  { "a.example\nX-Injected: 1", "contains a control character (0x0a at byte 10)" },
  { "\127", "contains a control character (0x7f at byte 1)" },
  { ("a"):rep(63) .. "." .. ("b"):rep(63) .. "." .. ("c"):rep(63) .. "." .. ("d"):rep(62),
    "is 254 bytes long (a host name has at most 253)" },
  { ("a"):rep(64) .. ".example", "has a label longer than 63 bytes" },
  { "example.org.", "ends with a dot: give the name without it" },
  { "a..example", "has an empty label (at byte 3)" },
  { ".example", "has an empty label (at byte 1)" },
  { "exa mple.org", "contains ' ', which is not allowed in a host name" },
  { "*.example.org", "contains '*', which is not allowed in a host name" },
  { "b\195\188cher.example", "contains a non-ASCII byte (0xc3 at byte 2): give an internationalized "
                             .. "name in its ASCII form (xn--...)" },
}

describe("a bad servername", function()
  it("is refused by tls.connect before connecting", function()
    -- Port 1 refuses connections: a name let through would say so instead.
    for _, case in ipairs(BAD) do
      local conn, err = tls.connect("127.0.0.1", 1, client_ctx(), { servername = case[1], timeout = 5 })
      assert.is_nil(conn)
      assert.equal("tls.connect: option 'servername' " .. case[2], err)
    end
  end)

  it("is refused by tls.wrap", function()
    local listener = assert(socket.bind("127.0.0.1", 0))
    local _, port = listener:getsockname()
    for _, case in ipairs(BAD) do
      local sock = assert(socket.connect("127.0.0.1", port))
      local conn, err = tls.wrap(sock, client_ctx(), { servername = case[1] })
      assert.is_nil(conn)
      assert.equal("tls.wrap: option 'servername' " .. case[2], err)
      sock:close()
    end
    listener:close()
  end)

  it("is refused by tls.engine", function()
    for _, case in ipairs(BAD) do
      local e, err = tls.engine(client_ctx(), { servername = case[1] })
      assert.is_nil(e)
      assert.equal("tls.engine: option 'servername' " .. case[2], err)
    end
  end)

  it("is refused by the C layer too, for every call form", function()
    local ctx = client_ctx()
    for _, case in ipairs(BAD) do
      local e, err = core.engine(ctx, case[1])
      assert.is_nil(e)
      assert.equal("server name " .. case[2], err)
      local conn, cerr = core.connect("127.0.0.1", "1", ctx, case[1], 5)
      assert.is_nil(conn)
      assert.equal("server name " .. case[2], cerr)
    end
    local listener = assert(socket.bind("127.0.0.1", 0))
    local _, port = listener:getsockname()
    local sock = assert(socket.connect("127.0.0.1", port))
    local conn, err = core.wrap(math.tointeger(sock:getfd()), ctx, "", sock, -1)
    assert.is_nil(conn)
    assert.equal("server name " .. BAD[1][2], err)
    sock:close()
    listener:close()
  end)

  it("coming from the host is refused when servername is not given", function()
    local conn, err = tls.connect("exa mple.org", 1, client_ctx(), { timeout = 5 })
    assert.is_nil(conn)
    assert.equal("tls.connect: host (the default 'servername') contains ' ', which is not allowed in a host name", err)
  end)

  it("defaults to the host as DNS reads it: without a trailing dot or an IPv6 zone", function()
    -- What tls.connect hands to the C layer, without connecting.
    local seen = {}
    local connect = core.connect
    core.connect = function(host, port, ctx, servername) seen[#seen + 1] = servername; return nil, "stop" end
    local ok, err = pcall(function()
      tls.connect("localhost.", 443, client_ctx())
      tls.connect("fe80::1%eth0", 443, client_ctx())
      tls.connect("example.org", 443, client_ctx(), { servername = "other.example" })
    end)
    core.connect = connect
    assert(ok, err)
    assert.same({ "localhost", "fe80::1", "other.example" }, seen)
  end)

  it("accepts every kind of good name", function()
    for _, name in ipairs { "localhost", "a.example", "xn--bcher-kva.example", "under_score.example",
                            "127.0.0.1", "::1", "2001:db8::1", ("a"):rep(63) .. ".example" } do
      assert.truthy(tls.engine(client_ctx(), { servername = name }), name)
    end
  end)
end)

describe("the host-name check", function()
  local function pair(cert, servername)
    return E.pair({ ca = pki:path("root.pem") },
      { certificate = pki:path(cert .. ".pem"), key = pki:path(cert .. ".key") }, servername)
  end

  it("never matches a name that is only in the subject CN", function()
    local c = pair("cnonly", "localhost")
    local msg, alert, from_peer = c:error()
    assert.equal("host name mismatch: expected localhost, certificate has no DNS or IP names in "
      .. "subjectAltName (its subject CN=localhost is not used for name checks)", msg)
    assert.equal("bad_certificate", alert)
    assert.is_false(from_peer)
  end)

  it("matches the same certificate with a DNS subjectAltName", function()
    local c = pair("dnsonly", "localhost")
    assert.is_true(c:status().handshake_done, c:error())
  end)

  it("checks IP subjectAltNames when tls.connect is given an IP address", function()
    local port, reap = child.tls_server(pki:read("dnsonly.pem"), pki:read("dnsonly.key"),
      [[ conn:handshake() ]])
    local conn, err = tls.connect("127.0.0.1", port, client_ctx(), { timeout = 10 })
    assert.is_nil(conn)
    assert.equal("IP address mismatch: expected 127.0.0.1, certificate is for DNS:localhost", err)
    reap()

    port, reap = child.tls_server(pki:read("ipsan.pem"), pki:read("ipsan.key"),
      [[ assert(conn:handshake()) ]])
    conn = assert(tls.connect("127.0.0.1", port, client_ctx(), { timeout = 10 }))
    assert.equal("127.0.0.1", conn:info().servername)
    conn:close()
    assert.equal("", reap())
  end)
end)
