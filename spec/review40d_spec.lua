-- Review 40d: valid but unusual peers. F1: empty application_data records
-- (rfc8446#5.4 "plausibly sized cover traffic"; rfc5246#6.2.1 "a traffic
-- analysis countermeasure") arrive on an idle connection for as long as it
-- lasts; each costs its bytes, as a one-byte data record does. Until
-- session 40 the 33rd in a row, however far apart in time, ended the
-- connection with unexpected_message. Floods of records that are not data
-- (warnings, change_cipher_spec, user_canceled) are still cut off at 32, and
-- empty records between them do not reset that count.
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local T = require "spec.support.tls12_peer"

-- Our TLS 1.2 server engine after a handshake with the scripted client.
local function tls12_server_connected()
   local sv = E.server_engine { max_version = "TLSv1.2" }
   local fake = T.client()
   assert(sv:feed(fake:hello()))
   fake:server_flight(sv:output())
   assert(sv:feed(fake:key_exchange()))
   assert.is_true(sv:status().handshake_done)
   local recs = B.parse_records(sv:output())
   assert(fake:open(recs[#recs]))
   return sv, fake
end

describe("review40d F1: empty application data records as cover traffic", function()
   it("our TLS 1.3 client takes 100 padded empty records, one feed each, then data", function()
      local cl, srv = E.scripted_server_handshake({})
      for i = 1, 100 do
         local ok, err = cl:feed(srv:seal(srv.server_ap, B.CT.application_data, "", { padding = ("\0"):rep(100) }))
         assert(ok, "record " .. i .. ": " .. tostring(err))
      end
      assert(cl:feed(srv:seal(srv.server_ap, B.CT.application_data, "data")))
      assert.equal("data", cl:read())
   end)

   it("our TLS 1.3 server takes 100 empty records from the client, one feed each, then data", function()
      local sv, fake = E.scripted_handshake()
      for i = 1, 100 do
         local ok, err = sv:feed(fake:seal(fake.client_ap, B.CT.application_data, ""))
         assert(ok, "record " .. i .. ": " .. tostring(err))
      end
      assert(sv:feed(fake:seal(fake.client_ap, B.CT.application_data, "data")))
      assert.equal("data", sv:read())
   end)

   it("our TLS 1.2 server takes 100 empty records in one feed, then data", function()
      local sv, fake = tls12_server_connected()
      local empties = {}
      for i = 1, 100 do empties[i] = fake:seal(B.CT.application_data, "") end
      assert(sv:feed(table.concat(empties) .. fake:seal(B.CT.application_data, "data")))
      assert.equal("data", sv:read())
   end)

   it("still cuts off 33 user_canceled alerts in a row, empty records between them or not", function()
      local sv, fake = E.scripted_handshake()
      local batch = {}
      for i = 1, 33 do
         batch[#batch + 1] = fake:seal(fake.client_ap, B.CT.alert, "\1\90")
         batch[#batch + 1] = fake:seal(fake.client_ap, B.CT.application_data, "")
      end
      local ok, msg = sv:feed(table.concat(batch))
      E.assert_failed(sv, ok, msg, "unexpected_message", "peer sent more than 32 records in a row without content")
   end)
end)
