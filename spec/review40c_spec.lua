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
