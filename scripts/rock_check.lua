-- Run by `make test-rock` from another directory, with the paths of a
-- scratch rock tree (`luarocks path`): the installed rock must hold every
-- module its rockspec lists, each must load from the tree, and a handshake
-- must complete.
--
--   lua5.4 scripts/rock_check.lua TREE VERSION      (VERSION: 0.2.0-1, scm-1)
--
-- The module list is the installed rockspec's build.modules, so a module
-- added to the rockspecs is checked here without touching this file.
local tree, version = arg[1], arg[2]
if not (tree and version) then
  io.stderr:write("usage: lua5.4 scripts/rock_check.lua TREE VERSION\n")
  os.exit(2)
end
tree = tree:gsub("/+$", "")

local function fail(fmt, ...)
  io.stderr:write("rock_check: ", string.format(fmt, ...), "\n")
  os.exit(1)
end

-- LuaRocks keeps the rockspec it built from beside the installed files.
local rockspec = string.format("%s/lib/luarocks/rocks-5.4/luatls/%s/luatls-%s.rockspec", tree, version, version)
local spec = {}
local chunk, err = loadfile(rockspec, "t", spec)
if not chunk then fail("luatls %s is not installed in %s: %s", version, tree, err) end
chunk()
if spec.version ~= version then fail("%s says version %s", rockspec, tostring(spec.version)) end

-- Debian's copas is a Lua 5.2 package that works on 5.4 (tls.copas needs it);
-- it goes last, so nothing of ours can come from there.
package.path = package.path .. ";/usr/share/lua/5.2/?.lua"

local names = {}
for name in pairs(spec.build.modules) do names[#names + 1] = name end
table.sort(names)
local function inside_tree(file)
  return file and file:sub(1, #tree + 1) == tree .. "/"
end
for _, name in ipairs(names) do
  local is_c = type(spec.build.modules[name]) == "table"
  local file = package.searchpath(name, is_c and package.cpath or package.path)
  if not inside_tree(file) then
    fail("module %s was found at %s, not in the rock tree %s", name, tostring(file), tree)
  end
  local ok, e = pcall(require, name)
  if not ok then fail("require %q: %s", name, e) end
end

-- The rockspec's dependency, satisfied by the system's LuaSocket.
local socket = require "socket"

local tls = require "tls"
local cert, key = assert(tls.selfsigned{ names = { "localhost" } })
local server = assert(tls.engine(assert(tls.context{ mode = "server", certificate = cert, key = key })))
local client = assert(tls.engine(assert(tls.context{ ca = cert }), { servername = "localhost" }))
client:start()
for _ = 1, 4 do
  server:feed(client:output())
  client:feed(server:output())
end
if not client:status().handshake_done then fail("the handshake did not complete") end
assert(client:write("ping"))
server:feed(client:output())
local got = server:read()
if got ~= "ping" then fail("the server read %q, not \"ping\"", tostring(got)) end

print(string.format("rock luatls %s in %s: %d modules load from it (%s), LuaSocket %s; %s handshake completed",
  version, tree, #names, table.concat(names, ", "), socket._VERSION, client:info().version))
