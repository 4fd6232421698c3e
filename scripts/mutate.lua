-- `make mutate`: plants each bug of mutate/mutations.lua in a copy of the
-- tree, builds the module there and runs the specs that should notice.
--
--   lua5.4 scripts/mutate.lua [--only NAME[,NAME...]] [--list FILE] [--keep] [--check] [--jobs N]
--
-- The tree (with the objects of the current build) is first copied to
-- build/mutate/_tree, so that edits made while it runs change nothing.
-- For each mutation, in build/mutate/NAME: a copy of that snapshot (only
-- what the mutation touches is compiled again), the one textual change,
-- `make build`, then busted on the listed specs in turn against that
-- build, stopping at the first that fails. Prints one line per mutation:
--
--   killed NAME by SPEC [filter] (test that failed) SECONDS
--   SURVIVED NAME          every listed spec passed: a hole in the suite
--   STALE NAME             the original text is not found exactly once
--   BROKEN NAME            the mutated tree does not build (first error)
--
-- and ends with "N killed, M survived (S s)" (and stale/broken counts).
-- Before any build, each filter must match at least one test (busted
-- --list). A kill counts only if the same spec and filter pass on an
-- unmutated copy: the filtered entries of each spec file are run there
-- together, once, before the mutations; an unfiltered entry (a whole spec
-- file, listed as a last resort) only when it first kills something, and
-- then once. Exits non-zero if any mutation survived, is stale or broken,
-- or a spec fails unmutated. --check does only the first steps (texts and
-- filters) and builds nothing.
--
-- The baseline runs and the mutations are shared out among N worker
-- processes (--jobs, else $MUTATE_JOBS, else one more than processors): a copy,
-- a build and a spec run of one mutation are one process at a time, so on
-- a machine with N cores N of them at once take about 1/N of the time
-- (CI has a time limit). Each worker is this script again with --worker;
-- it takes the next task by creating its directory (mkdir is atomic), so
-- a slow one holds up nobody. Their lines come out as they finish.
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
      elseif a == "--check" then opts.check = true
      elseif a == "--jobs" then opts.jobs = tonumber(arg[i + 1]); i = i + 1
      elseif a == "--worker" then opts.worker, opts.worker_id = arg[i + 1], arg[i + 2]; i = i + 2
      else
         io.stderr:write("usage: mutate.lua [--only NAME[,NAME...]] [--list FILE] [--keep] [--check] [--jobs N]\n")
         os.exit(2)
      end
      i = i + 1
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

-- `busted --lua=...` runs itself again without quoting its arguments: a
-- filter must be one word, so anything but letters, digits and _ matches
-- any character.
local function word(filter)
   return (filter:gsub("[^%w_]", "."))
end

