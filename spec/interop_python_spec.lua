-- Interoperability with Python's ssl module (OpenSSL's libssl underneath,
-- but configured the way Python applications use it).
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"

local c = certs.get()

-- Serves connections one after another: reads a line and answers
-- "<version> <cipher> <line>". Prints "ready <port>" once listening.
local PY_SERVER = [[
import socket, ssl, sys
cert, key = sys.argv[1], sys.argv[2]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.load_cert_chain(cert, key)
srv = socket.create_server(("127.0.0.1", 0))
print("ready", srv.getsockname()[1], flush=True)
while True:
    raw, _ = srv.accept()
    raw.settimeout(10)
    try:
        with ctx.wrap_socket(raw, server_side=True) as s:
            line = s.makefile("rb").readline().decode().rstrip("\n")
            s.sendall(("%s %s %s\n" % (s.version(), s.cipher()[0], line)).encode())
            print("served", s.version(), s.cipher()[0], flush=True)
    except Exception as e:
        print("failed", e, flush=True)
]]

-- Connects, sends a line, prints "<version> <cipher>" and the answer.
local PY_CLIENT = [[
import socket, ssl, sys
host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.load_verify_locations(ca)
with socket.create_connection((host, port), timeout=10) as raw:
    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
        print("negotiated", s.version(), s.cipher()[0], flush=True)
        s.sendall(b"hello from python\n")
        print("answer", s.makefile("rb").readline().decode().rstrip("\n"), flush=True)
]]

local function script(text)
   local path = os.tmpname()
   proc.write_file(path, text)
   return path
end

describe("our client against a Python ssl server", function()
   local server_py
   setup(function() server_py = script(PY_SERVER) end)
   teardown(function() os.remove(server_py) end)
   after_each(proc.kill_all)

   for _, kind in ipairs { "ecdsa_p256", "rsa2048", "ed25519" } do
      it("talks to a server with a " .. kind .. " certificate", function()
         local srv = proc.spawn(string.format("%s %s %s %s", peers.python(), server_py,
            c.leaf[kind].cert, c.leaf[kind].key))
         local port = tonumber(proc.wait_output(srv, "ready (%d+)"))
         local ctx = assert(tls.context { mode = "client", ca = c.ca })
         local conn = assert(tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 }))
         conn:settimeout(10)
         local info = conn:info()
         assert.equal("TLSv1.3", info.version)
         assert(conn:send("hello from lua\n"))
         local line, err = conn:receive("*l")
         assert.equal("TLSv1.3 " .. info.cipher .. " hello from lua", line, err)
         conn:close()
      end)
   end
end)

describe("a Python ssl client against our server", function()
   local client_py
   setup(function() client_py = script(PY_CLIENT) end)
   teardown(function() os.remove(client_py) end)
   after_each(proc.kill_all)

   for _, kind in ipairs { "ecdsa_p256", "ecdsa_p384", "rsa2048", "ed25519" } do
      it("verifies our " .. kind .. " certificate and gets its line back", function()
         local srv, port = peers.luatls_server { cert = c.leaf[kind].cert, key = c.leaf[kind].key }
         local out, code = proc.run(string.format("%s %s 127.0.0.1 %d %s", peers.python(), client_py, port, c.ca))
         assert.equal(0, code, out)
         local version, cipher = out:match("negotiated (%S+) (%S+)")
         assert.equal("TLSv1.3", version, out)
         assert.truthy(out:find("answer hello from python", 1, true), out)
         assert.truthy(srv:output():find("cipher=" .. cipher .. " ", 1, true), srv:output())
      end)
   end
end)
