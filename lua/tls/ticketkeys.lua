-- tls.ticketkeys: the keys a server seals its tickets (and the sessions it
-- stores) with, and the file a fleet of servers shares them in.
--
-- A key is 48 bytes: a 16-byte name (it starts every ticket, so a server
-- knows which key opens it) and a 32-byte AES-256-GCM secret. A set holds
-- 1 to 8 keys: the first seals, all open.
--
-- The key file: one key per line as 96 hexadecimal digits (so
-- `openssl rand -hex 48` makes one), the sealing key first; blank lines and
-- lines starting with '#' are ignored. Only its owner (and its group, to
-- read) may have access: a file others can read or write is refused.
--
-- Keys pass through Lua strings, which cannot be wiped; the copy a context
-- holds (in C) is wiped when the keys are replaced or dropped.
local core = require "tls.core"
local file = require "tls.file"
-- Fixed as this file loads, as in lua/tls.lua.
local set_ticket_keys = core.context_methods.set_ticket_keys
local set_ticket_key_rotation = core.context_methods.set_ticket_key_rotation

local M = {}

-- Taken once: a program that replaces these globals (a pcall that never
-- fails made every context look collected) must not stop rotation and
-- reloads (review23 R4). warn stays the global: replacing it is how a
-- program routes warnings.
local os_time, pcall = os.time, pcall

