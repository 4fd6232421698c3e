-- TLS 1.2 between our own client and server engines: every suite with each
-- certificate kind and group, the version chosen for every combination of
-- min_version/max_version on both sides, and what info() and the trace say.
local tls = require "tls"
local E = require "spec.support.engines"

local RSA_CERT, RSA_KEY = assert(tls.selfsigned { names = { "localhost" }, key = "rsa" })
local EC_CERT, EC_KEY = E.CERT, E.KEY

local function pair(suite, cert, key, group, client_extra, server_extra)
   local copts = E.merge({ ca = cert, ciphers = suite, max_version = "TLSv1.2" }, client_extra)
   local sopts = E.merge({ certificate = cert, key = key, ciphers = suite }, server_extra)
   if group then
      -- rfc8422#5.1.1: the client's groups also name the curves of the ECDSA
      -- certificates it takes (ours is on secp256r1); the server's choice
      -- of group is narrowed to the one under test.
      copts.groups = group == "secp256r1" and group or group .. ":secp256r1"
      sopts.groups = group
   end
   return E.connected(copts, sopts)
end

-- Application data both ways, larger than one record.
local function exchange(c, s)
   local big = string.rep("0123456789abcdef", 2048) .. "end"
   assert(c:write(big))
   E.pump(c, s)
   assert.equal(big, s:read())
   assert(s:write("pong"))
   E.pump(s, c)
   assert.equal("pong", c:read())
end

describe("TLS 1.2 between our engines", function()
   local ecdhe = {
      { "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ec" },
      { "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ec" },
      { "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ec" },
      { "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "rsa" },
      { "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "rsa" },
      { "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "rsa" },
   }
   for _, case in ipairs(ecdhe) do
      for _, group in ipairs { "x25519", "secp256r1", "secp384r1" } do
         it(("%s with %s"):format(case[1], group), function()
            local cert, key = EC_CERT, EC_KEY
            if case[2] == "rsa" then cert, key = RSA_CERT, RSA_KEY end
            local c, s = pair(case[1], cert, key, group)
            for _, e in ipairs { c, s } do
               local info = e:info()
               assert.equal("TLSv1.2", info.version)
               assert.equal(case[1], info.cipher)
               assert.equal(group, info.group)
               assert.equal("ECDHE", info.key_exchange)
               assert.is_true(info.extended_master_secret)
            end
            exchange(c, s)
         end)
      end
   end

   for _, suite in ipairs { "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_GCM_SHA384" } do
      it(suite .. " (RSA key transport, named on both sides)", function()
         local c, s = pair(suite, RSA_CERT, RSA_KEY, nil)
         for _, e in ipairs { c, s } do
            assert.equal("TLSv1.2", e:info().version)
            assert.equal(suite, e:info().cipher)
            assert.equal("RSA", e:info().key_exchange)
         end
         exchange(c, s)
      end)
   end

   it("chooses an ECDHE_RSA suite for an RSA certificate among the defaults", function()
      local c, s = E.connected({ ca = RSA_CERT, max_version = "TLSv1.2" },
         { certificate = RSA_CERT, key = RSA_KEY })
      assert.equal("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", s:info().cipher)
      exchange(c, s)
   end)

   it("traces the classic steps on both sides", function()
      local copts, cev = E.traced { ca = RSA_CERT, max_version = "TLSv1.2", ciphers = "TLS_RSA_WITH_AES_128_GCM_SHA256" }
      local sopts, sev = E.traced { certificate = RSA_CERT, key = RSA_KEY, ciphers = "TLS_RSA_WITH_AES_128_GCM_SHA256" }
      E.connected(copts, sopts)
      local function names(events)
         local t = {}
         for _, ev in ipairs(events) do t[#t + 1] = ev.direction .. " " .. ev.message end
         return table.concat(t, "\n")
      end
      for _, want in ipairs { "send ClientHello", "receive ServerHello", "receive Certificate",
         "receive ServerHelloDone", "send ClientKeyExchange", "send ChangeCipherSpec", "send Finished",
         "receive Finished" } do
         assert.truthy(names(cev):find(want, 1, true), want .. " in\n" .. names(cev))
      end
      for _, want in ipairs { "receive ClientHello", "send ServerHello", "send Certificate",
         "send ServerHelloDone", "receive ClientKeyExchange", "send Finished", "receive Finished" } do
         assert.truthy(names(sev):find(want, 1, true), want .. " in\n" .. names(sev))
      end
      for _, step in ipairs { "premaster secret", "master secret", "key block" } do
         assert.truthy(names(cev):find("key " .. step, 1, true), step .. " in\n" .. names(cev))
      end
   end)
end)

describe("version negotiation between our engines", function()
   local versions = { "TLSv1.2", "TLSv1.3" }
   for _, cmin in ipairs(versions) do
      for _, cmax in ipairs(versions) do
         for _, smin in ipairs(versions) do
            for _, smax in ipairs(versions) do
               if cmin <= cmax and smin <= smax then
                  local lo = cmin > smin and cmin or smin
                  local hi = cmax < smax and cmax or smax
                  local name = ("client %s..%s, server %s..%s"):format(cmin, cmax, smin, smax)
                  it(name, function()
                     local c, s = E.pair({ min_version = cmin, max_version = cmax },
                        { min_version = smin, max_version = smax })
                     if lo > hi then
                        assert.is_false(c:info().handshake_done)
                        local _, alert = c:error()
                        local _, salert = s:error()
                        assert.equal("protocol_version", alert or salert)
                     else
                        assert.is_true(c:info().handshake_done, name)
                        assert.equal(hi, c:info().version)
                        assert.equal(hi, s:info().version)
                     end
                  end)
               end
            end
         end
      end
   end
end)

describe("the keyUsage of the server's certificate in TLS 1.2 (rfc5246#7.4.2, rfc8446#4.4.2.2)", function()
   local certs = require "spec.support.certs"
   local c, p = certs.get(), certs.policy()

   local function try(leaf, suite, max)
      local cl, sv = E.pair({ ca = c.ca, ciphers = suite, max_version = max },
         { certificate = leaf.cert, key = leaf.key, ciphers = suite })
      return cl, sv
   end

   -- (our own server keeps RSA key transport away from such a certificate
   -- since session 29: openssl s_server does not)
   it("refuses RSA key transport to a certificate that may only sign", function()
      local peers = require "spec.support.peers"
      local proc = require "spec.support.proc"
      local _, port = peers.s_server("-www -tls1_2 -cipher AES128-GCM-SHA256", nil, p.rsa_sign_only)
      local ctx = assert(tls.context { mode = "client", ca = c.ca, ciphers = "TLS_RSA_WITH_AES_128_GCM_SHA256",
         max_version = "TLSv1.2" })
      local conn, msg = tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 })
      proc.kill_all()
      assert.is_nil(conn)
      assert.equal("certificate is not allowed for this use (its keyUsage lacks keyEncipherment, which RSA "
         .. "key transport needs)", msg)
   end)

   it("takes RSA key transport to a certificate that may only encrypt", function()
      local cl = try(p.rsa_keyenc_only, "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLSv1.2")
      assert.is_true(cl:info().handshake_done, tostring(cl:error()))
   end)

   -- Our own server no longer signs with such a certificate (since session
   -- 30): openssl s_server does, in TLS 1.3 and with ECDHE_RSA.
   for _, case in ipairs { { "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLSv1.2", "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256" },
                           { "TLS_AES_128_GCM_SHA256", "TLSv1.3", "-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256" } } do
      it("refuses " .. case[1] .. " with a certificate that may only encrypt", function()
         local peers = require "spec.support.peers"
         local proc = require "spec.support.proc"
         local _, port = peers.s_server("-www " .. case[3], nil, p.rsa_keyenc_only)
         local ctx = assert(tls.context { mode = "client", ca = c.ca, ciphers = case[1], max_version = case[2] })
         local conn, msg = tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 })
         proc.kill_all()
         assert.is_nil(conn)
         assert.equal("certificate is not allowed for this use (its keyUsage lacks digitalSignature, which "
            .. "signing the handshake needs)", msg)
      end)
   end
end)

