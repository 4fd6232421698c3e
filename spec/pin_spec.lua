-- Public key pinning (pin = "sha256/<base64>"): our client against our
-- own server (engines in one process, and a server process) and openssl
-- s_server, TLS 1.3 and TLS 1.2.
local tls = require "tls"
local E = require "spec.support.engines"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"

local c = certs.get()

-- The pin of a certificate file as curl's documentation computes it.
local function openssl_pin(file)
   local out, code = proc.run("openssl x509 -in " .. proc.quote(file) .. " -pubkey -noout | "
      .. "openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64")
   assert(code == 0, out)
   return "sha256/" .. out:gsub("%s+$", "")
end

local LEAF_PIN = openssl_pin(c.chain.leaf)
local INTER_PIN = openssl_pin(c.chain.inter)
local ROOT_PIN = openssl_pin(c.ca)
local OTHER_PIN = openssl_pin(c.untrusted.cert)

-- c.chain's server (leaf + intermediate) against a client with `opts`.
local function handshake(opts, version, server)
   server = server or c.chain
   local o = E.merge({ ca = c.ca, max_version = version }, opts)
   if o.verify == false then o.ca = nil end -- refused: it would do nothing
   local cl, sv = E.engines(o,
      { certificate = server.cert, key = server.key })
   assert(cl:start())
   E.pump(cl, sv)
   return cl, sv
end

local function mismatch(which, pin)
   return "public key pin mismatch: no key of the " .. which .. " matches option 'pin' (the certificate's own pin is "
      .. pin .. ")"
end