local KEY_LEN, NAME_LEN, MAX_KEYS = 48, 16, 8
-- A context with a key file looks at the file again at most this often (in
-- seconds; os.time()'s resolution) when it accepts a connection.
M.recheck = 1

local function fail(fmt, ...)
  return nil, string.format(fmt, ...)
end

-- A file name as messages show it: control and non-ASCII bytes as \xNN
-- (as the other file options), since messages go to logs and terminals.
local function show(path)
  return (path:gsub("[%c\127-\255]", function(ch) return string.format("\\x%02X", ch:byte()) end))
end

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

--- tls.ticketkeys.generate() -> a new random key (48 bytes)
function M.generate()
  return assert(core.ticketkey_generate())
end

--- tls.ticketkeys.name(key) -> the key's name as 32 hexadecimal digits
function M.name(key)
  if type(key) ~= "string" or #key ~= KEY_LEN then
    error(string.format("bad argument #1 to 'name' (key of %d bytes expected, got %s)", KEY_LEN,
      type(key) == "string" and #key .. " bytes" or type(key)), 2)
  end
  return hex(key:sub(1, NAME_LEN))
end

-- How many different byte values the key's secret holds: fewer than 8 is a
-- placeholder (all zeros, a template's pattern), never a random key; the
-- context refuses it too (csrc/crypto/tls_ticket.c says why).
local function placeholder(key)
  local seen, distinct = {}, 0
  for i = NAME_LEN + 1, #key do
    local b = key:byte(i)
    if not seen[b] then seen[b] = true; distinct = distinct + 1 end
  end
  if distinct < 8 then
    return ("its secret holds only %d different byte values: a placeholder, not a random key (whoever "
      .. "guesses it opens and forges tickets); make keys with tls.ticketkeys.generate() or "
      .. "`openssl rand -hex 48`"):format(distinct)
  end
end

-- nil, message unless keys is a list of 1 to 8 keys with distinct names.
local function check_keys(what, keys)
  if type(keys) ~= "table" then
    return fail("%s: keys must be a list of keys from tls.ticketkeys.generate() (got %s)", what, type(keys))
  end
  local n = #keys
  if n < 1 or n > MAX_KEYS then
    return fail("%s: give 1 to %d keys (got %d)", what, MAX_KEYS, n)
  end
  local seen = {}
  for i = 1, n do
    local k = keys[i]
    if type(k) ~= "string" or #k ~= KEY_LEN then
      return fail("%s: key %d must be a string of %d bytes from tls.ticketkeys.generate() (got %s)", what, i,
        KEY_LEN, type(k) == "string" and #k .. " bytes" or type(k))
    end
    local name = k:sub(1, NAME_LEN)
    if seen[name] then
      return fail("%s: keys %d and %d have the same name", what, seen[name], i)
    end
    local weak = placeholder(k)
    if weak then return fail("%s: key %d: %s", what, i, weak) end
    seen[name] = i
  end
  return true
end

-- Parses the text of a key file.
local function parse(path, text)
  path = show(path)
  local keys, seen, lineno = {}, {}, 0
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    lineno = lineno + 1
    line = line:match("^%s*(.-)%s*$")
    if line ~= "" and line:sub(1, 1) ~= "#" then
      if #line ~= 2 * KEY_LEN or not line:match("^%x+$") then
        return fail("ticket keys file %s, line %d: a key is %d hexadecimal digits (%d bytes, as "
          .. "`openssl rand -hex %d` makes), got %d characters%s", path, lineno, 2 * KEY_LEN, KEY_LEN, KEY_LEN,
          #line, line:match("^%x*$") and "" or " that are not all hexadecimal digits")
      end
      if #keys == MAX_KEYS then
        return fail("ticket keys file %s holds more than %d keys", path, MAX_KEYS)
      end
      local key = line:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end)
      local name = key:sub(1, NAME_LEN)
      if seen[name] then
        return fail("ticket keys file %s, line %d: the key's name is the same as line %d's", path, lineno,
          seen[name])
      end
      local weak = placeholder(key)
      if weak then return fail("ticket keys file %s, line %d: %s", path, lineno, weak) end
      seen[name] = lineno
      keys[#keys + 1] = key
    end
  end
  if #keys == 0 then
    return fail("ticket keys file %s holds no key (one per line, %d hexadecimal digits)", path, 2 * KEY_LEN)
  end
  return keys
end

-- The keys of the file at path, and its identity (see core.ticketkeys_stat).
-- core.ticketkeys_read opens the file once and checks that descriptor: a
-- key file others may read gives away every session resumed under its keys;
-- one they may write, or that another user owns, lets them plant a key of
-- their own. A symbolic link or anything but a regular file is refused.
local function read_file(path)
  local text, ident = core.ticketkeys_read(path)
  if not text then return nil, ident end
  local keys, perr = parse(path, text)
  if not keys then return nil, perr end
  return keys, ident
end

--- tls.ticketkeys.read(path) -> { key, ... } (current first) | nil, message
function M.read(path)
  if type(path) ~= "string" then
    error(string.format("bad argument #1 to 'read' (file name expected, got %s)", type(path)), 2)
  end
  local named, nerr = file.check_name("tls.ticketkeys.read", path)
  if not named then return nil, nerr end
  local keys, err = read_file(path)
  if not keys then return nil, err end
  return keys
end

local HEADER = [[
# luatls ticket keys (tls.ticketkeys): one key per line, 96 hexadecimal
# digits = a 16-byte name and a 32-byte secret. The first key seals new
# tickets; every key opens them. Keep this file secret (mode 0600): it opens
# every ticket sealed under its keys. Rotate it with tls.ticketkeys.rotate.
]]

--- tls.ticketkeys.write(path, keys) -> true | nil, message
-- Replaces the file at once (a new file of mode 0600, renamed over path).
function M.write(path, keys)
  if type(path) ~= "string" then
    error(string.format("bad argument #1 to 'write' (file name expected, got %s)", type(path)), 2)
  end
  local named, nerr = file.check_name("tls.ticketkeys.write", path)
  if not named then return nil, nerr end
  local ok, err = check_keys("tls.ticketkeys.write", keys)
  if not ok then return nil, err end
  local lines = { HEADER }
  for i, k in ipairs(keys) do lines[i + 1] = hex(k) .. "\n" end
  return core.ticketkeys_write(path, table.concat(lines))
end

--- tls.ticketkeys.rotate(path[, keep]) -> true | nil, message
-- A new sealing key in front of the file's, which are kept (they still
-- open tickets) up to `keep` of them (default 2); a file that does not exist
-- yet is created with one key.
function M.rotate(path, keep)
  if type(path) ~= "string" then
    error(string.format("bad argument #1 to 'rotate' (file name expected, got %s)", type(path)), 2)
  end
  local named, nerr = file.check_name("tls.ticketkeys.rotate", path)
  if not named then return nil, nerr end
  keep = keep == nil and 2 or keep
  if math.type(keep) ~= "integer" or keep < 0 or keep > MAX_KEYS - 1 then
    error(string.format("bad argument #2 to 'rotate' (a number of old keys from 0 to %d expected, got %s)",
      MAX_KEYS - 1, tostring(keep)), 2)
  end
  local old = {}
  if core.ticketkeys_stat(path) then
    local err
    old, err = M.read(path)
    if not old then return nil, err end
  end
  local keys = { M.generate() }
  for i = 1, math.min(keep, #old) do keys[#keys + 1] = old[i] end
  return M.write(path, keys)
end

-- ---------------------------------------------------------------------
-- Contexts (lua/tls.lua): keys from a list or a file, kept up to date.

-- Per context: { path=, ident=, checked=, bad= } for a file-backed one.
local files = setmetatable({}, { __mode = "k" })
-- Contexts with automatic rotation (ticket_key_lifetime).
local rotating = setmetatable({}, { __mode = "k" })

local function set_from_file(ctx, path, what)
  local named, nerr = file.check_name(what, path)
  if not named then return nil, nerr end
  local keys, ident = read_file(path)
  if not keys then return fail("%s: %s", what, ident) end
  local ok, err = set_ticket_keys(ctx, keys)
  if not ok then return fail("%s: %s", what, err) end
  files[ctx] = { path = path, ident = ident, checked = os_time() }
  return true
end

--- Sets the context's keys from a list or a key file (which is then
-- watched: see refresh). Used by the 'ticket_keys' option and by
-- ctx:setticketkeys.
function M.use(ctx, keys, what)
  if core.ticketkeys_rotation(ctx) > 0 then
    return fail("%s: this context makes and rotates its own keys (ticket_key_lifetime); keys from the "
      .. "application are rotated by the application (tls.ticketkeys.rotate on a key file)", what)
  end
  if type(keys) == "string" then
    -- One key where the list belongs ({ key } forgotten) would otherwise be
    -- taken as a file name and end up in the "cannot read" message, and so
    -- in logs: a key opens every ticket it sealed. 48 bytes that are not
    -- all printable ASCII (random ones never are), or 96 hexadecimal digits
    -- (a key file's line), are a key, never a name; it is never shown.
    if (#keys == KEY_LEN and keys:find("[^\32-\126]")) or (#keys == 2 * KEY_LEN and keys:match("^%x+$")) then
      return fail("%s: got one key, not a list of keys: give { key } (a key is never shown)", what)
    end
    return set_from_file(ctx, keys, what)
  end
  if type(keys) ~= "table" then
    return fail("%s: keys must be a list of keys from tls.ticketkeys.generate() or a key file's name (got %s)",
      what, type(keys))
  end
  local ok, err = check_keys(what, keys)
  if not ok then return nil, err end
  ok, err = set_ticket_keys(ctx, keys)
  if not ok then return fail("%s: %s", what, err) end
  files[ctx] = nil
  return true
end

function M.rotate_automatically(ctx, seconds)
  set_ticket_key_rotation(ctx, seconds)
  rotating[ctx] = seconds > 0 or nil
end

local function refresh_file(ctx, st, now)
  -- (a clock stepped back, NTP or a resumed machine, must not hold off the
  -- next look for as long as the step: review23 R4)
  if now >= st.checked and now - st.checked < M.recheck then return end
  st.checked = now
  -- A file that went away counts as one more version (of its own).
  local ident = core.ticketkeys_stat(st.path) or "missing"
  if ident == st.ident or ident == st.bad then return end
  local keys, err = read_file(st.path)
  if keys then
    local ok, serr = set_ticket_keys(ctx, keys)
    if ok then
      st.ident, st.bad = err, nil -- err is the identity of what was read
      return
    end
    err = serr
  end
  -- Keep serving with the keys we have; say so once per broken version.
  st.bad = ident
  warn("tls: ticket keys file not reloaded, the keys from before stay in use: ", tostring(err))
end

-- A context whose finalizer has run stays a key of a weak table until the
-- next collection: it has no keys left to refresh.
local function collected(ctx)
  return not pcall(ctx.mode, ctx)
end

--- Called as a server accepts a connection (and as tls.wrap or tls.engine
-- make a server connection): every file-backed context looks at its file
-- (at most once per M.recheck seconds) and takes the new keys if it was
-- replaced; every rotating context rotates and drops (wipes) expired keys.
-- All of them, not only the accepting one, since a servername function may
-- hand the connection to another context.
function M.refresh()
  local now
  for ctx, st in pairs(files) do
    if not collected(ctx) then
      now = now or os_time()
      refresh_file(ctx, st, now)
    end
  end
  for ctx in pairs(rotating) do
    if not collected(ctx) then
      local ok, err = core.ticketkeys_tick(ctx)
      if not ok then warn("tls: ticket key rotation failed: ", tostring(err)) end
    end
  end
end

-- server:accept() calls it (in C, inside the server's re-entry guard).
core.ticketkeys_on_accept(M.refresh)

--- ctx:ticketkeynames() -> { name_hex, ... }: the names of the keys the
-- context holds now, the sealing one first.
function M.names(ctx)
  return core.ticketkeys_names(ctx)
end

return M
