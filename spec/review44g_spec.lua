-- review44g: adversarial review of round 44's changes.
local H = require "spec.support.hostile_server"

-- review44g F1: a name cut before a UTF-8 character it would split
-- (review44b F1) left up to 3 bytes of the list's buffer free, and the
-- next name's separator and first letter went in: "aaa…, b" showed a name
-- "b" the certificate does not have. A cut ends the list.
describe("review44g: a certificate's names cut in the client's refusal", function()
   it("end at the cut: the bytes a partial character leaves take nothing of the next name", function()
      -- untagged list of 194 bytes at most (199, less the room kept for
      -- "..." since session 48): 191 'a' and a 4-byte character whose last
      -- byte falls on the 195th; then a second name
      local leaf = H.issue_leaf("r44g_utf8_cut", "DNS:" .. ("a"):rep(191) .. "\240\159\152\128,DNS:bad.example",
         "serverAuth")
      local s = H.new{ cert = leaf.cert, key = leaf.key }
      s:hello()
      s:flight()
      local msg, alert = s.engine:error()
      assert.equal("bad_certificate", alert)
      assert.is_not_nil(utf8.len(msg), "not UTF-8: " .. msg)
      assert.equal("host name mismatch: expected localhost, certificate is for " .. ("a"):rep(191) .. "...", msg)
   end)
end)
