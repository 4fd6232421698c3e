-- record19: the record layer's buffer accounting (app_in, hs_in, in),
-- checked by the exact bytes the application reads: records of every size
-- up to the maxima, empty and padding-only records, records whose inner
-- type is handshake or alert, KeyUpdate in the middle, data after
-- close_notify, back-pressure, and the same stream cut at every offset.
-- Both versions, AES-GCM and ChaCha20-Poly1305 (TLS 1.2 ChaCha20 has no
-- explicit nonce).
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"

-- n bytes of a pattern that tells positions apart (not all one byte).
local function pattern(n, seed)
   local t, x = {}, seed or 7
   for i = 1, n do
      x = (x * 1103515245 + 12345) % 2147483648
      t[i] = string.char(x >> 16 & 0xff)
   end
   return table.concat(t)
end

-- Everything engine e has for the application, read until nothing more
-- comes (the engine holds records back past its high-water mark).
local function read_all(e)
   local t = {}
   while true do
      local s = e:read()
      if s == "" then break end
      t[#t + 1] = s
   end
   return table.concat(t)
end

local PAIRS = {
   { name = "TLS 1.3 AES-128-GCM", c = { ciphers = "TLS_AES_128_GCM_SHA256" }, v13 = true },
   { name = "TLS 1.3 ChaCha20-Poly1305", c = { ciphers = "TLS_CHACHA20_POLY1305_SHA256" }, v13 = true },
   { name = "TLS 1.2 AES-128-GCM",
     c = { max_version = "TLSv1.2", ciphers = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" } },
   { name = "TLS 1.2 ChaCha20-Poly1305",
     c = { max_version = "TLSv1.2", ciphers = "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" } },
}

for _, p in ipairs(PAIRS) do
   describe("record19: " .. p.name .. " between our engines", function()
      it("reads exactly what was written, records of 1, 2^14-1, 2^14, 2^14+1 and 70000 bytes", function()
         local c, s = E.connected(p.c)
         assert.equal(p.c.ciphers, c:info().cipher)
         assert.equal(p.v13 and "TLSv1.3" or "TLSv1.2", c:info().version)
         local want = {}
         for i, n in ipairs { 1, 16383, 16384, 16385, 70000, 3 } do
            local d = pattern(n, i)
            assert(s:write(d))
            want[#want + 1] = d
            if p.v13 and i == 3 then assert(s:keyupdate(true)) end
         end
         assert(c:feed(s:output()))
         assert.equal(table.concat(want), read_all(c))
         assert.is_false(c:status().failed)
         -- and the way back still works after the KeyUpdate
         assert(c:write("back"))
         assert(s:feed(c:output()))
         assert.equal("back", s:read())
      end)

      it("reads exactly what was written when far more than the high-water mark arrives in one feed", function()
         local c, s = E.connected(p.c)
         local d = pattern(300000, 3)
         assert(s:write(d))
         assert(c:feed(s:output()))
         -- partial reads: the engine hands out some, holds the rest back
         local first = c:read()
         assert.truthy(#first > 0 and #first < #d, "read " .. #first)
         assert.equal(d, first .. read_all(c))
      end)

      it("reads the same bytes with the stream cut in two at every offset", function()
         local c, s = E.connected(p.c)
         local function round()
            assert(s:write("a"))
            assert(s:write(pattern(40, 1)))
            if p.v13 then assert(s:keyupdate(false)) end
            assert(s:write("bc"))
            return s:output()
         end
         local want = "a" .. pattern(40, 1) .. "bc"
         local first = round()
         local len = #first
         assert(c:feed(first))
         assert.equal(want, c:read())
         for k = 0, len do
            local wire = round()
            assert.equal(len, #wire)
            assert(c:feed(wire:sub(1, k)))
            local got = c:read()
            assert(c:feed(wire:sub(k + 1)))
            got = got .. c:read()
            assert.equal(want, got, "cut at " .. k)
         end
         assert.is_false(c:status().failed)
      end)

      it("reads the same bytes fed one byte per call", function()
         local c, s = E.connected(p.c)
         local want = pattern(700, 9)
         assert(s:write(want:sub(1, 300)))
         if p.v13 then assert(s:keyupdate(true)) end
         assert(s:write(want:sub(301)))
         local wire, got = s:output(), {}
         for i = 1, #wire do
            assert(c:feed(wire:sub(i, i)))
            got[#got + 1] = c:read()
         end
         assert.equal(want, table.concat(got))
      end)

      it("keeps to the client's record_size_limit of 256 exactly, and reads what was written", function()
         local c, s = E.connected(E.merge({ record_size_limit = 256 }, p.c))
         local d = pattern(5000, 13)
         assert(s:write(d))
         local wire = s:output()
         local recs, rest = B.parse_records(wire)
         assert.equal("", rest or "")
         -- TLS 1.3: 255 bytes of data, the type, the tag; TLS 1.2: 256 bytes and the overhead
         local most = p.v13 and 255 + 1 + 16
            or 256 + (p.c.ciphers:find("CHACHA") and 16 or 24)
         local full = 0
         for _, r in ipairs(recs) do
            assert.truthy(#r.body <= most, #r.body .. " > " .. most)
            if #r.body == most then full = full + 1 end
         end
         assert.truthy(full > 0, "no record of the largest size")
         assert(c:feed(wire))
         assert.equal(d, read_all(c))
      end)

      it("reads nothing after the peer's close_notify in the same feed", function()
         local c, s = E.connected(p.c)
         assert(s:write("before"))
         s:close()
         local wire = s:output()
         -- a data record sealed after the close would not open: send a
         -- copy of the data record instead, to be ignored unread
         assert(c:feed(wire .. wire:sub(1, 40)))
         assert.equal("before", c:read())
         assert.equal("", c:read())
         assert.is_true(c:status().peer_closed)
      end)
   end)
end

---------------------------------------------------------------------------
-- Our TLS 1.3 server and the scripted client: padding, inner types
---------------------------------------------------------------------------
describe("record19: TLS 1.3 records with padding and inner types, our server", function()
   local function data(fake, content, padding)
      return fake:seal(fake.client_ap, B.CT.application_data, content, { padding = padding })
   end

   it("takes a record of 2^14 bytes of data and its type, and one of 1 byte padded to 2^14+1", function()
      local sv, fake = E.scripted_handshake()
      local big, small = pattern(16384, 4), "z"
      assert(sv:feed(data(fake, big) .. data(fake, small, string.rep("\0", 16383))))
      assert.equal(big .. small, read_all(sv))
   end)

   it("refuses one byte more of padding, and reads nothing of it", function()
      local sv, fake = E.scripted_handshake()
      assert(sv:feed(data(fake, "ok")))
      local ok, msg = sv:feed(data(fake, "z", string.rep("\0", 16384)))
      E.assert_failed(sv, ok, msg, "record_overflow")
      assert.equal("ok", sv:read())
      assert.equal("", sv:read())
   end)

   it("takes empty records padded between data records, in one feed", function()
      local sv, fake = E.scripted_handshake()
      local wire = data(fake, "", string.rep("\0", 100)) .. data(fake, "one") .. data(fake, "", "\0")
         .. data(fake, "", string.rep("\0", 5000)) .. data(fake, "two", string.rep("\0", 7)) .. data(fake, "")
      assert(sv:feed(wire))
      assert.equal("onetwo", sv:read())
      assert.equal("", sv:read())
   end)

   it("refuses a record of padding only, and reads only the data before it", function()
      local sv, fake = E.scripted_handshake()
      local wire = data(fake, "kept") .. fake:seal(fake.client_ap, 0, "", { padding = string.rep("\0", 30) })
      local ok, msg = sv:feed(wire)
      E.assert_failed(sv, ok, msg, "unexpected_message", "protected record without a content type")
      assert.equal("kept", sv:read())
      assert.equal("", sv:read())
   end)

   it("reads no byte of a padded close_notify nor of what follows it", function()
      local sv, fake = E.scripted_handshake()
      local wire = data(fake, "last") .. fake:seal(fake.client_ap, B.CT.alert, "\1\0", { padding = string.rep("\0", 50) })
         .. data(fake, "ignored")
      assert(sv:feed(wire))
      assert.equal("last", sv:read())
      assert.equal("", sv:read())
      assert.is_true(sv:status().peer_closed)
   end)

   it("reads only the data of a record that failed to open after good ones (nothing of the bad one)", function()
      local sv, fake = E.scripted_handshake()
      local good = data(fake, "good")
      local bad = data(fake, "forged!")
      bad = bad:sub(1, -2) .. string.char(bad:byte(-1) ~ 1)
      local ok, msg = sv:feed(good .. bad)
      E.assert_failed(sv, ok, msg, "bad_record_mac")
      assert.equal("good", sv:read())
      assert.equal("", sv:read())
   end)
end)

describe("record19: TLS 1.2 record sizes, our client", function()
   it("takes 2^14 bytes of plaintext in one record, between empty ones", function()
      local c, fake = E.client12()
      local big = pattern(16384, 5)
      assert(c:feed(fake:seal(B.CT.application_data, "") .. fake:seal(B.CT.application_data, big)
         .. fake:seal(B.CT.application_data, "") .. fake:seal(B.CT.application_data, "!")))
      assert.equal(big .. "!", read_all(c))
   end)

   it("refuses 2^14+1 bytes of plaintext, and reads only the data before it", function()
      local c, fake = E.client12()
      local ok, msg = c:feed(fake:seal(B.CT.application_data, "first")
         .. fake:seal(B.CT.application_data, pattern(16385, 6)))
      E.assert_failed(c, ok, msg, "record_overflow")
      assert.equal("first", c:read())
      assert.equal("", c:read())
   end)

   it("refuses a record header longer than 2^14+256 before its body arrives", function()
      local c, fake = E.client12()
      assert(c:feed(fake:seal(B.CT.application_data, "x")))
      local ok, msg = c:feed("\23\3\3" .. string.char((16384 + 257) >> 8, (16384 + 257) & 0xff))
      E.assert_failed(c, ok, msg, "record_overflow")
      assert.equal("x", c:read())
   end)
end)

---------------------------------------------------------------------------
-- While a protected record is being handled, its plaintext sits at the
-- tail of app_in before the engine decides whether it is data: callbacks
-- that run then must not see it as data to read.
---------------------------------------------------------------------------
describe("record19: what the engine reports from callbacks while a protected record is handled", function()
   -- Our client (TLS 1.3 unless opts say otherwise) whose trace callback
   -- records want() at every message received from the server.
   local function watched(copts, sopts)
      local seen, c, s = {}, nil, nil
      c, s = E.engines(E.merge({ trace = function(ev)
         if ev.direction == "receive" and c then seen[#seen + 1] = ev.message .. "=" .. c:want() end
      end }, copts), sopts)
      return c, s, seen
   end

   it("TLS 1.3: want() is not 'data' while handshake records, tickets and a KeyUpdate are handled", function()
      local c, s, seen = watched(nil, { tickets = 1 })
      E.handshake(c, s)
      assert(s:keyupdate(false))
      assert(c:feed(s:output()))
      assert.same({ "ServerHello=input", "EncryptedExtensions=input", "Certificate=input",
                    "CertificateVerify=input", "Finished=input", "NewSessionTicket=input", "KeyUpdate=input" }, seen)
   end)

   it("TLS 1.3: want() says 'data' for the data read before, not for the handshake record after it", function()
      local c, s, seen = watched(nil, { tickets = 0 })
      E.handshake(c, s)
      assert(s:write("unread"))
      assert(s:keyupdate(false))
      assert(c:feed(s:output()))
      assert.same({ "ServerHello=input", "EncryptedExtensions=input", "Certificate=input",
                    "CertificateVerify=input", "Finished=input", "KeyUpdate=data" }, seen)
      assert.equal("unread", c:read())
      assert.equal("input", c:want())
   end)

   it("a connection's dirty() is false while the server's handshake records and ticket are handled", function()
      local tls, socket = require "tls", require "socket"
      local seen, client = {}, nil
      local server = assert(tls.listen("127.0.0.1", 0, E.server_ctx { tickets = 1 }))
      local _, port = server:getsockname()
      local tcp = assert(socket.connect("127.0.0.1", port))
      client = assert(tls.wrap(tcp, assert(tls.context { verify = false, trace = function(ev)
         if ev.direction == "receive" and client then
            seen[#seen + 1] = ev.message .. "=" .. tostring(client:dirty())
         end
      end }), { servername = "localhost" }))
      client:settimeout(0)
      local sconn = assert(server:accept())
      server:close()
      sconn:settimeout(0)
      local cdone, sdone
      for _ = 1, 200 do
         if not cdone then cdone = client:handshake() end
         if not sdone then sdone = sconn:handshake() end
         if cdone and sdone then break end
         socket.select({ client, sconn }, nil, 0.1)
      end
      assert.is_true(cdone and sdone)
      client:settimeout(5)
      assert(sconn:send("x\n"))
      assert.equal("x", client:receive("*l"))
      assert.same({ "ServerHello=false", "EncryptedExtensions=false", "Certificate=false",
                    "CertificateVerify=false", "Finished=false", "NewSessionTicket=false" }, seen)
      client:close()
      sconn:close()
   end)

   it("TLS 1.2: want() is not 'data' while the server's encrypted Finished is handled", function()
      local c, s, seen = watched({ max_version = "TLSv1.2" }, nil)
      E.handshake(c, s)
      assert.equal("input", seen[#seen]:match("^Finished=(.*)$"))
   end)
end)

---------------------------------------------------------------------------
-- 0-RTT: early records pass through app_in's tail into their own buffer;
-- declined ones are skipped there
---------------------------------------------------------------------------
describe("record19: 0-RTT records, our client and server", function()
   local tls = require "tls"
   local KEY = ("E"):rep(16) .. ("e"):rep(24) .. "01234567"
   local function store()
      local data = {}
      return { get = function(id) return data[id] end, put = function(id, blob) data[id] = blob end,
               delete = function(id) local had = data[id] ~= nil; data[id] = nil; return had end }
   end

   for _, accept in ipairs { true, false } do
      it((accept and "accepted" or "declined") .. ": early data fed one byte per call, then 1-RTT data, exact bytes", function()
         local sctx = E.server_ctx { early_data = true, session_store = store(), ticket_keys = { KEY } }
         local cctx = assert(tls.context { mode = "client", ca = E.CERT, early_data = true })
         local session = E.first_session(cctx, sctx)
         -- declined: a server that no longer takes early data skips its records
         if not accept then sctx = E.server_ctx { early_data = false, ticket_keys = { KEY } } end
         local early = pattern(20000, 11):sub(1, 16000)
         local c = assert(tls.engine(cctx, { servername = "localhost", session = session, early_data = early }))
         local s = assert(tls.engine(sctx))
         assert(c:start())
         local wire = c:output()
         for i = 1, #wire do assert(s:feed(wire:sub(i, i))) end
         E.pump(c, s, { strict = true })
         assert.is_true(s:status().handshake_done, tostring(s:error()))
         assert.equal(accept and "accepted" or "rejected", s:info().early_data)
         local got = s:read_early()
         assert.equal(accept and early or "", got)
         assert.equal("", s:read())
         local later = pattern(3000, 12)
         assert(c:write(later))
         assert(s:feed(c:output()))
         assert.equal(later, s:read())
      end)
   end
end)

---------------------------------------------------------------------------
-- Connections: partial reads (by count, by line) across records that keep
-- arriving while app_in is compacted under them
---------------------------------------------------------------------------
describe("record19: a connection's partial reads across records", function()
   local tls, socket = require "tls", require "socket"

   local function socket_pair(copts)
      local server = assert(tls.listen("127.0.0.1", 0, E.server_ctx { tickets = 0 }))
      local _, port = server:getsockname()
      local tcp = assert(socket.connect("127.0.0.1", port))
      local client = assert(tls.wrap(tcp, assert(tls.context(E.merge({ verify = false }, copts))),
         { servername = "localhost" }))
      client:settimeout(0)
      local sconn = assert(server:accept())
      server:close()
      sconn:settimeout(0)
      local cdone, sdone
      for _ = 1, 200 do
         if not cdone then cdone = client:handshake() end
         if not sdone then sdone = sconn:handshake() end
         if cdone and sdone then break end
         socket.select({ client, sconn }, nil, 0.1)
      end
      assert.is_true(cdone and sdone)
      client:settimeout(5)
      sconn:settimeout(5)
      return client, sconn
   end

   for _, v in ipairs { "TLSv1.3", "TLSv1.2" } do
      it(v .. ": reads by 1, 7, 16385 bytes and by line return exactly the bytes sent", function()
         local client, sconn = socket_pair { max_version = v }
         -- lines of every length around the record size, and raw bytes
         local parts, lines = {}, {}
         for i, n in ipairs { 0, 1, 16383, 16384, 16385, 40000 } do
            local line = pattern(n, 20 + i):gsub("[\r\n]", "x")
            lines[i] = line
            parts[#parts + 1] = line .. "\n"
         end
         local raw = pattern(50000, 30)
         parts[#parts + 1] = raw
         local sent = table.concat(parts)
         -- the sender in pieces that cut records anywhere
         local pos = 1
         for _, n in ipairs { 1, 5000, 16384, 17000, 3, 70000 } do
            if pos > #sent then break end
            assert(sconn:send(sent:sub(pos, pos + n - 1)))
            pos = pos + n
         end
         if pos <= #sent then assert(sconn:send(sent:sub(pos))) end
         for i = 1, #lines do assert.equal(lines[i], client:receive("*l"), "line " .. i) end
         local got = { client:receive(1), client:receive(7), client:receive(16385) }
         got[#got + 1] = client:receive(#raw - 1 - 7 - 16385)
         assert.equal(raw, table.concat(got))
         client:close()
         sconn:close()
      end)
   end
end)
