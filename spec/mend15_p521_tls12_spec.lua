-- Session 15 (mend15): a client offers secp521r1 in supported_groups by
-- default (never as a key share: that stays x25519). In TLS 1.2 the list
-- also names the curves a server's ECDSA certificate may use (RFC 8422
-- §5.1, §5.3: "The public key MUST use a curve and point format supported
-- by the client"), so a TLS 1.2 server holding only a P-521 certificate
-- failed with our default client, although we verify its signature.
-- mutate/mutations_mend15.lua plants it back. The P-521 certificate is
-- certs.ec_selfsigned's, as in spec/p521_spec.lua.
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"

local p521, CERT, KEY

describe("mend15: secp521r1 offered by default", function()
   setup(function()
      p521 = certs.ec_selfsigned("P-521")
      CERT, KEY = p521.cert, p521.key
   end)
   teardown(function() p521.remove() end)
   after_each(proc.kill_all)

   it("in the ClientHello's supported_groups, last, and not as a key share", function()
      local events = {}
      local ctx = assert(tls.context { verify = false, trace = function(ev) events[#events + 1] = ev end })
      assert(assert(tls.engine(ctx)):start())
      assert.equal("ClientHello", events[1].message)
      assert.equal("x25519, secp256r1, secp384r1, secp521r1", events[1].groups)
      assert.equal("x25519", events[1].key_share)
   end)

   it("our default client connects to openssl s_server with only a P-521 certificate, TLS 1.2", function()
      local _, port = peers.s_server(("-cert %s -key %s -www -tls1_2"):format(proc.quote(CERT), proc.quote(KEY)))
      local ctx = assert(tls.context { mode = "client", ca = CERT })
      local conn, err = tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 })
      assert.truthy(conn, err)
      local info = conn:info()
      assert.equal("TLSv1.2", info.version)
      assert.truthy(info.cipher:find("ECDHE_ECDSA", 1, true), info.cipher)
      assert.equal("x25519", info.group)
      conn:close()
   end)

   it("a client's own 'groups' still decides: without secp521r1 that server is refused", function()
      local _, port = peers.s_server(("-cert %s -key %s -www -tls1_2"):format(proc.quote(CERT), proc.quote(KEY)))
      local ctx = assert(tls.context { mode = "client", ca = CERT, groups = "x25519:secp256r1" })
      local conn = tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 })
      assert.is_nil(conn)
   end)
end)
