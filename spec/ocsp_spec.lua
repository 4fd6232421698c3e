-- OCSP stapling (RFC 6066 section 8; RFC 8446 4.4.2.1): our server staples
-- responses made by `openssl ocsp` (spec/support/certs_ocsp.lua) to openssl
-- s_client, our client judges what openssl s_server, gnutls-serv and our own
-- server staple, in TLS 1.3 and TLS 1.2; then scripted peers misbehave.
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"
local P = require "spec.support.tlsbytes_post"
local T = require "spec.support.tls12_peer"

local o = require("spec.support.certs_ocsp").get()

local VERSIONS = { "TLSv1.3", "TLSv1.2" }
local STATUS_REQUEST = 5
local CERTIFICATE_STATUS = 22
local ASK_OCSP = "\1\0\0\0\0" -- status_type ocsp, no responder ids, no extensions

-- A client context trusting o.ca.
local function client_ctx(opts)
   return assert(tls.context(E.merge({ mode = "client", ca = o.ca }, opts)))
end

local function server_ctx(leaf, opts)
   return assert(tls.context(E.merge({ mode = "server", certificate = leaf.cert, key = leaf.key }, opts)))
end

-- Our client and our server in one process: (client, server) after the handshake (which may have failed).
local function pair(client_opts, leaf, server_opts)
   local c = assert(tls.engine(client_ctx(client_opts), { servername = "localhost" }))
   local s = assert(tls.engine(server_ctx(leaf, server_opts)))
   assert(c:start())
   E.pump(c, s)
   return c, s
end

