-- Review 45f: duplicated code made one. tls_utf8_cut (csrc/util/tls_err.c)
-- is where a reason (vsnprintf cut at TLS_REASON_MAX) and a certificate's
-- list of names (tls_x509.c's append) are cut without splitting a UTF-8
-- character; spec/review44b_spec.lua and spec/review44g_spec.lua reach both
-- callers through a hostile server, these call the one function directly.
local core = require "tls.core"

describe("review45f: tls_utf8_cut, where UTF-8 text is cut", function()
   local cut = core._internal.utf8_cut

   it("keeps every byte when the cut falls between characters", function()
      assert.equal(0, cut("", 0))
      assert.equal(3, cut("abc", 3))
      assert.equal(2, cut("abc", 2))
      assert.equal(3, cut("a\xc3\xa9b", 3))
      assert.equal(4, cut("\xf0\x9f\x98\x80", 4))
      assert.equal(7, cut("\xe2\x82\xac\xf0\x9f\x98\x80", 7))
   end)

   it("drops the bytes of a character the cut would split, whichever byte it falls on", function()
      assert.equal(1, cut("a\xc3\xa9", 2))
      assert.equal(1, cut("a\xe2\x82\xac", 2))
      assert.equal(1, cut("a\xe2\x82\xac", 3))
      assert.equal(1, cut("a\xf0\x9f\x98\x80", 2))
      assert.equal(1, cut("a\xf0\x9f\x98\x80", 3))
      assert.equal(1, cut("a\xf0\x9f\x98\x80", 4))
      assert.equal(0, cut("\xf0\x9f\x98\x80", 3))
      assert.equal(3, cut("\xe2\x82\xac\xf0\x9f\x98\x80", 6))
   end)

   it("reads only the bytes before the cut: what follows does not move it", function()
      -- a whole character, then a stray continuation byte or another character
      assert.equal(3, cut("a\xc3\xa9\x80", 3))
      assert.equal(3, cut("a\xc3\xa9\xc3\xa9", 3))
      assert.equal(1, cut("a\xe2\x82\x41", 3))
   end)

   it("leaves text that is not UTF-8 as it is (sanitised text never is)", function()
      -- a run of four continuation bytes has no lead byte within reach
      assert.equal(4, cut("\x80\x80\x80\x80", 4))
      assert.equal(2, cut("\x80\x80", 2))
   end)

   it("refuses a length outside the text", function()
      assert.has_error(function() cut("abc", 4) end)
      assert.has_error(function() cut("abc", -1) end)
   end)
end)
