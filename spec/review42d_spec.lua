-- Session 42 (review42d): the server's per-connection cost.
local E = require "spec.support.engines"

-- A TLS 1.3 server draws the random bytes of its tickets (each one's
-- ticket_age_add and the nonce sealing it) in one call per 4 tickets
-- instead of two calls per ticket. Every ticket must still get bytes of its
-- own: rfc8446#4.6.1's age_add is "freshly generated" per ticket, and a
-- nonce used twice under the ticket key breaks AES-GCM.
describe("the random bytes of a server's tickets", function()
   local P = require "spec.support.psk13"
   local KEY = ("K"):rep(40) .. "76543210"

   -- name (16) || nonce (12) || ciphertext || tag: see csrc/crypto/tls_ticket.h
   local function seal_nonce(t) return t.ticket:sub(17, 28) end

   local function tickets(n)
      local sv = E.server_engine { ticket_keys = { KEY }, groups = "x25519", tickets = n }
      local list = P.full(sv)
      assert.equal(n, #list)
      return list
   end

   for _, n in ipairs { 1, 2, 6, 16 } do
      it("are each ticket's own with " .. n .. " ticket(s) per handshake", function()
         local list = tickets(n)
         local ages, nonces = {}, {}
         for i, t in ipairs(list) do
            local nonce = seal_nonce(t)
            assert.equal(12, #nonce)
            assert.is_nil(ages[t.age_add], "ticket_age_add of ticket " .. i .. " repeated")
            assert.is_nil(nonces[nonce], "sealing nonce of ticket " .. i .. " repeated")
            ages[t.age_add], nonces[nonce] = i, i
         end
         -- No ticket's age_add is bytes of a sealing nonce (its own or
         -- another's): the two come from separate parts of each draw.
         for i, t in ipairs(list) do
            local age = string.pack(">I4", t.age_add)
            for j, u in ipairs(list) do
               assert.is_nil(seal_nonce(u):find(age, 1, true),
                             ("ticket %d's age_add lies in ticket %d's sealing nonce"):format(i, j))
            end
         end
      end)
   end

   it("still resume, each of them", function()
      local list = tickets(6)
      for i, t in ipairs(list) do
         local sv = E.server_engine { ticket_keys = { KEY }, groups = "x25519" }
         local cl = P.client()
         assert(sv:feed(cl:hello { server_name = "localhost", psks = { t } }))
         cl:receive(sv:output())
         assert.is_true(cl.resumed, "ticket " .. i)
      end
   end)
end)
