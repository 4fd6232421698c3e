-- `make check-rockspec`: the rockspecs against the tree, before LuaRocks ever
-- sees them. A rockspec cannot glob, so a C file it does not list shows up
-- only as an undefined symbol when the installed module loads, and a Lua
-- module it does not list is simply missing from the rock.
--
--   lua5.4 scripts/rockspec_check.lua ROCKSPEC... -- FILE...
--
-- FILEs are the tree's csrc/*/*.c and lua/**/*.lua. Each rockspec must list
-- every one of them (the Lua files under the module name their path gives)
-- and nothing else, and all rockspecs must build the same thing: the same
-- modules, dependencies and build options. A versioned rockspec must also
-- name its release tarball (`make dist`) and its top directory.

local rockspecs, files = {}, {}
do
  local list = rockspecs
  for _, a in ipairs(arg) do
    if a == "--" then list = files else list[#list + 1] = a end
  end
end
if #rockspecs == 0 then
  io.stderr:write("usage: lua5.4 scripts/rockspec_check.lua ROCKSPEC... -- FILE...\n")
  os.exit(2)
end

local problems = {}
local function problem(fmt, ...)
  problems[#problems + 1] = string.format(fmt, ...)
end

-- A rockspec is a Lua file of plain assignments; it runs here with no access
-- to anything, as LuaRocks runs it.
local function load_rockspec(path)
  local env = {}
  local chunk, err = loadfile(path, "t", env)
  if not chunk then return nil, err end
  local ok, e = pcall(chunk)
  if not ok then return nil, e end
  return env
end

-- lua/tls/x/init.lua -> tls.x, lua/tls/x.lua -> tls.x
local function module_name(file)
  local rel = file:match("^lua/(.+)%.lua$")
  return (rel:gsub("/init$", ""):gsub("/", "."))
end

local want_sources, want_modules = {}, {}
for _, f in ipairs(files) do
  if f:match("^csrc/.+%.c$") then
    want_sources[f] = true
  elseif f:match("^lua/.+%.lua$") then
    local name = module_name(f)
    if want_modules[name] then problem("%s and %s are both module %s", want_modules[name], f, name) end
    want_modules[name] = f
  else
    problem("%s: neither csrc/*/*.c nor lua/**/*.lua", f)
  end
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  -- Numbers before strings: a table may have both kinds of key.
  table.sort(keys, function(x, y)
    if type(x) ~= type(y) then return type(x) == "number" end
    return x < y
  end)
  return keys
end

-- Order-free text of a value: arrays (sources, dependencies, defines...)
-- compare as sets.
local function canon(v)
  if type(v) ~= "table" then return string.format("%q", v) end
  local items, fields = {}, {}
  for i = 1, #v do items[i] = canon(v[i]) end
  table.sort(items)
  for _, k in ipairs(sorted_keys(v)) do
    if math.type(k) ~= "integer" or k < 1 or k > #v then
      fields[#fields + 1] = tostring(k) .. "=" .. canon(v[k])
    end
  end
  return "{" .. table.concat(items, ",") .. ";" .. table.concat(fields, ",") .. "}"
end

-- The first place where a and b differ, as a dotted path, or nil.
local function first_difference(a, b, where)
  if canon(a) == canon(b) then return nil end
  if type(a) == "table" and type(b) == "table" and #a == 0 and #b == 0 then
    local keys = {}
    for k in pairs(a) do keys[k] = true end
    for k in pairs(b) do keys[k] = true end
    for _, k in ipairs(sorted_keys(keys)) do
      local d = first_difference(a[k], b[k], where .. "." .. tostring(k))
      if d then return d end
    end
  end
  return where
end

local specs = {}
for _, path in ipairs(rockspecs) do
  local spec, err = load_rockspec(path)
  if not spec then
    problem("%s: does not load: %s", path, err)
    goto next
  end
  do
    local expect_name = string.format("%s-%s.rockspec", tostring(spec.package), tostring(spec.version))
    if path:match("[^/]+$") ~= expect_name then
      problem("%s: package and version say the file should be named %s", path, expect_name)
    end
    local ver = tostring(spec.version):match("^(.-)%-%d+$")
    if ver and ver ~= "scm" then
      local src = spec.source or {}
      local base = spec.package .. "-" .. ver
      if src.url ~= base .. ".tar.gz" or src.dir ~= base then
        problem("%s: source must be url = %q, dir = %q (the tarball `make dist` builds)", path,
          base .. ".tar.gz", base)
      end
    end
    local modules = spec.build and spec.build.modules
    if type(modules) ~= "table" then
      problem("%s: no build.modules", path)
      goto next
    end
    -- Every Lua file of the tree, under the name its path gives.
    for _, name in ipairs(sorted_keys(want_modules)) do
      local file = want_modules[name]
      if modules[name] == nil then
        problem("%s: build.modules does not list %s (as [%q] = %q)", path, file, name, file)
      elseif modules[name] ~= file then
        problem("%s: build.modules[%q] is %s, the tree has %s", path, name, canon(modules[name]), file)
      end
    end
    local core = modules["tls.core"]
    if type(core) ~= "table" or type(core.sources) ~= "table" then
      problem("%s: build.modules[\"tls.core\"].sources missing", path)
      goto next
    end
    local listed = {}
    for _, f in ipairs(core.sources) do
      if listed[f] then problem("%s: tls.core lists %s twice", path, f) end
      listed[f] = true
      if not want_sources[f] then problem("%s: tls.core lists %s, which the tree does not have", path, f) end
    end
    for _, f in ipairs(sorted_keys(want_sources)) do
      if not listed[f] then problem("%s: tls.core.sources does not list %s", path, f) end
    end
    -- Nothing else: a listed Lua module that the tree does not have.
    for _, name in ipairs(sorted_keys(modules)) do
      if name ~= "tls.core" and want_modules[name] == nil then
        problem("%s: build.modules lists [%q] = %s, which the tree does not have", path, name, canon(modules[name]))
      end
    end
    specs[#specs + 1] = { path = path, spec = spec }
  end
  ::next::
end

-- What gets built and what it needs is the same whichever rockspec builds it
-- (once each lists the tree, which is what the messages above ask for).
for i = 2, (#problems == 0 and #specs or 0) do
  local a, b = specs[1], specs[i]
  for _, field in ipairs{ "dependencies", "external_dependencies", "build" } do
    local d = first_difference(a.spec[field], b.spec[field], field)
    if d then problem("%s and %s: %s differ", a.path, b.path, d) end
  end
end

if #problems > 0 then
  for _, p in ipairs(problems) do io.stderr:write(p, "\n") end
  os.exit(1)
end
print(string.format("check-rockspec: %d rockspecs list the tree's %d C files and %d Lua modules",
  #specs, #sorted_keys(want_sources), #sorted_keys(want_modules)))
