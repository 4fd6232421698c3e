-- verify = function(chain, ok, reason): the application's last word on the
-- peer's chain. Our client against openssl s_server and our own server,
-- TLS 1.3 and TLS 1.2; the server form (a client certificate required)
-- needs the server side of mutual TLS.
local tls = require "tls"
local E = require "spec.support.engines"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"

local c = certs.get()

local function s_server(version, pair)
   pair = pair or c.chain
   return peers.s_server(string.format("-www %s -cert %s -key %s %s", version == "TLSv1.3" and "-tls1_3" or "-tls1_2",
      pair.leaf or pair.cert, pair.key, pair.inter and ("-cert_chain " .. pair.inter) or ""))
end

local function connect(port, opts)
   return tls.connect("127.0.0.1", port, E.merge({ ca = c.ca }, opts), { servername = "localhost", timeout = 10 })
end

for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
   describe("verify function (" .. version .. ")", function()
      after_each(proc.kill_all)

      it("sees the chain as sent (2 certificates), ok = true and no reason", function()
         local _, port = s_server(version)
         local calls = {}
         local conn = assert(connect(port, { verify = function(chain, ok, reason)
            calls[#calls + 1] = { chain = chain, ok = ok, reason = reason, n = select("#", chain, ok, reason) }
            return true
         end }))
         assert.equal(version, conn:info().version)
         assert.equal(1, #calls)
         local call = calls[1]
         assert.equal(2, #call.chain)
         assert.is_true(call.ok)
         assert.is_nil(call.reason)
         assert.equal("CN=localhost", call.chain[1]:subject())
         assert.equal("CN=luatls test intermediate CA", call.chain[2]:subject())
         assert.equal(tls.certificate(proc.read_file(c.chain.leaf)), call.chain[1])
         assert.equal(tls.certificate(proc.read_file(c.chain.inter)), call.chain[2])
         -- The same objects after the handshake.
         assert.equal(call.chain[1], conn:peercertificate())
         local chain = conn:peerchain()
         assert.equal(2, #chain)
         assert.equal(call.chain[2], chain[2])
         conn:close()
      end)

      it("rejects with its reason; s_server hears bad certificate", function()
         local h, port = s_server(version)
         local conn, err = connect(port, { verify = function() return false, "not on my list" end })
         assert.is_nil(conn)
         assert.equal("certificate rejected by the verify function: not on my list", err)
         proc.sleep(0.2)
         assert.matches("alert bad certificate", h:output())
      end)

      it("rejects on false or nil without a reason, and on anything but true", function()
         local _, port = s_server(version)
         local cases = {
            { function() return false end, "it returned false" },
            { function() end, "it returned nil" },
            { function() return "yes" end, "it returned a string, not true" },
            { function() return 1 end, "it returned a number, not true" },
         }
         for _, case in ipairs(cases) do
            local conn, err = connect(port, { verify = case[1] })
            assert.is_nil(conn)
            assert.equal("certificate rejected by the verify function: " .. case[2], err)
         end
      end)

      it("an error inside the function rejects with the error's text", function()
         local _, port = s_server(version)
         local conn, err = connect(port, { verify = function() error("boom", 0) end })
         assert.is_nil(conn)
         assert.equal("certificate rejected by the verify function: boom", err)
         conn, err = connect(port, { verify = function() error({}) end })
         assert.is_nil(conn)
         assert.equal("certificate rejected by the verify function: (error object is a table)", err)
         conn, err = connect(port, { verify = function()
            error(setmetatable({}, { __tostring = function() return "no such user" end }))
         end })
         assert.is_nil(conn)
         assert.equal("certificate rejected by the verify function: no such user", err)
      end)

      it("gets libcrypto's verdict on an untrusted chain and may accept it", function()
         local _, port = s_server(version, c.untrusted)
         local seen
         local conn = assert(connect(port, { verify = function(chain, ok, reason)
            seen = { n = #chain, ok = ok, reason = reason }
            return true
         end }))
         assert.equal(1, seen.n)
         assert.is_false(seen.ok)
         assert.equal("unknown certificate authority (issuer: CN=luatls untrusted CA)", seen.reason)
         conn:close()
      end)

      it("gets the host name mismatch as its verdict", function()
         local _, port = s_server(version, c.wronghost)
         local seen
         local conn, err = connect(port, { verify = function(_, ok, reason)
            seen = { ok = ok, reason = reason }
            return ok
         end })
         assert.is_nil(conn)
         assert.is_false(seen.ok)
         assert.equal("host name mismatch: expected localhost, certificate is for wrong.example", seen.reason)
         assert.equal("certificate rejected by the verify function: it returned false", err)
      end)

      it("raises when a connection method is called from inside it", function()
         local _, port = s_server(version)
         -- a wrapped socket, so that the function can see the connection
         local socket = require "socket"
         local sock = assert(socket.connect("127.0.0.1", port))
         local conn
         local inner
         conn = assert(tls.wrap(sock, { ca = c.ca, verify = function()
            inner = { pcall(conn.send, conn, "x") }
            return true
         end }, { servername = "localhost", timeout = 10 }))
         assert(conn:handshake())
         assert.is_false(inner[1])
         assert.matches("cannot be called from the connection's own callbacks", inner[2])
         conn:close()
      end)

      it("works on engines: our client and server in one process", function()
         local seen
         local cl, sv = E.engines({ ca = c.ca, max_version = version, verify = function(chain, ok)
            seen = { #chain, ok }
            return true
         end }, { certificate = c.chain.cert, key = c.chain.key })
         assert(cl:start()); E.pump(cl, sv)
         assert.is_true(cl:status().handshake_done, (cl:error()))
         assert.same({ 2, true }, seen)
         assert.equal("CN=localhost", cl:peercertificate():subject())
         assert.equal(2, #cl:peerchain())
         -- the server saw no client certificate
         assert.is_nil(sv:peercertificate())
         assert.is_nil(sv:peerchain())
         cl, sv = E.engines({ ca = c.ca, max_version = version, verify = function() return false, "no" end },
            { certificate = c.chain.cert, key = c.chain.key })
         assert(cl:start()); E.pump(cl, sv)
         local msg, alert = cl:error()
         assert.equal("certificate rejected by the verify function: no", msg)
         assert.equal("bad_certificate", alert)
         assert.equal("peer sent alert bad_certificate (42)", (sv:error()))
         -- nothing before the handshake, nor after a failed one
         assert.is_nil(cl:peercertificate())
      end)

      it("against our own server process", function()
         local _, port = peers.luatls_server { cert = c.chain.cert, key = c.chain.key, max_version = version }
         local n
         local conn = assert(connect(port, { verify = function(chain, ok) n = #chain; return ok end }))
         assert.equal(2, n)
         conn:close()
         local bad, err = connect(port, { verify = function() return nil, "policy" end })
         assert.is_nil(bad)
         assert.equal("certificate rejected by the verify function: policy", err)
      end)

      -- Needs the server side of mutual TLS (verify = "required"): the
      -- server's function sees the client's chain.
      it("on a server: requires a client certificate and gives it to the function", function()
         local m = certs.clients()
         local seen
         local sctx = assert(tls.context { mode = "server", certificate = c.chain.cert, key = c.chain.key, ca = m.ca,
            verify = function(chain, ok, reason) seen = { #chain, ok, reason, chain[1]:subject() }; return true end })
         local cctx = assert(tls.context { ca = c.ca, certificate = m.ecdsa.cert, key = m.ecdsa.key,
            max_version = version })
         local cl = assert(tls.engine(cctx, { servername = "localhost" }))
         local sv = assert(tls.engine(sctx))
         assert(cl:start()); E.pump(cl, sv)
         assert.is_true(sv:status().handshake_done, (sv:error()))
         assert.same({ 1, true, nil, "CN=luatls client" }, seen)
         assert.equal("CN=luatls client", sv:peercertificate():subject())
      end)
   end)
end
