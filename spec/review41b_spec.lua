-- Session 41, review 41b (API misuse left over from review 40): option words
-- cut at a zero byte, list entries empty or given twice, ALPN lists no
-- ClientHello can carry, and the drop-in's reading of an early close_notify.
local tls = require "tls"
local core = require "tls.core"
local CTXM = core.context_methods -- a context's setters (not its methods)
local tcppair = require "spec.support.tcppair"
local CERT, KEY = assert(tls.selfsigned { names = { "localhost" } })

describe("review41b item 3: an option word compared as a C string", function()
  -- lua_tostring/luaL_checkstring give a C string, which ends at the first
  -- zero byte: "optional\0x" compared equal to "optional" and the rest was
  -- never seen. Such words are refused.
  it("set_verify refuses \"optional\\0x\" and \"required\\0\"", function()
    local server = assert(tls.context { mode = "server", certificate = CERT, key = KEY })
    for _, word in ipairs { "optional\0x", "required\0" } do
      local ok, err = pcall(CTXM.set_verify, server, word)
      assert.is_false(ok)
      assert.matches("zero byte", err)
    end
    assert.is_true(CTXM.set_verify(server, "optional"))
  end)

  it("set_versions refuses a version name with a zero byte, either end", function()
    local ctx = assert(tls.context { verify = false })
    local ok, err = pcall(CTXM.set_versions, ctx, "TLSv1.3\0junk", "TLSv1.3")
    assert.is_false(ok)
    assert.matches("bad argument #2 .*zero byte", err)
    ok, err = pcall(CTXM.set_versions, ctx, "TLSv1.2", "TLSv1.3\0")
    assert.is_false(ok)
    assert.matches("bad argument #3 .*zero byte", err)
    assert.is_true(CTXM.set_versions(ctx, "TLSv1.2", "TLSv1.3"))
  end)

  it("luaL_checkoption words (set_ocsp, certificate:signature_algorithm) refuse one too", function()
    local ctx = assert(tls.context { verify = false })
    local ok, err = pcall(CTXM.set_ocsp, ctx, "require\0off")
    assert.is_false(ok)
    assert.matches("zero byte", err)
    local cert = tls.certificate(CERT)
    ok, err = pcall(cert.signature_algorithm, cert, "short\0")
    assert.is_false(ok)
    assert.matches("zero byte", err)
    assert.is_string(cert:signature_algorithm("short"))
  end)

  it("conn:shutdown and conn:setoption refuse one", function()
    local a, b = tcppair()
    local conn = assert(tls.wrap(a, { verify = false }))
    conn:settimeout(0.2) -- taken as "send", the handshake would wait for a peer that never answers
    local ok, err = pcall(conn.shutdown, conn, "send\0both")
    assert.is_false(ok)
    assert.matches("zero byte", err)
    ok, err = pcall(conn.setoption, conn, "tcp-nodelay\0", true)
    assert.is_false(ok)
    assert.matches("zero byte", err)
    conn:close()
    b:close()
  end)
end)