describe("misusing TLS 1.2 options and methods", function()
   it("refuses keyupdate on a TLS 1.2 connection, saying why, and the connection goes on", function()
      local c, s = E.connected({ max_version = "TLSv1.2" })
      local ok, err = c:keyupdate()
      assert.is_nil(ok)
      assert.equal("key updates exist only in TLS 1.3 (this connection is TLS 1.2)", err)
      assert(c:write("after"))
      E.pump(c, s)
      assert.equal("after", s:read())
   end)

   it("offers only TLS 1.2 when its ciphers are all TLS 1.2 suites", function()
      local copts, events = E.traced { ca = RSA_CERT, ciphers = "TLS_RSA_WITH_AES_128_GCM_SHA256" }
      local c, s = E.connected(copts, { certificate = RSA_CERT, key = RSA_KEY,
                                        ciphers = "TLS_RSA_WITH_AES_128_GCM_SHA256" })
      assert.equal("TLSv1.2", s:info().version)
      for _, ev in ipairs(events) do
         if ev.direction == "send" and ev.message == "ClientHello" then
            assert.equal("TLSv1.2", ev.versions)
         end
      end
      assert.is_true(c:info().handshake_done)
   end)

   it("offers only TLS 1.3 when its ciphers are all TLS 1.3 suites, and a TLS 1.2-only server refuses it", function()
      local c, s = E.pair({ ciphers = "TLS_AES_128_GCM_SHA256" }, { max_version = "TLSv1.2" })
      assert.is_false(c:info().handshake_done)
      local msg, alert = s:error()
      assert.equal("protocol_version", alert)
      assert.equal("client offers only TLS 1.3; this server speaks at most TLS 1.2 (max_version)", msg)
   end)
end)
