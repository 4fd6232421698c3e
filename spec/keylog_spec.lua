-- The NSS key log (keylog = "path" | function(line), SSLKEYLOGFILE for
-- clients): the lines of TLS 1.3 and TLS 1.2 connections on both sides,
-- the same lines openssl writes for the same connection, and the proof that
-- matters: tshark decrypts a loopback capture with our key log.
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local child = require "spec.support.luachild"
local E = require "spec.support.engines"

local c = certs.get()

local TLS13_LABELS = { "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
   "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET" }
local PLAINTEXT = "secret plaintext 42"

-- The lines of a key log, without comments (openssl starts its file with one).
local function lines_of(text)
   local t = {}
   for l in text:gmatch("[^\n]+") do
      if not l:find("^#") then t[#t + 1] = l end
   end
   return t
end

local function read_lines(path)
   return lines_of(proc.read_file(path))
end

local function sorted(list)
   local t = { table.unpack(list) }
   table.sort(t)
   return t
end

local function tmp()
   local path = proc.tmpname()
   os.remove(path)
   return path
end

-- The labels of lines, in order; and checks every line's shape.
local function labels(lines, secret_hex_len)
   local t = {}
   for _, l in ipairs(lines) do
      local label, random, secret = l:match("^([%u_%d]+) (%x+) (%x+)$")
      assert(label, "not an NSS key log line: " .. l)
      assert.equal(64, #random, l)
      assert.equal(secret_hex_len, #secret, l)
      assert.equal(random:lower(), random, l)
      t[#t + 1] = label
   end
   return t
end

describe("key log lines", function()
   it("are the five TLS 1.3 secrets, the same on both sides, for a file and a function", function()
      local path = tmp()
      local got = {}
      local cl, sv = E.connected({ keylog = function(line) got[#got + 1] = line end }, { keylog = path })
      assert.equal("TLSv1.3", cl:info().version)
      assert.same(TLS13_LABELS, labels(got, 64))
      assert.same(got, read_lines(path))
      local random = got[1]:match("^%S+ (%x+)")
      for _, l in ipairs(got) do assert.equal(random, l:match("^%S+ (%x+)")) end
      os.remove(path)
      assert(sv)
   end)

   it("hold 48-byte secrets with a SHA-384 suite", function()
      local got = {}
      E.connected({ keylog = function(line) got[#got + 1] = line end, ciphers = "TLS_AES_256_GCM_SHA384" })
      assert.same(TLS13_LABELS, labels(got, 96))
   end)

   it("are one CLIENT_RANDOM line with the master secret in TLS 1.2, the same on both sides", function()
      local path = tmp()
      local got = {}
      local cl = E.connected({ keylog = function(line) got[#got + 1] = line end, max_version = "TLSv1.2" },
         { keylog = path })
      assert.equal("TLSv1.2", cl:info().version)
      assert.same({ "CLIENT_RANDOM" }, labels(got, 96))
      assert.same(got, read_lines(path))
      os.remove(path)
   end)

   it("are appended to the file, created with mode 0600", function()
      local path = tmp()
      proc.write_file(path .. ".keep", "")
      E.connected({ keylog = path })
      E.connected({ keylog = path, max_version = "TLSv1.2" })
      local lines = read_lines(path)
      assert.equal(6, #lines)
      assert.equal("CLIENT_RANDOM", lines[6]:match("^%S+"))
      local mode = proc.run("stat -c %a " .. proc.quote(path))
      assert.equal("600", mode:match("%d+"))
      os.remove(path)
      os.remove(path .. ".keep")
   end)

   it("change no step of the handshake: the same trace with and without", function()
      local function messages(opts)
         local o, events = E.traced(opts)
         E.connected(o)
         local t = {}
         for _, ev in ipairs(events) do t[#t + 1] = ev.direction .. " " .. ev.message end
         return t
      end
      assert.same(messages({}), messages({ keylog = function() end }))
   end)

   it("a function that fails loses its line, never the handshake (a warning says why)", function()
      local ok, out = child.run([[
warn("@on")
local cert, key = tls.selfsigned { names = { "localhost" } }
local s = tls.engine(assert(tls.context { mode = "server", certificate = cert, key = key }))
local c = tls.engine(assert(tls.context { verify = false, keylog = function(line) error("boom in keylog") end }))
assert(c:start())
for _ = 1, 10 do
  local o = c:output(); if #o > 0 then assert(s:feed(o)) end
  o = s:output(); if #o > 0 then assert(c:feed(o)) end
end
assert(c:status().handshake_done and s:status().handshake_done)
assert(c:write("x")); assert(s:feed(c:output())); assert(s:read() == "x")
print("handshake done")
]])
      assert.is_true(ok, out)
      assert.truthy(out:find("handshake done", 1, true), out)
      assert.truthy(out:find("tls: keylog function failed (the line is lost): ", 1, true), out)
      assert.truthy(out:find("boom in keylog", 1, true), out)
      local _, n = out:gsub("boom in keylog", "")
      assert.equal(5, n)
   end)

   it("option errors name the option", function()
      local ctx, err = tls.context { keylog = 42 }
      assert.is_nil(ctx)
      assert.equal("option 'keylog' must be a file name, a function(line) or false (got number)", err)
      ctx, err = tls.context { keylog = "/nonexistent-dir/keys.log" }
      assert.is_nil(ctx)
      assert.equal("keylog: cannot open /nonexistent-dir/keys.log: No such file or directory", err)
      ctx, err = tls.context { keylog = "" }
      assert.is_nil(ctx)
      assert.equal("keylog: the file name is empty", err)
   end)
end)

describe("SSLKEYLOGFILE", function()
   local BODY = [[
local cert, key = tls.selfsigned { names = { "localhost" } }
local s = tls.engine(assert(tls.context { mode = "server", certificate = cert, key = key }))
local keylog -- nil: SSLKEYLOGFILE applies
if client_keylog == "off" then keylog = false end
local c = tls.engine(assert(tls.context { verify = false, keylog = keylog }))
assert(c:start())
for _ = 1, 10 do
  local o = c:output(); if #o > 0 then assert(s:feed(o)) end
  o = s:output(); if #o > 0 then assert(c:feed(o)) end
end
assert(c:status().handshake_done and s:status().handshake_done)
print("handshake done")
]]

   it("is honoured by a client context without the option", function()
      local path = tmp()
      local ok, out = child.run(BODY, { client_keylog = "" }, "SSLKEYLOGFILE=" .. proc.quote(path))
      assert.is_true(ok, out)
      assert.same(TLS13_LABELS, labels(read_lines(path), 64))
      os.remove(path)
   end)

   it("is ignored by a server context, and by a client with keylog = false", function()
      local path = tmp()
      local ok, out = child.run(BODY, { client_keylog = "off" }, "SSLKEYLOGFILE=" .. proc.quote(path))
      assert.is_true(ok, out)
      assert.truthy(out:find("handshake done", 1, true), out)
      assert.equal("", proc.read_file(path))
      os.remove(path)
   end)

   it("naming a file that cannot be opened does not stop the client (a warning says why)", function()
      local ok, out = child.run('warn("@on")\n' .. BODY, { client_keylog = "" },
         "SSLKEYLOGFILE=/nonexistent-dir/keys.log")
      assert.is_true(ok, out)
      assert.truthy(out:find("handshake done", 1, true), out)
      assert.truthy(out:find("tls: SSLKEYLOGFILE ignored: keylog: cannot open /nonexistent-dir/keys.log", 1, true), out)
   end)
end)

-- openssl's -keylogfile for the same connection: the same lines.
describe("key log lines against openssl's for the same connection", function()
   after_each(proc.kill_all)

   local function our_client(version, ours, extra)
      local theirs = tmp()
      local _, port = peers.s_server(string.format("%s -cert %s -key %s -keylogfile %s -rev %s",
         version == "TLSv1.2" and "-tls1_2" or "-tls1_3", c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key,
         theirs, extra or ""))
      local conn = assert(tls.connect("127.0.0.1", port,
         { ca = c.ca, keylog = ours, max_version = version },
         { servername = "localhost", timeout = 10 }))
      assert(conn:send(PLAINTEXT .. "\n"))
      assert.equal(PLAINTEXT:reverse(), conn:receive("*l"))
      conn:close()
      return theirs, port
   end

   local function our_server(version, ours, extra, groups)
      local theirs = tmp()
      local srv = proc.spawn(string.format("%s %s spec/support/keylog_peer.lua cert=%s key=%s keylog=%s max_version=%s%s",
         proc.lua_env(), proc.lua(), c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, ours, version,
         groups and (" groups=" .. groups) or ""), { ours = true })
      local port = tonumber(proc.wait_output(srv, "ready (%d+)"))
      return srv, port, function()
         local out = proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -CAfile %s -servername localhost "
            .. "-keylogfile %s -ign_eof %s", port, c.ca, theirs, extra or ""), PLAINTEXT .. "\n")
         assert.truthy(out:find(PLAINTEXT:reverse(), 1, true), out)
         assert(srv:wait(10), srv:output())
         return theirs
      end
   end

   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it("our client against openssl s_server, " .. version, function()
         local ours = tmp()
         local theirs = our_client(version, ours)
         local lines = read_lines(ours)
         assert.equal(version == "TLSv1.3" and 5 or 1, #lines)
         assert.same(sorted(lines_of(proc.read_file(theirs))), sorted(lines))
         os.remove(ours); os.remove(theirs)
      end)

      it("our server against openssl s_client, " .. version, function()
         local ours = tmp()
         local _, _, run = our_server(version, ours)
         local theirs = run()
         local lines = read_lines(ours)
         assert.equal(version == "TLSv1.3" and 5 or 1, #lines)
         assert.same(sorted(lines_of(proc.read_file(theirs))), sorted(lines))
         os.remove(ours); os.remove(theirs)
      end)
   end

   it("our server after a HelloRetryRequest, TLS 1.3", function()
      local ours = tmp()
      local srv, _, run = our_server("TLSv1.3", ours, "-groups x25519:secp384r1", "secp384r1")
      local theirs = run()
      assert.truthy(srv:output():find("version TLSv1.3", 1, true), srv:output())
      local lines = read_lines(ours)
      assert.same(TLS13_LABELS, labels(lines, 64))
      assert.same(sorted(lines_of(proc.read_file(theirs))), sorted(lines))
      os.remove(ours); os.remove(theirs)
   end)
end)

-- The proof the key log is for: a capture of the connection on loopback,
-- decrypted by tshark with our key log alone, shows the application data;
-- without the key log it does not. Capturing on lo needs root or
-- CAP_NET_RAW (CI runs as root): without it these tests fail, saying so.
describe("tshark decrypts a loopback capture with our key log", function()
   after_each(proc.kill_all)

   local function need(program)
      assert(proc.have(program), program .. " is not installed: `make deps` (scripts/deps.sh) installs it; "
         .. "the key log's proof is a capture decrypted by tshark")
   end

   -- Starts tcpdump on lo for port; returns a function that stops it and
   -- returns the capture file.
   local function capture(port)
      need("tcpdump")
      need("tshark")
      local pcap = tmp() .. ".pcap"
      local h = proc.spawn(string.format("tcpdump -i lo --immediate-mode -U -n -w %s 'tcp port %d'", pcap, port))
      local ok, err = pcall(proc.wait_output, h, "listening on lo", 15)
      assert(ok, "cannot capture on the loopback interface (needs root or CAP_NET_RAW): " .. tostring(err))
      return function()
         -- Let the last segments (close_notify, FIN) reach the capture.
         proc.sleep(0.3)
         h:kill()
         return pcap
      end
   end

   -- The TCP stream of the capture that carries the ClientHello (the
   -- capture may hold other connections to the port, such as a probe).
   local function tls_stream(pcap, port)
      local out, code = proc.run(string.format("tshark -r %s -d tcp.port==%d,tls -Y 'tls.handshake.type == 1' "
         .. "-T fields -e tcp.stream", pcap, port), nil, 60)
      assert.equal(0, code, out)
      local stream = out:match("\n(%d+)%s*$") or out:match("^(%d+)%s*$")
      assert(stream, "no ClientHello in the capture:\n" .. out .. proc.run("tshark -r " .. pcap))
      return stream
   end

   local function follow(pcap, port, stream, keylog)
      local out, code = proc.run(string.format("tshark -r %s %s -d tcp.port==%d,tls -q -z follow,tls,ascii,%s",
         pcap, keylog and ("-o tls.keylog_file:" .. keylog) or "", port, stream), nil, 60)
      assert.equal(0, code, out)
      assert.truthy(out:find("Follow: tls,ascii", 1, true), out)
      return out
   end

   local function check(pcap, port, keylog)
      local stream = tls_stream(pcap, port)
      local decrypted = follow(pcap, port, stream, keylog)
      assert.truthy(decrypted:find(PLAINTEXT, 1, true), "tshark did not decrypt the request:\n" .. decrypted)
      assert.truthy(decrypted:find(PLAINTEXT:reverse(), 1, true), "tshark did not decrypt the answer:\n" .. decrypted)
      local opaque = follow(pcap, port, stream, nil)
      assert.falsy(opaque:find(PLAINTEXT, 1, true), opaque)
      assert.falsy(opaque:find(PLAINTEXT:reverse(), 1, true), opaque)
      os.remove(pcap)
   end

   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it("our client's key log, " .. version, function()
         local keylog = tmp()
         local _, port = peers.s_server(string.format("%s -cert %s -key %s -rev",
            version == "TLSv1.2" and "-tls1_2" or "-tls1_3", c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key))
         local stop = capture(port)
         local conn = assert(tls.connect("127.0.0.1", port, { ca = c.ca, keylog = keylog, max_version = version },
            { servername = "localhost", timeout = 10 }))
         assert.equal(version, conn:info().version)
         assert(conn:send(PLAINTEXT .. "\n"))
         assert.equal(PLAINTEXT:reverse(), conn:receive("*l"))
         conn:close()
         check(stop(), port, keylog)
         os.remove(keylog)
      end)

      it("our server's key log, " .. version, function()
         local keylog = tmp()
         local srv = proc.spawn(string.format("%s %s spec/support/keylog_peer.lua cert=%s key=%s keylog=%s max_version=%s",
            proc.lua_env(), proc.lua(), c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, keylog, version), { ours = true })
         local port = tonumber(proc.wait_output(srv, "ready (%d+)"))
         local stop = capture(port)
         local out = proc.run(string.format("openssl s_client -connect 127.0.0.1:%d -CAfile %s -servername localhost "
            .. "-ign_eof", port, c.ca), PLAINTEXT .. "\n")
         assert.truthy(out:find(PLAINTEXT:reverse(), 1, true), out)
         assert(srv:wait(10), srv:output())
         assert.truthy(srv:output():find("version " .. version, 1, true), srv:output())
         check(stop(), port, keylog)
         os.remove(keylog)
      end)
   end
end)
