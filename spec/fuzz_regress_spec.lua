-- Every input that ever crashed a fuzz target (fuzz/regress/<target>/) and
-- every seed (fuzz/corpus/<target>/) goes through the same
-- LLVMFuzzerTestOneInput again, built without libFuzzer by `make
-- fuzz-replay` (fuzz/fuzz.mk) with the normal compiler and its sanitizers.
-- The seeds are real handshakes, so this also runs complete engine pairs.

local TARGETS = { "fuzz_server", "fuzz_client", "fuzz_record", "fuzz_hsmsg" }
local REPLAY_DIR = "build-fuzz/replay/"

local function q(s)
   return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- The environment of `make test-asan` preloads the ASan runtime and turns
-- leak checks off for Lua; the replay programs carry their own sanitizers
-- and must check leaks.
local CLEAN_ENV = "env -u LD_PRELOAD ASAN_OPTIONS=detect_leaks=1 "
   .. "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "

-- Runs a shell command; returns its exit code and its output.
local function run(cmd)
   local p = assert(io.popen(cmd .. " 2>&1", "r"))
   local out = p:read("a")
   local _, _, code = p:close()
   return code, out
end

local function count_files(dir)
   local code, out = run("find " .. q(dir) .. " -maxdepth 1 -type f ! -name '.*' | wc -l")
   assert(code == 0, out)
   return tonumber(out:match("%d+"))
end

local function is_dir(path)
   return (run("test -d " .. q(path))) == 0
end

describe("fuzz regression replay", function()
   setup(function()
      local code, out = run(CLEAN_ENV .. "make -s fuzz-replay")
      assert(code == 0, "`make fuzz-replay` failed (is fuzz/fuzz.mk included by the Makefile?):\n" .. out)
   end)

   it("has seeds for every target", function()
      for _, t in ipairs(TARGETS) do
         assert.is_true(is_dir("fuzz/corpus/" .. t), "fuzz/corpus/" .. t .. " is missing")
         assert.is_true(count_files("fuzz/corpus/" .. t) >= 4, "too few seeds for " .. t)
      end
   end)

   it("fails on an input it cannot read, so its exit status means something", function()
      local code = run(CLEAN_ENV .. REPLAY_DIR .. "fuzz_server fuzz/no-such-input")
      assert.are_not.equal(0, code)
   end)

   for _, t in ipairs(TARGETS) do
      it("replays every regression input and seed through " .. t, function()
         local dirs, expected = {}, 0
         for _, dir in ipairs { "fuzz/regress/" .. t, "fuzz/corpus/" .. t } do
            if is_dir(dir) then
               dirs[#dirs + 1] = q(dir)
               expected = expected + count_files(dir)
            end
         end
         local code, out = run(CLEAN_ENV .. REPLAY_DIR .. t .. " " .. table.concat(dirs, " "))
         assert(code == 0, t .. " failed on an input:\n" .. out)
         local replayed = tonumber(out:match("(%d+) inputs replayed"))
         assert.are.equal(expected, replayed)
      end)
   end
end)