-- A list of `total` bytes as on the wire: names of 255 bytes, the last shorter.
local function alpn_of(total)
  local t, n = {}, 0
  while total - n >= 256 do
    t[#t + 1] = string.format("%05d", #t) .. string.rep("a", 250)
    n = n + 256
  end
  if total - n >= 7 then t[#t + 1] = string.format("%05d", #t) .. string.rep("b", total - n - 6) end
  return t
end

describe("review41b item 1: a client alpn list no ClientHello can carry", function()
  -- It was taken by tls.context and failed every start() with "the
  -- ClientHello would be too long".
  it("is refused by tls.context, saying why", function()
    for _, total in ipairs { 65400, 65535 } do
      local ctx, err = tls.context { alpn = alpn_of(total), verify = false }
      assert.is_nil(ctx)
      assert.matches("^option 'alpn': no ClientHello can carry this list: .*extensions exceed 65535 bytes", err)
    end
  end)

  it("is taken while it fits, and then the handshake starts", function()
    local ctx = assert(tls.context { alpn = alpn_of(65000), verify = false })
    local a, b = tcppair()
    local conn = assert(tls.wrap(a, ctx))
    conn:settimeout(0)
    local ok, err = conn:handshake()
    assert.is_nil(ok)
    assert.equal("wantread", err) -- the ClientHello went out
    conn:close()
    b:close()
  end)

  it("a server's list is not a ClientHello: taken up to 65535 bytes", function()
    assert.truthy(tls.context { mode = "server", certificate = CERT, key = KEY, alpn = alpn_of(65535) })
  end)

  it("is refused by the LuaSec drop-in's conn:setalpn, not at the handshake", function()
    local ssl = require "tls.luasec"
    local ctx = assert(ssl.newcontext { mode = "client", protocol = "any", verify = "none" })
    local a, b = tcppair()
    local conn = assert(ssl.wrap(a, ctx))
    local ok, err = conn:setalpn(alpn_of(65535))
    assert.is_nil(ok)
    assert.matches("no ClientHello can carry this list", err)
    ok, err = conn:setalpn({ "h2", "http/1.1", "h2" })
    assert.is_nil(ok)
    assert.matches("entry 3 %(\"h2\"%) repeats entry 1", err)
    assert.is_true(conn:setalpn({ "h2", "http/1.1" }))
    conn:close()
    b:close()
  end)
end)

describe("review41b item 2: empty and repeated list entries", function()
  it("alpn: a repeated protocol is refused, naming both entries", function()
    local ctx, err = tls.context { alpn = { "h2", "http/1.1", "h2" }, verify = false }
    assert.is_nil(ctx)
    assert.equal("option 'alpn': entry 3 (\"h2\") repeats entry 1: give each protocol once", err)
  end)

  it("groups, ciphers, sigalgs: a name given twice, or two names of one thing, is refused", function()
    local cases = {
      { { groups = "x25519:secp256r1:x25519" }, "groups: entry 3 ('x25519') names the same group as an earlier entry: give each once" },
      { { groups = { "secp256r1", "P-256" } }, "entry 2 ('P-256') names the same group as an earlier entry" },
      { { ciphers = "TLS_AES_128_GCM_SHA256,TLS_AES_128_GCM_SHA256" }, "entry 2 ('TLS_AES_128_GCM_SHA256') names the same cipher suite" },
      { { sigalgs = { "ed25519", "ecdsa_secp256r1_sha256", "ed25519" } }, "entry 3 ('ed25519') names the same" },
    }
    for _, case in ipairs(cases) do
      case[1].verify = false
      local ctx, err = tls.context(case[1])
      assert.is_nil(ctx)
      assert.truthy(err:find(case[2], 1, true), err)
    end
  end)

  it("groups, ciphers, sigalgs: an empty entry is refused", function()
    for _, opts in ipairs { { groups = "x25519::secp256r1" }, { groups = "x25519:" }, { ciphers = ",TLS_AES_128_GCM_SHA256" },
                            { sigalgs = { "ed25519", "" } }, { groups = { "x25519", "  " } } } do
      opts.verify = false
      local ctx, err = tls.context(opts)
      assert.is_nil(ctx)
      assert.matches("entry %d is empty", err)
    end
    -- spaces around names and after a separator are still fine
    assert.truthy(tls.context { groups = " x25519 , secp256r1 ", verify = false })
  end)

  it("the LuaSec drop-in keeps a TLS 1.3 suite named twice once, as OpenSSL takes it", function()
    local ssl = require "tls.luasec"
    assert.truthy(ssl.newcontext { mode = "client", protocol = "any", verify = "none",
      ciphersuites = "TLS_AES_128_GCM_SHA256:TLS_AES_128_GCM_SHA256" })
  end)
end)

describe("review41b item 4: the drop-in's \"closed\" for a close_notify mid-handshake", function()
  -- It was told by the words of the engine's message: an error of the
  -- program's alpn function holding them read as "closed" too.
  it("is not said for another failure whose message holds the same words", function()
    local ssl = require "tls.luasec"
    local WORDS = "the client closed the connection (close_notify) before the handshake finished"
    local a, b = tcppair()
    local server = assert(ssl.wrap(b, { mode = "server", protocol = "any", certificate = CERT, key = KEY,
      alpn = function() error(WORDS, 0) end }))
    local client = assert(tls.wrap(a, { verify = false, alpn = { "h2" } }))
    client:settimeout(0)
    server:settimeout(0)
    local ok, err
    for _ = 1, 50 do
      client:handshake()
      ok, err = server:dohandshake()
      if ok or (err ~= "wantread" and err ~= "wantwrite") then break end
    end
    assert.is_false(ok)
    assert.not_equal("closed", err)
    assert.truthy(err:find(WORDS, 1, true), err)
    client:close()
    server:close()
  end)
end)
