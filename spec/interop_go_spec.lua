-- Our TLS 1.3 client against Go's crypto/tls server (Debian's golang-go),
-- which, like BoringSSL and rustls, sends session tickets only to a client
-- whose ClientHello lists psk_dhe_ke in psk_key_exchange_modes (RFC 8446
-- 4.2.9: the modes "restrict ... those PSKs which the server might supply
-- via NewSessionTicket"). A first ClientHello without the extension got no
-- ticket from them: no session, so no resumption and no 0-RTT, silently.
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"

local c = certs.get()

-- The server, built once per run (go run would compile it per test).
local binary
local function go_server(connections)
   if not binary then
      binary = os.tmpname()
      -- Its own build cache: the CI's environment may have no HOME.
      local out, code = proc.run(string.format("GOCACHE=%s GOPATH=%s go build -o %s spec/support/go_tls_server.go 2>&1",
         proc.quote(binary .. ".cache"), proc.quote(binary .. ".gopath"), proc.quote(binary)), nil, 120)
      assert(code == 0, "go build failed (golang-go is installed by scripts/deps.sh): " .. tostring(out))
   end
   local h = proc.spawn(string.format("%s %s %s %d", proc.quote(binary), proc.quote(c.leaf.ecdsa_p256.cert),
      proc.quote(c.leaf.ecdsa_p256.key), connections), { timeout = 30 })
   local port = tonumber(proc.wait_output(h, "ready (%d+)", 20))
   return h, port
end

local function echo(port, ctx, opts)
   return peers.echo(port, ctx, opts, { "hello go" })
end

describe("our client against Go's crypto/tls server", function()
   after_each(proc.kill_all)
   teardown(function()
      if binary then
         os.execute("rm -rf " .. proc.quote(binary) .. " " .. proc.quote(binary .. ".cache") .. " "
            .. proc.quote(binary .. ".gopath"))
      end
   end)

   it("gets a session ticket from the first handshake and resumes with it", function()
      local h, port = go_server(2)
      local ctx = peers.client_ctx(c.ca)
      local info1, session = echo(port, ctx)
      assert.equal("TLSv1.3", info1.version)
      assert.is_false(info1.resumed)
      assert.is_string(session, "Go sent no ticket: our ClientHello did not list psk_dhe_ke")
      local info2 = echo(port, ctx, { session = session })
      assert.is_true(info2.resumed)
      assert.is_true(h:wait(10), h:output())
      local out = h:output()
      assert.truthy(out:find("version=304 resumed=false\n", 1, true), out)
      assert.truthy(out:find("version=304 resumed=true\n", 1, true), out)
   end)
end)

describe("our client's psk_key_exchange_modes", function()
   local H = require "spec.support.hostile_server"

   it("is in every ClientHello that offers TLS 1.3, with no session to offer (psk_ke only when allowed)", function()
      local s = H.new {}
      assert.equal("\1\1", s.ch.ext[H.EXT.psk_key_exchange_modes])
      assert.is_nil(s.ch.ext[H.EXT.pre_shared_key])
      s = H.new { client = { psk_ke = true } }
      assert.equal("\2\1\0", s.ch.ext[H.EXT.psk_key_exchange_modes])
   end)
end)