describe("pin", function()
   after_each(proc.kill_all)

   it("is the openssl pipeline's hash of the SubjectPublicKeyInfo", function()
      local cert = assert(tls.certificate(proc.read_file(c.chain.leaf)))
      assert.equal(LEAF_PIN, "sha256/" .. cert:pubkey().spki_sha256)
   end)

   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      describe(version, function()
         it("accepts the leaf's pin (a single string or in a list)", function()
            local cl = handshake({ pin = LEAF_PIN }, version)
            assert.is_true(cl:status().handshake_done, (cl:error()))
            assert.equal(version, cl:info().version)
            cl = handshake({ pin = { OTHER_PIN, LEAF_PIN } }, version)
            assert.is_true(cl:status().handshake_done, (cl:error()))
         end)

         it("accepts the intermediate's and the root's pin", function()
            local cl = handshake({ pin = INTER_PIN }, version)
            assert.is_true(cl:status().handshake_done, (cl:error()))
            cl = handshake({ pin = ROOT_PIN }, version)
            assert.is_true(cl:status().handshake_done, (cl:error()))
         end)

         it("refuses a chain without a pinned key, naming the leaf's pin", function()
            local cl, sv = handshake({ pin = OTHER_PIN }, version)
            assert.is_false(cl:status().handshake_done)
            local msg, alert = cl:error()
            assert.equal(mismatch("verified chain", LEAF_PIN), msg)
            assert.equal("bad_certificate", alert)
            assert.equal("peer sent alert bad_certificate (42)", (sv:error()))
         end)

         it("accepts curl's sha256// form", function()
            local cl = handshake({ pin = LEAF_PIN:gsub("^sha256/", "sha256//") }, version)
            assert.is_true(cl:status().handshake_done, (cl:error()))
         end)

         it("with verify = false pins a self-signed server by its leaf", function()
            local cert = tls.certificate(E.CERT)
            local pin = "sha256/" .. cert:pubkey().spki_sha256
            local cl, sv = E.engines({ verify = false, pin = pin, max_version = version }, {})
            assert(cl:start()); E.pump(cl, sv)
            assert.is_true(cl:status().handshake_done, (cl:error()))
            cl, sv = E.engines({ verify = false, pin = LEAF_PIN, max_version = version }, {})
            assert(cl:start()); E.pump(cl, sv)
            assert.equal(mismatch("certificate (an unverified chain: only its leaf counts)", pin), (cl:error()))
         end)

         it("with verify = false counts only the leaf: a sent CA certificate proves nothing", function()
            local cl = handshake({ verify = false, pin = INTER_PIN }, version)
            assert.is_false(cl:status().handshake_done)
            assert.equal(mismatch("certificate (an unverified chain: only its leaf counts)", LEAF_PIN), (cl:error()))
         end)

         it("ignores pinned certificates the server adds outside the verified path", function()
            -- The server sends its leaf, then an unrelated certificate whose key is pinned.
            local dir = proc.tmpname()
            proc.write_file(dir, proc.read_file(c.leaf.ecdsa_p256.cert) .. proc.read_file(c.untrusted.cert))
            local cl = handshake({ pin = OTHER_PIN }, version, { cert = dir, key = c.leaf.ecdsa_p256.key })
            os.remove(dir)
            assert.is_false(cl:status().handshake_done)
            assert.equal(mismatch("verified chain", openssl_pin(c.leaf.ecdsa_p256.cert)), (cl:error()))
         end)

         it("against openssl s_server: accepts the pinned leaf, refuses another and s_server hears bad certificate", function()
            local flag = version == "TLSv1.3" and "-tls1_3" or "-tls1_2"
            local args = string.format("-www %s -cert %s -key %s -cert_chain %s", flag, c.chain.leaf, c.chain.key,
               c.chain.inter)
            local _, port = peers.s_server(args)
            local conn = assert(tls.connect("127.0.0.1", port, { ca = c.ca, pin = INTER_PIN },
               { servername = "localhost", timeout = 10 }))
            assert.equal(version, conn:info().version)
            conn:close()
            local h, port2 = peers.s_server(args)
            local bad, err = tls.connect("127.0.0.1", port2, { ca = c.ca, pin = OTHER_PIN },
               { servername = "localhost", timeout = 10 })
            assert.is_nil(bad)
            assert.equal(mismatch("verified chain", LEAF_PIN), err)
            proc.sleep(0.2)
            assert.matches("alert bad certificate", h:output())
         end)

         it("against our server process", function()
            local _, port = peers.luatls_server { cert = c.chain.cert, key = c.chain.key, max_version = version }
            local conn = assert(tls.connect("127.0.0.1", port, { ca = c.ca, pin = LEAF_PIN },
               { servername = "localhost", timeout = 10 }))
            assert.equal(version, conn:info().version)
            conn:close()
            local bad, err = tls.connect("127.0.0.1", port, { ca = c.ca, pin = OTHER_PIN },
               { servername = "localhost", timeout = 10 })
            assert.is_nil(bad)
            assert.equal(mismatch("verified chain", LEAF_PIN), err)
         end)
      end)
   end

   describe("malformed pins are refused at the context", function()
      local SUFFIX = ": expected \"sha256/\" followed by the base64 of the SHA-256 hash of a SubjectPublicKeyInfo (44 characters)"
      local cases = {
         { "sha1/" .. LEAF_PIN:sub(8), "it does not start with \"sha256/\"" },
         { LEAF_PIN:sub(8), "it does not start with \"sha256/\"" },
         { "sha256/abc", "wrong length" },
         { "sha256/" .. ("A"):rep(43) .. "A", "not base64 of 32 bytes" },
         { "sha256/" .. ("A"):rep(42) .. "!=", "not base64" },
         -- libcrypto's decoder takes a '=' in the middle
         { "sha256/" .. ("A"):rep(21) .. "=" .. ("A"):rep(21) .. "=", "not base64" },
         { "", "it does not start with \"sha256/\"" },
      }
      for _, case in ipairs(cases) do
         it(string.format("%q", case[1]), function()
            local ctx, err = tls.context { ca = c.ca, pin = case[1] }
            assert.is_nil(ctx)
            assert.equal("pin: '" .. case[1] .. "' is not a pin (" .. case[2] .. ")" .. SUFFIX, err)
         end)
      end

      -- A hash whose base64 starts with '/' (1 key in 64) is "sha256//...":
      -- ours by its length, not curl's "sha256//" prefix.
      it("takes a pin whose base64 starts with '/', and curl's form of it", function()
         local slash = "sha256//" .. ("A"):rep(42) .. "="
         assert(tls.context { ca = c.ca, pin = slash })
         assert(tls.context { ca = c.ca, pin = "sha256//" .. slash:sub(8) })
      end)

      it("wrong types, an empty list, and a server without verification", function()
         assert.same({ nil, "option 'pin' must be a pin \"sha256/<base64>\" or a non-empty list of them (got an empty table)" },
            { tls.context { ca = c.ca, pin = {} } })
         assert.same({ nil, "option 'pin' must be a pin \"sha256/<base64>\" or a non-empty list of them (got number)" },
            { tls.context { ca = c.ca, pin = 5 } })
         assert.same({ nil, "option 'pin': entry 2 must be a string (got boolean)" },
            { tls.context { ca = c.ca, pin = { LEAF_PIN, true } } })
         assert.same({ nil, "option 'pin' checks client certificates: it needs 'verify' on a server" },
            { tls.context { mode = "server", certificate = c.chain.cert, key = c.chain.key, pin = LEAF_PIN } })
      end)
   end)
end)
