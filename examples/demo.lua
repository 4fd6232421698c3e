-- A TLS 1.3 handshake, step by step.
--   lua5.4 examples/demo.lua
-- Makes a throwaway certificate, starts examples/echo_server.lua with it in
-- another process, connects to it, and explains every message as it passes.
--
-- The classic TLS 1.2 handshake with RSA key transport, step by step:
--   lua5.4 examples/demo.lua --tls12-rsa
-- Client and server run in this process (tls.engine, no sockets), so that
-- both sides' steps and the bytes of a protected record can be shown.
local here = arg[0]:match("^(.*)/examples/[^/]*$") or "."
package.path = here .. "/lua/?.lua;" .. package.path
package.cpath = here .. "/build/?.so;" .. package.cpath
local tls = require "tls"

-- ---------------------------------------------------------------------------
-- --tls12-rsa: TLS 1.2 with RSA key transport (RFC 5246), both sides shown.
-- ---------------------------------------------------------------------------
local EXPLAIN12 = {
   ClientHello = "the client says hello: the highest version it speaks (TLS 1.2 here), the cipher suites\n"
      .. "it accepts, and client_random, 32 fresh random bytes that go into every key of this connection",
   ServerHello = "the server picks the version and the cipher suite, and sends server_random, its own 32\n"
      .. "fresh random bytes. TLS_RSA_WITH_AES_128_GCM_SHA256 means: RSA key transport (the client will\n"
      .. "encrypt the secret to the server's RSA key), AES-128-GCM for records, SHA-256 for the PRF",
   Certificate = "the server's certificate: its RSA public key and the names it may use, signed by an issuer.\n"
      .. "The client checks the chain up to a CA it trusts and that the name matches the one it asked for",
   ServerKeyExchange = "the server's signed Diffie-Hellman share (ECDHE suites only; RSA key transport has none)",
   ServerHelloDone = "the server has said all it has to say for now; the client's turn",
   ClientKeyExchange = "the client makes the premaster secret (48 bytes: the version it offered, then 46 random\n"
      .. "bytes), encrypts it with the RSA public key from the server's certificate (PKCS#1 v1.5) and\n"
      .. "sends it: only the holder of the certificate's private key can read it",
   ChangeCipherSpec = "from the next record on, this side's records are protected with the new session keys",
   Finished = "a checksum (12 bytes, PRF over the hash of every handshake message) keyed with the master\n"
      .. "secret: proof that this side knows the keys and that no message was changed on the way",
   Alert = "an alert: a notice about the connection; close_notify is a clean goodbye",
}

local function explain12_key(message)
   if message == "premaster secret" then
      return "the secret both sides will share; with RSA key transport the client makes it alone, and the\n"
         .. "server learns it by decrypting the ClientKeyExchange with its private key"
   elseif message == "master secret" then
      return "48 bytes computed from the premaster on each side, never sent. Classic TLS 1.2 mixes in\n"
         .. "client_random + server_random; with the extended master secret (RFC 7627), used here, it mixes\n"
         .. "in the hash of the whole handshake so far instead, which ties the keys to this very handshake"
   elseif message == "key block" then
      return "key_block = PRF(master_secret, \"key expansion\", server_random + client_random), cut into the\n"
         .. "client's write key and IV and the server's write key and IV (the session keys)"
   elseif message:find("write key") then
      return "from now on, what this side sends is encrypted with its write key"
   elseif message:find("read key") then
      return "from now on, what this side receives is decrypted with the peer's write key"
   end
   return "a step of the key schedule"
end

local function hex(bytes, from, to)
   return (bytes:sub(from, to):gsub(".", function(ch) return string.format("%02x ", ch:byte()) end)):gsub(" $", "")
end

