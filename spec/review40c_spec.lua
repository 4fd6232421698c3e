-- Session 40 (review40c): what review39h (mutual TLS and certificate choice) left: the wording of an
-- extendedKeyUsage refusal (I3), why no pair of several fits (I2), and the verified path (I1).
local tls = require "tls"
local E = require "spec.support.engines"

-- A root, an intermediate whose extendedKeyUsage is clientAuth only, and leaves.
local function eku_pki()
  local P = require("spec.support.pki").new()
  local f = assert(io.open(P:path("ext.cnf"), "a"))
  f:write([[
[ eku_client ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = ${ENV::SAN}
[ eku_server ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = ${ENV::SAN}
[ ca_eku_client ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
]])
  f:close()
  P:ca("root", "ec256", "/CN=r40c root")
  P:key("inter", "ec256")
  P:issue("inter", "/CN=r40c clientAuth intermediate", "root", { ext = "ca_eku_client" })
  for _, n in ipairs { "client_only", "server_only", "via_inter" } do P:key(n, "ec256") end
  P:issue("client_only", "/CN=r40c client only", "root", { ext = "eku_client" })
  P:issue("server_only", "/CN=r40c server only", "root", { ext = "eku_server" })
  P:issue("via_inter", "/CN=r40c via intermediate", "inter", { ext = "leaf" })
  P:bundle("via_inter_chain", "via_inter", "inter")
  -- a plain intermediate, and a leaf under it sent with an unrelated certificate in between
  P:key("ok_inter", "ec256")
  P:issue("ok_inter", "/CN=r40c intermediate", "root", { ext = "ca" })
  P:key("ok_leaf", "ec256")
  P:issue("ok_leaf", "/CN=r40c leaf", "ok_inter", { ext = "leaf" })
  P:bundle("ok_leaf_messy", "ok_leaf", "server_only", "ok_inter")
  return P
end

describe("review39h I3: an extendedKeyUsage refusal says which use it does not allow", function()
  local P = eku_pki()

  local function client_against(v, cert, key)
    local sctx = assert(tls.context { mode = "server", certificate = cert, key = key })
    local cl = assert(tls.engine(assert(tls.context { ca = P:path("root.pem"), max_version = v }),
      { servername = "localhost" }))
    assert(cl:start())
    E.pump(cl, assert(tls.engine(sctx)))
    return cl
  end

  for _, v in ipairs { "TLSv1.3", "TLSv1.2" } do
    it(v .. ": our client, a server leaf for clientAuth only", function()
      local cl = client_against(v, P:path("client_only.pem"), P:path("client_only.key"))
      local msg, alert = cl:error()
      assert.equal("unsupported_certificate", alert)
      assert.equal("certificate's extendedKeyUsage does not allow TLS server authentication (it lacks "
        .. "serverAuth)", msg)
    end)

    it(v .. ": our client, an intermediate for clientAuth only", function()
      local cl = client_against(v, P:path("via_inter_chain.pem"), P:path("via_inter.key"))
      local msg, alert = cl:error()
      assert.equal("unsupported_certificate", alert)
      assert.equal("certificate's chain does not allow TLS server authentication: the extendedKeyUsage of "
        .. "CN=r40c clientAuth intermediate lacks serverAuth", msg)
    end)

    it(v .. ": our server, a client certificate for serverAuth only", function()
      local sctx = assert(tls.context { mode = "server", certificate = E.CERT, key = E.KEY, verify = "required",
        ca = P:path("root.pem"), max_version = v })
      local cctx = assert(tls.context { verify = false, certificate = P:path("server_only.pem"),
        key = P:path("server_only.key"), max_version = v })
      local cl, s = assert(tls.engine(cctx, { servername = "localhost" })), assert(tls.engine(sctx))
      assert(cl:start())
      E.pump(cl, s)
      local msg, alert = s:error()
      assert.equal("unsupported_certificate", alert)
      assert.equal("client certificate rejected: certificate's extendedKeyUsage does not allow TLS client "
        .. "authentication (it lacks clientAuth)", msg)
    end)
  end
end)

describe("review39h I1: conn:verifiedchain(), the path the chain was verified on", function()
  local P = eku_pki()

  local function subjects(list)
    local out = {}
    for i, cert in ipairs(list) do out[i] = cert:subject() end
    return out
  end

  local function connect(v, copts)
    local sctx = assert(tls.context { mode = "server", certificate = P:path("ok_leaf_messy.pem"),
      key = P:path("ok_leaf.key"), max_version = v })
    copts = copts or {}
    local base = { ca = copts.verify ~= false and P:path("root.pem") or nil, max_version = v }
    local cl = assert(tls.engine(assert(tls.context(E.merge(base, copts))), { servername = "localhost" }))
    local s = assert(tls.engine(sctx))
    assert(cl:start())
    E.pump(cl, s)
    assert.is_true(cl:status().handshake_done, tostring(cl:error()))
    return cl, s
  end

  for _, v in ipairs { "TLSv1.3", "TLSv1.2" } do
    it(v .. ": is leaf to trust anchor, without the certificate off the path that peerchain() has", function()
      local seen
      local cl = connect(v, { verify = function(chain, ok, reason, path)
        seen = { chain = subjects(chain), ok = ok, path = path and subjects(path) }
        return ok
      end })
      assert.same({ "CN=r40c leaf", "CN=r40c server only", "CN=r40c intermediate" }, subjects(cl:peerchain()))
      local path = assert(cl:verifiedchain())
      assert.same({ "CN=r40c leaf", "CN=r40c intermediate", "CN=r40c root" }, subjects(path))
      assert.equal(cl:peercertificate(), path[1])
      -- the verify function is given the same path, after the chain as sent
      assert.same({ chain = subjects(cl:peerchain()), ok = true, path = subjects(path) }, seen)
    end)

    it(v .. ": is nil and why with verify = false, or when the verify function took a chain that failed",
      function()
      local cl = connect(v, { verify = false })
      assert.same({ nil, "verification is off (verify = false)" }, { cl:verifiedchain() })
      local given = "unset"
      cl = connect(v, { ca = E.CERT, verify = function(_, ok, _, path) given = path; return not ok end })
      assert.is_nil(given)
      assert.same({ nil, "the chain did not verify (the verify function accepted it)" }, { cl:verifiedchain() })
    end)
  end

  it("is nil and why before the handshake, on a server whose client sent none, and resumed", function()
    local sctx = assert(tls.context { mode = "server", certificate = P:path("ok_leaf_messy.pem"),
      key = P:path("ok_leaf.key"), verify = "optional", ca = P:path("root.pem") })
    local cctx = assert(tls.context { ca = P:path("root.pem") })
    local cl, s = assert(tls.engine(cctx, { servername = "localhost" })), assert(tls.engine(sctx))
    assert.same({ nil, "the handshake has not completed" }, { cl:verifiedchain() })
    assert(cl:start())
    E.pump(cl, s)
    assert.same({ nil, "the peer sent no certificate" }, { s:verifiedchain() })
    local session = E.first_session(cctx, sctx)
    local r = E.resume(cctx, sctx, session)
    assert.is_true(r:info().resumed)
    assert.same({ nil, "the session was resumed: the chain was verified when the session was made, and its "
      .. "path is not kept" }, { r:verifiedchain() })
  end)

  it("is there on a connection too (tls.connect)", function()
    local peers, proc = require "spec.support.peers", require "spec.support.proc"
    local _, port = peers.luatls_server({}, { cert = P:path("ok_leaf_messy.pem"), key = P:path("ok_leaf.key") })
    local conn = assert(tls.connect("127.0.0.1", port, assert(tls.context { ca = P:path("root.pem") }),
      { servername = "localhost", timeout = 10 }))
    local path = assert(conn:verifiedchain())
    conn:close()
    proc.kill_all()
    assert.same({ "CN=r40c leaf", "CN=r40c intermediate", "CN=r40c root" }, subjects(path))
  end)
end)

describe("review39h I2: a server none of whose pairs fits says why of all of them", function()
  local c = require("spec.support.certs").get()
  local function pair(leaf) return { certificate = leaf.cert, key = leaf.key } end

  local function refused(pairs, copts, servername, trace)
    return E.refusal({ certificates = pairs, trace = trace }, E.merge({ ca = c.ca }, copts), servername)
  end

  local three = { pair(c.leaf.ecdsa_p256), pair(c.leaf.rsa2048), pair(c.leaf.ed25519) }

  it("TLS 1.3: names the signatures the client accepts and every key, for its name or not", function()
    local copts = { max_version = "TLSv1.3", sigalgs = "ecdsa_secp384r1_sha384:rsa_pkcs1_sha256" }
    assert.equal("none of our 3 certificates for localhost fits this client: it accepts only the TLS 1.3 "
      .. "signatures ecdsa_secp384r1_sha384, and our keys are ECDSA on secp256r1, RSA 2048 bits, Ed25519",
      refused(three, copts))
    assert.equal("none of our 3 certificates fits this client: it accepts only the TLS 1.3 signatures "
      .. "ecdsa_secp384r1_sha384, and our keys are ECDSA on secp256r1, RSA 2048 bits, Ed25519",
      refused(three, copts, "127.0.0.1"))
  end)

  it("TLS 1.2: names the keys the client's suites are for, or the keys those suites fit", function()
    local two = { pair(c.leaf.ecdsa_p256), pair(c.leaf.ed25519) }
    assert.equal("none of our 2 certificates for localhost fits this client: its TLS 1.2 suites are for RSA "
      .. "keys that sign (ECDHE_RSA), and our keys are ECDSA on secp256r1, Ed25519",
      refused(two, { max_version = "TLSv1.2", ciphers = "ECDHE-RSA-AES128-GCM-SHA256" }))
    assert.equal("none of our 2 certificates for localhost fits this client: its TLS 1.2 suites fit only our "
      .. "Ed25519 key, which signs with none of the signatures it accepts (ecdsa_secp256r1_sha256, "
      .. "rsa_pss_rsae_sha256); it names the curve of none of our other ECDSA keys (its groups are x25519)",
      refused(two, { max_version = "TLSv1.2", groups = "x25519",
        sigalgs = "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256" }))
  end)

  it("keeps the one pair's own reason when there is one pair", function()
    -- (traced: a single pair is then weighed as several are, to say why in the trace)
    for _, trace in ipairs { false, function() end } do
      for _, servername in ipairs { "localhost", "127.0.0.1" } do
        assert.equal("no signature algorithm in common with the client for our certificate",
          refused({ pair(c.leaf.ecdsa_p256) }, { max_version = "TLSv1.3", sigalgs = "ecdsa_secp384r1_sha384" },
            servername, trace or nil))
      end
    end
  end)
end)
