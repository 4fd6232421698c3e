-- record_size_limit (RFC 8449): the option, what each side advertises and
-- answers (seen in the trace), the sizes of the protected records each side
-- then sends (parsed off the wire), and GnuTLS, which implements it, both ways.
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local B = require "spec.support.tlsbytes"

local CERT, KEY = assert(tls.selfsigned { names = { "localhost" } })
local TAG = 16 -- every suite's AEAD tag

-- An engine pair; `wire` collects, per direction, the bytes each side sent.
local function pair(client_opts, server_opts)
   local c_events, s_events = {}, {}
   local co = { ca = CERT, trace = function(ev) c_events[#c_events + 1] = ev end }
   for k, v in pairs(client_opts or {}) do co[k] = v end
   local so = { mode = "server", certificate = CERT, key = KEY,
                trace = function(ev) s_events[#s_events + 1] = ev end }
   for k, v in pairs(server_opts or {}) do so[k] = v end
   local c = assert(tls.engine(assert(tls.context(co)), { servername = "localhost" }))
   local s = assert(tls.engine(assert(tls.context(so))))
   local wire = { c = {}, s = {} }
   local function pump()
      for _ = 1, 200 do
         local x, y = c:output(), s:output()
         if #x > 0 then wire.c[#wire.c + 1] = x; s:feed(x) end
         if #y > 0 then wire.s[#wire.s + 1] = y; c:feed(y) end
         if #x == 0 and #y == 0 then return end
      end
      error("engines did not settle")
   end
   assert(c:start())
   pump()
   assert.is_true(c:status().handshake_done, tostring(c:error()))
   assert.is_true(s:status().handshake_done, tostring(s:error()))
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
         assert.equal("option 'record_size_limit' must be an integer from 64 to 16385 (got " .. tostring(bad) .. ")",
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
