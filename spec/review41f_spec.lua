-- review41f: a record whose seal fails midway never goes out. tls_protect_seal
-- places the record's header and room for its body in the output before the
-- cipher runs, and takes them back when the cipher fails; without that, the
-- peer would get a record of heap bytes (whatever the buffer held) ahead of
-- the alert. The one failure a test can cause at will is the write sequence
-- number running out (rfc8446#5.3, rfc5246#6.1); fuzz/seal_fail.c sets it
-- near 2^64 - 1 inside the connection (the engine has no setting for it) and
-- checks that only whole, authentic records came out. Built with
-- AddressSanitizer and UBSan beside the fuzz replay programs.

local proc = require "spec.support.proc"

local HARNESS = "build-fuzz/replay/seal_fail"
local CLEAN_ENV = "env -u LD_PRELOAD ASAN_OPTIONS=detect_leaks=1 "
   .. "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "

describe("review41f: a record whose seal fails", function()
   setup(function()
      local code, out = proc.capture(CLEAN_ENV .. "make -s " .. HARNESS)
      assert(code == 0, "building the harness failed:\n" .. out)
   end)

   it("is taken back out of the output: with the sequence number exhausted only the records sealed before go out, in TLS 1.3 and 1.2", function()
      local code, out = proc.capture(CLEAN_ENV .. HARNESS)
      assert(code == 0, out)
      assert.truthy(out:find("seal_fail: 0 problem(s)", 1, true), out)
      -- every case ran: two records written and nothing from the close
      local writes, closes = 0, 0
      for _ in out:gmatch("write: %d+ bytes out, 2 records") do writes = writes + 1 end
      for _ in out:gmatch("close: 0 bytes out") do closes = closes + 1 end
      assert.are.equal(5, writes, out)
      assert.are.equal(5, closes, out)
   end)
end)
