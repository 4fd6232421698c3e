-- Conformance sweep 14, our client side: what careful but unusual real
-- servers (openssl s_server, gnutls-serv) do on 127.0.0.1, beyond the
-- interop specs: small and split records, TLS 1.3 padding, no tickets or
-- many, no middlebox compatibility, a HelloRetryRequest after which nothing
-- but the chosen group works, one signature scheme, the server's own suite
-- order, ALPN refused, KeyUpdate and TLS 1.2 renegotiation asked for from the
-- server's console, a 36 KB certificate and chains with extra certificates.
local tls = require "tls"
local socket = require "socket"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local bigcert = require "spec.support.bigcert"
local engines = require "spec.support.engines"

local c = certs.get()
local E = c.leaf.ecdsa_p256
local R = c.leaf.rsa2048

local function client_ctx(extra)
   return peers.client_ctx(c.ca, extra)
end

local function connect(port, extra)
   return peers.connect(port, client_ctx(extra))
end

local function s_server(args, cert)
   return peers.s_server(args, nil, cert or E)
end

local status_page = peers.status_page

-- connect(port, extra) with a trace recording every event; returns the
-- connection and a function counting the `message`s received.
local function connect_counting(port, message, extra)
   local o, events = engines.traced(extra)
   local conn = connect(port, o)
   return conn, function() return #engines.events_of(events, "receive", message) end
end

