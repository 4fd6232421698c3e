-- fuzz/input_room.c, built beside the fuzz replay programs (AddressSanitizer
-- and UBSan), run once per spec file: it looks inside the engine's input
-- buffer, which nothing in the Lua API shows. run() builds it if needed
-- and returns its output, asserting it built and exited 0 (no problem).
local proc = require "spec.support.proc"

local HARNESS = "build-fuzz/replay/input_room"
-- Without a preloaded library (the sanitizers want to come first), with
-- leaks reported and any undefined behaviour fatal.
local CLEAN_ENV = "env -u LD_PRELOAD ASAN_OPTIONS=detect_leaks=1 "
   .. "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "

local M = {}

function M.run()
   local code, out = proc.capture(CLEAN_ENV .. "make -s " .. HARNESS)
   assert(code == 0, "building the harness failed:\n" .. out)
   code, out = proc.capture(CLEAN_ENV .. HARNESS)
   assert(code == 0, out)
   return out
end

return M
