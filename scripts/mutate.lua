-- `make mutate`: plants each bug of mutate/mutations.lua in a copy of the
-- tree, builds the module there and runs the specs that should notice.
--
--   lua5.4 scripts/mutate.lua [--only NAME[,NAME...]] [--list FILE] [--keep]
--
-- For each mutation, in build/mutate/NAME: a copy of the tree (with the
-- objects of the current build, so only what the mutation touches is
-- compiled again), the one textual change, `make build`, then busted on the
-- listed specs in turn against that build, stopping at the first that
-- fails. Prints one line per mutation:
--
--   killed NAME by SPEC [test that failed]
--   SURVIVED NAME          every listed spec passed: a hole in the suite
--   STALE NAME             the original text (of every variant) is not
--                          found exactly once
--   BROKEN NAME            the mutated tree does not build
--
-- and ends with "N killed, M survived" (and stale/broken counts). Before
-- that, every (spec, filter) used is run once on an unmutated copy made
-- the same way: a test that already fails there would "kill" anything. Exits non-zero if any
-- mutation survived, is stale or broken, or a baseline run failed.
local LUA = os.getenv("LUA") or "lua5.4"
local BUSTED = os.getenv("BUSTED") or "busted"
local SPEC_TIMEOUT = 300

local function q(s)
   return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- Runs a shell command; returns success, combined output.
local function run(cmd)
   local p = assert(io.popen("(" .. cmd .. ") 2>&1", "r"))
   local out = p:read("a")
   local ok, _, code = p:close()
   return ok and code == 0, out, code
end

local function sh(cmd)
   local ok, out = run(cmd)
   if not ok then error("command failed: " .. cmd .. "\n" .. out, 2) end
   return out
end

local function read_file(path)
   local f = io.open(path, "rb")
   if not f then return nil end
   local s = f:read("a")
   f:close()
   return s
end

local function write_file(path, data)
   local f = assert(io.open(path, "wb"))
   f:write(data)
   f:close()
end

local function count(haystack, needle)
   local n, i = 0, 1
   while true do
      local s, e = haystack:find(needle, i, true)
      if not s then return n end
      n, i = n + 1, e + 1
   end
end

local function now()
   local p = io.popen("date +%s.%N")
   local t = tonumber(p:read("l"))
   p:close()
   return t
end

---------------------------------------------------------------------------
local opts = { list = "mutate/mutations.lua" }
do
   local i = 1
   while arg[i] do
      local a = arg[i]
      if a == "--only" then opts.only = arg[i + 1]; i = i + 1
      elseif a == "--list" then opts.list = arg[i + 1]; i = i + 1
      elseif a == "--keep" then opts.keep = true
      else io.stderr:write("usage: mutate.lua [--only NAME[,NAME...]] [--list FILE] [--keep]\n"); os.exit(2) end
      i = i + 1
   end
end

local all = dofile(opts.list)
local selected, wanted = {}, nil
if opts.only and opts.only ~= "" then
   wanted = {}
   for name in opts.only:gmatch("[^,%s]+") do wanted[name] = true end
