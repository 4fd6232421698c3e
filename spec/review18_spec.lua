-- Review 18: defects a fresh security review found, each with the check that
-- now holds.
local tls = require "tls"
local socket = require "socket"
local proc = require "spec.support.proc"
local certs = require "spec.support.certs"

local c = certs.get()
local LABEL = "EXPERIMENTAL-review18"

-- An OpenSSL config that turns the extended master secret off (RFC 7627).
local function no_ems_env()
   local conf = os.tmpname()
   proc.write_file(conf, "openssl_conf = oc\n[oc]\nssl_conf = sc\n[sc]\nsystem_default = sd\n[sd]\n"
      .. "Options = -ExtendedMasterSecret\n")
   return "OPENSSL_CONF=" .. proc.quote(conf) .. " ", conf
end

describe("review18: TLS 1.2 exporter without the extended master secret (RFC 7627 5.4)", function()
   after_each(proc.kill_all)
   local env, conf
   setup(function() env, conf = no_ems_env() end)
   teardown(function() os.remove(conf) end)

   local WANT = "no keying material to export: this TLS 1.2 connection has no extended master secret "
      .. "(RFC 7627 5.4: a peer in the middle could share it)"

   local function connect_to(port, opts)
      local sock = assert(socket.connect("127.0.0.1", port))
      return assert(tls.wrap(sock, opts, { servername = "localhost", timeout = 10 }))
   end

   it("is refused by a client with require_ems = false talking to a server without it", function()
      local port = proc.free_port("127.0.0.1")
      local h = proc.spawn(string.format("sleep 30 | %sopenssl s_server -accept 127.0.0.1:%d -tls1_2 -cert %s -key %s",
         env, port, c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key))
      proc.wait_port("127.0.0.1", port, 10, h)
      local conn = connect_to(port, { ca = c.ca, require_ems = false })
      assert.same({ nil, WANT }, { conn:export(LABEL, nil, 32) })
      assert.equal("TLSv1.2", conn:info().version)
      assert.is_false(conn:info().extended_master_secret)
      assert.same({ nil, WANT }, { conn:export(LABEL, "ctx", 32) })
      conn:close()
   end)

   it("still works in TLS 1.2 with the extended master secret, against the same server", function()
      local port = proc.free_port("127.0.0.1")
      local h = proc.spawn(string.format("sleep 30 | openssl s_server -accept 127.0.0.1:%d -tls1_2 -cert %s -key %s "
         .. "-keymatexport %s -keymatexportlen 32", port, c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, LABEL))
      proc.wait_port("127.0.0.1", port, 10, h)
      local conn = connect_to(port, { ca = c.ca, require_ems = false })
      local ours = assert(conn:export(LABEL, nil, 32))
      assert.is_true(conn:info().extended_master_secret)
      local hex = ours:gsub(".", function(b) return string.format("%02X", b:byte()) end)
      assert.equal(hex, proc.wait_output(h, "Keying material: (%x+)"))
      conn:close()
   end)
end)
