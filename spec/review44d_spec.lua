-- review44d: the memory a connection holds while a record is half received.
-- Since review43e the binding reads its socket straight into the engine's
-- input buffer (tls_conn_input_room), which doubled as it grew: 32 to 64 KiB
-- held between calls for a record of 16 KiB. It is now grown to a size:
-- one read when empty, one record of the largest size and one read at most
-- while a record is unfinished. Nothing in the Lua API shows the engine's
-- buffer, so fuzz/input_room.c (AddressSanitizer and UBSan, beside the fuzz
-- replay programs) looks inside the connection, in the binding's reads
-- (csrc/lua/lua_conn.c RECV_MIN and RECV_CHUNK).
local proc = require "spec.support.proc"

local HARNESS = "build-fuzz/replay/input_room"
local CLEAN_ENV = "env -u LD_PRELOAD ASAN_OPTIONS=detect_leaks=1 "
   .. "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "
-- A record of the largest size as it arrives (5-byte header, 2^14 + 256 of
-- ciphertext), and one read of the binding (that and 1 KiB).
local RECORD = 5 + 16384 + 256
local READ = RECORD + 1024

describe("review44d: the engine's input buffer with a record half received", function()
   local out
   setup(function()
      local code, built = proc.capture(CLEAN_ENV .. "make -s " .. HARNESS)
      assert(code == 0, "building the harness failed:\n" .. built)
      code, out = proc.capture(CLEAN_ENV .. HARNESS)
      assert(code == 0, out)
   end)

   it("holds at most one record of the largest size and one read, in both versions", function()
      local seen = 0
      for name, part, record, held, bound in
         out:gmatch("input_room: (tls1[23] [^\n]-)%s+(%d+) of (%d+) held in at most (%d+) bytes %(bound (%d+)%)") do
         seen = seen + 1
         part, record, held, bound = tonumber(part), tonumber(record), tonumber(held), tonumber(bound)
         assert.equal(RECORD + READ, bound, name)
         assert.is_true(part > 0 and part < record, name)
         assert.is_true(held >= part, name)
         assert.is_true(held <= bound, ("%s: %d bytes held, bound %d"):format(name, held, bound))
      end
      assert.equal(4, seen, out)
      -- Half a record in a buffer of one read: it was 32 KiB, doubled.
      assert.truthy(out:find("tls13 half a record                8192 of 16406 held in at most " .. READ .. " bytes",
         1, true), out)
      assert.truthy(out:find("input_room: 0 problem(s)", 1, true), out)
   end)
end)
