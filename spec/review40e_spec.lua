-- Session 40, review 40e (the Lua API against misuse): what it found, where no older spec had a place.
local tls = require "tls"
local E = require "spec.support.engines"
local core = require "tls.core"

describe("review40e F1: a zero byte in 'ciphers', 'groups' or 'sigalgs'", function()
  -- The C setters read the list as a C string: everything after a zero
  -- byte was dropped without a word, unknown names included, so
  -- "ed25519\0zzz" was taken and "\0TLS_AES_128_GCM_SHA256" was "empty".
  it("is refused by tls.context, naming the option and where the byte is", function()
    local ctx, err = tls.context { ciphers = "TLS_AES_256_GCM_SHA384\0:TLS_AES_128_GCM_SHA256" }
    assert.is_nil(ctx)
    assert.equal("option 'ciphers' holds a zero byte (at byte 23), which would cut the list short there", err)
    ctx, err = tls.context { sigalgs = "ed25519\0zzz" }
    assert.is_nil(ctx)
    assert.equal("option 'sigalgs' holds a zero byte (at byte 8), which would cut the list short there", err)
    ctx, err = tls.context { ciphers = "\0TLS_AES_128_GCM_SHA256" }
    assert.is_nil(ctx)
    assert.equal("option 'ciphers' holds a zero byte (at byte 1), which would cut the list short there", err)
  end)

  it("is refused in a list entry too", function()
    local ctx, err = tls.context { groups = { "x25519", "x25519\0", "secp256r1" } }
    assert.is_nil(ctx)
    assert.equal("option 'groups': entry 2 holds a zero byte (at byte 7), which would cut the list short there",
      err)
  end)

  it("is refused by the C layer too", function()
    for _, setter in ipairs { "set_suites", "set_groups", "set_sigalgs" } do
      local ctx = assert(core.context(false))
      local ok, err = core.context_methods[setter](ctx, "x25519\0zzz")
      assert.is_nil(ok, setter)
      assert.equal("the list holds a zero byte, which would cut it short", err)
    end
  end)

  it("leaves lists without one as they were", function()
    assert(tls.context { ciphers = "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256", groups = { "x25519" },
                         sigalgs = "ed25519:ecdsa_secp256r1_sha256" })
  end)
end)

describe("review40e F2: cert:digest with a zero byte in the algorithm's name", function()
  it("is nil and a message, not the digest of the name cut short", function()
    local cert = assert(tls.certificate(E.CERT))
    local d, err = cert:digest("sha256\0sha1")
    assert.is_nil(d)
    assert.equal("digest: the algorithm name holds a zero byte", err)
    assert.equal(64, #cert:digest("sha256"))
  end)
end)

describe("review40e I2: tls.wrap on a socket never connected", function()
  local socket = require "socket"
  it("refuses socket.tcp4() and tcp6(), whose descriptor exists before connect", function()
    local ctx = assert(tls.context { verify = false })
    for _, make in ipairs { socket.tcp4, socket.tcp6 } do
      local s = assert(make())
      local c, err = tls.wrap(s, ctx, { servername = "localhost" })
      assert.is_nil(c)
      assert.equal("tls.wrap: the socket is not connected (call sock:connect first, and check that it succeeded)", err)
      s:close()
    end
  end)
  it("takes a socket whose non-blocking connect is in progress", function()
    local srv = assert(socket.bind("127.0.0.1", 0))
    local _, port = srv:getsockname()
    local s = assert(socket.tcp4())
    s:settimeout(0)
    s:connect("127.0.0.1", port) -- "timeout" while in progress, or 1 at once on loopback
    local c = assert(tls.wrap(s, assert(tls.context { verify = false }), { servername = "localhost" }))
    c:close()
    srv:close()
  end)
end)
