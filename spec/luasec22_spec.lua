-- Session 22, luasec22: review22's F2, F4 and F5.
--   F2 a tls.luasec server's SNI map entry may not widen the listening
--      context's cipher suites (TLS 1.2 and 1.3), groups, or turn tickets
--      back on where it has 'no_ticket' (luatls takes the chosen context
--      whole; LuaSec keeps the connection's cipher list and options);
--   F4 verify "fail_if_no_peer_cert" or "client_once" without "peer" is
--      refused (OpenSSL ignores them then: nobody would be verified);
--   F5 a hook that raises a value that is not a string (error(42),
--      error({}), error(nil)) gives a fixed text naming its type, in each
--      bridge, and the handshake fails cleanly (or, for keylog, goes on).
local tls = require "tls"
local ssl = require "tls.luasec"
local socket = require "socket"
local certs = require "spec.support.certs"
local child = require "spec.support.luachild"
local E = require "spec.support.engines"

local c = certs.get()

describe("luasec22 F2: an SNI map entry may not widen the connection's suites, groups or tickets", function()
   local leaf = c.leaf.rsa2048
   local function server_ctx(extra)
      local cfg = { mode = "server", protocol = "any", certificate = leaf.cert, key = leaf.key }
      for k, v in pairs(extra or {}) do cfg[k] = v end
      return assert(ssl.newcontext(cfg))
   end
   local peers = {}
   -- A connected socket's server end, wrapped (sni only records the map).
   local function server_conn(ctx)
      local listener = assert(socket.bind("127.0.0.1", 0))
      local ip, port = listener:getsockname()
      local client = assert(socket.connect(ip, port))
      local accepted = assert(listener:accept())
      listener:close()
      peers[#peers + 1] = client
      return assert(ssl.wrap(accepted, ctx))
   end
   after_each(function()
      for _, p in ipairs(peers) do p:close() end
      peers = {}
   end)
   local function refused(own, entry, text)
      local conn = server_conn(own)
      local ok, err = pcall(conn.sni, conn, { ["b.example"] = entry })
      conn:close()
      assert.is_false(ok, "the map entry was accepted")
      assert.matches("b.example: " .. text, err, 1, true)
   end
   local function accepted(own, entry)
      local conn = server_conn(own)
      local ok, err = pcall(conn.sni, conn, { ["b.example"] = entry })
      conn:close()
      assert.is_true(ok, err)
   end

   it("refuses an entry that adds RSA key transport to ECDHE-only TLS 1.2 suites", function()
      local own = { protocol = "tlsv1_2", ciphers = "ECDHE-RSA-AES128-GCM-SHA256" }
      refused(server_ctx(own), server_ctx { protocol = "tlsv1_2", ciphers = "AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256" },
         "its context allows the cipher suite AES128-GCM-SHA256, this connection's does not")
      -- the default suites (the ECDHE ones) against the own context's single one
      refused(server_ctx(own), server_ctx { protocol = "tlsv1_2" }, "its context allows the cipher suite ECDHE-")
      -- RSA key transport is never in the defaults
      refused(server_ctx(), server_ctx { ciphers = "AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256" },
         "its context allows the cipher suite AES256-GCM-SHA384")
   end)

   it("refuses an entry that adds a TLS 1.3 suite", function()
      refused(server_ctx { ciphersuites = "TLS_AES_256_GCM_SHA384" }, server_ctx(),
         "its context allows the cipher suite TLS_")
      refused(server_ctx { ciphersuites = "TLS_AES_256_GCM_SHA384" },
         server_ctx { ciphersuites = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256" },
         "its context allows the cipher suite TLS_CHACHA20_POLY1305_SHA256")
   end)

   it("refuses an entry that adds a group", function()
      refused(server_ctx { curve = "prime256v1" }, server_ctx(), "its context allows the group ")
      refused(server_ctx(), server_ctx { curveslist = "X25519:ffdhe4096" }, "its context allows the group ffdhe4096")
      refused(server_ctx { curveslist = "P-256:P-384" }, server_ctx { curveslist = "P-384:X25519" },
         "its context allows the group x25519")
   end)

   it("refuses an entry that issues tickets where the connection's has no_ticket", function()
      refused(server_ctx { options = { "no_ticket" } }, server_ctx(),
         "its context issues session tickets, this connection's has option 'no_ticket'")
   end)

   it("takes an entry with the same or fewer suites and groups, and tickets as off or on as allowed", function()
      local own = { protocol = "tlsv1_2", ciphers = "ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256",
                    curveslist = "P-256:X25519", options = { "no_ticket" } }
      accepted(server_ctx(own), server_ctx(own))
      -- the same lists in another order and spelling
      accepted(server_ctx(own), server_ctx { protocol = "tlsv1_2", ciphers = "AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256",
         curveslist = "x25519:prime256v1", options = { "no_ticket" } })
      -- fewer
      accepted(server_ctx(own), server_ctx { protocol = "tlsv1_2", ciphers = "ECDHE-RSA-AES128-GCM-SHA256",
         curve = "P-256", options = { "no_ticket" } })
      -- the defaults on both sides; tickets off in the entry only
      accepted(server_ctx(), server_ctx())
      accepted(server_ctx(), server_ctx { options = { "no_ticket" } })
      -- only the suites of the versions allowed count: TLS 1.3 alone with
      -- its three suites named, against the defaults (which hold TLS 1.2's too)
      accepted(server_ctx { protocol = "tlsv1_3",
                            ciphersuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256" },
               server_ctx { protocol = "tlsv1_3" })
      -- and TLS 1.2 alone with its six ECDHE suites named (HIGH), against the defaults
      accepted(server_ctx { protocol = "tlsv1_2", ciphers = "HIGH" }, server_ctx { protocol = "tlsv1_2" })
      -- the defaults named one by one
      accepted(server_ctx(), server_ctx { ciphers = "HIGH", curveslist = "X25519:P-256:P-384:X448:P-521:ffdhe2048:ffdhe3072" })
   end)

   -- The review's repro, end to end: the entry is put into the map after
   -- sni() (LuaSec reads the map at the handshake), so the handshake's own
   -- check must refuse it; the client offers both suites.
   local function handshake(own, map, name)
      local lst = assert(socket.bind("127.0.0.1", 0))
      local _, port = lst:getsockname()
      local cl = assert(socket.tcp4())
      cl:settimeout(0)
      cl:connect("127.0.0.1", port)
      local raw = assert(lst:accept())
      lst:close()
      local sconn = assert(ssl.wrap(raw, own))
      local shown = {}
      sconn:sni(shown)
      for k, v in pairs(map) do shown[k] = v end
      sconn:settimeout(0)
      local cconn = assert(ssl.wrap(cl, { mode = "client", protocol = "tlsv1_2", verify = "none",
         ciphers = "AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256" }))
      cconn:sni(name)
      cconn:settimeout(0)
      local sd, cd, serr
      for _ = 1, 300 do
         if not sd then sd, serr = sconn:dohandshake() end
         if not cd then cd = cconn:dohandshake() end
         if sd and cd then break end
         if serr and serr ~= "wantread" and serr ~= "wantwrite" and serr ~= "timeout" then break end
         socket.sleep(0.005)
      end
      local info = sd and cd and cconn:info() or nil
      sconn:close()
      cconn:close()
      return sd and cd, info, serr
   end

   it("a client naming a wider entry added after sni() fails the handshake; the same suites work", function()
      local own = server_ctx { protocol = "tlsv1_2", ciphers = "ECDHE-RSA-AES128-GCM-SHA256", options = { "no_ticket" } }
      local wide = server_ctx { protocol = "tlsv1_2", ciphers = "AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256" }
      local same = server_ctx { protocol = "tlsv1_2", ciphers = "ECDHE-RSA-AES128-GCM-SHA256", options = { "no_ticket" } }
      local ok, info, err = handshake(own, { ["b.example"] = wide, ["c.example"] = same }, "b.example")
      assert.falsy(ok)
      assert.matches("allows the cipher suite AES128-GCM-SHA256", tostring(err), 1, true)
      ok, info, err = handshake(own, { ["b.example"] = wide, ["c.example"] = same }, "c.example")
      assert.truthy(ok, err)
      assert.equal("ECDHE-RSA-AES128-GCM-SHA256", info.cipher)
      ok, info, err = handshake(own, { ["b.example"] = wide }, "a.example")
      assert.truthy(ok, err)
      assert.equal("ECDHE-RSA-AES128-GCM-SHA256", info.cipher)
   end)
end)

describe("luasec22 F4: fail_if_no_peer_cert and client_once need 'peer'", function()
   local leaf = c.leaf.ecdsa_p256
   local function params(mode, verify)
      local cfg = { mode = mode, protocol = "any", verify = verify, cafile = c.ca }
      if mode == "server" then cfg.certificate, cfg.key = leaf.cert, leaf.key end
      return cfg
   end
   for _, mode in ipairs { "server", "client" } do
      it("refuses them without 'peer' (" .. mode .. ")", function()
         for _, case in ipairs {
            { "fail_if_no_peer_cert", "fail_if_no_peer_cert" },
            { { "fail_if_no_peer_cert" }, "fail_if_no_peer_cert" },
            { { "client_once", "fail_if_no_peer_cert" }, "client_once" },
            { "client_once", "client_once" },
            { { "none", "client_once" }, "client_once" },
            { { "none", "fail_if_no_peer_cert" }, "fail_if_no_peer_cert" },
         } do
            local ctx, err = ssl.newcontext(params(mode, case[1]))
            assert.is_nil(ctx)
            assert.equal("verify '" .. case[2] .. "' without 'peer' verifies nobody (OpenSSL ignores it then): "
               .. "add \"peer\" to verify, or use verify = \"none\"", err)
         end
      end)
      it("takes them with 'peer' (" .. mode .. ")", function()
         for _, v in ipairs {
            { "peer", "fail_if_no_peer_cert" },
            { "fail_if_no_peer_cert", "peer" },
            { "peer", "client_once" },
            { "peer", "client_once", "fail_if_no_peer_cert" },
            "peer", "none",
         } do
            assert.truthy(ssl.newcontext(params(mode, v)))
         end
      end)
   end
   it("a server with { peer, fail_if_no_peer_cert } still requires the client certificate", function()
      local ctx = assert(ssl.newcontext(params("server", { "peer", "fail_if_no_peer_cert" })))
      assert.equal("required", ctx.opts.verify)
      ctx = assert(ssl.newcontext(params("server", { "peer", "client_once" })))
      assert.equal("optional", ctx.opts.verify)
   end)
end)

describe("luasec22 F5: a hook raising something that is not a string", function()
   local RAISES = {
      { function() error(42) end, "42", "error(42)" },
      { function() error(4.5) end, "4.5", "error(4.5)" },
      { function() error(4.0) end, "4.0", "error(4.0)" },
      { function() error(-7) end, "-7", "error(-7)" },
      { function() error({}) end, "(error object is a table)", "error({})" },
      { function() error(nil) end, "(error object is nil)", "error(nil)" },
      { function() error(false) end, "(error object is a boolean)", "error(false)" },
      { function() error(print) end, "(error object is not a string)", "error(print)" },
      { function() error("boom", 0) end, "boom", "error(\"boom\")" },
      -- (session 23, review22b G5: an error object with __tostring, as
      -- libraries build them, reads as its text; its __tostring runs inside
      -- the protected call)
      { function() error(setmetatable({}, { __tostring = function() return "a custom error" end })) end,
        "a custom error", "error(an object with __tostring)" },
      { function() error(setmetatable({}, { __tostring = function() error("tostring failed", 0) end })) end,
        "tostring failed", "error(an object whose __tostring raises)" },
      { function() error(setmetatable({}, { __tostring = function() return {} end })) end,
        "'__tostring' must return a string", "error(an object whose __tostring returns a table)" },
   }
   for _, v in ipairs { "TLSv1.3", "TLSv1.2" } do
      for _, r in ipairs(RAISES) do
         local raise, text = r[1], r[2]
         it(v .. ": " .. r[3] .. " in verify, servername, alpn and ocsp fails the handshake with " .. text, function()
            local cl, sv = E.pair({ max_version = v, verify = function() raise() end })
            assert.is_false(cl:status().handshake_done)
            assert.equal("certificate rejected by the verify function: " .. text, (cl:error()))
            cl, sv = E.pair({ max_version = v }, { servername = function() raise() end })
            assert.is_false(sv:status().handshake_done)
            assert.equal("servername function: " .. text, (sv:error()))
            cl, sv = E.pair({ max_version = v, alpn = { "h2" } }, { alpn = function() raise() end })
            assert.is_false(sv:status().handshake_done)
            assert.equal("alpn function: " .. text, (sv:error()))
            cl, sv = E.pair({ max_version = v, ocsp = true }, { ocsp = function() raise() end })
            assert.is_false(sv:status().handshake_done)
            assert.equal("ocsp function: " .. text, (sv:error()))
         end)
      end
   end

   it("the verify function still gets libcrypto's reason as a string, and nil when the chain is good", function()
      local seen = {}
      local fn = function(_, ok, reason) seen[#seen + 1] = { ok, reason }; return true end
      local cl = E.pair({ verify = fn })
      assert.is_true(cl:status().handshake_done)
      assert.same({ { true, nil } }, seen)
      seen = {}
      cl = E.pair({ verify = fn, ca = c.ca })
      assert.is_true(cl:status().handshake_done)
      assert.equal(1, #seen)
      assert.is_false(seen[1][1])
      assert.equal("string", type(seen[1][2]))
      assert.truthy(#seen[1][2] > 0)
   end)

   it("keylog: the line is lost with a warning naming the number or the type, the handshake goes on", function()
      local ok, out = child.run([[
warn("@on")
for _, raise in ipairs { function() error(42) end, function() error({}) end, function() error(nil) end } do
  local cert, key = tls.selfsigned { names = { "localhost" } }
  local s = tls.engine(assert(tls.context { mode = "server", certificate = cert, key = key }))
  local c = tls.engine(assert(tls.context { verify = false, keylog = function() raise() end }))
  assert(c:start())
  for _ = 1, 10 do
    local o = c:output(); if #o > 0 then assert(s:feed(o)) end
    o = s:output(); if #o > 0 then assert(c:feed(o)) end
  end
  assert(c:status().handshake_done and s:status().handshake_done)
  print("handshake done")
end
]])
      assert.is_true(ok, out)
      local _, n = out:gsub("handshake done", "")
      assert.equal(3, n, out)
      for _, text in ipairs { "42", "(error object is a table)", "(error object is nil)" } do
         local _, k = out:gsub("tls: keylog function failed %(the line is lost%): " .. text:gsub("%p", "%%%0"), "")
         assert.equal(5, k, out)
      end
   end)
end)
