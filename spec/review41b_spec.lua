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