describe("conformance 14: our client against unusual openssl s_server setups", function()
   after_each(proc.kill_all)

   for _, v in ipairs { "1_3", "1_2" } do
      it("reads a TLS 1." .. v:sub(3) .. " server that sends records of at most 512 bytes, split at 256", function()
         local _, port = s_server("-www -tls" .. v .. " -max_send_frag 512 -split_send_frag 256")
         local conn = connect(port)
         assert.equal("TLSv1." .. v:sub(3), conn:info().version)
         local page = status_page(conn)
         assert.truthy(page:find("New, TLSv1." .. v:sub(3), 1, true), page)
         assert.truthy(#page > 2000, page)
         conn:close()
      end)
   end

   it("reads TLS 1.3 records padded to 4096 bytes (-record_padding)", function()
      local _, port = s_server("-www -tls1_3 -record_padding 4096")
      local conn = connect(port)
      local page = status_page(conn)
      assert.truthy(page:find("New, TLSv1.3", 1, true), page)
      assert.truthy(page:find("</pre>", 1, true), page)
      conn:close()
   end)

   it("has no session from a server that sends no ticket (-num_tickets 0)", function()
      local _, port = s_server("-www -tls1_3 -num_tickets 0")
      local conn = connect(port)
      status_page(conn)
      assert.is_nil(conn:session())
      conn:close()
   end)

   it("takes eight tickets (-num_tickets 8) and resumes with the one it keeps", function()
      local h, port = s_server("-www -tls1_3 -num_tickets 8")
      local conn, tickets = connect_counting(port, "NewSessionTicket")
      status_page(conn)
      assert.equal(8, tickets())
      local session = assert(conn:session())
      conn:close()
      local again = peers.connect(port, client_ctx(), { session = session })
      assert.is_true(again:info().resumed, h:output())
      local page = status_page(again)
      assert.truthy(page:find("Reused, TLSv1.3", 1, true), page)
      again:close()
   end)

   -- Before session 27 the 33rd ticket in a row ended the connection
   -- (review27b): RFC 8446 4.6.1 sets no limit on tickets.
   it("takes forty tickets (-num_tickets 40): keeps the first 32, ignores the rest, reads the page and resumes", function()
      local h, port = s_server("-www -tls1_3 -num_tickets 40")
      local o, events = engines.traced()
      local conn = connect(port, o)
      local page = status_page(conn)
      assert.truthy(page:find("New, TLSv1.3", 1, true), page)
      local kept, ignored = 0, 0
      for _, ev in ipairs(engines.events_of(events, "receive", "NewSessionTicket")) do
         if ev.note == "kept as the latest session (conn:session())" then kept = kept + 1 end
         if ev.note == "ignored: more than 32 tickets without application data in between" then
            ignored = ignored + 1
         end
      end
      assert.equal(32, kept)
      assert.equal(8, ignored)
      local session = assert(conn:session())
      conn:close()
      local again = peers.connect(port, client_ctx(), { session = session })
      assert.is_true(again:info().resumed, h:output())
      page = status_page(again)
      assert.truthy(page:find("Reused, TLSv1.3", 1, true), page)
      again:close()
   end)

   it("completes a HelloRetryRequest with a server that sends no ChangeCipherSpec (-no_middlebox)", function()
      local _, port = s_server("-www -tls1_3 -no_middlebox -groups secp384r1")
      local conn, ccs = connect_counting(port, "ChangeCipherSpec")
      local info = conn:info()
      assert.is_true(info.hello_retry)
      assert.equal("secp384r1", info.group)
      assert.equal(0, ccs())
      assert.truthy(status_page(conn):find("New, TLSv1.3", 1, true))
      conn:close()
   end)

   it("verifies a server that signs only with rsa_pss_rsae_sha512, the last RSA scheme we offer", function()
      local _, port = s_server("-www -tls1_3 -sigalgs rsa_pss_rsae_sha512", R)
      local conn = connect(port)
      assert.equal("rsa_pss_rsae_sha512", conn:info().signature)
      assert.truthy(status_page(conn):find("New, TLSv1.3", 1, true))
      conn:close()
   end)

   it("takes the suite a -serverpref server prefers over our first", function()
      local _, port = s_server("-www -tls1_3 -serverpref "
         .. "-ciphersuites TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256")
      local conn = connect(port)
      assert.equal("TLS_CHACHA20_POLY1305_SHA256", conn:info().cipher)
      conn:close()
   end)

   it("reports the server's no_application_protocol when no ALPN protocol matches", function()
      local _, port = s_server("-www -tls1_3 -alpn h2")
      local conn, err = tls.connect("127.0.0.1", port, client_ctx { alpn = { "http/1.1" } },
         { servername = "localhost", timeout = 10 })
      assert.is_nil(conn)
      assert.matches("no_application_protocol %(120%)", err)
   end)

   for _, v in ipairs { "1_3", "1_2" } do
      it("reads a 36 KB server certificate in TLS 1." .. v:sub(3) .. ", in 512-byte records too", function()
         local big = bigcert.get()
         for _, extra in ipairs { "", " -max_send_frag 512" } do
            local _, port = s_server("-www -tls" .. v .. extra, big)
            local conn = connect(port)
            assert.equal("TLSv1." .. v:sub(3), conn:info().version)
            assert.truthy(#conn:peercertificate():der() > 30000)
            assert.truthy(status_page(conn):find("New, TLSv1." .. v:sub(3), 1, true))
            conn:close()
            proc.kill_all()
         end
      end)

      it("verifies a TLS 1." .. v:sub(3) .. " chain with an unrelated extra certificate, and one with the root", function()
         local extra = c.dir .. "/extra14.pem"
         proc.write_file(extra, proc.read_file(c.chain.inter) .. proc.read_file(c.dir .. "/otherca.pem"))
         local root = c.dir .. "/root14.pem"
         proc.write_file(root, proc.read_file(c.chain.inter) .. proc.read_file(c.ca))
         for _, chain in ipairs { extra, root } do
            local _, port = s_server(string.format("-www -tls%s -cert_chain %s", v, chain),
               { cert = c.chain.leaf, key = c.chain.key })
            local conn = connect(port)
            assert.equal(3, #conn:peerchain())
            assert.truthy(status_page(conn):find("New, TLSv1." .. v:sub(3), 1, true))
            conn:close()
            proc.kill_all()
         end
      end)
   end
end)

-- s_server reading its console from a FIFO: "k"/"K" send a KeyUpdate
-- (update_not_requested / update_requested), "R" (TLS 1.2) a HelloRequest;
-- any other line is sent as data. -msg logs every message it sends and gets.
describe("conformance 14: our client and s_server's console commands", function()
   local fifo, writer
   after_each(function()
      proc.kill_all()
      if writer then writer:close(); writer = nil end
      if fifo then os.remove(fifo); fifo = nil end
   end)

   local function console_server(args)
      fifo = os.tmpname()
      os.remove(fifo)
      assert(os.execute("mkfifo " .. proc.quote(fifo)))
      local port = proc.free_port()
      local h = proc.spawn(string.format("openssl s_server -accept 127.0.0.1:%d -msg -cert %s -key %s %s",
         port, E.cert, E.key, args), { stdin = fifo, timeout = 30 })
      writer = assert(io.open(fifo, "w"))
      writer:setvbuf("no")
      proc.wait_port("127.0.0.1", port, 10, h)
      return h, port
   end

   local function command(line)
      writer:write(line .. "\n")
      socket.sleep(0.2)
   end

   it("follows a KeyUpdate, answers an update_requested one, and data goes on both ways", function()
      local h, port = console_server("-tls1_3")
      local events = {}
      local conn = connect(port, { trace = function(ev)
         if ev.message == "KeyUpdate" then events[#events + 1] = ev.direction .. " " .. ev.request_update end
      end })
      command("k")
      command("first")
      assert.equal("first", conn:receive("*l"))
      command("K")
      command("second")
      assert.equal("second", conn:receive("*l"))
      assert(conn:send("from the client\n"))
      proc.wait_output(h, "from the client", 5)
      assert.same({ "receive update_not_requested", "receive update_requested", "send update_not_requested" }, events)
      local _, received = h:output():gsub("<<< TLS 1.3, Handshake %[length 0005%], KeyUpdate", "")
      assert.equal(1, received, h:output())
      conn:close()
   end)

   it("answers a TLS 1.2 HelloRequest with a no_renegotiation warning; openssl's ending is reported, nothing hangs", function()
      local h, port = console_server("-tls1_2")
      local conn = connect(port)
      assert.equal("TLSv1.2", conn:info().version)
      command("R")
      command("after the request")
      -- The data behind the HelloRequest still arrives.
      assert.equal("after the request", conn:receive("*l"))
      -- OpenSSL's server does not go on without renegotiating: handshake_failure.
      conn:send("more\n")
      local t0 = socket.gettime()
      local line, err = conn:receive("*l")
      assert.is_nil(line)
      assert.equal("peer sent alert handshake_failure (40)", err)
      assert.truthy(socket.gettime() - t0 < 5)
      proc.wait_output(h, "<<< TLS 1.2, Alert %[length 0002%], warning no_renegotiation", 5)
      assert.falsy(h:output():find(">>> TLS 1.2, Handshake", h:output():find("no_renegotiation", 1, true), true),
         "no handshake message from openssl after our refusal:\n" .. h:output())
   end)
end)

describe("conformance 14: our client against unusual gnutls-serv priorities", function()
   after_each(proc.kill_all)

   local function gnutls_serv(priority, cert, extra)
      return peers.gnutls_serv(string.format("--echo --priority '%s' %s", priority, extra or ""), cert or E)
   end

   local function echo(port, ctx_extra)
      local conn = connect(port, ctx_extra)
      assert(conn:send("hello gnutls\n"))
      assert.equal("hello gnutls", conn:receive("*l"))
      local long = string.rep("0123456789", 4000)
      assert(conn:send(long .. "\n"))
      assert.equal(long, conn:receive("*l"))
      local info = conn:info()
      conn:close()
      return info
   end

   it("talks to NORMAL:%COMPAT", function()
      local _, port = gnutls_serv("NORMAL:%COMPAT")
      assert.equal("TLSv1.3", echo(port).version)
   end)

   -- gnutls-serv (and s_server -tls1_2) warn unrecognized_name before their
   -- ServerHello for a name they do not serve; review14 takes it as a warning.
   for _, v in ipairs { { "NORMAL", "TLSv1.3" }, { "NORMAL:-VERS-TLS1.3", "TLSv1.2" } } do
      it("goes on after a warning unrecognized_name before the ServerHello (" .. v[2] .. ")", function()
         local _, port = gnutls_serv(v[1], nil, "--sni-hostname other.example")
         assert.equal(v[2], echo(port).version)
      end)
   end

   it("retries with secp256r1 when %SERVER_PRECEDENCE puts it before our x25519 share", function()
      local _, port = gnutls_serv("NORMAL:%SERVER_PRECEDENCE:-CIPHER-ALL:+CHACHA20-POLY1305:+AES-128-GCM")
      local info = echo(port)
      assert.is_true(info.hello_retry)
      assert.equal("secp256r1", info.group)
      assert.equal("TLS_CHACHA20_POLY1305_SHA256", info.cipher)
   end)

   it("retries to secp384r1 when x448 and secp521r1 come first and we offer neither", function()
      local _, port = gnutls_serv("NORMAL:-GROUP-ALL:+GROUP-X448:+GROUP-SECP521R1:+GROUP-SECP384R1")
      local info = echo(port)
      assert.is_true(info.hello_retry)
      assert.equal("secp384r1", info.group)
   end)

   it("talks TLS 1.2 with only CHACHA20-POLY1305, and with 512-byte records", function()
      local _, port = gnutls_serv("NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+CHACHA20-POLY1305", nil, "--recordsize 512")
      local info = echo(port)
      assert.equal("TLSv1.2", info.version)
      assert.equal("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", info.cipher)
   end)

   it("talks TLS 1.2 %NO_EXTENSIONS with RSA key transport and require_ems = false", function()
      local _, port = gnutls_serv("NORMAL:-VERS-ALL:+VERS-TLS1.2:%NO_EXTENSIONS", R)
      local info = echo(port, { require_ems = false, ciphers = "AES128-GCM-SHA256" })
      assert.equal("TLS_RSA_WITH_AES_128_GCM_SHA256", info.cipher)
      assert.is_false(info.extended_master_secret)
   end)

   it("refuses TLS 1.2 %NO_EXTENSIONS by default, naming require_ems", function()
      local _, port = gnutls_serv("NORMAL:-VERS-ALL:+VERS-TLS1.2:%NO_EXTENSIONS")
      local conn, err = tls.connect("127.0.0.1", port, client_ctx(), { servername = "localhost", timeout = 10 })
      assert.is_nil(conn)
      assert.matches("require_ems = false", err)
   end)

   it("reads a TLS 1.2 server signing with rsa_pkcs1_sha384 only", function()
      local _, port = gnutls_serv("NORMAL:-VERS-ALL:+VERS-TLS1.2:-SIGN-ALL:+SIGN-RSA-SHA384", R)
      assert.equal("rsa_pkcs1_sha384", echo(port).signature)
   end)
end)