-- Runs one spec file in `dir`, only the tests matching one of `filters`
-- (all of them when the list is empty); returns passed, the name of the
-- first failing test (or why it failed), the output.
local function run_spec(dir, file, filters, seconds)
   local args = {}
   for _, f in ipairs(filters) do args[#args + 1] = "--filter=" .. q(word(f)) end
   local cmd = string.format("cd %s && %s timeout -k 5 %d %s --lua=%s %s %s", q(dir), TEST_ENV, seconds or SPEC_TIMEOUT,
      BUSTED, LUA, table.concat(args, " "), q(file))
   local ok, out, code = run(cmd)
   if ok then return true, nil, out end
   local why = out:match("\n[%w ]*Failure %-> [^\n]*\n([^\n]*)") or out:match("\nError %-> [^\n]*\n([^\n]*)")
   if not why then
      why = code == 124 and "timed out" or ("busted exited with " .. tostring(code))
   end
   return false, why, out
end

-- Lua source for a value made of strings, numbers, booleans and tables:
-- how the parent hands tasks to its workers and they hand back results.
local function serialize(v)
   if type(v) == "string" then return string.format("%q", v) end
   if type(v) ~= "table" then return tostring(v) end
   local parts = {}
   for k, x in pairs(v) do parts[#parts + 1] = "[" .. serialize(k) .. "]=" .. serialize(x) end
   return "{" .. table.concat(parts, ",") .. "}"
end

local root = sh("pwd"):gsub("%s+$", "")
local scratch_root = root .. "/build/mutate"
local snapshot = scratch_root .. "/_tree"
local baseline_dir = scratch_root .. "/_unmutated"

local function prepare(dir)
   sh("rm -rf " .. q(dir) .. " && cp -a " .. q(snapshot) .. " " .. q(dir))
end

-- Spec entries on an unmutated copy: usable[label] is true once passed,
-- false once failed (a kill by it would mean nothing).
local usable, baseline_failures = {}, 0

local function baseline(file, filters)
   local ok, why = run_spec(baseline_dir, file, filters)
   if ok then
      if #filters == 0 then usable[file] = true end
      for _, f in ipairs(filters) do usable[label(file, f)] = true end
      return true
   end
   if #filters <= 1 then
      usable[label(file, filters[1])] = false
      baseline_failures = baseline_failures + 1
      print(string.format("BASELINE %s fails on the unmutated tree: %s", label(file, filters[1]), why))
      return false
   end
   -- One of them fails: find which.
   for _, f in ipairs(filters) do baseline(file, { f }) end
   return false
end

-- Plants one bug (t: name, file, from, to, specs) in its own copy of the
-- snapshot, builds it and runs its specs; prints the verdict and returns
-- "killed", "survived" or "broken".
local function try_mutation(t)
   local started = now()
   local dir = scratch_root .. "/" .. t.name
   prepare(dir)
   local path = dir .. "/" .. t.file
   local text = read_file(path)
   local s = text:find(t.from, 1, true)
   write_file(path, text:sub(1, s - 1) .. t.to .. text:sub(s + #t.from))
   local built, log = run("cd " .. q(dir) .. " && env -u LD_PRELOAD make -s build")
   if not built then
      write_file(dir .. "/build.log", log)
      local first = log:match("[^\n]*[Ee]rror[^\n]*") or log:match("[^\n]+") or "?"
      print(string.format("BROKEN %s (does not build: %s; %s/build.log)", t.name, first, dir))
      return "broken"
   end
   local by, why
   local notes = {}
   for _, spec in ipairs(t.specs) do
      local file, filter = entry(spec)
      local key = label(file, filter)
      if usable[key] ~= false then
         local ok, reason, out = run_spec(dir, file, { filter }, t.timeout)
         -- An unfiltered entry is judged unmutated only when it kills.
         if not ok and usable[key] == nil then baseline(file, { filter }) end
         if not ok and usable[key] then
            by, why = key, reason
            write_file(dir .. "/spec.log", out)
            break
         end
      end
      if usable[key] == false then notes[#notes + 1] = key .. " fails without the mutation" end
   end
   local took = now() - started
   if not by then
      print(string.format("SURVIVED %s%s %.0fs", t.name,
         #notes > 0 and (" (" .. table.concat(notes, "; ") .. ")") or "", took))
      return "survived"
   end
   print(string.format("killed %s by %s (%s) %.0fs", t.name, by, why, took))
   if not opts.keep then sh("rm -rf " .. q(dir)) end
   return "killed"
end

-- A worker: takes tasks from the state its parent wrote until none is left,
-- then writes what it found next to it.
if opts.worker then
   io.stdout:setvbuf("line")
   local state = dofile(opts.worker .. "/state.lua")
   usable, opts.keep = state.usable, state.keep
   local result = { counts = {}, survivors = {} }
   for i, t in ipairs(state.tasks) do
      if os.execute("mkdir " .. q(opts.worker .. "/claims/" .. i) .. " 2>/dev/null") then
         if state.phase == "baseline" then
            local started = now()
            baseline(t.file, t.filters)
            print(string.format("baseline %s (%d entries) %.0fs", t.file, #t.filters, now() - started))
         else
            local verdict = try_mutation(t)
            result.counts[verdict] = (result.counts[verdict] or 0) + 1
            if verdict == "survived" then result.survivors[#result.survivors + 1] = i end
         end
      end
   end
   result.usable, result.baseline_failures = usable, baseline_failures
   write_file(opts.worker .. "/result." .. opts.worker_id, "return " .. serialize(result))
   os.exit(0)
end

---------------------------------------------------------------------------
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

local t0 = now()
local problems = 0

-- Every original text occurs exactly once in the tree (the first variant
-- that does is used), and every spec entry names a spec that exists and a
-- filter that matches a test.
local plan = {}
for _, m in ipairs(selected) do
   local counts, use = {}, nil
   for _, v in ipairs(m.variants) do
      local file = v.file or m.file
      local n = count(read_file(root .. "/" .. file) or "", v.from)
      counts[#counts + 1] = file .. ": " .. n
      if n == 1 and not use then use = { file = file, from = v.from, to = v.to } end
   end
   plan[m.name] = use
   if not use then
      problems = problems + 1
      print(string.format("STALE %s (the original text occurs not once but: %s)", m.name,
         table.concat(counts, ", ")))
   end
end

local spec_files, test_names = {}, {}
for _, m in ipairs(selected) do
   for _, s in ipairs(m.specs) do
      local file = entry(s)
      if not test_names[file] then
         test_names[file] = {}
         spec_files[#spec_files + 1] = file
         if not read_file(root .. "/" .. file) then
            test_names[file] = false
         else
            local ok, out = run(string.format("%s %s --lua=%s --list %s", TEST_ENV, BUSTED, LUA, q(file)))
            if not ok then error("busted --list " .. file .. " failed:\n" .. out) end
            for name in out:gmatch("[^\n]-:%d+: ([^\n]+)") do
               test_names[file][#test_names[file] + 1] = name
            end
         end
      end
   end
end
for _, m in ipairs(selected) do
   for _, s in ipairs(m.specs) do
      local file, filter = entry(s)
      if test_names[file] == false then
         problems = problems + 1
         print(string.format("NO SPEC %s: %s does not exist", m.name, file))
      elseif filter and (filter:find("%", 1, true) or filter:find("^%^") or filter:find("%$$")) then
         -- Pattern items would not mean what they say (see word): each
         -- character of a filter is itself or, if not a letter, digit or _,
         -- any character.
         problems = problems + 1
         print(string.format("BAD FILTER %s: %q (no %%, ^ or $: write the test's name as it is)", m.name, filter))
      elseif filter then
         local found = false
         for _, name in ipairs(test_names[file]) do
            if name:find(word(filter)) then found = true; break end
         end
         if not found then
            problems = problems + 1
            print(string.format("NO TEST %s: no test of %s matches %q", m.name, file, filter))
         end
      end
   end
end
if opts.check then
   print(string.format("%d mutations checked, %d problems", #selected, problems))
   os.exit(problems == 0 and 0 or 1)
end

-- One more worker than processors: each spends part of its time waiting
-- (for the disk, for its peers to start), and a test that fails for want of
-- time can only kill a mutation, never let one survive.
local jobs = opts.jobs or tonumber(os.getenv("MUTATE_JOBS") or "") or ((tonumber(sh("nproc"):match("%d+")) or 1) + 1)
jobs = math.max(1, math.floor(jobs))

-- The unmutated build, and a snapshot of the tree with its output: the
-- source of every copy.
io.write(string.format("mutate: building the unmutated tree (then %d at a time)\n", jobs))
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

-- The tree with the current build output (objects keep their times, so a
-- copy compiles again only what a mutation touches; helpers the specs
-- load, such as build/refcrypto.so, come along).
sh("rm -rf " .. q(snapshot) .. " && mkdir -p " .. q(snapshot .. "/build") .. " " .. q(snapshot .. "/build-fuzz"))
sh("cp -a " .. tree_entries() .. " " .. q(snapshot) .. "/")
for name in sh("ls -A " .. q(root .. "/build")):gmatch("[^\n]+") do
   -- (test-certs stays: the specs copy it from here, LUATLS_TEST_CERTS)
   if name ~= "mutate" and name ~= "rocktree" and name ~= "test-certs" then
      sh("cp -a " .. q(root .. "/build/" .. name) .. " " .. q(snapshot .. "/build/"))
   end
end
sh("cp -a " .. q(root .. "/build-fuzz/replay") .. " " .. q(snapshot .. "/build-fuzz/"))

prepare(baseline_dir)
sh("cd " .. q(baseline_dir) .. " && env -u LD_PRELOAD make -s build")

-- Runs the tasks in `jobs` workers (this script again); returns their results.
local function in_workers(phase, tasks)
   local dir = scratch_root .. "/_" .. phase
   sh("rm -rf " .. q(dir) .. " && mkdir -p " .. q(dir .. "/claims"))
   write_file(dir .. "/state.lua", "return " .. serialize({ phase = phase, keep = opts.keep or false,
      tasks = tasks, usable = usable }))
   io.flush()
   local n, cmd = math.min(jobs, #tasks), {}
   for k = 1, n do
      cmd[#cmd + 1] = string.format("%s %s --worker %s %d &", q(LUA), q(arg[0]), q(dir), k)
   end
   os.execute(table.concat(cmd, " ") .. " wait")
   local results = {}
   for k = 1, n do
      local chunk = loadfile(dir .. "/result." .. k)
      if not chunk then error("mutate: worker " .. k .. " of the " .. phase .. " ended without its result") end
      results[k] = chunk()
   end
   sh("rm -rf " .. q(dir))
   return results
end

-- The filtered entries, one run per spec file.
do
   local filters, seen, tasks = {}, {}, {}
   for _, m in ipairs(selected) do
      for _, s in ipairs(m.specs) do
         local file, filter = entry(s)
         if filter and test_names[file] and not seen[label(file, filter)] then
            seen[label(file, filter)] = true
            filters[file] = filters[file] or {}
            table.insert(filters[file], filter)
         end
      end
   end
   for _, file in ipairs(spec_files) do
      if filters[file] then tasks[#tasks + 1] = { file = file, filters = filters[file], order = #tasks } end
   end
   -- The files known to take minutes, then those with the most tests to
   -- run, first: no long one is left to run alone at the end.
   local slow = { ["spec/lua_oom_spec.lua"] = 1 }
   table.sort(tasks, function(x, y)
      local sx, sy = slow[x.file] or 0, slow[y.file] or 0
      if sx ~= sy then return sx > sy end
      if #x.filters ~= #y.filters then return #x.filters > #y.filters end
      return x.order < y.order
   end)
   local failed = {}
   for _, r in ipairs(in_workers("baseline", tasks)) do
      for key, ok in pairs(r.usable) do usable[key] = ok end
      baseline_failures = baseline_failures + r.baseline_failures
   end
   -- A test with a deadline may miss it while other workers load the
   -- machine: what failed is run once more alone before it counts.
   for _, t in ipairs(tasks) do
      for _, f in ipairs(t.filters) do
         if usable[label(t.file, f)] == false then failed[#failed + 1] = { t.file, f } end
      end
   end
   for _, e in ipairs(failed) do
      if run_spec(baseline_dir, e[1], { e[2] }) then
         usable[label(e[1], e[2])] = true
         baseline_failures = baseline_failures - 1
         print(string.format("BASELINE %s passes when run alone: counted as passed", label(e[1], e[2])))
      end
   end
end
io.write(string.format("mutate: baseline done in %.0f s\n", now() - t0))
io.flush()

local killed, survived, stale, broken = 0, 0, 0, 0
local survivors = {}
do
   local tasks = {}
   for _, m in ipairs(selected) do
      local use = plan[m.name]
      if use then
         tasks[#tasks + 1] = { name = m.name, file = use.file, from = use.from, to = use.to, specs = m.specs,
            timeout = m.timeout }
      else
         stale = stale + 1
      end
   end
   local survived_at = {}
   for _, r in ipairs(in_workers("mutations", tasks)) do
      killed = killed + (r.counts.killed or 0)
      survived = survived + (r.counts.survived or 0)
      broken = broken + (r.counts.broken or 0)
      baseline_failures = baseline_failures + r.baseline_failures
      for _, i in ipairs(r.survivors) do survived_at[#survived_at + 1] = i end
   end
   -- Every task is claimed by exactly one worker.
   local done = killed + survived + broken
   if done ~= #tasks then error(string.format("mutate: %d of %d mutations were not run", #tasks - done, #tasks)) end
   table.sort(survived_at)
   for _, i in ipairs(survived_at) do survivors[#survivors + 1] = tasks[i].name end
end

sh("rm -rf " .. q(baseline_dir) .. " " .. q(snapshot))
local total = now() - t0
local extra = ""
if stale > 0 then extra = extra .. string.format(", %d stale", stale) end
if broken > 0 then extra = extra .. string.format(", %d broken", broken) end
if problems - stale > 0 then extra = extra .. string.format(", %d spec entries that match no test", problems - stale) end
if baseline_failures > 0 then extra = extra .. string.format(", %d baseline failures", baseline_failures) end
print(string.format("%d killed, %d survived%s (%.0f s)", killed, survived, extra, total))
if #survivors > 0 then print("survivors: " .. table.concat(survivors, " ")) end
os.exit((survived == 0 and problems == 0 and broken == 0 and baseline_failures == 0) and 0 or 1)
