-- record_size_limit (RFC 8449): the option, what each side advertises and
-- answers (seen in the trace), the sizes of the protected records each side
-- then sends (parsed off the wire), and GnuTLS, which implements it, both ways.
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"

local CERT, KEY = E.CERT, E.KEY
local TAG = 16 -- every suite's AEAD tag

-- An engine pair; `wire` collects, per direction, the bytes each side sent.
local function pair(client_opts, server_opts)
   local co, c_events = E.traced(client_opts)
   local so, s_events = E.traced(server_opts)
   local c, s = E.engines(co, so)
   local wire = { c = {}, s = {} }
   local function tap(from, bytes)
      local sent = from == c and wire.c or wire.s
      sent[#sent + 1] = bytes
   end
   local function pump() E.pump(c, s, { tap = tap }) end
   E.handshake(c, s, { tap = tap })
   return { c = c, s = s, pump = pump, wire = wire, c_events = c_events, s_events = s_events }
end

local function event(events, direction, message)
   for _, ev in ipairs(events) do
      if ev.direction == direction and ev.message == message then return ev end
   end
   error("no " .. direction .. " " .. message .. " event")
end

-- The largest protected record body (ciphertext and tag) in a direction,
-- and how many protected records there were.
local function largest_protected(chunks)
   local records, rest = B.parse_records(table.concat(chunks))
   assert.equal("", rest)
   local max, n = 0, 0
   for _, r in ipairs(records) do
      if r.type == B.CT.application_data then
         n = n + 1
         if #r.body > max then max = #r.body end
      end
   end
   return max, n
end

describe("the record_size_limit option", function()
   it("takes an integer from 64 to 16385", function()
      assert(tls.context { record_size_limit = 64 })
      assert(tls.context { record_size_limit = 16385 })
      assert(tls.context { mode = "server", certificate = CERT, key = KEY, record_size_limit = 1000 })
   end)

   it("refuses anything else, naming the option", function()
      for _, bad in ipairs { 63, 16386, 0, -1, 100.5, "100", true } do
         local ctx, err = tls.context { record_size_limit = bad }
         assert.is_nil(ctx)
         assert.equal("option 'record_size_limit' must be an integer from 64 to 16385 (got " .. (type(bad) == "string" and ("%q"):format(bad) or tostring(bad)) .. ")",
            err)
      end
   end)
end)

describe("record_size_limit negotiation (rfc8449)", function()
   it("a client sends its limit; a server answers with 16385 unless told otherwise", function()
      local p = pair({ record_size_limit = 64 })
      assert.equal("64", event(p.c_events, "send", "ClientHello").record_size_limit)
      assert.equal("64", event(p.s_events, "receive", "ClientHello").record_size_limit)
      assert.equal("16385", event(p.s_events, "send", "EncryptedExtensions").record_size_limit)
      assert.equal("16385", event(p.c_events, "receive", "EncryptedExtensions").record_size_limit)
   end)

   it("a server answers with its own limit", function()
      local p = pair({ record_size_limit = 64 }, { record_size_limit = 100 })
      assert.equal("100", event(p.s_events, "send", "EncryptedExtensions").record_size_limit)
      assert.equal("100", event(p.c_events, "receive", "EncryptedExtensions").record_size_limit)
   end)

   it("nobody sends it unless the client's context asks", function()
      local p = pair(nil, { record_size_limit = 100 })
      assert.is_nil(event(p.c_events, "send", "ClientHello").record_size_limit)
      assert.is_nil(event(p.s_events, "send", "EncryptedExtensions").record_size_limit)
      local ee = event(p.c_events, "receive", "EncryptedExtensions")
      assert.is_nil(ee.record_size_limit)
      assert.equal("1", ee.extensions) -- server_name only
   end)
end)

describe("protected records under record_size_limit", function()
   it("a server keeps every record to the client's limit, from EncryptedExtensions on", function()
      local p = pair({ record_size_limit = 64 })
      assert(p.s:write(("s"):rep(5000)))
      p.pump()
      local max, n = largest_protected(p.wire.s)
      assert.equal(64 + TAG, max)
      assert.truthy(n >= 5000 / 63, n)
      local got = {}
      repeat local chunk = p.c:read(); got[#got + 1] = chunk until chunk == ""
      assert.equal(5000, #table.concat(got))
   end)

   it("a client keeps its records to the server's limit once it has read it", function()
      local p = pair({ record_size_limit = 2000 }, { record_size_limit = 100 })
      assert(p.c:write(("c"):rep(5000)))
      p.pump()
      assert.equal(100 + TAG, (largest_protected(p.wire.c)))
      assert.equal(("c"):rep(5000), p.s:read())
      -- and the server, to the client's
      assert(p.s:write(("s"):rep(5000)))
      p.pump()
      assert.equal(2000 + TAG, (largest_protected(p.wire.s)))
   end)

   it("a limit above TLS 1.3's own changes nothing", function()
      local p = pair({ record_size_limit = 16385 })
      assert(p.s:write(("s"):rep(40000)))
      p.pump()
      assert.equal(16385 + TAG, (largest_protected(p.wire.s)))
   end)
end)

describe("record_size_limit with GnuTLS", function()
   after_each(proc.kill_all)
   local c = certs.get()
   local TLS13 = "NORMAL:-VERS-ALL:+VERS-TLS1.3"
   local LINE = ("0123456789"):rep(100)

   it("gnutls-cli --recordsize=512 against our server: every record we send fits", function()
      -- An RSA certificate: our Certificate message alone needs two records.
      -- (gnutls-cli itself cannot send a line longer than its limit.)
      local short = LINE:sub(1, 400)
      local _, port = peers.luatls_server { cert = c.leaf.rsa2048.cert, key = c.leaf.rsa2048.key }
      local out = proc.run(string.format("(printf '%s\\n'; sleep 1) | gnutls-cli --x509cafile %s "
         .. "--verify-hostname localhost --sni-hostname localhost --recordsize=512 -p %d --priority %s 127.0.0.1",
         short, c.ca, port, TLS13))
      assert.truthy(out:find("- Handshake was completed", 1, true), out)
      assert.truthy(out:find("\n" .. short .. "\n", 1, true), out)
   end)

   it("gnutls-cli --recordsize=512 with an RSA client certificate, TLS 1.2: the ticket record fits too "
      .. "(review39a F1)", function()
      -- The TLS 1.2 ticket, unprotected, carries the client certificate (689
      -- bytes): RFC 8449 exempts it from the limit, GnuTLS does not.
      local m = certs.clients()
      local short = LINE:sub(1, 400)
      local _, port = peers.luatls_server { cert = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key,
         verify = "required", ca = m.ca }
      local out = proc.run(string.format("(printf '%s\\n'; sleep 1) | gnutls-cli --x509cafile %s "
         .. "--verify-hostname localhost --sni-hostname localhost --recordsize=512 --x509certfile %s "
         .. "--x509keyfile %s -p %d --priority NORMAL:-VERS-ALL:+VERS-TLS1.2 127.0.0.1 2>&1",
         short, c.ca, m.rsa.cert, m.rsa.key, port))
      assert.truthy(out:find("- Handshake was completed", 1, true), out)
      assert.truthy(out:find("\n" .. short .. "\n", 1, true), out)
   end)

   it("our client with record_size_limit = 64 against gnutls-serv --recordsize=512", function()
      local _, port = peers.gnutls_serv(string.format("--x509certfile %s --x509keyfile %s --echo "
         .. "--recordsize=512 --priority %s", c.leaf.ecdsa_p256.cert, c.leaf.ecdsa_p256.key, TLS13))
      local conn = assert(tls.connect("127.0.0.1", port, { ca = c.ca, record_size_limit = 64 },
         { servername = "localhost", timeout = 10 }))
      conn:settimeout(10)
      assert(conn:send(LINE .. "\n"))
      assert.equal(LINE, conn:receive("*l"))
      conn:close()
   end)
end)
