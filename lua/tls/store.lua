-- tls.store: session stores for a server context's `session_store`.
--
-- A store is a table of three functions (not methods):
--   get(id) -> blob or nil
--   put(id, blob, ttl)          ttl: seconds the entry may be used
--   delete(id) -> true if the entry was there (and still live), else false
-- The server keeps TLS 1.2 sessions under their session ids, and the ids of
-- tickets that allow 0-RTT (delete() is the anti-replay check: it must say
-- true once at most per id). Ids and blobs are byte strings; a blob is a
-- session sealed with the ticket keys, so a store never holds a secret in
-- the clear. A store that raises is a warning and counts as a miss: the
-- handshake goes on without resumption (or 0-RTT).
local M = {}

-- rfc8446#4.6.1: no session lives longer than 7 days (TLS_MAX_TICKET_LIFETIME).
local MAX_TTL = 604800

-- Any ttl past the longest a session may live (rfc8446#4.6.1: "Servers
-- MUST NOT use any value greater than 604800 seconds") is refused, not cut
-- down to 7 days: the server never asks for more (its ticket_lifetime is
-- at most 604800), so a caller that does has mistaken the unit or the
-- argument. Raised at the caller of put.
local function refuse_ttl_past_max(ttl)
  if ttl > MAX_TTL then
    error("bad argument #3 to 'put' (ttl in seconds expected, at most 604800 (7 days, RFC 8446 4.6.1), got "
      .. string.format("%.14g", ttl) .. ")", 3)
  end
end

local function check_options(what, opts, known)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    error(string.format("bad argument #1 to '%s' (table of options expected, got %s)", what, type(opts)), 3)
  end
  for k in pairs(opts) do
    if not known[k] then error(string.format("%s: unknown option '%s'", what, tostring(k)), 3) end
  end
  return opts
end

local function check_string(what, name, v, argn)
  if type(v) ~= "string" then
    error(string.format("bad argument #%d to '%s' (%s string expected, got %s)", argn or 1, what, name, type(v)), 3)
  end
end

-- ---------------------------------------------------------------------
-- tls.store.memory{ size = n, clock = fn }: one process's sessions, in a
-- table. At most `size` entries (default 10000): when full, the least
-- recently used one goes. `clock` (default os.time) gives the time in
-- seconds, for TTLs.

--- tls.store.memory{ size=, clock= } -> store
function M.memory(opts)
  local o = check_options("tls.store.memory", opts, { size = true, clock = true })
  local size = o.size or 10000
  if math.type(size) ~= "integer" or size < 1 then
    error("tls.store.memory: option 'size' must be a whole number of entries >= 1 (got " .. tostring(size) .. ")", 2)
  end
  local clock = o.clock or os.time
  if type(clock) ~= "function" then
    error("tls.store.memory: option 'clock' must be a function returning seconds (got " .. type(clock) .. ")", 2)
  end

  -- entries[id] = node; nodes form a list from the most recently used
  -- (head.next) to the least (head.prev).
  local entries, count = {}, 0
  local head = {}
  head.next, head.prev = head, head

  local function unlink(node)
    node.prev.next, node.next.prev = node.next, node.prev
  end
  local function push_front(node)
    node.next, node.prev = head.next, head
    head.next.prev = node
    head.next = node
  end
  local function remove(id, node)
    unlink(node)
    entries[id] = nil
    count = count - 1
  end
  -- The live entry for id (and it becomes the most recently used), or nil.
  local function live(id)
    local node = entries[id]
    if not node then return nil end
    if clock() >= node.expires then
      remove(id, node)
      return nil
    end
    unlink(node)
    push_front(node)
    return node
  end

  local store = {}
  function store.get(id)
    check_string("get", "id", id)
    local node = live(id)
    return node and node.blob
  end
  function store.put(id, blob, ttl)
    check_string("put", "id", id)
    check_string("put", "blob", blob, 2)
    -- NaN: "clock() >= expires" never holds, and the entry would never expire
    -- An infinite ttl is a NaN's twin: an entry that would never expire.
    if type(ttl) ~= "number" or ttl ~= ttl or ttl == math.huge then
      error("bad argument #3 to 'put' (ttl in seconds expected, got " .. (type(ttl) == "number"
        and (ttl ~= ttl and "NaN" or "infinity") or type(ttl)) .. ")", 2)
    end
    -- So is 1e300: it never expires either.
    refuse_ttl_past_max(ttl)
    local old = entries[id]
    if old then remove(id, old) end
    if ttl <= 0 then return end
    local node = { id = id, blob = blob, expires = clock() + ttl }
    entries[id] = node
    push_front(node)
    count = count + 1
    if count > size then
      local last = head.prev
      remove(last.id, last)
    end
  end
  function store.delete(id)
    check_string("delete", "id", id)
    local node = live(id)
    if not node then return false end
    remove(id, node)
    return true
  end
  --- store.count() -> entries held (expired ones not yet noticed included)
  function store.count()
    return count
  end
  return store
end

-- ---------------------------------------------------------------------
-- tls.store.redis{ host=, port=, timeout=, prefix=, password=, db= }: a
-- store that several server processes (and machines) share, over Redis's
-- protocol (RESP) on a LuaSocket connection. Keys are prefix .. hex(id),
-- with Redis's own expiry (SET ... EX ttl).

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

-- A RESP command: an array of bulk strings.
local function encode(args)
  local out = { "*" .. #args .. "\r\n" }
  for _, a in ipairs(args) do
    a = tostring(a)
    out[#out + 1] = "$" .. #a .. "\r\n" .. a .. "\r\n"
  end
  return table.concat(out)
end

-- Redis's "no such key" (a nil bulk string), apart from every string.
local NULL = setmetatable({}, { __tostring = function() return "(nil)" end })

-- The longest bulk string a reply may carry: the engine refuses a stored
-- blob longer than 128 KiB (STORE_MAX_BLOB, csrc/lua/lua_hook_store.c), so
-- a longer one is refused here before a byte of it is read.
local REDIS_MAX_BULK = 128 * 1024

-- A reply that breaks the protocol (or is not one the command can give):
-- raised with this table so command() closes the connection (the rest of
-- the reply would be read as the next command's answer).
local Protocol = {}

local function protocol_error(what)
  error(setmetatable({ msg = "protocol error from redis: " .. what }, Protocol), 0)
end

-- Redis text (a status or an error) with control and non-ASCII bytes
-- escaped, for messages and warnings.
local function printable(s)
  return (s:gsub("[%c\\\128-\255]", function(c) return ("\\%03d"):format(c:byte()) end))
end

-- A RESP length or integer: an optional '-' and 1 to 18 digits (no sign
-- '+', no spaces, no hex, no overflow).
local function resp_integer(rest)
  if not rest:match("^%-?%d%d?%d?%d?%d?%d?%d?%d?%d?%d?%d?%d?%d?%d?%d?%d?%d?%d?$") then
    protocol_error("bad number '" .. printable(rest:sub(1, 40)) .. "'")
  end
  return math.tointeger(tonumber(rest))
end

-- Reads one reply of a kind in `kinds` ("+", ":", "$"; an error "-" is
-- always allowed): a string, an integer or NULL; a Redis error comes back
-- as false, message; a network error as nil, message. A reply of another
-- kind (an array: no command we send answers one) or malformed raises a
-- Protocol error.
-- The longest reply line read ("+OK", ":1", "$123", a Redis error): LuaSocket's
-- "*l" has no bound, and a wrong service (or one in the middle) could send
-- a line without end, held in memory for the whole timeout.
local REDIS_MAX_LINE = 4096

-- One reply line without its CR LF, read a byte at a time from LuaSocket's
-- buffer (no system call per byte) within `timeout` seconds in all.
local function read_line(sock, timeout)
  local now = require("socket").gettime -- LuaSocket only for tls.store.redis
  local deadline = now() + timeout
  local bytes, n = {}, 0
  while true do
    local ch, err = sock:receive(1)
    if not ch then return nil, err end
    if ch == "\n" then break end
    n = n + 1
    if n > REDIS_MAX_LINE + 1 then
      protocol_error("a reply line longer than " .. REDIS_MAX_LINE .. " bytes")
    end
    bytes[n] = ch
    if now() > deadline then return nil, "timeout" end
  end
  if bytes[n] == "\r" then bytes[n] = nil end
  return table.concat(bytes)
end

local function read_reply(sock, kinds, timeout)
  local line, err = read_line(sock, timeout)
  if not line then return nil, err end
  local kind, rest = line:sub(1, 1), line:sub(2)
  if kind == "-" then return false, printable(rest) end
  if not kinds:find(kind, 1, true) then
    protocol_error("unexpected reply '" .. printable(line:sub(1, 40)) .. "'")
  end
  if kind == "+" then return rest end
  if kind == ":" then return resp_integer(rest) end
  -- kind == "$"
  local n = resp_integer(rest)
  if n == -1 then return NULL end
  if n < 0 then protocol_error("bulk length " .. n) end
  if n > REDIS_MAX_BULK then
    protocol_error("bulk length " .. n .. " over the limit of " .. REDIS_MAX_BULK .. " bytes")
  end
  local data, derr = sock:receive(n + 2)
  if not data then return nil, derr end
  if data:sub(n + 1) ~= "\r\n" then protocol_error("bulk string not ended by CRLF") end
  return data:sub(1, n)
end

-- The longest timeout tls.store.redis takes, in seconds.
local REDIS_TIMEOUT_MAX = 60

--- tls.store.redis{ host=, port=, timeout=, prefix=, password=, db= } -> store
-- host "127.0.0.1", port 6379, timeout 1 (seconds, each network step, at most 60),
-- prefix "luatls:session:", password and db (a number) as the server needs.
-- The functions raise on a network or Redis error, or a reply that breaks
-- the protocol (the server turns that into a warning and a full handshake);
-- the next call connects again.
function M.redis(opts)
  local o = check_options("tls.store.redis", opts,
    { host = true, port = true, timeout = true, prefix = true, password = true, db = true })
  local socket = require "socket"
  local host, port = o.host or "127.0.0.1", o.port or 6379
  local timeout, prefix = o.timeout or 1, o.prefix or "luatls:session:"
  if type(host) ~= "string" then error("tls.store.redis: option 'host' must be a string", 2) end
  if math.type(port) ~= "integer" or port < 1 or port > 65535 then
    error("tls.store.redis: option 'port' must be a port number (got " .. tostring(port) .. ")", 2)
  end
  if type(timeout) ~= "number" or timeout ~= timeout or timeout <= 0 then
    error("tls.store.redis: option 'timeout' must be a number of seconds > 0", 2)
  end
  -- Each handshake waits for Redis inside the engine (blocking the
  -- process): math.huge would let a Redis that stops answering hold every
  -- handshake for ever.
  if timeout > REDIS_TIMEOUT_MAX then
    error(("tls.store.redis: option 'timeout' must be at most %d seconds (got %s): a Redis that stops "
      .. "answering holds every handshake that long"):format(REDIS_TIMEOUT_MAX, tostring(timeout)), 2)
  end
  if type(prefix) ~= "string" then error("tls.store.redis: option 'prefix' must be a string", 2) end
  if o.password ~= nil and type(o.password) ~= "string" then
    error("tls.store.redis: option 'password' must be a string", 2)
  end
  if o.db ~= nil and (math.type(o.db) ~= "integer" or o.db < 0) then
    error("tls.store.redis: option 'db' must be a database number >= 0", 2)
  end
  local where = (host:find(":", 1, true) and "[" .. host .. "]" or host) .. ":" .. port

  local sock -- the connection, or nil (connect on next use)

  local function raise(msg)
    error("tls.store.redis " .. where .. ": " .. msg, 0)
  end

  -- Sends args and reads the reply (kinds: the reply kinds allowed).
  -- Returns the reply, or nil, message (and true when the reply broke the
  -- protocol: the caller closes the connection and does not retry).
  local function call(s, kinds, args)
    local ok, err = s:send(encode(args))
    if not ok then return nil, err end
    local pok, v, rerr = pcall(read_reply, s, kinds, timeout)
    if pok then return v, rerr end
    if getmetatable(v) == Protocol then v = v.msg end
    return nil, tostring(v), true
  end

  local function connect()
    local s = host:find(":", 1, true) and socket.tcp6() or socket.tcp()
    s:settimeout(timeout) -- the connect too: a host that is down must not hold up handshakes
    s:settimeout(timeout, "t") -- and the whole of each call: a line that trickles in ends too
    local ok, err = s:connect(host, port)
    if not ok then
      s:close()
      return nil, err
    end
    for _, args in ipairs { o.password and { "AUTH", o.password } or false,
                            o.db and { "SELECT", o.db } or false } do
      if args then
        local v, cerr = call(s, "+", args)
        if v ~= "OK" then
          s:close()
          return nil, v == false and cerr or ("no answer to " .. args[1] .. ": " .. tostring(cerr))
        end
      end
    end
    return s
  end

  -- One command; a connection that broke (Redis restarted, an idle
  -- timeout) is replaced once. A Redis error reply raises as it is.
  local function command(kinds, ...)
    local args = { ... }
    local err
    for attempt = 1, 2 do
      if not sock then
        sock, err = connect()
        if not sock then raise(tostring(err)) end
      end
      local v, rerr, bad = call(sock, kinds, args)
      if v == false then raise(rerr) end
      if v ~= nil then return v end
      -- A bad reply: the rest of it is unread, so the connection goes (the
      -- next command must not read it as its answer), and no retry.
      if bad then sock:close(); sock = nil; raise(rerr) end
      sock:close()
      sock, err = nil, rerr
      if attempt == 2 then break end
    end
    raise(tostring(err))
  end

  local store = {}
  function store.get(id)
    check_string("get", "id", id)
    local v = command("$", "GET", prefix .. hex(id))
    if v == NULL then return nil end
    if type(v) ~= "string" then raise("GET answered " .. type(v)) end
    return v
  end
  function store.put(id, blob, ttl)
    check_string("put", "id", id)
    check_string("put", "blob", blob, 2)
    if math.type(ttl) ~= "integer" then
      error("bad argument #3 to 'put' (ttl in whole seconds expected, got " .. tostring(ttl) .. ")", 2)
    end
    -- Redis would keep such an entry for years, or answer an error only
    -- at a handshake.
    refuse_ttl_past_max(ttl)
    if ttl <= 0 then return end
    command("+", "SET", prefix .. hex(id), blob, "EX", ttl)
  end
  function store.delete(id)
    check_string("delete", "id", id)
    return command(":", "DEL", prefix .. hex(id)) == 1
  end
  --- store.close(): drops the connection (the next call makes a new one).
  function store.close()
    if sock then sock:close() end
    sock = nil
  end
  return store
end

return M
