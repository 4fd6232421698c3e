-- The Lua binding under allocation failure: fuzz/lua_oom.c runs each script
-- of fuzz/lua_oom/ in a fresh Lua state whose allocator fails its k-th
-- allocation, for every k (the engine and binding linked in, built with
-- AddressSanitizer, UBSan and LeakSanitizer by `make fuzz-replay`). A Lua
-- allocation that fails raises through our C functions: whatever C resource
-- they hold at that moment must be where the collector finds it. A crash,
-- a leak, or a run that fails for another reason than memory fails here.
local proc = require "spec.support.proc"
local certs = require "spec.support.certs"

local HARNESS = "build-fuzz/replay/lua_oom"
local CLEAN_ENV = "env -u LD_PRELOAD ASAN_OPTIONS=detect_leaks=1 "
   .. "LSAN_OPTIONS=suppressions=fuzz/lua_oom/lsan.supp:print_suppressions=0 "
   .. "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "

local SCRIPTS = {
   -- name, script, the fewest allocations a run must make (a count near
   -- zero would mean the script stopped early and tests nothing)
   { "TLS 1.3 engines with every hook, resumption and 0-RTT", "fuzz/lua_oom/engine13.lua", 4000 },
   { "TLS 1.2 engines, ChaCha20, tickets and a session store", "fuzz/lua_oom/engine12.lua", 3000 },
   { "certificates, contexts and their refusals", "fuzz/lua_oom/objects.lua", 3000 },
   { "sockets: tls.wrap both ways without blocking, tls.listen and accept", "fuzz/lua_oom/socket.lua", 3000 },
   { "the LuaSec drop-in: contexts, SNI map, ALPN, verification, both ends", "fuzz/lua_oom/dropin.lua", 6000 },
   { "tls.https: GET and POST against a luatls HTTPS server", "fuzz/lua_oom/https.lua", 6000, https = true },
}

local DESCRIBE = "the Lua binding when Lua runs out of memory"
local function test_name(s)
   return s[1] .. ": every allocation failed in turn, cleanly"
end

-- busted's --filter patterns on this run's command line: a filtered run
-- (`make mutate` runs one test of this file per planted bug) starts only
-- the harness runs its tests look at, not all six side by side.
local function selected(full_name)
   local filters, i = {}, 1
   while arg and arg[i] do
      local a = arg[i]
      if a == "--filter" and arg[i + 1] then filters[#filters + 1] = arg[i + 1]; i = i + 1
      elseif a:match("^%-%-filter=") then filters[#filters + 1] = a:match("^%-%-filter=(.*)$") end
      i = i + 1
   end
   if #filters == 0 then return true end
   for _, f in ipairs(filters) do
      local ok, found = pcall(string.find, full_name, f)
      if not ok or found then return true end
   end
   return false
end

describe(DESCRIBE, function()
   -- The scripts run side by side (a minute or more one after another);
   -- those a filtered run does not look at are not started (or, if one is
   -- looked at all the same, started when it is).
   local runs = {}
   local server, start, dir
   setup(function()
      local code, out = proc.capture(CLEAN_ENV .. "make -s " .. HARNESS)
      assert(code == 0, "building the harness failed:\n" .. out)
      -- fuzz/lua_oom/https.lua's server, in another process: its requests
      -- block, so it cannot be in the harness's Lua state.
      local c = certs.get()
      server = proc.spawn(string.format("%s %s spec/support/https_luatls_server.lua %s %s",
         proc.lua_env(), proc.lua(), proc.quote(c.leaf.ecdsa_p256.cert), proc.quote(c.leaf.ecdsa_p256.key)),
         { ours = true, timeout = 900 })
      local port = assert(tonumber(proc.wait_output(server, "ready (%d+)")))
      local https_env = string.format("LUA_OOM_HTTPS_PORT=%d LUA_OOM_HTTPS_CA=%s ", port, proc.quote(c.ca))
      -- the scripts' own files (fuzz/lua_oom/dropin.lua's CA file)
      dir = proc.tmpdir()
      start = function(s)
         local log = os.tmpname()
         local p = assert(io.popen(string.format("%sLUA_OOM_DIR=%s %s%s %s > %s 2>&1 & echo $!", CLEAN_ENV,
            proc.quote(dir), s.https and https_env or "", HARNESS, s[2], proc.quote(log))))
         local pid = tonumber(p:read("l"))
         p:close()
         runs[s[2]] = { log = log, pid = assert(pid) }
      end
      for _, s in ipairs(SCRIPTS) do
         if selected(DESCRIBE .. " " .. test_name(s)) then start(s) end
      end
   end)

   teardown(function()
      if server then server:kill() end
      for _, run in pairs(runs) do
         os.execute("kill " .. run.pid .. " 2>/dev/null")
         os.remove(run.log)
      end
      if dir then os.execute("rm -rf " .. proc.quote(dir)) end
   end)

   -- The harness's output once it has exited.
   local function finished(s)
      local script = s[2]
      if not runs[script] then start(s) end
      local run = runs[script]
      local deadline = os.time() + 600
      while os.execute("kill -0 " .. run.pid .. " 2>/dev/null") do
         if os.time() > deadline then error(script .. ": the harness did not finish in 10 minutes") end
         proc.sleep(0.2)
      end
      return proc.read_file(run.log)
   end

   for _, s in ipairs(SCRIPTS) do
      local least = s[3]
      it(test_name(s), function()
         local out = finished(s)
         -- A leak or a sanitizer finding is reported after the summary line.
         assert.falsy(out:find("ERROR: ", 1, true) or out:find("runtime error", 1, true), out)
         local n, problems = out:match("lua_oom: %S+ (%d+) allocations, each failed in turn: (%d+) problem")
         assert(n, out)
         assert.equal("0", problems, out)
         assert(tonumber(n) >= least, out)
      end)
   end

   it("says so when a script fails with nothing failed, so its exit status means something", function()
      local bad = os.tmpname()
      local f = assert(io.open(bad, "w"))
      f:write('error("this script always fails")\n')
      f:close()
      local code, out = proc.capture(CLEAN_ENV .. HARNESS .. " " .. bad)
      os.remove(bad)
      assert.are_not.equal(0, code)
      assert.truthy(out:find("with nothing failed: " , 1, true), out)
   end)
end)