end
local names = {}
for _, m in ipairs(all) do
   -- `from`/`to`, or `variants = { { from =, to = }, ... }` when the code
   -- reads differently on branches being merged.
   m.variants = m.variants or { { from = m.from, to = m.to } }
   for _, v in ipairs(m.variants) do
      assert(v.from and v.to, "incomplete variant in mutation " .. tostring(m.name))
   end
   assert(m.name and m.file and m.specs, "incomplete mutation " .. tostring(m.name))
   assert(not names[m.name], "two mutations named " .. m.name)
   names[m.name] = true
   if not wanted or wanted[m.name] then selected[#selected + 1] = m end
end
if wanted then
   for name in pairs(wanted) do
      if not names[name] then io.stderr:write("no mutation named " .. name .. "\n"); os.exit(2) end
   end
end

-- A spec entry: "spec/x_spec.lua" or { "spec/x_spec.lua", "filter" }.
local function entry(s)
   if type(s) == "string" then return s, nil end
   return s[1], s[2]
end

local function label(file, filter)
   return filter and (file .. " [" .. filter .. "]") or file
end

local TEST_ENV = "env -u LD_PRELOAD LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH='build/?.so;;' "

-- Runs one spec (with its filter) in `dir`; returns passed, the name of
-- the first failing test (or why it failed), the output.
local function run_spec(dir, file, filter)
   -- `busted --lua=...` runs itself again without quoting its arguments:
   -- the filter must be one word, so anything but letters, digits and _
   -- matches any character.
   filter = filter and filter:gsub("[^%w_]", ".")
   local cmd = string.format("cd %s && %s timeout -k 5 %d %s --lua=%s%s %s", q(dir), TEST_ENV, SPEC_TIMEOUT,
      BUSTED, LUA, filter and (" --filter=" .. q(filter)) or "", q(file))
   local ok, out, code = run(cmd)
   if ok then
      -- busted exits 0 when the filter matched nothing: that kills nothing.
      local n = tonumber(out:match("(%d+) success"))
      return true, n == 0 and "no test matched" or nil, out
   end
   local why = out:match("\n[%w ]*Failure %-> [^\n]*\n([^\n]*)") or out:match("\nError %-> [^\n]*\n([^\n]*)")
   if not why then
      why = code == 124 and "timed out" or ("busted exited with " .. tostring(code))
   end
   return false, why, out
end

---------------------------------------------------------------------------
local root = sh("pwd"):gsub("%s+$", "")
local scratch_root = root .. "/build/mutate"
local t0 = now()

-- The unmutated build, and its objects for the copies.
io.write("mutate: building the unmutated tree\n")
io.flush()
sh("env -u LD_PRELOAD make -s build && env -u LD_PRELOAD make -s fuzz-replay")

-- What a copy of the tree takes: everything but VCS data and build output.
local function tree_entries()
   local out = sh("ls -A " .. q(root))
   local list = {}
   for name in out:gmatch("[^\n]+") do
      if name ~= ".git" and name ~= "build" and not name:match("^build%-") and name ~= "tls" then
         list[#list + 1] = q(root .. "/" .. name)
      end
   end
   return table.concat(list, " ")
end
local TREE = tree_entries()

-- A copy of the tree in dir with the current build output (objects keep
-- their times, so only what a mutation touches is compiled again; helpers
-- the specs load, such as build/refcrypto.so, come along).
local function prepare(dir)
   sh("rm -rf " .. q(dir) .. " && mkdir -p " .. q(dir .. "/build") .. " " .. q(dir .. "/build-fuzz"))
   sh("cp -a " .. TREE .. " " .. q(dir) .. "/")
   for name in sh("ls -A " .. q(root .. "/build")):gmatch("[^\n]+") do
      if name ~= "mutate" and name ~= "rocktree" then
         sh("cp -a " .. q(root .. "/build/" .. name) .. " " .. q(dir .. "/build/"))
      end
   end
   sh("cp -a " .. q(root .. "/build-fuzz/replay") .. " " .. q(dir .. "/build-fuzz/"))
end

-- Each distinct spec entry must pass on an unmutated copy, prepared as
-- the mutated ones are.
local usable, baseline_failures = {}, 0
local baseline_dir = scratch_root .. "/_unmutated"
prepare(baseline_dir)
sh("cd " .. q(baseline_dir) .. " && env -u LD_PRELOAD make -s build")
do
   local seen = {}
   for _, m in ipairs(selected) do
      for _, s in ipairs(m.specs) do
         local file, filter = entry(s)
         local key = label(file, filter)
         if not seen[key] then
            seen[key] = true
            if read_file(baseline_dir .. "/" .. file) then
               local ok, why = run_spec(baseline_dir, file, filter)
               if ok and why then
                  print("BASELINE " .. key .. ": " .. why)
                  baseline_failures = baseline_failures + 1
               elseif not ok then
                  print("BASELINE " .. key .. " fails on the unmutated tree: " .. why)
                  baseline_failures = baseline_failures + 1
               else
                  usable[key] = true
               end
            end
         end
      end
   end
end
io.write(string.format("mutate: baseline done in %.0f s\n", now() - t0))
io.flush()

local killed, survived, stale, broken = 0, 0, 0, 0
local survivors = {}

for _, m in ipairs(selected) do
   local started = now()
   local dir = scratch_root .. "/" .. m.name
   prepare(dir)

   -- The first variant whose original text occurs exactly once.
   local from, to, path, text, counts = nil, nil, nil, nil, {}
   for _, v in ipairs(m.variants) do
      local vpath = dir .. "/" .. (v.file or m.file)
      local vtext = read_file(vpath) or ""
      local n = count(vtext, v.from)
      counts[#counts + 1] = (v.file or m.file) .. ": " .. n
      if n == 1 and not from then from, to, path, text = v.from, v.to, vpath, vtext end
   end
   if not from then
      stale = stale + 1
      print(string.format("STALE %s (the original text occurs not once but: %s)", m.name,
         table.concat(counts, ", ")))
   else
      local s = text:find(from, 1, true)
      write_file(path, text:sub(1, s - 1) .. to .. text:sub(s + #from))
      local built, log = run("cd " .. q(dir) .. " && env -u LD_PRELOAD make -s build")
      if not built then
         broken = broken + 1
         write_file(dir .. "/build.log", log)
         print(string.format("BROKEN %s (does not build: %s/build.log)", m.name, dir))
      else
         local by, why
         local notes = {}
         for _, spec in ipairs(m.specs) do
            local file, filter = entry(spec)
            local key = label(file, filter)
            if not read_file(dir .. "/" .. file) then
               notes[#notes + 1] = file .. " does not exist"
            elseif not usable[key] then
               notes[#notes + 1] = key .. " fails without the mutation"
            else
               local ok, reason, out = run_spec(dir, file, filter)
               if not ok then
                  by, why = key, reason
                  write_file(dir .. "/spec.log", out)
                  break
               end
            end
         end
         local took = now() - started
         if by then
            killed = killed + 1
            print(string.format("killed %s by %s (%s) %.0fs", m.name, by, why, took))
         else
            survived = survived + 1
            survivors[#survivors + 1] = m.name
            print(string.format("SURVIVED %s%s %.0fs", m.name,
               #notes > 0 and (" (" .. table.concat(notes, "; ") .. ")") or "", took))
         end
         if by and not opts.keep then sh("rm -rf " .. q(dir)) end
      end
   end
   io.flush()
end

sh("rm -rf " .. q(baseline_dir))
local total = now() - t0
local extra = ""
if stale > 0 then extra = extra .. string.format(", %d stale", stale) end
if broken > 0 then extra = extra .. string.format(", %d broken", broken) end
if baseline_failures > 0 then extra = extra .. string.format(", %d baseline failures", baseline_failures) end
print(string.format("%d killed, %d survived%s (%.0f s)", killed, survived, extra, total))
if #survivors > 0 then print("survivors: " .. table.concat(survivors, " ")) end
os.exit((survived == 0 and stale == 0 and broken == 0 and baseline_failures == 0) and 0 or 1)