local function tls12_rsa_walkthrough()
   print("TLS 1.2 with RSA key transport, step by step (client and server in this process).\n")

   -- A throwaway RSA certificate: RSA key transport encrypts to an RSA key.
   local cert, key = assert(tls.selfsigned { names = { "localhost" }, key = "rsa", days = 1 })
   print("The server has a fresh self-signed RSA-2048 certificate for \"localhost\"; the client trusts exactly it.\n")

   local step = 0
   local function tracer(side)
      return function(ev)
         step = step + 1
         if ev.direction == "key" then
            print(string.format("%2d. %s computes: %s", step, side, ev.message))
            print("    " .. explain12_key(ev.message):gsub("\n", "\n    "))
         else
            local other = side == "client" and "server" or "client"
            local arrow = ev.direction == "send" and (side .. " -> " .. other) or (other .. " -> " .. side)
            print(string.format("%2d. %s  %s  (%s by the %s)", step, arrow, ev.message,
               ev.direction == "send" and "sent" or "received", side))
            -- Each message is explained once, where it is sent.
            if ev.direction == "send" then
               print("    " .. (EXPLAIN12[ev.message] or "a handshake message"):gsub("\n", "\n    "))
            end
         end
         for _, pair in ipairs(ev.fields or {}) do
            if pair[2] ~= "" then print(string.format("      %-26s %s", pair[1], pair[2])) end
         end
         print()
      end
   end

   local suite = "TLS_RSA_WITH_AES_128_GCM_SHA256"
   -- RSA key transport is off by default: naming it in `ciphers` turns it on.
   local sctx = assert(tls.context { mode = "server", certificate = cert, key = key, ciphers = suite,
      trace = tracer("server") })
   local cctx = assert(tls.context { mode = "client", ca = cert, ciphers = suite, max_version = "TLSv1.2",
      trace = tracer("client") })
   local client = assert(tls.engine(cctx, { servername = "localhost" }))
   local server = assert(tls.engine(sctx))

   -- What an onlooker sees of a flight: the hellos' randoms and the
   -- encrypted premaster travel in the clear. Offsets: record header (5),
   -- handshake header (4), then the message body.
   local function on_the_wire(bytes)
      if bytes:byte(1) ~= 22 then return end
      local kind = bytes:byte(6)
      if kind == 1 or kind == 2 then
         -- client_version or server_version (2), then random (32)
         print("      on the wire, " .. (kind == 1 and "client_random: " or "server_random: ") .. hex(bytes, 12, 27))
         print("                                  " .. hex(bytes, 28, 43))
         if kind == 2 and bytes:sub(36, 43) == "DOWNGRD\1" then
            print("      (its last 8 bytes spell \"DOWNGRD\" 01: this server also speaks TLS 1.3 and says it chose\n"
               .. "      TLS 1.2 because the client asked for it; a TLS 1.3 client would refuse it, RFC 8446 4.1.3)")
         end
      elseif kind == 16 then
         -- ClientKeyExchange: a 2-byte length, then the RSA ciphertext
         local n = bytes:byte(10) * 256 + bytes:byte(11)
         print(string.format("      on the wire, the encrypted premaster (%d bytes): %s ...", n, hex(bytes, 12, 27)))
      end
   end

   -- The "network": bytes taken from one engine's output and fed to the other.
   local function move(from, to, name)
      local bytes = from:output()
      if #bytes == 0 then return false end
      print(string.format("    [network: %d bytes from the %s]", #bytes, name))
      on_the_wire(bytes)
      print()
      local ok, err = to:feed(bytes)
      if not ok then
         print("handshake failed: " .. err)
         os.exit(1)
      end
      return true
   end
   assert(client:start())
   for _ = 1, 10 do
      local moved = move(client, server, "client")
      moved = move(server, client, "server") or moved
      if not moved and client:status().handshake_done and server:status().handshake_done then break end
   end
   assert(client:status().handshake_done and server:status().handshake_done, "the handshake did not finish")

   local info = client:info()
   print("Handshake complete.")
   print("  version:            " .. info.version)
   print("  cipher suite:       " .. info.cipher)
   print("  key exchange:       " .. tostring(info.key_exchange) .. "  (the premaster went to the server encrypted)")
   print("  extended master secret (RFC 7627): " .. (info.extended_master_secret and "yes: the master secret\n"
      .. "    is bound to this handshake's transcript, not only to the two randoms" or "no"))
   if info.peer_certificate then
      print("  server certificate: " .. info.peer_certificate.subject .. ", SHA-256 " .. info.peer_certificate.sha256)
   end
   print()

   -- One record protected with the session keys.
   local message = "Hello over TLS 1.2!"
   assert(client:write(message))
   local record = client:output()
   print(string.format("client -> server: \"%s\" (%d bytes) as one record of %d bytes:", message, #message, #record))
   print("  header (5, in the clear):          " .. hex(record, 1, 5))
   print(string.format("      type %d = application_data, version %02x%02x = TLS 1.2, length %d",
      record:byte(1), record:byte(2), record:byte(3), record:byte(4) * 256 + record:byte(5)))
   print("  explicit nonce (8, in the clear):  " .. hex(record, 6, 13))
   print("      with the 4-byte IV from the key block it makes AES-GCM's 12-byte nonce; this engine uses\n"
      .. "      the record's sequence number (the client's Finished was record 0)")
   print(string.format("  %-34s %s", "ciphertext (" .. #message .. "):", hex(record, 14, 13 + #message)))
   print("      the message encrypted with the client's write key")
   print("  tag (16):                          " .. hex(record, 14 + #message))
   print("      authenticates the ciphertext and the header (with the record's sequence number)")
   assert(server:feed(record))
   print("server decrypts it with the same key and reads: \"" .. server:read() .. "\"")
end

if arg[1] == "--tls12-rsa" then
   tls12_rsa_walkthrough()
   return
elseif arg[1] ~= nil then
   io.stderr:write("usage: lua5.4 examples/demo.lua [--tls12-rsa]\n")
   os.exit(2)
end

-- ---------------------------------------------------------------------------
-- Default: TLS 1.3 (make demo).
-- ---------------------------------------------------------------------------

local EXPLAIN = {
   ClientHello = "the client says hello: the TLS versions, cipher suites, key-exchange groups and\n"
      .. "signature schemes it supports, and its half of a Diffie-Hellman key exchange (a key share)",
   HelloRetryRequest = "the server wants a key share on another group, so the client must say hello again",
   ServerHello = "the server picks a version, cipher suite and group and sends its own key share;\n"
      .. "both sides can now compute the same secret, which nobody watching the wire can compute",
   ChangeCipherSpec = "a placeholder kept only so that old middleboxes let TLS 1.3 through; it means nothing",
   EncryptedExtensions = "the server's other answers to the client's requests, already encrypted",
   Certificate = "the server's certificate: its public key and the names it may use, signed by an issuer",
   CertificateVerify = "the server signs everything said so far with the certificate's private key:\n"
      .. "proof that it really owns that certificate",
   Finished = "a checksum of the whole handshake keyed with the shared secret:\n"
      .. "proof that no message was changed on the way",
   NewSessionTicket = "a ticket the client could show next time to resume without a full handshake",
   Alert = "an alert: a notice about the connection; close_notify is a clean goodbye",
}

-- The key schedule reports each step as a "key" event.
local function explain_key(step_name)
   if step_name:find("read") then
      return "from now on, what the server sends is decrypted with a new key"
   elseif step_name:find("write") then
      return "from now on, what the client sends is encrypted with a new key"
   end
   return "the key schedule derives the next secret (no key changes yet)"
end

local step = 0
local function trace(ev)
   step = step + 1
   if ev.direction == "key" then
      print(string.format("%2d. key schedule: %s", step, ev.message))
      print("    " .. explain_key(ev.message))
   else
      local arrow = ev.direction == "send" and "client -> server" or "server -> client"
      print(string.format("%2d. %s  %s", step, arrow, ev.message))
      print("    " .. (EXPLAIN[ev.message] or "a handshake message"):gsub("\n", "\n    "))
   end
   for _, pair in ipairs(ev.fields or {}) do
      print(string.format("      %-20s %s", pair[1], tostring(pair[2])))
   end
   print()
end

-- 1. A throwaway certificate for this demo only.
local cert, key = assert(tls.selfsigned { names = { "localhost", "127.0.0.1" }, key = "ec", days = 1 })
local cert_file, key_file = os.tmpname(), os.tmpname()
for file, text in pairs { [cert_file] = cert, [key_file] = key } do
   local f = assert(io.open(file, "w"))
   f:write(text)
   f:close()
end

-- 2. The server, in another process, serving one connection.
local lua = "lua5.4"
do local i = -1; while arg[i] do lua = arg[i]; i = i - 1 end end
local function q(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local server = assert(io.popen(string.format("LUA_PATH=%s LUA_CPATH=%s timeout 30 %s %s 127.0.0.1 0 1",
   q(package.path), q(package.cpath), lua, q(here .. "/examples/echo_server.lua") .. " " .. q(cert_file) .. " " .. q(key_file))))
local listening = server:read("l")
-- The server has read its certificate and key once it listens: the files
-- go now, before anything below can fail and leave them in /tmp.
os.remove(cert_file)
os.remove(key_file)
local port = tonumber(assert(listening, "the server did not start"):match("port (%d+)"))
print("A TLS 1.3 server is listening on 127.0.0.1 port " .. port .. ".\n")

-- 3. The client: trusts exactly that certificate, and explains each step.
local ctx = assert(tls.context { mode = "client", ca = cert, trace = trace })
local conn, err = tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 })
if not conn then
   print("handshake failed: " .. err)
else
   local info = conn:info()
   print("Handshake complete.")
   print("  version:            " .. info.version)
   print("  cipher suite:       " .. info.cipher .. "  (encrypts and authenticates every record)")
   print("  key exchange group: " .. info.group .. (info.hello_retry and "  (after a retry)" or ""))
   print("  server signature:   " .. tostring(info.signature))
   if info.peer_certificate then
      print("  server certificate: " .. info.peer_certificate.subject .. ", SHA-256 " .. info.peer_certificate.sha256)
   end
   print()

   local message = "Hello over TLS 1.3!"
   print("client -> server (encrypted): " .. message)
   conn:send(message .. "\n")
   print("server -> client (encrypted): " .. tostring(conn:receive("*l")))
   conn:close()
end

server:close()
