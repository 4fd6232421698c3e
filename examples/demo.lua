-- A TLS 1.3 handshake, step by step.
--   lua5.4 examples/demo.lua
-- Makes a throwaway certificate, starts examples/echo_server.lua with it in
-- another process, connects to it, and explains every message as it passes.
local here = arg[0]:match("^(.*)/examples/[^/]*$") or "."
package.path = here .. "/lua/?.lua;" .. package.path
package.cpath = here .. "/build/?.so;" .. package.cpath
local tls = require "tls"

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
local port = tonumber(server:read("l"):match("port (%d+)"))
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
os.remove(cert_file)
os.remove(key_file)
