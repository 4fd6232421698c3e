-- Out of memory, on every path: fuzz/oom.c runs complete handshakes (TLS 1.3
-- full with mutual TLS, ALPN and OCSP, HelloRetryRequest, RSA and Ed25519
-- certificates, resumption, 0-RTT; TLS 1.2 full and resumed; a handshake
-- refused for the certificate's name, review41h) and makes each
-- of their allocations fail in turn, ours alone ("ours") and libcrypto's too
-- ("all"). Built with AddressSanitizer and UBSan by `make fuzz-replay`: a
-- crash, a leak (LeakSanitizer at exit), data that was not sent, a failure
-- without a reason or a connection left neither closed nor failed fails here.

local proc = require "spec.support.proc"

local OOM = "build-fuzz/replay/oom"
local CLEAN_ENV = "env -u LD_PRELOAD ASAN_OPTIONS=detect_leaks=1 "
   .. "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "

local SCENARIOS = {
   "tls13_full", "tls13_hrr", "tls13_rsa", "tls13_ed25519", "tls13_resume", "tls13_resume_new_text",
   "tls13_early_data", "tls12_full", "tls12_chacha20", "tls12_resume_ticket", "tls12_resume_new_text",
   -- a refused handshake: the reason's own allocation fails in turn (review41h)
   "tls13_refused",
}

-- Runs the harness; returns its exit code, its output and the allocation
-- count it printed for each scenario.
local function run(mode, only)
   local code, out = proc.capture(CLEAN_ENV .. OOM .. " " .. mode .. (only and (" " .. only) or ""))
   local counts = {}
   for name, n in out:gmatch("oom: (%S+)%s+(%d+) allocations, each failed in turn") do
      counts[name] = tonumber(n)
   end
   return code, out, counts
end

describe("allocation failures", function()
   setup(function()
      local code, out = proc.capture(CLEAN_ENV .. "make -s " .. OOM)
      assert(code == 0, "building the harness failed:\n" .. out)
   end)

   it("fail each of our own allocations in turn, in every scenario, cleanly", function()
      local code, out, counts = run("ours")
      assert(code == 0, out)
      assert.truthy(out:find("oom: ours: 0 problem(s)", 1, true), out)
      for _, name in ipairs(SCENARIOS) do
         -- A handshake makes dozens of them: a count near zero would mean
         -- the wrapped allocator no longer sees the engine's.
         assert(counts[name] and counts[name] >= 20, name .. ": " .. out)
      end
   end)

   it("fail each of libcrypto's allocations too, in every scenario, cleanly", function()
      local code, out, counts = run("all")
      assert(code == 0, out)
      assert.truthy(out:find("oom: all: 0 problem(s)", 1, true), out)
      local ours = select(3, run("ours"))
      for _, name in ipairs(SCENARIOS) do
         assert(counts[name] and counts[name] > ours[name], name .. ": " .. out)
      end
   end)

   -- review42f: the trial ClientHello of a client context with alpn
   -- (tls_config_check_hello, review41b) makes and frees a connection
   -- inside one call; its reason (review41h) is copied out before the free.
   it("fail each allocation of the trial ClientHello in turn, ours and libcrypto's, cleanly", function()
      for _, mode in ipairs { "ours", "all" } do
         local code, out, counts = run(mode, "check_hello")
         assert(code == 0, out)
         assert.truthy(out:find("oom: " .. mode .. ": 0 problem(s)", 1, true), out)
         assert(counts.check_hello and counts.check_hello >= 5, out)
      end
   end)

   it("refuses an unknown mode or scenario, so its exit status means something", function()
      assert.are_not.equal(0, (run("some")))
      assert.are_not.equal(0, (run("ours", "no_such_scenario")))
   end)
end)
