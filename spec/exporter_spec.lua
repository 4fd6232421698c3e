-- The keying-material exporter, conn:export / e:export (RFC 8446 7.5 for
-- TLS 1.3, RFC 5705 for TLS 1.2): our two sides agree, openssl's
-- -keymatexport on the same connection agrees, an independent computation
-- (Python's hmac, from the secrets of the key log) agrees, and misuse gets
-- clear errors.
local tls = require "tls"
local socket = require "socket"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local E = require "spec.support.engines"

local c = certs.get()
local LABEL = "EXPERIMENTAL-luatls"

local function hex(s)
   return (s:gsub(".", function(b) return string.format("%02X", b:byte()) end))
end

-- A connected engine pair whose client records its key log lines and
-- trace events.
local function connected(version, client_opts)
   local lines = {}
   local opts, events = E.traced(E.merge({ keylog = function(l) lines[#lines + 1] = l end,
      max_version = version }, client_opts))
   local cl, sv = E.connected(opts)
   assert.equal(version, cl:info().version)
   return cl, sv, lines, events
end

describe("exporter between our client and our server", function()
   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it("gives both sides the same bytes, with and without context, " .. version, function()
         local cl, sv = connected(version)
         for _, context in ipairs { false, "", "some context" } do
            local ctx = context or nil
            local a = assert(cl:export(LABEL, ctx, 32))
            assert.equal(32, #a)
            assert.equal(a, assert(sv:export(LABEL, ctx, 32)))
         end
         assert.not_equal(cl:export(LABEL, "a", 32), cl:export(LABEL, "b", 32))
         assert.not_equal(cl:export(LABEL, nil, 32), cl:export(LABEL .. "2", nil, 32))
         assert.equal(1, #assert(cl:export(LABEL, nil, 1)))
         assert.equal(8160, #assert(cl:export(LABEL, nil, 8160)))
         assert.equal(cl:export(LABEL, nil, 8160), sv:export(LABEL, nil, 8160))
      end)
   end

   it("treats no context and an empty one alike in TLS 1.3 (RFC 8446 7.5)", function()
      local cl = connected("TLSv1.3")
      assert.equal(cl:export(LABEL, nil, 32), cl:export(LABEL, "", 32))
   end)

   it("tells no context from an empty one in TLS 1.2 (RFC 5705)", function()
      local cl = connected("TLSv1.2")
      assert.not_equal(cl:export(LABEL, nil, 32), cl:export(LABEL, "", 32))
   end)

   it("gives the same bytes after a KeyUpdate, TLS 1.3", function()
      local cl, sv = connected("TLSv1.3")
      local before = cl:export(LABEL, "x", 32)
      assert(cl:keyupdate(true))
      E.pump(cl, sv, { strict = true })
      assert.equal(before, cl:export(LABEL, "x", 32))
      assert.equal(before, sv:export(LABEL, "x", 32))
   end)
end)

-- The RFC formulas in Python's standard library (hmac, hashlib), fed with
-- the secrets our key log gives: a computation that shares no code with ours.
local PYTHON = [[
import hashlib, hmac, struct, sys
version, md, secret, client_random, server_random, label, context, length = sys.argv[1:9]
H = getattr(hashlib, md)
secret = bytes.fromhex(secret)
label = label.encode()
length = int(length)
ctx = None if context == "-" else bytes.fromhex(context[1:])

def hkdf_expand_label(key, label, context, n):
    info = struct.pack(">H", n) + bytes([6 + len(label)]) + b"tls13 " + label + bytes([len(context)]) + context
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(key, t + info + bytes([i]), H).digest()
        out += t
        i += 1
    return out[:n]

def p_hash(key, seed, n):
    out, a = b"", seed
    while len(out) < n:
        a = hmac.new(key, a, H).digest()
        out += hmac.new(key, a + seed, H).digest()
    return out[:n]

if version == "TLSv1.3":
    hlen = H().digest_size
    derived = hkdf_expand_label(secret, label, H(b"").digest(), hlen)
    out = hkdf_expand_label(derived, b"exporter", H(ctx or b"").digest(), length)
else:
    seed = bytes.fromhex(client_random) + bytes.fromhex(server_random)
    if ctx is not None:
        seed += struct.pack(">H", len(ctx)) + ctx
    out = p_hash(secret, label + seed, length)
print(out.hex().upper())
]]

describe("exporter against the RFC formulas computed apart", function()
   local script
   setup(function()
      script = os.tmpname()
      proc.write_file(script, PYTHON)
   end)
   teardown(function() os.remove(script) end)

   local function reference(version, md, secret, client_random, server_random, context, length)
      local out, code = proc.run(string.format("%s %s %s %s %s %s %s %s %s %s", peers.python(), script, version, md,
         secret, client_random, server_random or "-", proc.quote(LABEL),
         context and ("x" .. hex(context)) or "-", length))
      assert.equal(0, code, out)
      return out:match("^(%x+)%s*$") or error(out)
   end

   local cases = {
      { "TLSv1.3", "TLS_AES_128_GCM_SHA256", "sha256" },
      { "TLSv1.3", "TLS_AES_256_GCM_SHA384", "sha384" },
      { "TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256", "sha256" },
      { "TLSv1.2", "ECDHE-ECDSA-AES256-GCM-SHA384", "sha384" },
   }
   for _, case in ipairs(cases) do
      local version, suite, md = case[1], case[2], case[3]
      it(version .. " " .. suite .. ", with and without context", function()
         local cl, sv, lines, events = connected(version, { ciphers = suite })
         local want_label = version == "TLSv1.3" and "EXPORTER_SECRET" or "CLIENT_RANDOM"
         local client_random, secret
         for _, l in ipairs(lines) do
            local lb, r, s = l:match("^(%S+) (%x+) (%x+)$")
            if lb == want_label then client_random, secret = r, s end
         end
         assert(secret, "no " .. want_label .. " line")
         local server_random
         for _, ev in ipairs(events) do
            if ev.direction == "receive" and ev.message == "ServerHello" then server_random = ev.random end
         end
         assert(version == "TLSv1.3" or server_random, "no ServerHello random in the trace")
         for _, context in ipairs { false, "", "some context" } do
            local ctx = context or nil
            for _, length in ipairs { 32, 100 } do
               local want = reference(version, md, secret, client_random, server_random, ctx, length)
               assert.equal(want, hex(assert(cl:export(LABEL, ctx, length))))
               assert.equal(want, hex(assert(sv:export(LABEL, ctx, length))))
            end
         end
      end)
   end
end)

describe("exporter against openssl -keymatexport on the same connection", function()
   after_each(proc.kill_all)

   local function keying_material(out)
      return out:match("Keying material: (%x+)")
   end

   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it("our server and openssl s_client, " .. version, function()
         local srv = proc.spawn(string.format("%s %s spec/support/keylog_peer.lua cert=%s key=%s max_version=%s label=%s",
            proc.lua_env(), proc.lua(), c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, version, LABEL), { ours = true })
         local port = tonumber(proc.wait_output(srv, "ready (%d+)"))
         local out = proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -CAfile %s -servername localhost "
            .. "-ign_eof -keymatexport %s -keymatexportlen 32", port, c.ca, LABEL), "ping\n")
         assert(srv:wait(10), srv:output())
         assert.truthy(srv:output():find("version " .. version, 1, true), srv:output())
         local theirs = keying_material(out)
         assert(theirs, out)
         assert.equal(theirs, srv:output():match("export (%x+)"))
      end)

      it("our client (handshake done by export itself) and openssl s_server, " .. version, function()
         -- s_server's default mode, the one that prints the keying
         -- material, quits when its stdin ends: it gets a stdin that lasts.
         local port = proc.free_port("127.0.0.1")
         local h = proc.spawn(string.format("sleep 30 | openssl s_server -accept 127.0.0.1:%d %s -cert %s -key %s "
            .. "-keymatexport %s -keymatexportlen 32", port, version == "TLSv1.2" and "-tls1_2" or "-tls1_3",
            c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, LABEL))
         proc.wait_port("127.0.0.1", port, 10, h)
         local sock = assert(socket.connect("127.0.0.1", port))
         local conn = assert(tls.wrap(sock, { ca = c.ca }, { servername = "localhost", timeout = 10 }))
         local ours = hex(assert(conn:export(LABEL, nil, 32)))
         assert.equal(version, conn:info().version)
         assert.equal(ours, proc.wait_output(h, "Keying material: (%x+)"))
         conn:close()
      end)
   end

   it("our client and openssl s_server, TLSv1.2 with a SHA-384 suite (the PRF's hash is the suite's)", function()
      local port = proc.free_port("127.0.0.1")
      local h = proc.spawn(string.format("sleep 30 | openssl s_server -accept 127.0.0.1:%d -tls1_2 "
         .. "-cipher ECDHE-ECDSA-AES256-GCM-SHA384 -cert %s -key %s -keymatexport %s -keymatexportlen 32", port,
         c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, LABEL))
      proc.wait_port("127.0.0.1", port, 10, h)
      local sock = assert(socket.connect("127.0.0.1", port))
      local conn = assert(tls.wrap(sock, { ca = c.ca }, { servername = "localhost", timeout = 10 }))
      local ours = hex(assert(conn:export(LABEL, nil, 32)))
      assert.equal("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", conn:info().cipher)
      assert.equal(ours, proc.wait_output(h, "Keying material: (%x+)"))
      conn:close()
   end)
end)

describe("exporter misuse", function()
   it("is refused before the handshake is complete", function()
      local cl, sv = E.engines()
      local want = "cannot export keying material before the handshake is complete"
      assert.same({ nil, want }, { cl:export(LABEL, nil, 32) })
      assert(cl:start())
      assert(sv:feed(cl:output()))
      assert.same({ nil, want }, { sv:export(LABEL, nil, 32) })
      assert.same({ nil, want }, { cl:export(LABEL, nil, 32) })
   end)

   it("is refused after the connection failed, with the failure", function()
      local cl, sv = E.connected()
      local ok, why = sv:feed("\21\3\3\0\2\2\40")
      assert.is_nil(ok)
      assert.equal("unprotected alert after handshake keys were in use", why)
      assert.same({ nil, why }, { sv:export(LABEL, nil, 32) })
      assert(cl:export(LABEL, nil, 32))
   end)

   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it("refuses bad lengths, labels and contexts, " .. version, function()
         local cl = connected(version)
         for _, n in ipairs { -1, 8161, math.maxinteger } do
            assert.same({ nil, "exporter length must be from 0 to 8160 bytes (got " .. n .. ")" },
               { cl:export(LABEL, nil, n) })
         end
         for _, reserved in ipairs { "client finished", "server finished", "master secret", "key expansion",
                                     "extended master secret" } do
            assert.same({ nil, "exporter label '" .. reserved .. "' is reserved by the TLS key schedule (RFC 5705)" },
               { cl:export(reserved, nil, 32) })
         end
         assert(cl:export("master secret ", nil, 32))
         assert.same({ nil, "exporter label is empty" }, { cl:export("", nil, 32) })
         assert.same({ nil, "exporter label contains a NUL byte" }, { cl:export("EXPERIMENTAL\0x", nil, 32) })
         assert.same({ nil, "exporter label is 250 bytes (at most 249)" }, { cl:export(("x"):rep(250), nil, 32) })
         assert(cl:export(("x"):rep(249), nil, 32))
         assert.same({ nil, "exporter context is 65536 bytes (at most 65535)" },
            { cl:export(LABEL, ("c"):rep(65536), 32) })
         if version == "TLSv1.3" then
            assert(cl:export(LABEL, ("c"):rep(65535), 32))
         else
            -- libcrypto's TLS 1.2 PRF takes at most 1024 bytes of label and seed.
            local most = 1024 - #LABEL - 66
            assert(cl:export(LABEL, ("c"):rep(most), 32))
            assert.same({ nil, "exporter context of " .. (most + 1) .. " bytes is too long for TLS 1.2 with this "
               .. "label (label, randoms and context: at most 1024 bytes)" },
               { cl:export(LABEL, ("c"):rep(most + 1), 32) })
         end
      end)
   end

   it("raises for arguments of the wrong type", function()
      local cl = connected("TLSv1.3")
      assert.has_error(function() cl:export(42, nil, 32) end, "bad argument #1 to 'export' (string expected, got number)")
      assert.has_error(function() cl:export(nil, nil, 32) end, "bad argument #1 to 'export' (string expected, got nil)")
      assert.has_error(function() cl:export(LABEL, 7, 32) end, "bad argument #2 to 'export' (string expected, got number)")
      assert.has_error(function() cl:export(LABEL, nil) end, "bad argument #3 to 'export' (number expected, got no value)")
      assert.has_error(function() cl:export(LABEL, nil, 1.5) end, "bad argument #3 to 'export' (number has no integer representation)")
   end)
end)