-- The events of `message` recorded by a trace list.
local function events(list, message)
   local out = {}
   for _, ev in ipairs(list) do
      if ev.message == message then out[#out + 1] = ev end
   end
   return out
end

describe("OCSP options", function()
   it("loads a server's response from a file or from its DER bytes", function()
      assert(server_ctx(o.good, { ocsp = o.resp.good }))
      assert(server_ctx(o.good, { ocsp = o.der.good }))
   end)

   it("refuses a server response that cannot be read or is not a successful OCSP response", function()
      local ctx, err = tls.context { mode = "server", certificate = o.good.cert, key = o.good.key,
                                    ocsp = "/nonexistent/resp.der" }
      assert.is_nil(ctx)
      assert.equal("ocsp: cannot read /nonexistent/resp.der: No such file or directory", err)
      ctx, err = tls.context { mode = "server", certificate = o.good.cert, key = o.good.key, ocsp = "\48\0\1\2" }
      assert.is_nil(ctx)
      assert.equal("ocsp: not a DER OCSP response (RFC 6960 OCSPResponse)", err)
      -- Truncated: the DER of a response less its last byte.
      ctx, err = tls.context { mode = "server", certificate = o.good.cert, key = o.good.key,
                               ocsp = o.der.good:sub(1, -2) }
      assert.is_nil(ctx)
      assert.equal("ocsp: not a DER OCSP response (RFC 6960 OCSPResponse)", err)
      -- rfc6960#4.2.1: OCSPResponse { responseStatus tryLater (3) }, nothing to staple.
      local path = proc.tmpname()
      proc.write_file(path, "\48\3\10\1\3")
      ctx, err = tls.context { mode = "server", certificate = o.good.cert, key = o.good.key, ocsp = path }
      os.remove(path)
      assert.is_nil(ctx)
      assert.equal("ocsp: " .. path .. ": the OCSP response says 'trylater', not 'successful': nothing to staple",
         err)
   end)

   it("refuses values that do not fit the side", function()
      local ctx, err = tls.context { mode = "server", certificate = o.good.cert, key = o.good.key, ocsp = true }
      assert.is_nil(ctx)
      assert.equal("option 'ocsp = true' is a client's setting (true asks the server for a stapled OCSP "
         .. "response, \"require\" also insists on a good one); a server staples a response instead: its "
         .. "'ocsp' is the DER response's file, its bytes, or a function returning them", err)
      ctx, err = tls.context { ocsp = "yes" }
      assert.is_nil(ctx)
      assert.equal("option 'ocsp': on a client it is true (ask for a stapled OCSP response), \"require\" (and "
         .. "insist on a good one) or false (got \"yes\")", err)
      ctx, err = tls.context { ocsp = true, verify = false }
      assert.is_nil(ctx)
      assert.equal("option 'ocsp' checks the server's certificate, which 'verify = false' leaves unchecked", err)
   end)
end)

describe("OCSP stapling between our client and our server", function()
   for _, v in ipairs(VERSIONS) do
      describe(v, function()
         it("reports a good response with its dates, and traces both sides", function()
            local ctrace, cev = E.traced({ ocsp = true, max_version = v })
            local strace, sev = E.traced({ ocsp = o.resp.good })
            local c, s = pair(ctrace, o.good, strace)
            assert.is_true(c:status().handshake_done, tostring(c:error()))
            assert.is_true(s:status().handshake_done, tostring(s:error()))
            local info = c:info()
            assert.equal("good", info.ocsp.status)
            assert.is_true(math.type(info.ocsp.this_update) == "integer")
            -- -ndays 1: nextUpdate a day after thisUpdate
            assert.equal(86400, info.ocsp.next_update - info.ocsp.this_update)
            assert.truthy(math.abs(info.ocsp.this_update - os.time()) < 3600)
            assert.is_nil(info.ocsp.reason)
            assert.is_nil(s:info().ocsp)
            local decided = events(cev, "ocsp")
            assert.equal(1, #decided)
            assert.equal("decide", decided[1].direction)
            assert.equal("good", decided[1].status)
            assert.equal("continue", decided[1].action)
            local staple = events(sev, "ocsp")[1]
            assert.equal(#o.der.good .. " bytes", staple.staple)
            if v == "TLSv1.3" then
               assert.equal(#o.der.good .. " bytes, in the leaf's status_request", events(sev, "Certificate")[1].ocsp_staple)
               assert.equal(#o.der.good .. " bytes, in the leaf's status_request", events(cev, "Certificate")[1].ocsp_staple)
               assert.equal(0, #events(cev, "CertificateStatus"))
            else
               assert.equal(#o.der.good .. " bytes", events(sev, "CertificateStatus")[1].ocsp_response)
               assert.equal("receive", events(cev, "CertificateStatus")[1].direction)
            end
         end)

         it("accepts a response signed by the CA itself, and finds the issuer in the chain sent", function()
            local c = pair({ ocsp = "require", max_version = v }, { cert = o.good.chain, key = o.good.key },
               { ocsp = o.resp.good_by_ca })
            assert.is_true(c:status().handshake_done, tostring(c:error()))
            assert.equal("good", c:info().ocsp.status)
         end)

         it("staples what a function returns, called only when the client asks", function()
            local calls = 0
            local fn = function() calls = calls + 1; return o.der.good end
            local c = pair({ ocsp = "require", max_version = v }, o.good, { ocsp = fn })
            assert.is_true(c:status().handshake_done, tostring(c:error()))
            assert.equal("good", c:info().ocsp.status)
            assert.equal(1, calls)
            c = pair({ max_version = v }, o.good, { ocsp = fn })
            assert.is_true(c:status().handshake_done, tostring(c:error()))
            assert.is_nil(c:info().ocsp)
            assert.equal(1, calls)
         end)

         it("staples nothing when the function returns nil: 'none', and \"require\" fails", function()
            local c = pair({ ocsp = true, max_version = v }, o.good, { ocsp = function() return nil end })
            assert.is_true(c:status().handshake_done, tostring(c:error()))
            assert.equal("none", c:info().ocsp.status)
            c = pair({ ocsp = "require", max_version = v }, o.good, { ocsp = function() return nil end })
            local msg, alert = c:error()
            assert.equal("ocsp = \"require\": the server stapled no OCSP response", msg)
            assert.equal("bad_certificate_status_response", alert)
         end)

         it("fails the server when the function fails or returns something else than a response", function()
            local _, s = pair({ ocsp = true, max_version = v }, o.good, { ocsp = function() error("no cache") end })
            local msg, alert = s:error()
            assert.equal("internal_error", alert)
            assert.truthy(msg:match("^ocsp function: .*no cache$"), msg)
            _, s = pair({ ocsp = true, max_version = v }, o.good, { ocsp = function() return "\0garbage" end })
            msg, alert = s:error()
            assert.equal("internal_error", alert)
            assert.equal("ocsp function: not a DER OCSP response (RFC 6960 OCSPResponse)", msg)
            _, s = pair({ ocsp = true, max_version = v }, o.good, { ocsp = function() return 42 end })
            assert.equal("ocsp function must return the DER OCSP response (a string) or nil, not a number",
               (s:error()))
         end)

         it("keeps today's hello when not asked: no status_request, no staple, no info().ocsp", function()
            local strace, sev = E.traced({ ocsp = o.resp.good })
            local c = pair({ max_version = v }, o.good, strace)
            assert.is_true(c:status().handshake_done, tostring(c:error()))
            assert.is_nil(c:info().ocsp)
            assert.equal(0, #events(sev, "ocsp"))
            assert.equal(0, #events(sev, "CertificateStatus"))
         end)

         it("has no info().ocsp when the handshake failed before judging the certificate", function()
            local c = assert(tls.engine(client_ctx { ocsp = true, max_version = v }, { servername = "wrong.example" }))
            local s = assert(tls.engine(server_ctx(o.good, { ocsp = o.resp.good })))
            assert(c:start())
            E.pump(c, s)
            assert.truthy((c:error()):match("^host name mismatch"), (c:error()))
            assert.is_nil(c:info().ocsp)
         end)

         it("fails on a revoked certificate even without \"require\"", function()
            local c, s = pair({ ocsp = true, max_version = v }, o.revoked, { ocsp = o.resp.revoked })
            local msg, alert = c:error()
            assert.equal("certificate_revoked", alert)
            assert.truthy(msg:match("^server certificate is revoked %(stapled OCSP response: keyCompromise, since "
               .. "%d%d%d%d%-%d%d%-%d%d %d%d:%d%d:%d%d UTC%)$"), msg)
            local info = c:info()
            assert.equal("revoked", info.ocsp.status)
            assert.equal("keyCompromise", info.ocsp.reason)
            assert.truthy(math.abs(info.ocsp.revocation_time - (os.time() - 86400)) < 3600)
            assert.equal("peer sent alert certificate_revoked (44)", (s:error()):match("^[^:]+"))
         end)

         it("reports unknown without \"require\", and fails with it", function()
            local c = pair({ ocsp = true, max_version = v }, o.unknown, { ocsp = o.resp.unknown })
            assert.is_true(c:status().handshake_done, tostring(c:error()))
            assert.equal("unknown", c:info().ocsp.status)
            c = pair({ ocsp = "require", max_version = v }, o.unknown, { ocsp = o.resp.unknown })
            local msg, alert = c:error()
            assert.equal("bad_certificate_status_response", alert)
            assert.equal("ocsp = \"require\": the OCSP responder does not know the server's certificate "
               .. "(status unknown)", msg)
         end)

         local BAD = {
            -- expired: our server no longer staples it (spec/review39_spec.lua);
            -- openssl s_server does, below
            wrong_key = "the OCSP responder's certificate does not verify (Verify error: self-signed certificate)",
            unauthorized = "the OCSP response is signed by neither the certificate's issuer nor a responder it "
               .. "authorised (id-kp-OCSPSigning)",
            bad_sig = "the OCSP response's signature is wrong",
            -- not_good: our server no longer staples it (spec/ocsp21_spec.lua);
            -- openssl s_server does, below
         }
         for name, reason in pairs(BAD) do
            it("fails on the bad response '" .. name .. "' (rfc6066#8), with or without \"require\"", function()
               local c = pair({ ocsp = true, max_version = v }, o.good, { ocsp = o.resp[name] })
               local msg, alert = c:error()
               assert.equal("bad_certificate_status_response", alert)
               assert.equal("bad OCSP response: " .. reason, msg)
               assert.is_false(c:status().handshake_done)
               assert.equal("bad", c:info().ocsp.status)
               assert.equal(reason, c:info().ocsp.reason)
               c = pair({ ocsp = "require", max_version = v }, o.good, { ocsp = o.resp[name] })
               msg, alert = c:error()
               assert.equal("bad_certificate_status_response", alert)
               assert.equal("ocsp = \"require\": bad OCSP response: " .. reason, msg)
            end)
         end
      end)
   end
end)

describe("openssl s_client -status against our server", function()
   after_each(proc.kill_all)

   local function start(extra)
      local args = { "cert=" .. o.good.cert, "key=" .. o.good.key }
      for k, val in pairs(extra) do args[#args + 1] = k .. "=" .. val end
      local h = proc.spawn(string.format("%s %s spec/support/ocsp_server.lua %s", proc.lua_env(), proc.lua(),
         table.concat(args, " ")), { ours = true })
      return h, tonumber(proc.wait_output(h, "ready (%d+)"))
   end

   local function s_client(port, version)
      return proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -%s -CAfile %s -servername localhost "
         .. "-verify_return_error -ign_eof -status", port, version, o.ca), "hello\n")
   end

   for _, v in ipairs { { "TLSv1.3", "tls1_3" }, { "TLSv1.2", "tls1_2" } } do
      for _, as in ipairs { "file", "der", "function" } do
         it(v[1] .. ": staples a response given as " .. as, function()
            local _, port = start { ocsp = o.resp.good, as = as }
            local out = s_client(port, v[2])
            assert.truthy(out:find("OCSP Response Status: successful (0x0)", 1, true), out)
            assert.truthy(out:find("Cert Status: good", 1, true), out)
            assert.truthy(out:find("\nhello\n", 1, true), out)
         end)
      end

      it(v[1] .. ": staples a revoked response as it is", function()
         local h, port = start { ocsp = o.resp.revoked, cert = o.revoked.cert, key = o.revoked.key }
         local out = s_client(port, v[2])
         assert.truthy(out:find("Cert Status: revoked", 1, true), out)
         assert.truthy(out:find("Revocation Reason: keyCompromise", 1, true), out)
         assert.truthy(h:output():find("ok " .. v[1], 1, true))
      end)

      it(v[1] .. ": sends no response without one", function()
         local _, port = start {}
         local out = s_client(port, v[2])
         assert.truthy(out:find("OCSP response: no response sent", 1, true), out)
         assert.truthy(out:find("\nhello\n", 1, true), out)
      end)
   end
end)

describe("our client against openssl s_server -status_file", function()
   after_each(proc.kill_all)

   local function s_server(leaf, resp, version)
      return peers.s_server(string.format("-cert %s -key %s -%s -rev %s", leaf.cert, leaf.key, version,
         resp and ("-status_file " .. resp) or ""))
   end

   local function connect(port, ocsp)
      return tls.connect("127.0.0.1", port, { ca = o.ca, ocsp = ocsp }, { servername = "localhost", timeout = 10 })
   end

   for _, v in ipairs { { "TLSv1.3", "tls1_3" }, { "TLSv1.2", "tls1_2" } } do
      it(v[1] .. ": good", function()
         local _, port = s_server(o.good, o.resp.good, v[2])
         local conn = assert(connect(port, "require"))
         assert.equal(v[1], conn:info().version)
         assert.equal("good", conn:info().ocsp.status)
         assert(conn:send("abc\n"))
         assert.equal("cba", conn:receive("*l"))
         conn:close()
      end)

      it(v[1] .. ": revoked fails", function()
         local _, port = s_server(o.revoked, o.resp.revoked, v[2])
         local conn, err = connect(port, true)
         assert.is_nil(conn)
         assert.truthy(err:match("^server certificate is revoked %(stapled OCSP response: keyCompromise, since "), err)
      end)

      it(v[1] .. ": \"require\" fails without a response", function()
         local _, port = s_server(o.good, nil, v[2])
         local conn, err = connect(port, "require")
         assert.is_nil(conn)
         assert.equal("ocsp = \"require\": the server stapled no OCSP response", err)
         -- and without "require" the handshake goes on
         _, port = s_server(o.good, nil, v[2])
         conn = assert(connect(port, true))
         assert.equal("none", conn:info().ocsp.status)
         conn:close()
      end)

      it(v[1] .. ": \"require\" fails on a response signed by the wrong key", function()
         local _, port = s_server(o.good, o.resp.wrong_key, v[2])
         local conn, err = connect(port, "require")
         assert.is_nil(conn)
         assert.equal("ocsp = \"require\": bad OCSP response: the OCSP responder's certificate does not verify "
            .. "(Verify error: self-signed certificate)", err)
      end)

      it(v[1] .. ": an expired response is bad, with or without \"require\" (rfc6066#8)", function()
         for _, ocsp in ipairs { true, "require" } do
            local _, port = s_server(o.good, o.resp.expired, v[2])
            local conn, err = connect(port, ocsp)
            assert.is_nil(conn)
            assert.equal((ocsp == "require" and "ocsp = \"require\": " or "")
               .. "bad OCSP response: the OCSP response is expired: its nextUpdate has passed", err)
         end
      end)

      it(v[1] .. ": a response about another certificate is bad, with or without \"require\"", function()
         for _, ocsp in ipairs { true, "require" } do
            local _, port = s_server(o.good, o.resp.not_good, v[2])
            local conn, err = connect(port, ocsp)
            assert.is_nil(conn)
            assert.equal((ocsp == "require" and "ocsp = \"require\": " or "")
               .. "bad OCSP response: the OCSP response is not about the server's certificate", err)
         end
      end)
   end
end)

describe("our client against gnutls-serv --ocsp-response", function()
   after_each(proc.kill_all)

   for _, v in ipairs { { "TLSv1.3", "NORMAL:-VERS-ALL:+VERS-TLS1.3" }, { "TLSv1.2", "NORMAL:-VERS-ALL:+VERS-TLS1.2" } } do
      it(v[1] .. ": good", function()
         local _, port = peers.gnutls_serv(string.format("--x509certfile %s --x509keyfile %s --echo --priority %s "
            .. "--ocsp-response %s", o.good.cert, o.good.key, v[2], o.resp.good))
         local conn = assert(tls.connect("127.0.0.1", port, { ca = o.ca, ocsp = "require" },
            { servername = "localhost", timeout = 10 }))
         assert.equal(v[1], conn:info().version)
         assert.equal("good", conn:info().ocsp.status)
         conn:close()
      end)
   end
end)

describe("OCSP stapling from a misbehaving TLS 1.3 server", function()
   local leaf_pem = proc.read_file(o.good.cert)
   local key_pem = proc.read_file(o.good.key)
   local ca_der = P.pem_to_der(proc.read_file(o.ca))

   -- Our client (ocsp as given) against the scripted server whose
   -- certificate_list entries carry `leaf_ext` (the leaf's extensions block
   -- content) and `ca_ext` (a second entry, o.ca, when given).
   local function run(ocsp, leaf_ext, ca_ext)
      local c = assert(tls.engine(client_ctx { ocsp = ocsp, max_version = "TLSv1.3" }, { servername = "localhost" }))
      assert(c:start())
      local srv = P.fake_server(leaf_pem, key_pem)
      srv.certificate_list = B.vec(3, P.pem_to_der(leaf_pem)) .. B.vec(2, leaf_ext or "")
         .. (ca_ext and (B.vec(3, ca_der) .. B.vec(2, ca_ext)) or "")
      local ok, msg = c:feed(srv:answer(c:output()))
      return c, ok, msg
   end

   local function status_ext(body) return B.u16(STATUS_REQUEST) .. B.vec(2, body) end

   it("accepts a well-formed staple (a third encoder)", function()
      local c, ok, msg = run("require", status_ext("\1" .. B.vec(3, o.der.good)))
      assert(ok, msg)
      assert.equal("good", c:info().ocsp.status)
   end)

   it("refuses a staple it did not ask for: unsupported_extension", function()
      local c, ok, msg = run(false, status_ext("\1" .. B.vec(3, o.der.good)))
      E.assert_failed(c, ok, msg, "unsupported_extension",
         "Certificate entry: status_request extension (5), which we did not ask for")
   end)

   it("refuses a truncated CertificateStatus: decode_error", function()
      local c, ok, msg = run(true, status_ext("\1\0\0"))
      E.assert_failed(c, ok, msg, "decode_error", "Certificate entry status_request is malformed")
      c, ok, msg = run(true, status_ext("\1" .. B.vec(3, "")))
      E.assert_failed(c, ok, msg, "decode_error", "Certificate entry status_request is malformed")
   end)

   it("refuses a response longer than its extension: decode_error", function()
      local c, ok, msg = run(true, status_ext("\1" .. B.u24(#o.der.good + 1) .. o.der.good))
      E.assert_failed(c, ok, msg, "decode_error", "Certificate entry status_request is malformed")
   end)

   it("refuses status_type 2 (ocsp_multi), which it did not ask for: illegal_parameter", function()
      local c, ok, msg = run(true, status_ext("\2" .. B.vec(3, o.der.good)))
      E.assert_failed(c, ok, msg, "illegal_parameter",
         "Certificate entry status_request has status_type 2; we asked for ocsp (1)")
   end)

   it("ignores a response in an intermediate's entry: only the leaf's counts", function()
      local revoked_staple = status_ext("\1" .. B.vec(3, o.der.revoked))
      local c, ok, msg = run(true, nil, revoked_staple)
      assert(ok, msg)
      assert.equal("none", c:info().ocsp.status)
      c, ok, msg = run("require", nil, revoked_staple)
      E.assert_failed(c, ok, msg, "bad_certificate_status_response",
         "ocsp = \"require\": the server stapled no OCSP response")
   end)
end)

describe("OCSP stapling from a misbehaving TLS 1.2 server", function()
   local leaf_pem = proc.read_file(o.good.cert)
   local key_pem = proc.read_file(o.good.key)
   local BASE_EXTS = { { T.EXT.renegotiation_info, "\0" }, { T.EXT.ec_point_formats, B.vec(1, "\0") },
                       { T.EXT.extended_master_secret, "" } }

   -- Our client (ocsp as given) against the scripted TLS 1.2 server, whose
   -- ServerHello adds `sh_status` (the status_request body; nil: none) and
   -- whose flight gets `status` (a CertificateStatus body) after Certificate.
   local function run(ocsp, sh_status, status)
      local c = assert(tls.engine(client_ctx { ocsp = ocsp, max_version = "TLSv1.2" }, { servername = "localhost" }))
      assert(c:start())
      local exts = { table.unpack(BASE_EXTS) }
      if sh_status then exts[#exts + 1] = { STATUS_REQUEST, sh_status } end
      local srv = T.server { cert_pem = leaf_pem, key_pem = key_pem, extensions = exts,
         flight = function(f)
            if status then table.insert(f, 3, B.handshake(CERTIFICATE_STATUS, status)) end
            return f
         end }
      local ok, msg = c:feed(srv:answer(c:output()))
      return c, ok, msg, srv
   end

   it("takes a CertificateStatus after Certificate when the ServerHello answered", function()
      local c, ok, msg = run("require", "", "\1" .. B.vec(3, o.der.good))
      assert(ok, msg)
      assert.equal("good", c:info().ocsp.status)
   end)

   it("goes on without CertificateStatus although the ServerHello answered (RFC 6066 allows it)", function()
      local c, ok, msg = run(true, "", nil)
      assert(ok, msg)
      assert.equal("none", c:info().ocsp.status)
      c, ok, msg = run("require", "", nil)
      E.assert_failed(c, ok, msg, "bad_certificate_status_response",
         "ocsp = \"require\": the server stapled no OCSP response")
   end)

   it("refuses CertificateStatus without status_request in the ServerHello: unexpected_message", function()
      local c, ok, msg = run(true, nil, "\1" .. B.vec(3, o.der.good))
      E.assert_failed(c, ok, msg, "unexpected_message", "expected ServerKeyExchange, got CertificateStatus")
   end)

   it("refuses status_request in the ServerHello when it did not ask: unsupported_extension", function()
      local c, ok, msg = run(false, "", nil)
      E.assert_failed(c, ok, msg, "unsupported_extension",
         "ServerHello: status_request extension (5), which we did not ask for")
   end)

   it("refuses a ServerHello status_request that is not empty: decode_error", function()
      local c, ok, msg = run(true, "\1", nil)
      E.assert_failed(c, ok, msg, "decode_error", "ServerHello status_request is not empty")
   end)

   it("refuses a truncated CertificateStatus, a longer response and status_type 2", function()
      local c, ok, msg = run(true, "", "\1\0\0")
      E.assert_failed(c, ok, msg, "decode_error", "CertificateStatus is malformed")
      c, ok, msg = run(true, "", "\1" .. B.u24(#o.der.good + 1) .. o.der.good)
      E.assert_failed(c, ok, msg, "decode_error", "CertificateStatus is malformed")
      c, ok, msg = run(true, "", "\2" .. B.vec(3, o.der.good))
      E.assert_failed(c, ok, msg, "illegal_parameter", "CertificateStatus has status_type 2; we asked for ocsp (1)")
   end)

   -- review44b: a bad vector length reads as an empty response, refused on
   -- its own; only bytes after a whole response reach the end check.
   it("refuses a byte after the response in CertificateStatus: decode_error", function()
      local c, ok, msg = run(true, "", "\1" .. B.vec(3, o.der.good) .. "\0")
      E.assert_failed(c, ok, msg, "decode_error", "CertificateStatus is malformed")
   end)

   it("judges a response about another certificate bad, even a revoked one", function()
      local c, ok, msg = run(true, "", "\1" .. B.vec(3, o.der.revoked))
      E.assert_failed(c, ok, msg, "bad_certificate_status_response",
         "bad OCSP response: the OCSP response is not about the server's certificate")
      assert.equal("bad", c:info().ocsp.status)
   end)
end)

describe("a ClientHello's status_request on our server", function()
   it("refuses a malformed one: decode_error", function()
      local sv = E.server_engine { certificate = o.good.cert, key = o.good.key, ocsp = o.resp.good }
      local fake = B.fake_client()
      local ok, msg = sv:feed(fake:hello { extra = { { STATUS_REQUEST, "\1\0\0\0" } } })
      E.assert_failed(sv, ok, msg, "decode_error", "ClientHello status_request is malformed")
      sv = E.server_engine { certificate = o.good.cert, key = o.good.key, ocsp = o.resp.good }
      ok, msg = sv:feed(B.fake_client():hello { extra = { { STATUS_REQUEST, "" } } })
      E.assert_failed(sv, ok, msg, "decode_error", "ClientHello status_request is malformed")
   end)

   it("staples only for status_type ocsp", function()
      local trace, ev = E.traced { certificate = o.good.cert, key = o.good.key, ocsp = o.resp.good }
      local sv = E.server_engine(trace)
      assert(sv:feed(B.fake_client():hello { extra = { { STATUS_REQUEST, "\2\0\0\0\0" } } }))
      assert.equal(0, #events(ev, "ocsp"))
      trace, ev = E.traced { certificate = o.good.cert, key = o.good.key, ocsp = o.resp.good }
      sv = E.server_engine(trace)
      assert(sv:feed(B.fake_client():hello { extra = { { STATUS_REQUEST, ASK_OCSP } } }))
      assert.equal(#o.der.good .. " bytes", events(ev, "ocsp")[1].staple)
   end)
end)
