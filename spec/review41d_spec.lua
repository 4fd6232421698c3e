-- Review 41d: real peers with unusual but valid certificates. F1: a private
-- CA with nameConstraints (rfc5280#4.2.1.10) whose leaf breaks them was
-- refused with libcrypto's bare "permitted subtree violation", and a
-- certificate with a critical extension libcrypto does not process with
-- "unhandled critical extension": neither said which CA's constraints, which
-- names, or which extension. The refusals (and their alert) are unchanged;
-- the message now names them. A leaf that keeps to its CA's constraints is
-- still taken.
local peers = require "spec.support.peers"
local pki_mod = require "spec.support.pki"
local proc = require "spec.support.proc"

local EXTRA = [[
[ nc_example ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
nameConstraints = critical,permitted;DNS:example.com
[ nc_localhost ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
nameConstraints = critical,permitted;DNS:localhost
[ nc_excluded ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
nameConstraints = critical,excluded;DNS:localhost
[ crit_unknown ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
1.3.6.1.4.1.55555.1 = critical,ASN1:UTF8String:luatls review41d
]]

local made
local function pki()
   if made then return made end
   local p = pki_mod.new()
   local f = assert(io.open(p:path("ext.cnf"), "ab"))
   f:write(EXTRA)
   f:close()
   p:ca("root", "ec256", "/CN=review41d root")
   for _, ca in ipairs { "nc_example", "nc_localhost", "nc_excluded" } do
      p:key(ca, "ec256")
      p:issue(ca, "/CN=review41d " .. ca, "root", { ext = ca })
      p:key(ca .. "_leaf", "ec256")
      p:issue(ca .. "_leaf", "/CN=localhost", ca, { san = "DNS:localhost,IP:127.0.0.1" })
   end
   p:key("crit", "ec256")
   p:issue("crit", "/CN=localhost", "root", { ext = "crit_unknown" })
   made = p
   return p
end

-- openssl s_server -www with leaf (and chain, sent with -cert_chain); our
-- client trusting root connects: the connection or nil and the message.
local function connect(leaf, chain, version)
   local p = pki()
   local args = "-www " .. (version or "-tls1_3")
   if chain then args = args .. " -cert_chain " .. proc.quote(p:path(chain .. ".pem")) end
   local _, port = peers.s_server(args, nil, { cert = p:path(leaf .. ".pem"), key = p:path(leaf .. ".key") })
   local ctx = peers.client_ctx(p:path("root.pem"))
   return require("tls").connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 })
end

describe("review41d F1: nameConstraints and critical extensions, named in the refusal", function()
   after_each(proc.kill_all)

   for _, version in ipairs { "-tls1_3", "-tls1_2" } do
      it("names the constraining CA and the leaf's names (permitted subtree, s_server " .. version .. ")", function()
         local conn, err = connect("nc_example_leaf", "nc_example", version)
         assert.is_nil(conn)
         assert.equal("certificate verification failed: permitted subtree violation: the name constraints of "
            .. "CN=review41d nc_example, a CA in its chain, do not allow the names of CN=localhost "
            .. "(DNS:localhost, IP:127.0.0.1)", err)
      end)
   end

   it("names them for an excluded subtree too", function()
      local conn, err = connect("nc_excluded_leaf", "nc_excluded")
      assert.is_nil(conn)
      assert.equal("certificate verification failed: excluded subtree violation: the name constraints of "
         .. "CN=review41d nc_excluded, a CA in its chain, do not allow the names of CN=localhost "
         .. "(DNS:localhost, IP:127.0.0.1)", err)
   end)

   it("still takes a leaf within its CA's constraints", function()
      local conn = assert(connect("nc_localhost_leaf", "nc_localhost"))
      assert.matches("^HTTP/1.0 200", peers.status_page(conn))
      conn:close()
   end)

   it("names the critical extension it cannot process", function()
      local conn, err = connect("crit")
      assert.is_nil(conn)
      assert.equal("certificate verification failed: unhandled critical extension 1.3.6.1.4.1.55555.1", err)
   end)

   it("a server names them for a client certificate too (openssl s_client)", function()
      local p = pki()
      local srv, port = peers.luatls_server({ verify = "required", ca = p:path("root.pem"), mode = "echo" },
         require("spec.support.certs").get().leaf.ecdsa_p256)
      proc.run(("openssl s_client -connect 127.0.0.1:%d -cert %s -key %s -cert_chain %s </dev/null"):format(port,
         proc.quote(p:path("nc_example_leaf.pem")), proc.quote(p:path("nc_example_leaf.key")),
         proc.quote(p:path("nc_example.pem"))), nil, 20)
      local failed = proc.wait_output(srv, "\nfailed ([^\n]*)\n")
      assert.equal("client certificate rejected: certificate verification failed: permitted subtree violation: "
         .. "the name constraints of CN=review41d nc_example, a CA in its chain, do not allow the names of "
         .. "CN=localhost (DNS:localhost, IP:127.0.0.1)", failed)
   end)
end)
