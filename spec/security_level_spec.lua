-- Finding 3 of issue 7: minimum key strength and signature digests in the
-- peer's chain (libcrypto's authentication security level, default 2), each
-- failure naming its reason, with alert bad_certificate.
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local E = require "spec.support.engines"

local pki = require("spec.support.pki").new()
pki:ca("root", "ec256", "/CN=luatls strength root")
-- RSA-768, signed with ECDSA-SHA1: what s_client calls "EE certificate key too weak".
pki:key("weak", "rsa768")
pki:issue("weak", "/CN=localhost", "root", { md = "sha1" })
-- A good key, signed with ECDSA-SHA1.
pki:key("sha1", "ec256")
pki:issue("sha1", "/CN=localhost", "root", { md = "sha1" })
-- An RSA-1024 intermediate.
pki:key("inter1024", "rsa1024")
pki:issue("inter1024", "/CN=luatls weak intermediate", "root", { ext = "ca" })
pki:key("underweak", "ec256")
pki:issue("underweak", "/CN=localhost", "inter1024")
pki:bundle("underweak_chain", "underweak", "inter1024")
-- RSA-2048 everywhere, SHA-256.
pki:ca("rsaroot", "rsa2048", "/CN=luatls RSA root")
pki:key("rsaleaf", "rsa2048")
pki:issue("rsaleaf", "/CN=localhost", "rsaroot")

local function client_ctx(ca, level)
  return assert(tls.context { ca = pki:path(ca .. ".pem"), security_level = level })
end

-- Our server refuses RSA-768 keys of its own, so that leaf is served by
-- s_server at security level 0.
local function connect_weak(level)
  local h, port = peers.s_server(("-tls1_3 -cert %s -key %s -cipher DEFAULT:@SECLEVEL=0 -rev"):format(
    pki:path("weak.pem"), pki:path("weak.key")))
  local conn, err = tls.connect("127.0.0.1", port, client_ctx("root", level),
    { servername = "localhost", timeout = 10 })
  return conn, err, h
end

local function engine_pair(ca, level, cert, key)
  return E.pair({ ca = pki:path(ca .. ".pem"), security_level = level },
    { certificate = pki:path(cert .. ".pem"), key = pki:path(key .. ".key") })
end

describe("security_level", function()
  after_each(proc.kill_all)

  it("rejects an RSA-768 leaf by default, naming the key and the level", function()
    local conn, err, h = connect_weak(nil)
    assert.is_nil(conn)
    assert.equal("certificate key too weak: RSA 768 bits (security level 2 needs at least 2048)", err)
    assert.equal("42", proc.wait_output(h, "SSL alert number (%d+)", 5)) -- bad_certificate
  end)

  it("rejects it at level 1 too, and accepts it at level 0", function()
    local conn, err = connect_weak(1)
    assert.is_nil(conn)
    assert.equal("certificate key too weak: RSA 768 bits (security level 1 needs at least 1024)", err)
    proc.kill_all()
    conn, err = connect_weak(0)
    assert(conn, err)
    assert(conn:send("weak\n"))
    assert.equal("kaew", conn:receive("*l"))
    conn:close()
  end)

  it("rejects a leaf signed with SHA-1 at levels 1 and up (OpenSSL 3), accepts it at level 0", function()
    for _, level in ipairs { 2, 1 } do
      local c, s = engine_pair("root", level, "sha1", "sha1")
      local msg, alert, from_peer = c:error()
      assert.equal(("certificate signed with SHA-1, which security level %d does not accept"):format(level), msg)
      assert.equal("bad_certificate", alert)
      assert.is_false(from_peer)
      assert.equal("bad_certificate", select(2, s:error()))
    end
    local c = engine_pair("root", 0, "sha1", "sha1")
    assert.is_true(c:status().handshake_done, c:error())
  end)

  it("rejects an RSA-1024 intermediate by default, naming it, and accepts it at level 1", function()
    local c = engine_pair("root", nil, "underweak_chain", "underweak")
    local msg, alert = c:error()
    assert.equal("certificate authority key too weak: RSA 1024 bits (security level 2 needs at least 2048)"
      .. " (in chain: CN=luatls weak intermediate)", msg)
    assert.equal("bad_certificate", alert)
    c = engine_pair("root", 1, "underweak_chain", "underweak")
    assert.is_true(c:status().handshake_done, c:error())
  end)

  it("accepts an RSA-2048 chain signed with SHA-256 by default", function()
    local c = engine_pair("rsaroot", nil, "rsaleaf", "rsaleaf")
    assert.is_true(c:status().handshake_done, c:error())
    assert.equal("RSA 2048", c:info().peer_certificate.key)
  end)

  it("is an integer from 0 to 5", function()
    for _, bad in ipairs { -1, 6, 1.5, "2", true } do
      local ctx, err = tls.context { security_level = bad }
      assert.is_nil(ctx)
      assert.equal(("option 'security_level' must be an integer from 0 to 5 (got %s)"):format((type(bad) == "string" and ("%q"):format(bad) or tostring(bad))), err)
    end
    for level = 0, 5 do assert.truthy(tls.context { security_level = level }) end
  end)
end)
