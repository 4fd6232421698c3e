-- review45e: the kept TLS 1.2 master-secret HMAC context and its key's note
-- (review44e) live in a keep the connection points to, made when a call
-- into the engine has a context to keep and freed (notes wiped) with the
-- handshake: an idle connection no longer carries those 144 bytes.
-- Nothing in the Lua API shows the engine's fields, so fuzz/input_room.c
-- (AddressSanitizer and UBSan) looks inside both connections after every
-- handshake shape it drives (full, hello retry, client certificates and
-- OCSP, resumed, 0-RTT, in both versions).
local proc = require "spec.support.proc"
local I = require "tls.core"._internal

local HARNESS = "build-fuzz/replay/input_room"
local CLEAN_ENV = "env -u LD_PRELOAD ASAN_OPTIONS=detect_leaks=1 "
   .. "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "

describe("review45e: the HMAC keep of a connection's handshake", function()
   it("is gone once the handshake is over, for every handshake shape", function()
      local code, built = proc.capture(CLEAN_ENV .. "make -s " .. HARNESS)
      assert(code == 0, "building the harness failed:\n" .. built)
      local out
      code, out = proc.capture(CLEAN_ENV .. HARNESS)
      assert.is_nil(out:find("HMAC keep is held after the handshake", 1, true), out)
      assert(code == 0, out)
      local conversations = 0
      for _ in out:gmatch("input_room: tls1[23][^\n]-, pieces of [^\n]-%d+ and %d+ bytes\n") do
         conversations = conversations + 1
      end
      assert.equal(16, conversations, out)
      assert.truthy(out:find("input_room: 0 problem(s)", 1, true), out)
   end)

   it("is made when a call leaves a context to keep, and holds it with its key's note", function()
      -- One PRF, the call ends, the same key again: the keep was made at
      -- the first leave, and the context and its note are in it.
      local secret = string.rep("\7", 48)
      local got, held, after = assert(I.hmac_sequence("sha384",
         { { "prf", secret }, { "call" }, { "prf", secret } }))
      assert.equal(2, #got)
      assert.equal(got[1], got[2])
      assert.equal(2, held)
      assert.equal(0, after)
      assert.equal(0, I.hmac_kept())
   end)
end)
