-- `make mutate`: plants each bug of mutate/mutations.lua in a copy of the
-- tree, builds the module there and runs the specs that should notice.
--
--   lua5.4 scripts/mutate.lua [--only NAME[,NAME...]] [--list FILE] [--keep] [--check]
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
      else io.stderr:write("usage: mutate.lua [--only NAME[,NAME...]] [--list FILE] [--keep] [--check]\n"); os.exit(2) end
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

-- `busted --lua=...` runs itself again without quoting its arguments: a
-- filter must be one word, so anything but letters, digits and _ matches
-- any character.
local function word(filter)
   return (filter:gsub("[^%w_]", "."))
end

-- Runs one spec file in `dir`, only the tests matching one of `filters`
-- (all of them when the list is empty); returns passed, the name of the
-- first failing test (or why it failed), the output.
local function run_spec(dir, file, filters)
   local args = {}
   for _, f in ipairs(filters) do args[#args + 1] = "--filter=" .. q(word(f)) end
   local cmd = string.format("cd %s && %s timeout -k 5 %d %s --lua=%s %s %s", q(dir), TEST_ENV, SPEC_TIMEOUT,
      BUSTED, LUA, table.concat(args, " "), q(file))
   local ok, out, code = run(cmd)
   if ok then return true, nil, out end
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

-- The unmutated build, and a snapshot of the tree with its output: the
-- source of every copy.
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

-- The tree with the current build output (objects keep their times, so a
-- copy compiles again only what a mutation touches; helpers the specs
-- load, such as build/refcrypto.so, come along).
local snapshot = scratch_root .. "/_tree"
sh("rm -rf " .. q(snapshot) .. " && mkdir -p " .. q(snapshot .. "/build") .. " " .. q(snapshot .. "/build-fuzz"))
sh("cp -a " .. tree_entries() .. " " .. q(snapshot) .. "/")
for name in sh("ls -A " .. q(root .. "/build")):gmatch("[^\n]+") do
   if name ~= "mutate" and name ~= "rocktree" then
      sh("cp -a " .. q(root .. "/build/" .. name) .. " " .. q(snapshot .. "/build/"))
   end
end
sh("cp -a " .. q(root .. "/build-fuzz/replay") .. " " .. q(snapshot .. "/build-fuzz/"))

local function prepare(dir)
   sh("rm -rf " .. q(dir) .. " && cp -a " .. q(snapshot) .. " " .. q(dir))
end

-- Spec entries on an unmutated copy: usable[label] is true once passed,
-- false once failed (a kill by it would mean nothing).
local usable, baseline_failures = {}, 0
local baseline_dir = scratch_root .. "/_unmutated"
prepare(baseline_dir)
sh("cd " .. q(baseline_dir) .. " && env -u LD_PRELOAD make -s build")

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

-- The filtered entries, one run per spec file.
do
   local filters, seen = {}, {}
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
      if filters[file] then baseline(file, filters[file]) end
   end
end
io.write(string.format("mutate: baseline done in %.0f s\n", now() - t0))
io.flush()

local killed, survived, stale, broken = 0, 0, 0, 0
local survivors = {}

for _, m in ipairs(selected) do
   local started = now()
   local dir = scratch_root .. "/" .. m.name
   local use = plan[m.name]
   if not use then
      stale = stale + 1
   else
      prepare(dir)
      local path = dir .. "/" .. use.file
      local text = read_file(path)
      local s = text:find(use.from, 1, true)
      write_file(path, text:sub(1, s - 1) .. use.to .. text:sub(s + #use.from))
      local built, log = run("cd " .. q(dir) .. " && env -u LD_PRELOAD make -s build")
      if not built then
         broken = broken + 1
         write_file(dir .. "/build.log", log)
         local first = log:match("[^\n]*[Ee]rror[^\n]*") or log:match("[^\n]+") or "?"
         print(string.format("BROKEN %s (does not build: %s; %s/build.log)", m.name, first, dir))
      else
         local by, why
         local notes = {}
         for _, spec in ipairs(m.specs) do
            local file, filter = entry(spec)
            local key = label(file, filter)
            if usable[key] ~= false then
               local ok, reason, out = run_spec(dir, file, { filter })
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
