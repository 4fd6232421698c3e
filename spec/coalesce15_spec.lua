-- Handshake messages of one flight share records (rfc8446#5.1, rfc5246#6.2.1:
-- "multiple client messages of the same ContentType MAY be coalesced into a
-- single TLSPlaintext record"), and none spans a key change (rfc8446#5.1:
-- "Handshake messages MUST NOT span key changes"). csrc/record/tls_record.c
-- batches a flight within one call into the engine (session 15).
local tls = require "tls"
local E = require "spec.support.engines"
local B = require "spec.support.tlsbytes"

-- Records of bytes as "type:length" strings, and the parsed records.
local function shape(bytes)
   local recs, rest = B.parse_records(bytes)
   assert.equal("", rest)
   local out = {}
   for i, r in ipairs(recs) do out[i] = r.type .. ":" .. #r.body end
   return out, recs
end

local function types(recs)
   local out = {}
   for i, r in ipairs(recs) do out[i] = r.type end
   return out
end

-- Client c and server s engines, c started; returns the ClientHello bytes.
local function started(c)
   assert(c:start())
   return c:output()
end

describe("handshake messages in one record per flight", function()
   it("a TLS 1.3 server's EncryptedExtensions to Finished are one protected record", function()
      local c, s = E.engines({}, { tickets = 0 })
      assert(s:feed(started(c)))
      local flight = s:output()
      local _, recs = shape(flight)
      -- ServerHello, the compatibility change_cipher_spec, then everything else
      assert.same({ B.CT.handshake, B.CT.ccs, B.CT.application_data }, types(recs))
      assert.equal(B.HS.server_hello, recs[1].body:byte(1))
      assert(c:feed(flight))
      assert.is_true(c:status().handshake_done)
      assert(s:feed(c:output()))
      assert.is_true(s:status().handshake_done)
   end)

   it("the trace still shows every message sent, in order", function()
      local sopts, events = E.traced { tickets = 0 }
      local c, s = E.engines({}, sopts)
      E.handshake(c, s)
      local sent = {}
      for _, ev in ipairs(events) do
         if ev.direction == "send" then sent[#sent + 1] = ev.message end
      end
      assert.same({ "ServerHello", "ChangeCipherSpec", "EncryptedExtensions", "Certificate",
                    "CertificateVerify", "Finished" }, sent)
   end)

   it("a client's Certificate, CertificateVerify and Finished are one record (mutual TLS)", function()
      local ccert, ckey = assert(tls.selfsigned { names = { "client" } })
      local c, s = E.engines({ certificate = ccert, key = ckey }, { tickets = 0, verify = true, ca = ccert })
      assert(s:feed(started(c)))
      assert(c:feed(s:output()))
      local flight = c:output()
      local _, recs = shape(flight)
      assert.same({ B.CT.ccs, B.CT.application_data }, types(recs))
      assert(s:feed(flight))
      assert.is_true(s:status().handshake_done)
      assert.equal("client", s:peercertificate():subject():match("client") or "")
   end)

   it("a server's NewSessionTickets after the handshake are one record", function()
      local c, s = E.engines({}, { tickets = 3 })
      assert(s:feed(started(c)))
      assert(c:feed(s:output()))
      assert(s:feed(c:output()))
      local _, recs = shape(s:output())
      assert.same({ B.CT.application_data }, types(recs))
   end)

   it("TLS 1.2: ServerHello to ServerHelloDone are one plaintext record, in order", function()
      local c, s = E.engines({ max_version = "TLSv1.2" }, { tickets = 0 })
      assert(s:feed(started(c)))
      local _, recs = shape(s:output())
      assert.same({ B.CT.handshake }, types(recs))
      local msgs = {}
      for i, m in ipairs(B.parse_handshakes(recs[1].body)) do msgs[i] = m.type end
      assert.same({ 2, 11, 12, 14 }, msgs)
   end)

   it("TLS 1.2: no message spans the change_cipher_spec (a key change)", function()
      local c, s = E.engines({ max_version = "TLSv1.2" }, { tickets = 0 })
      assert(s:feed(started(c)))
      assert(c:feed(s:output()))
      local flight = c:output()
      local _, recs = shape(flight)
      -- ClientKeyExchange, change_cipher_spec, the protected Finished
      assert.same({ B.CT.handshake, B.CT.ccs, B.CT.handshake }, types(recs))
      assert.equal(16, recs[1].body:byte(1))
      assert(s:feed(flight))
      E.pump(c, s, { strict = true })
      assert.is_true(c:status().handshake_done and s:status().handshake_done)
   end)

   it("a flight larger than a record is cut into full records", function()
      local big = require("spec.support.bigcert").get()
      local proc = require "spec.support.proc"
      local s = assert(tls.engine(assert(tls.context { mode = "server", certificate = proc.read_file(big.cert),
                                                       key = proc.read_file(big.key), tickets = 0 })))
      local c = E.client_engine()
      assert(s:feed(started(c)))
      local flight = s:output()
      local lens, recs = shape(flight)
      assert.same({ B.CT.handshake, B.CT.ccs }, { recs[1].type, recs[2].type })
      assert.is_true(#recs >= 5, table.concat(lens, " "))
      -- every protected record but the last carries 16384 bytes: + content type + tag
      for i = 3, #recs - 1 do assert.equal(16384 + 1 + 16, #recs[i].body) end
      assert.is_true(#recs[#recs].body <= 16384 + 1 + 16)
      assert(c:feed(flight))
      assert.is_true(c:status().handshake_done)
   end)

   it("the client's record_size_limit cuts the coalesced flight", function()
      local c, s = E.engines({ record_size_limit = 256 }, { tickets = 0 })
      assert(s:feed(started(c)))
      local flight = s:output()
      local _, recs = shape(flight)
      assert.is_true(#recs > 4)
      for i = 3, #recs do
         assert.equal(B.CT.application_data, recs[i].type)
         -- rfc8449#4: at most 256 bytes of inner plaintext, plus the tag
         assert.is_true(#recs[i].body <= 256 + 16, "record " .. i .. ": " .. #recs[i].body)
      end
      assert(c:feed(flight))
      E.pump(c, s, { strict = true })
      assert.is_true(c:status().handshake_done and s:status().handshake_done)
   end)

   it("a KeyUpdate answer goes under the old key, then data under the new", function()
      local c, s = E.connected({}, { tickets = 0 })
      assert(c:keyupdate(true))
      E.pump(c, s, { strict = true })
      assert(s:write("after"))
      E.pump(s, c, { strict = true })
      assert.equal("after", c:read())
      assert(c:write("back"))
      E.pump(c, s, { strict = true })
      assert.equal("back", s:read())
   end)
end)
