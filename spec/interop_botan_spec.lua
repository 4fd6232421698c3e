-- Our client and server against Botan (Debian's botan 2.19: its command
-- line tls_client and tls_server, TLS 1.2), one more TLS 1.2 stack written
-- apart from the others, driven by Botan's own policy files.
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"

local c = certs.get()

-- A Botan policy file (key = value lines) holding `text`; nil for Botan's default.
local function policy(text)
   if not text then return nil end
   local path = os.tmpname()
   proc.write_file(path, text)
   return path
end

-- Botan's server for `clients` connections: it echoes what it receives.
local function botan_server(pair, clients, policy_text)
   pair = pair or c.leaf.ecdsa_p256
   local port = proc.free_port("127.0.0.1")
   local pol = policy(policy_text)
   local h = proc.spawn(string.format("botan tls_server %s %s --port=%d --max-clients=%d%s", proc.quote(pair.cert),
      proc.quote(pair.key), port, clients or 1, pol and (" --policy=" .. proc.quote(pol)) or ""), { timeout = 30 })
   -- Not proc.wait_port: its probe would count as one of the clients.
   proc.wait_output(h, "Listening for new connections", 10)
   -- Botan says so before its socket listens (a connection refused under
   -- load, CI of session 39).
   proc.wait_listening(port, 10, h)
   return h, port
end

-- Botan's client for localhost at port, verifying against our CA, sending
-- a line; a session database file keeps its sessions between runs.
local function botan_client(port, opts)
   opts = opts or {}
   local pol = policy(opts.policy)
   return proc.run(string.format("(printf 'hello Botan\\n'; sleep 1) | botan tls_client localhost --port=%d "
      .. "--trusted-cas=%s --skip-system-cert-store%s%s", port, proc.quote(c.ca),
      pol and (" --policy=" .. proc.quote(pol)) or "",
      opts.session_db and string.format(" --session-db=%s --session-db-pass=luatls", proc.quote(opts.session_db)) or ""),
      nil, 20)
end

local function echo(port, ctx, opts, line)
   return peers.echo(port, ctx, opts, line and { line })
end

describe("our client against Botan's tls_server", function()
   after_each(proc.kill_all)

   it("verifies its chain and name and echoes over TLS 1.2 with Botan's default policy", function()
      local _, port = botan_server()
      local info = echo(port, peers.client_ctx(c.ca))
      assert.equal("TLSv1.2", info.version)
      assert.is_true(info.peer_verified)
      assert.matches("^TLS_ECDHE_ECDSA_WITH_", info.cipher)
   end)

   for _, s in ipairs {
      { "AES-128/GCM", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
      { "AES-256/GCM", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
      { "ChaCha20Poly1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
   } do
      it("negotiates " .. s[2] .. " when Botan's policy allows only " .. s[1], function()
         local _, port = botan_server(nil, 1, "ciphers = " .. s[1] .. "\nkey_exchange_methods = ECDH\n")
         assert.equal(s[2], echo(port, peers.client_ctx(c.ca)).cipher)
      end)
   end

   for _, group in ipairs { "secp384r1", "secp521r1", "x25519" } do
      it("does ECDHE on " .. group .. " when Botan's policy allows only it", function()
         local _, port = botan_server(nil, 1, "groups = " .. group .. "\nkey_exchange_methods = ECDH\n")
         assert.equal(group, echo(port, peers.client_ctx(c.ca)).group)
      end)
   end

   it("verifies an RSA certificate (ECDHE-RSA)", function()
      local _, port = botan_server(c.leaf.rsa2048)
      local info = echo(port, peers.client_ctx(c.ca))
      assert.matches("^TLS_ECDHE_RSA_WITH_", info.cipher)
   end)

   it("resumes the session Botan issued", function()
      local _, port = botan_server(nil, 2)
      local ctx = peers.client_ctx(c.ca)
      local info1, session = echo(port, ctx)
      assert.is_false(info1.resumed)
      local info2 = echo(port, ctx, { session = assert(session) })
      assert.is_true(info2.resumed)
   end)

   it("echoes a line of 60000 bytes", function()
      local _, port = botan_server()
      echo(port, peers.client_ctx(c.ca), nil, string.rep("0123456789", 6000))
   end)
end)

describe("Botan's tls_client against our server", function()
   after_each(proc.kill_all)

   local function server(pair) return peers.lines_server(nil, pair) end

   it("completes TLS 1.2 with Botan's default policy, verified, and echoes", function()
      local h, port = server()
      local out = botan_client(port)
      assert.truthy(out:find("Certificate validation status: Verified", 1, true), out)
      assert.truthy(out:find("Handshake complete, TLS v1.2 using ECDHE_ECDSA_WITH_", 1, true), out)
      assert.truthy(out:find("hello Botan", 1, true), out)
      proc.wait_output(h, "info version=TLSv1.2 ")
   end)

   for _, s in ipairs {
      { "AES-256/GCM", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
      { "ChaCha20Poly1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
   } do
      it("serves a client whose policy allows only " .. s[1], function()
         local h, port = server()
         local out = botan_client(port, { policy = "ciphers = " .. s[1] .. "\nkey_exchange_methods = ECDH\n" })
         assert.truthy(out:find("hello Botan", 1, true), out)
         proc.wait_output(h, "info version=TLSv1.2 cipher=" .. s[2] .. " ")
      end)
   end

   it("serves a client whose only group is secp521r1 besides our certificate's curve", function()
      local h, port = server()
      local out = botan_client(port, { policy = "groups = secp521r1 secp256r1\nkey_exchange_methods = ECDH\n" })
      assert.truthy(out:find("hello Botan", 1, true), out)
      proc.wait_output(h, "info version=TLSv1.2 [^\n]* group=sec")
   end)

   it("signs with an RSA certificate (ECDHE-RSA)", function()
      local h, port = server(c.leaf.rsa2048)
      local out = botan_client(port)
      assert.truthy(out:find("Handshake complete, TLS v1.2 using ECDHE_RSA_WITH_", 1, true), out)
      proc.wait_output(h, "info version=TLSv1.2 ")
   end)

   it("resumes Botan's session from its session database", function()
      local h, port = server()
      local db = os.tmpname()
      os.remove(db)
      local out1 = botan_client(port, { session_db = db })
      local out2 = botan_client(port, { session_db = db })
      os.remove(db)
      assert.truthy(out1:find("Certificate validation status: Verified", 1, true), out1)
      -- A resumed handshake has no certificate to validate.
      assert.falsy(out2:find("Certificate validation status", 1, true), out2)
      assert.truthy(out2:find("hello Botan", 1, true), out2)
      proc.wait_output(h, "info version=TLSv1.2 [^\n]* resumed=true ")
   end)
end)
