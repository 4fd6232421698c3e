-- luatls: TLS 1.3 for Lua on libcrypto.
--
-- This file checks what the user passes and turns it into plain calls to the
-- C part (tls.core): option names and values are validated here, so that a
-- mistake comes back as nil plus a message naming the option. Errors are
-- returned, never raised, except for programming errors (a non-table where
-- options belong).
local core = require "tls.core"
-- The context's setters, which a context object does not carry (a program
-- holding one cannot weaken it past the checks made here): C.set_verify(ctx, v).
-- Copied as this file loads: what the checks below call is fixed then, and
-- no module loaded later can swap a setter (core.context_methods is
-- read-only as well).
local C = {}
for name, fn in pairs(core.context_methods) do C[name] = fn end
local ticketkeys = require "tls.ticketkeys"
local util = require "tls.util"

local tls = { _VERSION = "luatls 0.2.0" }

local function fail(fmt, ...)
  return nil, string.format(fmt, ...)
end

-- A value in a message: NaN as "NaN" (tostring says "-nan" or "nan",
-- depending on the C library), a string quoted (so "" and "100" do not
-- read as nothing and as the number 100).
local function shown(v)
  if v ~= v then return "NaN" end
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

local function check_options(what, opts, known)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    error(string.format("bad argument to '%s' (table of options expected, got %s)", what, type(opts)), 3)
  end
  for k in pairs(opts) do
    if not known[k] then
      return nil, string.format("%s: unknown option '%s'", what, tostring(k))
    end
  end
  return opts
end

local is_pem = util.is_pem

-- A list option holds entries 1 to #list and nothing else (tls.util).
local function whole_list(option, list)
  return util.whole_list(list, "option '" .. option .. "'", "a list")
end

-- A zero byte in a list: the C setters read it as a C string, and dropped
-- everything after the byte without a word, unknown names included
-- (review40e F1).
local function zero_byte(what, s)
  local at = s:find("\0", 1, true)
  if at then return fail("%s holds a zero byte (at byte %d), which would cut the list short there", what, at) end
  return true
end

-- "a:b", "a,b" or { "a", "b" } -> "a:b"
local function name_list(option, value)
  if type(value) == "string" then
    local ok, zerr = zero_byte("option '" .. option .. "'", value)
    if not ok then return nil, zerr end
    if value:match("^[%s:,]*$") then return fail("option '%s' is empty", option) end
    return value
  end
  if type(value) ~= "table" then
    return fail("option '%s' must be a string or a list of names (got %s)", option, type(value))
  end
  local whole, werr = whole_list(option, value)
  if not whole then return nil, werr end
  if #value == 0 then return fail("option '%s' is empty", option) end
  for i, name in ipairs(value) do
    if type(name) ~= "string" then
      return fail("option '%s': entry %d must be a string (got %s)", option, i, type(name))
    end
    local ok, zerr = zero_byte(string.format("option '%s': entry %d", option, i), name)
    if not ok then return nil, zerr end
    -- The entries are joined with ':' for the C parser, which would split
    -- this one and number every entry after it wrongly in its messages: a
    -- list is one name per entry (or the whole list one string).
    local sep = name:match("[:,]")
    if sep then
      return fail("option '%s': entry %d (%q) holds a '%s': give one name per entry (or the whole list as one "
        .. "string, %q)", option, i, name, sep, "a:b")
    end
  end
  return table.concat(value, ":")
end

-- What a timeout option got, for its message: NaN is a number, but not
-- one a person meant ("(got number)" would puzzle).
local function got(value)
  if value ~= value then return "NaN" end
  return type(value)
end

-- A negative timeout blocks, as in LuaSocket; an infinite one waits for ever.
-- false is "wait for ever", as in tls.connect (review29c I2: refused here
-- before, which tripped options copied from one call to the other).
local function timeout_option(what, value)
  if value == nil or value == false then return -1 end
  if type(value) ~= "number" or value ~= value then
    return fail("%s: option 'timeout' must be a number of seconds or false (got %s)", what, got(value))
  end
  return value
end

local context_options = util.context_options

-- TLS_MAX_IDENTITIES in csrc/pki/tls_config.h
local MAX_CERTIFICATES = 8

local VERSIONS = { ["TLSv1.2"] = true, ["TLSv1.3"] = true }
local OLD_VERSIONS = { ["SSLv3"] = true, ["TLSv1"] = true, ["TLSv1.0"] = true, ["TLSv1.1"] = true }

local function check_version(option, v)
  if v == nil or VERSIONS[v] then return true end
  if OLD_VERSIONS[v] then
    return fail("option '%s': %s is not supported (SSL 3.0, TLS 1.0 and 1.1 are insecure and "
      .. "deprecated by RFC 8996): use \"TLSv1.2\" or \"TLSv1.3\"", option, tostring(v))
  end
  return fail("option '%s' must be \"TLSv1.2\" or \"TLSv1.3\" (got %s)", option, shown(v))
end

-- Without opening it (a FIFO would wait for its writer, then lose it).
local readable = require("tls.core").readable

-- The C layer usually starts its messages with the option's name already.
local function with_option(option, ok, err)
  if ok then return true end
  if err:sub(1, #option + 1) == option .. ":" then return nil, err end
  return fail("option '%s': %s", option, err)
end

-- 'pin', 'crl' and 'crl_check_all' (after 'verify' and 'ca' are set).
-- A pin on a client without verification is allowed: the leaf's key is
-- then all that is checked (a self-signed server). On a server, and for
-- CRLs everywhere, they need the peer's chain verified.
local function pki_options(ctx, o, server)
  local verifying = o.verify
  if verifying == nil then verifying = not server end
  if o.pin ~= nil then
    local pins = o.pin
    if type(pins) == "string" then pins = { pins } end
    if type(pins) ~= "table" or #pins == 0 then
      return fail("option 'pin' must be a pin \"sha256/<base64>\" or a non-empty list of them (got %s)",
        type(pins) == "table" and util.not_a_list(pins) or type(pins))
    end
    if server and not verifying then
      return fail("option 'pin' checks client certificates: it needs 'verify' on a server")
    end
    local whole, werr = whole_list("pin", pins)
    if not whole then return nil, werr end
    for i, pin in ipairs(pins) do
      if type(pin) ~= "string" then
        return fail("option 'pin': entry %d must be a string (got %s)", i, type(pin))
      end
      local ok, why = with_option("pin", C.add_pin(ctx, pin))
      if not ok then return nil, why end
    end
  end
  if o.crl_check_all ~= nil and type(o.crl_check_all) ~= "boolean" then
    return fail("option 'crl_check_all' must be true or false (got %s)", type(o.crl_check_all))
  end
  -- (false asks for nothing: review32c I7)
  if o.crl_check_all and o.crl == nil then
    return fail("option 'crl_check_all' needs option 'crl' (the CRLs to check against)")
  end
  if o.crl ~= nil then
    local crls = o.crl
    if type(crls) == "string" then crls = { crls } end
    if type(crls) ~= "table" or #crls == 0 then
      return fail("option 'crl' must be a file, PEM text, or a non-empty list of them (got %s)",
        type(crls) == "table" and util.not_a_list(crls) or type(crls))
    end
    if not verifying then
      return fail("option 'crl' needs verification: the peer's chain is not checked with 'verify' off")
    end
    local whole, werr = whole_list("crl", crls)
    if not whole then return nil, werr end
    for i, crl in ipairs(crls) do
      if type(crl) ~= "string" then
        return fail("option 'crl': entry %d must be a string (got %s)", i, type(crl))
      end
      local ok, why = with_option("crl", C.load_crl(ctx, crl, not is_pem(crl)))
      if not ok then return nil, why end
    end
    C.set_crl_check_all(ctx, o.crl_check_all == true)
  end
  return true
end

-- Resumption: tickets, their keys, the session store, psk_ke and 0-RTT.
-- The most 0-RTT bytes a server's tickets may allow.
local MAX_EARLY_DATA = 1024 * 1024

-- Options that act in one version only, where the lists or keys leave
-- only the other (review29c L1, L3): the 'max_version' cases are refused
-- above with their own words; this catches the rest ('ciphers' with TLS
-- 1.2 suites only, a client's 'sigalgs' of rsa_pkcs1_* only, a server's
-- 'ciphers' with TLS 1.3 suites only). Accepted, they would promise what
-- never happens: keys that never rotate, a store never called.
local function one_version_options(ctx, o, server)
  local no13, no12 = C.versions_out(ctx)
  if no13 then
    local only13 = o.early_data == true and "early_data = true" or o.psk_ke == true and "psk_ke = true"
      or o.key_update_after ~= nil and "key_update_after" or nil
    if only13 then
      local name = only13:match("^[%w_]+")
      return fail("option '%s' can never take effect: %s only in TLS 1.3, and TLSv1.3 is out because %s "
        .. "(leave '%s' out, or allow TLS 1.3)", only13,
        name == "early_data" and "0-RTT data exists" or name == "psk_ke" and "psk_ke exists" or "key updates exist",
        no13, name)
    end
  end
  -- As with min_version = "TLSv1.3" (refused above): a list that leaves
  -- no TLS 1.2 made either value of 'require_ems' do nothing, silently.
  if no12 and o.require_ems ~= nil then
    return fail("option 'require_ems' can never take effect: it is about TLS 1.2, and TLSv1.2 is out because %s "
      .. "(leave 'require_ems' out, or allow TLS 1.2)", no12)
  end
  if server and no12 and o.session_store ~= nil and o.early_data ~= true then
    return fail("option 'session_store' can never take effect: a server's store keeps TLS 1.2 sessions and "
      .. "0-RTT anti-replay records, and TLSv1.2 is out because %s while 'early_data' is not set "
      .. "(leave 'session_store' out, or set early_data = true)", no12)
  end
  return true
end

local function resumption_options(ctx, o, server)
  local function server_only(name)
    if o[name] ~= nil and not server then
      return fail("option '%s' is for servers (a client takes what the server gives)", name)
    end
    return true
  end
  for _, name in ipairs { "tickets", "ticket_lifetime", "ticket_keys", "ticket_key_lifetime",
                          "max_early_data", "session_store" } do
    local ok, why = server_only(name)
    if not ok then return nil, why end
  end
  if o.tickets ~= nil then
    if math.type(o.tickets) ~= "integer" or o.tickets < 0 or o.tickets > 16 then
      return fail("option 'tickets' must be a whole number from 0 to 16 (got %s)", shown(o.tickets))
    end
    C.set_tickets(ctx, o.tickets)
  end
  if o.ticket_lifetime ~= nil then
    local n = o.ticket_lifetime
    if math.type(n) ~= "integer" or n < 1 or n > 604800 then
      return fail("option 'ticket_lifetime' must be a whole number of seconds from 1 to 604800 "
        .. "(7 days, RFC 8446's limit) (got %s)", shown(n))
    end
    C.set_ticket_lifetime(ctx, n)
  end
  -- Keys come from the application (a list, or a key file a fleet shares
  -- and an operator rotates), or the server makes its own and, with a
  -- lifetime, rotates them itself; not both.
  if o.ticket_keys ~= nil and o.ticket_key_lifetime ~= nil then
    return fail("option 'ticket_key_lifetime' rotates keys the server makes itself: with 'ticket_keys', "
      .. "rotate the keys yourself (tls.ticketkeys.rotate on the key file, ctx:setticketkeys)")
  end
  if o.ticket_keys ~= nil then
    if type(o.ticket_keys) ~= "table" and type(o.ticket_keys) ~= "string" then
      return fail("option 'ticket_keys' must be a list of keys from tls.ticketkeys.generate() or the name of "
        .. "a key file (got %s)", type(o.ticket_keys))
    end
    local ok, why = ticketkeys.use(ctx, o.ticket_keys, "option 'ticket_keys'")
    if not ok then return nil, why end
  end
  if o.ticket_key_lifetime ~= nil then
    local n = o.ticket_key_lifetime
    -- (under a millisecond the core's whole milliseconds made 0, which
    -- means no rotation at all: review23 R3)
    if type(n) ~= "number" or n < 0.001 or n ~= n or n > 1e9 then
      return fail("option 'ticket_key_lifetime' must be a number of seconds from 0.001 to 1e9 (got %s)", shown(n))
    end
    ticketkeys.rotate_automatically(ctx, n)
  end
  if o.psk_ke ~= nil then
    if type(o.psk_ke) ~= "boolean" then
      return fail("option 'psk_ke' must be true or false (got %s)", type(o.psk_ke))
    end
    C.set_psk_ke(ctx, o.psk_ke)
  end
  -- uint32 on the wire (rfc8446#4.2.10), but accepted 0-RTT data is held
  -- until the application reads it, outside the 64 KiB bound on unread
  -- data, and any client can get a ticket: at most 1 MiB per connection
  -- (review23 R6).
  if o.max_early_data ~= nil and (math.type(o.max_early_data) ~= "integer" or o.max_early_data < 1
      or o.max_early_data > MAX_EARLY_DATA) then
    return fail("option 'max_early_data' must be a whole number of bytes from 1 to %d (got %s)",
      MAX_EARLY_DATA, shown(o.max_early_data))
  end
  if o.max_early_data ~= nil and o.early_data ~= true then
    return fail("option 'max_early_data' needs 'early_data = true'")
  end
  if o.early_data ~= nil then
    if type(o.early_data) ~= "boolean" then
      return fail("option 'early_data' must be true or false (got %s)", type(o.early_data))
    end
    C.set_early_data(ctx, o.early_data, o.max_early_data)
  end
  -- Both act only in TLS 1.3 (review23 R5).
  local only13 = o.early_data == true and "early_data" or o.psk_ke == true and "psk_ke" or nil
  if o.max_version == "TLSv1.2" and only13 then
    return fail("option '%s = true' can never take effect with 'max_version = \"TLSv1.2\"': %s exists "
      .. "only in TLS 1.3 (leave '%s' out, or allow TLS 1.3)", only13,
      only13 == "early_data" and "0-RTT data" or "psk_ke", only13)
  end
  -- TLS 1.2 has no KeyUpdate: its records run to the cipher's limit
  -- (review28a).
  if o.max_version == "TLSv1.2" and o.key_update_after ~= nil then
    return fail("option 'key_update_after' can never take effect with 'max_version = \"TLSv1.2\"': key updates "
      .. "exist only in TLS 1.3 (leave 'key_update_after' out, or allow TLS 1.3)")
  end
  -- tickets = 0: a TLS 1.3 server then resumes nothing (README, Resumption),
  -- and both options act only on a resumed TLS 1.3 handshake; luatls has no
  -- external PSKs. Accepted, they would promise something that never happens.
  if server and o.tickets == 0 then
    for _, name in ipairs { "early_data", "psk_ke" } do
      if o[name] == true then
        return fail("option '%s = true' can never take effect with 'tickets = 0': %s, and a server without "
          .. "tickets resumes no TLS 1.3 session (leave '%s' out, or allow tickets)", name,
          name == "early_data" and "0-RTT data comes only with a resumed TLS 1.3 session"
            or "psk_ke is a way of resuming a TLS 1.3 session", name)
      end
    end
    -- ticket_keys, ticket_key_lifetime and ticket_lifetime stay allowed
    -- (review29c L2): the keys also seal a session_store's TLS 1.2
    -- sessions, and tickets = 0 is how a server that issued tickets under
    -- them turns resumption off without a second configuration.
  end
  if o.session_store ~= nil then
    local st = o.session_store
    if type(st) ~= "table" or type(st.get) ~= "function" or type(st.put) ~= "function"
        or type(st.delete) ~= "function" then
      return fail("option 'session_store' must be a table with functions get(id), put(id, blob, ttl) "
        .. "and delete(id), such as tls.store.memory() or tls.store.redis{...}")
    end
    C.set_session_store(ctx, st)
  end
  return true
end

-- Methods of contexts written in Lua, added to the C methods once, as this
-- file loads (contexts' metatables are not reachable from Lua, so that no
-- code can rewrite their methods; add_method never replaces one).
--- ctx:setticketkeys(list or path) -> true | nil, msg: new ticket keys
-- while the server runs (connections in progress keep working; tickets
-- sealed under a key no longer in the set mean a full handshake).
C.add_method("setticketkeys", function(self, keys)
  if self:mode() ~= "server" then
    return fail("ctx:setticketkeys: ticket keys are for servers")
  end
  return ticketkeys.use(self, keys, "ctx:setticketkeys")
end)
--- ctx:ticketkeynames() -> { name_hex, ... }: the current key first.
C.add_method("ticketkeynames", function(self)
  return ticketkeys.names(self)
end)

--- tls.context{ mode=, certificate=, key=, password=, ca=, verify=, ciphers=,
-- groups=, sigalgs=, trace=, security_level=, strict_close=, min_version=,
-- max_version=, require_ems= } -> ctx | nil, msg
function tls.context(opts)
  local o, err = check_options("tls.context", opts or {}, context_options)
  if not o then return nil, err end
  -- (not `o.mode or`: mode = false was taken as a client)
  local mode = o.mode
  if mode == nil then mode = "client" end
  if mode ~= "client" and mode ~= "server" then
    return fail("option 'mode' must be \"client\" or \"server\" (got %s)", shown(mode))
  end
  local server = mode == "server"
  -- verify = function(chain, ok, reason): verification stays on (a server
  -- requires a client certificate) and the function has the last word.
  local verify_fn
  -- verify_id: the program vouches that every verify function given this
  -- name is one policy, so sessions resume across contexts and processes
  -- (without it, only under the same function value in this process).
  if o.verify_id ~= nil then
    if type(o.verify_id) ~= "string" then
      return fail("option 'verify_id' must be a string naming the verify function's policy (got %s)",
        type(o.verify_id))
    end
    if #o.verify_id < 1 or #o.verify_id > 255 then
      return fail("option 'verify_id' must be 1 to 255 bytes long (got %d)", #o.verify_id)
    end
    if type(o.verify) ~= "function" then
      return fail("option 'verify_id' names the policy of a 'verify' function, and there is none (verify = %s)",
        shown(o.verify))
    end
  end
  if type(o.verify) == "function" then
    verify_fn = o.verify
    local copy = {}
    for k, v in pairs(o) do copy[k] = v end
    copy.verify = server and "required" or true
    o = copy
  end
  for _, option in ipairs { "certificate", "key", "password", "ca" } do
    if o[option] ~= nil and type(o[option]) ~= "string" then
      return fail("option '%s' must be a string (got %s)", option, type(o[option]))
    end
  end
  -- A password with no key to open would be taken and never used: a pair
  -- in 'certificates' carries its own.
  if o.password ~= nil and o.key == nil then
    return fail("option 'password' decrypts 'key', which is not given (a pair in 'certificates' takes its own "
      .. "'password')")
  end
  if server then
    if o.verify ~= nil and type(o.verify) ~= "boolean" and o.verify ~= "optional" and o.verify ~= "required" then
      return fail("option 'verify' on a server must be \"optional\", \"required\", true (= \"required\") "
        .. "or false (got %s)", type(o.verify) == "string" and string.format("%q", o.verify) or type(o.verify))
    end
  elseif o.verify ~= nil and type(o.verify) ~= "boolean" then
    return fail("option 'verify' on a client must be true or false (got %s): \"optional\" and \"required\" "
      .. "are for servers", type(o.verify) == "string" and string.format("%q", o.verify) or type(o.verify))
  end
  if o.trace ~= nil and type(o.trace) ~= "function" then
    return fail("option 'trace' must be a function (got %s)", type(o.trace))
  end
  if o.security_level ~= nil and (math.type(o.security_level) ~= "integer"
      or o.security_level < 0 or o.security_level > 5) then
    return fail("option 'security_level' must be an integer from 0 to 5 (got %s)", shown(o.security_level))
  end
  if o.strict_close ~= nil and type(o.strict_close) ~= "boolean" then
    return fail("option 'strict_close' must be true or false (got %s)", type(o.strict_close))
  end
  if o.require_ems ~= nil and type(o.require_ems) ~= "boolean" then
    return fail("option 'require_ems' must be true or false (got %s)", type(o.require_ems))
  end
  for _, option in ipairs { "min_version", "max_version" } do
    local vok, verr = check_version(option, o[option])
    if not vok then return nil, verr end
  end
  if o.min_version and o.max_version and o.min_version > o.max_version then
    return fail("option 'min_version' (%s) is above 'max_version' (%s)", o.min_version, o.max_version)
  end
  if o.require_ems ~= nil and o.min_version == "TLSv1.3" then
    return fail("option 'require_ems' is about TLS 1.2, which min_version = \"TLSv1.3\" turns off")
  end
  -- A server checks client chains only against the CAs it is given: the
  -- system's store names every public CA, whose certificates say nothing
  -- about who may use this service.
  if server and o.verify and o.ca == nil then
    return fail("a server that verifies clients needs option 'ca' naming the client CAs")
  end
  -- Options that only act on a client's chain do nothing on a server that
  -- asks for none: refused, not silently ignored.
  for _, option in ipairs { "ca", "security_level" } do
    if server and not o.verify and o[option] ~= nil then
      return fail("option '%s' would do nothing on a server that does not verify clients "
        .. "(set verify = \"required\" or \"optional\", or leave '%s' out)", option, option)
    end
  end
  -- The same on a client that does not check the server's chain.
  for _, option in ipairs { "ca", "security_level" } do
    if not server and o.verify == false and o[option] ~= nil then
      return fail("option '%s' would do nothing on a client with verify = false, which does not check "
        .. "the server's chain (leave '%s' out, or verify)", option, option)
    end
  end
  if o.client_certificate ~= nil then
    if server then
      return fail("option 'client_certificate' is for client contexts: it chooses what a client "
        .. "answers a server's request for a certificate with")
    end
    if type(o.client_certificate) ~= "function" then
      return fail("option 'client_certificate' must be a function (got %s)", type(o.client_certificate))
    end
  end
  if (o.certificate == nil) ~= (o.key == nil) then
    return fail("options 'certificate' and 'key' go together: '%s' is missing",
      o.certificate == nil and "certificate" or "key")
  end
  if o.certificates ~= nil then
    if type(o.certificates) ~= "table" or #o.certificates == 0 then
      return fail("option 'certificates' must be a non-empty list of { certificate =, key =, password = } "
        .. "tables (got %s)", type(o.certificates) == "table" and util.not_a_list(o.certificates)
        or type(o.certificates))
    end
    local whole, werr = whole_list("certificates", o.certificates)
    if not whole then return nil, werr end
    if #o.certificates + (o.certificate and 1 or 0) > MAX_CERTIFICATES then
      return fail("option 'certificates': at most %d certificate/key pairs per context", MAX_CERTIFICATES)
    end
    for i, pair in ipairs(o.certificates) do
      if type(pair) ~= "table" then
        return fail("option 'certificates': entry %d must be a table { certificate =, key = } (got %s)", i, type(pair))
      end
      for k, v in pairs(pair) do
        if k ~= "certificate" and k ~= "key" and k ~= "password" then
          return fail("option 'certificates': entry %d has an unknown field '%s'", i, tostring(k))
        end
        if type(v) ~= "string" then
          return fail("option 'certificates': entry %d: '%s' must be a string (got %s)", i, k, type(v))
        end
      end
      if pair.certificate == nil or pair.key == nil then
        return fail("option 'certificates': entry %d needs both 'certificate' and 'key'", i)
      end
    end
  end
  -- SNI and ALPN (RFC 6066, RFC 7301)
  if o.servername ~= nil then
    if not server then
      return fail("option 'servername' on a context is a server's function choosing a context per name; "
        .. "a client sets the name it asks for with tls.connect's or tls.wrap's 'servername'")
    end
    if type(o.servername) ~= "function" then
      return fail("option 'servername' must be a function (got %s)", type(o.servername))
    end
  end
  if o.sni_strict ~= nil then
    if not server then return fail("option 'sni_strict' is for server contexts") end
    if type(o.sni_strict) ~= "boolean" then
      return fail("option 'sni_strict' must be true or false (got %s)", type(o.sni_strict))
    end
  end
  local alpn_wire
  if o.alpn ~= nil and not (server and type(o.alpn) == "function") then
    local list = o.alpn
    if type(list) == "string" then list = { list } end
    if type(list) ~= "table" then
      return fail("option 'alpn' must be a list of protocol names%s (got %s)",
        server and " or a function" or "", type(o.alpn))
    end
    local whole, werr = whole_list("alpn", list)
    if not whole then return nil, werr end
    if #list == 0 then return fail("option 'alpn' is an empty list") end
    local parts, first = {}, {}
    for i, name in ipairs(list) do
      if type(name) ~= "string" then
        return fail("option 'alpn': entry %d must be a string (got %s)", i, type(name))
      end
      if #name == 0 or #name > 255 then
        return fail("option 'alpn': entry %d must be 1 to 255 bytes long (got %d)", i, #name)
      end
      -- A name offered twice says nothing more, and a careful server may
      -- refuse the hello (review41b item 2): refused, not dropped.
      if first[name] then
        return fail("option 'alpn': entry %d (%q) repeats entry %d: give each protocol once", i, name, first[name])
      end
      first[name] = i
      parts[i] = string.char(#name) .. name
    end
    alpn_wire = table.concat(parts)
    if #alpn_wire > 65535 then return fail("option 'alpn': the list is longer than 65535 bytes") end
  end
  if o.keylog ~= nil and o.keylog ~= false and type(o.keylog) ~= "string" and type(o.keylog) ~= "function" then
    return fail("option 'keylog' must be a file name, a function(line) or false (got %s)", type(o.keylog))
  end
  -- OCSP stapling (RFC 6066 section 8): a server staples a response, a
  -- client asks for one.
  if o.ocsp ~= nil then
    local v = o.ocsp
    -- A client's value on a server, or a server's on a client: named as
    -- such, not read as a file called "require" nor refused as a bad type.
    if server and (v == "require" or type(v) == "boolean") then
      return fail("option 'ocsp = %s' is a client's setting (true asks the server for a stapled OCSP "
        .. "response, \"require\" also insists on a good one); a server staples a response instead: its "
        .. "'ocsp' is the DER response's file, its bytes, or a function returning them",
        v == "require" and '"require"' or tostring(v))
    end
    if not server and v ~= true and v ~= false and v ~= "require" and (type(v) == "function"
        or (type(v) == "string" and (v:find("\0", 1, true) or readable(v)))) then
      return fail("option 'ocsp': %s is a server's setting (the OCSP response it staples); on a client "
        .. "'ocsp' is true (ask for a stapled OCSP response), \"require\" (and insist on a good one) or false",
        type(v) == "function" and "a function" or v:find("\0", 1, true) and "a DER response"
          or string.format("a file (%q)", v))
    end
    if server and type(v) ~= "string" and type(v) ~= "function" then
      return fail("option 'ocsp': on a server it is the OCSP response to staple: a file, the DER bytes "
        .. "or a function returning them (got %s)", type(v) == "string" and string.format("%q", v) or type(v))
    end
    if not server and v ~= true and v ~= false and v ~= "require" then
      return fail("option 'ocsp': on a client it is true (ask for a stapled OCSP response), \"require\" "
        .. "(and insist on a good one) or false (got %s)", type(v) == "string" and string.format("%q", v) or type(v))
    end
    if not server and v and o.verify == false then
      return fail("option 'ocsp' checks the server's certificate, which 'verify = false' leaves unchecked")
    end
  end
  if server and o.certificate == nil and o.certificates == nil then
    return fail("a server context needs options 'certificate' and 'key' (or 'certificates')")
  end

  local ctx, cerr = core.context(server)
  if not ctx then return nil, cerr end
  local ok, why
  -- A key file that every user of the machine can read or write is
  -- loaded, with a warning (a group, as Debian's ssl-cert with mode 0640,
  -- is not warned about): refusing it would stop servers that ran before.
  -- The path's control bytes are escaped: a warning reaches a terminal.
  local function set_key(option, key, password)
    local path = not is_pem(key)
    local kok, kwhy, mode = C.set_key(ctx, key, path, password)
    if kok and mode then
      local readable, writable = mode & 4 ~= 0, mode & 2 ~= 0
      local how = readable and writable and "read and changed" or readable and "read" or "changed"
      warn("tls: option '", option, "': ",
        (key:gsub("[%c\127-\255]", function(ch) return string.format("\\x%02X", ch:byte()) end)),
        " can be ", how, " by every user (mode ", string.format("%04o", mode),
        "): run chmod 600 on it (or 640 and a group of its readers)")
    end
    return with_option(option, kok, kwhy)
  end
  -- 'certificate'/'key' first: the default pair of a server (the one sent
  -- when no other fits the client's name).
  if o.certificate then
    ok, why = with_option("certificate", C.set_chain(ctx, o.certificate, not is_pem(o.certificate)))
    if not ok then return nil, why end
    ok, why = set_key("key", o.key, o.password)
    if not ok then return nil, why end
  end
  for i, pair in ipairs(o.certificates or {}) do
    local where_ = string.format("certificates[%d].", i)
    ok, why = with_option(where_ .. "certificate", C.set_chain(ctx, pair.certificate, not is_pem(pair.certificate)))
    if not ok then return nil, why end
    ok, why = set_key(where_ .. "key", pair.key, pair.password)
    if not ok then return nil, why end
  end
  local verify = o.verify
  if verify == nil then verify = not server end
  C.set_verify(ctx, verify)
  if o.ca ~= nil then
    if is_pem(o.ca) then
      ok, why = with_option("ca", C.load_ca_pem(ctx, o.ca))
    else
      ok, why = with_option("ca", C.load_ca_path(ctx, o.ca))
    end
    if not ok then return nil, why end
  elseif verify and not server then
    ok, why = C.load_system_ca(ctx)
    if not ok then return fail("cannot load the system's trusted certificates: %s", why) end
  end
  if o.security_level ~= nil then C.set_security_level(ctx, o.security_level) end
  if o.min_version or o.max_version then
    ok, why = C.set_versions(ctx, o.min_version or "TLSv1.2", o.max_version or "TLSv1.3")
    if not ok then return nil, why end
  end
  if o.require_ems ~= nil then C.set_require_ems(ctx, o.require_ems) end
  if o.strict_close ~= nil then C.set_strict_close(ctx, o.strict_close) end
  for option, setter in pairs { ciphers = "set_suites", groups = "set_groups", sigalgs = "set_sigalgs" } do
    if o[option] ~= nil then
      local list, lerr = name_list(option, o[option])
      if not list then return nil, lerr end
      ok, why = with_option(option, C[setter](ctx, list))
      if not ok then return nil, why end
    end
  end
  if o.record_size_limit ~= nil then
    -- RFC 8449: at least 64; TLS 1.3 records hold at most 2^14 + 1 bytes of inner plaintext.
    local n = o.record_size_limit
    if math.type(n) ~= "integer" or n < 64 or n > 16385 then
      return fail("option 'record_size_limit' must be an integer from 64 to 16385 (got %s)", shown(n))
    end
    C.set_record_size_limit(ctx, n)
  end
  if o.trace then C.set_trace(ctx, o.trace) end
  if o.servername then C.set_hook(ctx, "servername", o.servername) end
  if o.sni_strict ~= nil then C.set_sni_strict(ctx, o.sni_strict) end
  if type(o.alpn) == "function" then
    C.set_hook(ctx, "alpn", o.alpn)
  elseif alpn_wire then
    ok, why = with_option("alpn", C.set_alpn(ctx, alpn_wire))
    if not ok then return nil, why end
  end
  if o.client_certificate then C.set_hook(ctx, "client_certificate", o.client_certificate) end
  -- The NSS key log. With the option absent, a client honours SSLKEYLOGFILE
  -- as curl and browsers do (a server never does: its environment is not
  -- its clients'); keylog = false turns that off.
  if type(o.keylog) == "string" then
    ok, why = with_option("keylog", C.set_keylog(ctx, o.keylog))
    if not ok then return nil, why end
  elseif type(o.keylog) == "function" then
    C.set_hook(ctx, "keylog", o.keylog)
  elseif o.keylog == nil and not server then
    local env = os.getenv("SSLKEYLOGFILE")
    if env and env ~= "" then
      -- A file that cannot be opened, or that is refused (a symbolic link, not
      -- ours, open to others), must not stop the program: the variable is a
      -- debugging aid set around it, and is inherited by every child. A
      -- warning says why and what to run; no line is written anywhere else.
      ok, why = C.set_keylog(ctx, env)
      if not ok then warn("tls: SSLKEYLOGFILE ignored: ", why) end
    end
  end
  if server and type(o.ocsp) == "function" then
    C.set_hook(ctx, "ocsp", o.ocsp)
  elseif server and o.ocsp ~= nil then
    local about
    ok, why, about = C.set_ocsp_response(ctx, o.ocsp)
    ok, why = with_option("ocsp", ok, why)
    if not ok then return nil, why end
    if about then
      warn("tls: option 'ocsp': ", about, ": it is never stapled (a client that insists on OCSP would fail)")
    end
  elseif o.ocsp ~= nil then
    C.set_ocsp(ctx, o.ocsp == "require" and "require" or o.ocsp and "ask" or "off")
  end
  if verify_fn then
    ok, why = C.set_hook(ctx, "verify", verify_fn, o.verify_id)
    if not ok then return nil, why end
  end
  ok, why = pki_options(ctx, o, server)
  if not ok then return nil, why end
  ok, why = resumption_options(ctx, o, server)
  if not ok then return nil, why end
  if o.key_update_after ~= nil then
    if math.type(o.key_update_after) ~= "integer" or o.key_update_after < 1 then
      return fail("option 'key_update_after' must be a whole number of records >= 1 (got %s)",
        shown(o.key_update_after))
    end
    C.set_key_update_after(ctx, o.key_update_after)
  end
  -- Last, with every list, version and key set: a context no peer could
  -- ever connect with is refused now, not at its first handshake.
  ok, why = ctx:check()
  if not ok then return nil, why end
  ok, why = one_version_options(ctx, o, server)
  if not ok then return nil, why end
  -- A server accepts 0-RTT data once per ticket by deleting the ticket's
  -- record from the store (csrc/hs/tls13_early.c); without a store it
  -- declined every offer while its tickets kept inviting clients to send
  -- early data, sent for nothing (session 47).
  if server and o.early_data == true and o.session_store == nil then
    return fail("option 'early_data = true' needs a 'session_store' on a server: 0-RTT data is accepted once "
      .. "per ticket, which only the store can tell (tls.store.memory() for one process, tls.store.redis{...} "
      .. "for several); without one every client's early data would be declined")
  end
  return ctx
end

-- Accepts a context, a table of context options, or nil (a default client).
-- fname, argn: the public function and the context's argument number, for
-- the message when ctx is neither a context nor a table of options (it
-- used to fail inside the library, on a method the value lacks).
local function as_context(ctx, mode, fname, argn)
  if ctx == nil then return tls.context { mode = mode } end
  local mt = getmetatable(ctx)
  if type(ctx) == "table" and type(mt) == "table" and mt.__name == "SSL:Context" then
    error(string.format("bad argument #%d to '%s' (tls.context expected, got a context of the LuaSec drop-in: "
      .. "it goes to tls.luasec's wrap; give tls.context options here)", argn, fname), 3)
  end
  if type(ctx) ~= "table" then
    local kind = core.object_kind(ctx)
    if kind ~= "tls.context" then
      error(string.format("bad argument #%d to '%s' (tls.context or table of options expected, got %s)", argn,
        fname, kind or type(ctx)), 3)
    end
  end
  if type(ctx) == "table" then
    local o = {}
    for k, v in pairs(ctx) do o[k] = v end
    if o.mode == nil then o.mode = mode end
    return tls.context(o)
  end
  return ctx
end

local function port_string(what, port)
  if math.type(port) == "integer" and port >= 0 and port <= 65535 then return tostring(port) end
  if type(port) == "string" and port:match("^%d+$") and tonumber(port) <= 65535 then return port end
  error(string.format("bad argument #2 to '%s' (port number expected, got %s)", what, shown(port)), 3)
end

local function where(host, port)
  if host:find(":", 1, true) then return string.format("[%s]:%s", host, port) end
  return string.format("%s:%s", host, port)
end

-- The name a client sends as SNI and checks in the certificate: a host
-- name or an IP address. "" would check nothing; control characters would
-- go on the wire. Only verify = false skips the check.
local function servername_option(what, value)
  if value == nil then return true end
  if type(value) ~= "string" then
    return fail("%s: option 'servername' must be a string (got %s)", what, type(value))
  end
  if value == "" then return true end -- said by empty_servername, which knows the context
  local problem = core.server_name_problem(value)
  if problem then return fail("%s: option 'servername' %s", what, problem) end
  return true
end

-- servername = "": with a context that checks names, the usual words ("only
-- verify = false skips the name check"); with verify = false those words
-- pointed at a setting already made (review46b): the name is wrong, and
-- leaving it out is how to send none (tls.connect then sends the host).
local function empty_servername(what, value, c)
  if value ~= "" then return true end
  if c:mode() == "client" and not C.verifies(c) then
    return fail("%s: option 'servername' is empty, which is no host name: leave it out to send %s (this "
      .. "context has verify = false, so no name is checked)", what,
      what == "tls.connect" and "the host's name" or "none")
  end
  return fail("%s: option 'servername' %s", what, core.server_name_problem(value))
end

-- Without 'servername', the host is the name: as DNS resolves it, so
-- without a trailing dot, and for an IPv6 address without its zone.
-- A session from conn:session() (text), or nil.
local function session_option(what, value)
  if value == nil or type(value) == "string" then return true end
  return fail("%s: option 'session' must be a session from conn:session() (got %s)", what, type(value))
end

-- 0-RTT data for a client's first flight (rfc8446#2.3): a string, and only
-- with a session to resume. Sent early when the session's ticket allows it
-- and the context has early_data = true; info().early_data says whether the
-- server took it ("accepted"). Otherwise it was not delivered: the
-- application sends it again (never automatically: only it knows whether
-- the data is safe to send twice).
local function early_data_option(what, o, c)
  if o.early_data == nil then return true end
  if type(o.early_data) ~= "string" then
    return fail("%s: option 'early_data' must be a string (got %s)", what, type(o.early_data))
  end
  if c:mode() == "server" then
    return fail("%s: option 'early_data' is for clients (a server reads 0-RTT data with receive_early)", what)
  end
  if o.session == nil then
    return fail("%s: option 'early_data' needs option 'session' (0-RTT data goes only to a server resumed)", what)
  end
  return true
end

-- 'servername' is the name a client verifies: given with a server context
-- it did nothing, and a program that meant to be the client (and passed the
-- wrong context) played the server's part, verifying nobody.
local function server_named(what, o, c)
  if o.servername ~= nil and c:mode() == "server" then
    return fail("%s: option 'servername' is for clients (the name the server's certificate must carry); "
      .. "this context has mode=\"server\", which verifies no server (a server reads the client's name in "
      .. "info().servername)", what)
  end
  return true
end

local function default_servername(host)
  local name = host:gsub("%.$", "")
  local ip6 = host:match("^([%x:.]+)%%[%w._-]+$")
  if ip6 and ip6:find(":", 1, true) then name = ip6 end
  local problem = core.server_name_problem(name)
  if problem then
    return fail("tls.connect: host (the default 'servername') %s", problem)
  end
  return name
end

-- Seconds a connect and its handshake may take when no 'timeout' is given:
-- a server that accepts TCP and never answers must not block for ever.
local DEFAULT_CONNECT_TIMEOUT = 60

local function plural(n, word)
  return string.format("%g %s%s", n, word, n == 1 and "" or "s")
end

--- tls.connect(host, port, ctx, { servername=, timeout= }) -> conn | nil, msg
function tls.connect(host, port, ctx, opts)
  if type(host) ~= "string" then
    error(string.format("bad argument #1 to 'connect' (host name expected, got %s)", type(host)), 2)
  end
  if host:find("\0", 1, true) then
    return fail("tls.connect: the host %s holds a zero byte", shown(host))
  end
  port = port_string("connect", port)
  local o, err = check_options("tls.connect", opts,
    { servername = true, timeout = true, session = true, early_data = true })
  if not o then return nil, err end
  local ok, nerr = servername_option("tls.connect", o.servername)
  if not ok then return nil, nerr end
  local servername = o.servername
  if servername == nil then
    servername, nerr = default_servername(host)
    if not servername then return nil, nerr end
  end
  -- hs_timeout bounds the connect and the handshake; timeout is also the
  -- connection's own for later calls, and only when given.
  local hs_timeout, timeout = DEFAULT_CONNECT_TIMEOUT, -1
  if o.timeout == false then
    hs_timeout = -1
  elseif o.timeout ~= nil then
    if type(o.timeout) ~= "number" or o.timeout ~= o.timeout then
      return fail("tls.connect: option 'timeout' must be a number of seconds or false (got %s)",
        got(o.timeout))
    end
    -- 0 ended every connect before its handshake, as "timeout connecting
    -- to ..." with the server up (review41e; tls.https and tls.listen's
    -- handshake_timeout refuse 0 too).
    if o.timeout == 0 then
      return fail("tls.connect: option 'timeout' = 0 would end every connect before its handshake (tls.connect "
        .. "returns once the handshake is done): give seconds, or, for a connection that never blocks, connect "
        .. "with LuaSocket, tls.wrap the socket and call settimeout(0)")
    end
    hs_timeout, timeout = o.timeout, o.timeout
  end
  local c, cerr = as_context(ctx, "client", "connect", 3)
  if not c then return nil, cerr end
  -- Said here, not only in core.connect: inside cqueues the connection is
  -- made by wrapping a socket, which would quietly play the server.
  local is_ctx, mode = pcall(function() return c:mode() end)  -- not a context: core.connect says so
  if is_ctx and mode == "server" then
    return fail("tls.connect needs a client context (this one has mode=\"server\")")
  end
  if is_ctx then
    ok, nerr = empty_servername("tls.connect", o.servername, c)
    if not ok then return nil, nerr end
  end
  local serr
  ok, serr = session_option("tls.connect", o.session)
  if not ok then return nil, serr end
  ok, serr = early_data_option("tls.connect", o, c)
  if not ok then return nil, serr end
  local conn, msg = core.connect(host, port, c, servername, hs_timeout, timeout, o.session, o.early_data)
  if conn then return conn end
  -- The C layer answers with LuaSocket's words; say what was going on.
  if msg == "timeout" then
    msg = "timeout during handshake with " .. where(host, port)
    if hs_timeout >= 0 then msg = msg .. " (no answer within " .. plural(hs_timeout, "second") .. ")" end
  elseif msg == "closed" then
    msg = "connection closed by " .. where(host, port) .. " during handshake"
  end
  return nil, msg
end

-- A client has this long to finish its handshake on a server, so that one
-- that stalls cannot hold a socket and memory for ever.
local DEFAULT_HANDSHAKE_TIMEOUT = 30

--- tls.listen(host, port, ctx, { backlog=, timeout=, handshake_timeout= }) -> server | nil, msg
function tls.listen(host, port, ctx, opts)
  if host ~= nil and type(host) ~= "string" then
    error(string.format("bad argument #1 to 'listen' (address expected, got %s)", type(host)), 2)
  end
  -- An empty address (an environment variable set to nothing) bound every
  -- interface, and a zero byte cut the address short (review23 R2):
  -- LuaSocket's bind refuses the first too.
  if host == "" then
    return fail("tls.listen: the address is empty: give one, or \"*\" for every interface")
  end
  if host and host:find("\0", 1, true) then
    return fail("tls.listen: the address %s holds a zero byte", shown(host))
  end
  port = port_string("listen", port)
  local o, err = check_options("tls.listen", opts,
    { backlog = true, timeout = true, handshake_timeout = true })
  if not o then return nil, err end
  local hs_timeout = DEFAULT_HANDSHAKE_TIMEOUT
  if o.handshake_timeout == false then
    hs_timeout = -1
  elseif o.handshake_timeout ~= nil then
    -- NaN passes "< 0" and then limits nothing (the core tests ">= 0")
    local t = o.handshake_timeout
    -- 0 would drop every client that needs a second round trip, after the
    -- client may already have reported success: no peer could connect.
    if type(t) ~= "number" or t ~= t or t <= 0 then
      return fail("tls.listen: option 'handshake_timeout' must be a number of seconds > 0 or false (got %s)",
        shown(o.handshake_timeout))
    end
    hs_timeout = o.handshake_timeout
  end
  -- listen(2) takes an int; the core would quietly use 32 for one out of range.
  if o.backlog ~= nil and (math.type(o.backlog) ~= "integer" or o.backlog < 1 or o.backlog > 65535) then
    return fail("tls.listen: option 'backlog' must be a whole number from 1 to 65535 (got %s)",
      math.type(o.backlog) and shown(o.backlog) or type(o.backlog))
  end
  local timeout, terr = timeout_option("tls.listen", o.timeout)
  if not timeout then return nil, terr end
  if ctx == nil then return fail("tls.listen needs a server context") end
  local c, cerr = as_context(ctx, "server", "listen", 3)
  if not c then return nil, cerr end
  return core.listen(host or "*", port, c, o.backlog, timeout, hs_timeout)
end

--- tls.wrap(sock, ctx, { servername=, timeout= }) -> conn over a connected
-- LuaSocket TCP socket; the handshake happens on conn:handshake() or the
-- first send/receive. The connection keeps the socket alive and closes it.
function tls.wrap(sock, ctx, opts)
  -- Our own objects have a getfd too: a connection given here would have
  -- the inner handshake written raw under the outer session (which it
  -- breaks), a server would be wrapped as if it were a peer. So has the
  -- LuaSec drop-in's connection (a table whose metatable is named
  -- "SSL:Connection", as as_context knows its "SSL:Context"), and real
  -- LuaSec's (a userdata of that name).
  local mt = getmetatable(sock)
  local kind = core.object_kind(sock)
    or (type(sock) == "table" or type(sock) == "userdata") and type(mt) == "table"
      and mt.__name == "SSL:Connection" and "SSL connection"
  if kind then
    error("bad argument #1 to 'wrap' (connected LuaSocket TCP socket expected, got " .. kind
      .. ((kind == "tls.conn" or kind == "SSL connection")
        and ": TLS over a TLS connection is not supported; tls.engine can run one"
        or kind == "tls.server" and ": a listening server, whose accept() returns connections already under TLS"
        or "") .. ")", 2)
  end
  local ok, fd = pcall(function() return sock:getfd() end)
  -- Lua running out of memory says nothing about the socket.
  if not ok and fd == "not enough memory" then error(fd, 0) end
  fd = ok and math.tointeger(fd) -- LuaSocket returns the descriptor as a float
  if not fd then
    error("bad argument #1 to 'wrap' (connected LuaSocket TCP socket expected)", 2)
  end
  -- (LuaSocket makes the descriptor at connect or bind: review32c F4)
  if fd < 0 then return fail("tls.wrap: the socket is closed or was never connected (call sock:connect first)") end
  local prior = util.wrapped_by(sock, fd)
  if prior then
    return fail("tls.wrap: the socket is already under TLS (%s): a socket carries one TLS connection; "
      .. "use that one", tostring(prior))
  end
  local ahead = util.read_ahead_problem(sock)
  if ahead then return fail("tls.wrap: %s", ahead) end
  local o, err = check_options("tls.wrap", opts,
    { servername = true, timeout = true, session = true, early_data = true })
  if not o then return nil, err end
  local ok, nerr = servername_option("tls.wrap", o.servername)
  if not ok then return nil, nerr end
  local timeout, terr = timeout_option("tls.wrap", o.timeout)
  if not timeout then return nil, terr end
  local c, cerr = as_context(ctx, "client", "wrap", 2)
  if not c then return nil, cerr end
  local sok, serr = session_option("tls.wrap", o.session)
  if not sok then return nil, serr end
  if o.session ~= nil and c:mode() == "server" then
    return fail("tls.wrap: option 'session' is for clients (a server finds sessions in tickets)")
  end
  local mok, merr = server_named("tls.wrap", o, c)
  if not mok then return nil, merr end
  mok, merr = empty_servername("tls.wrap", o.servername, c)
  if not mok then return nil, merr end
  local eok, eerr = early_data_option("tls.wrap", o, c)
  if not eok then return nil, eerr end
  if c:mode() == "server" then ticketkeys.refresh() end
  local conn, werr = core.wrap(fd, c, o.servername, sock, timeout, o.session, o.early_data)
  if conn then util.wrapped_sockets[sock] = conn end
  return conn, werr
end

--- tls.selfsigned{ names=, key="ec"|"rsa"|"ed25519", days= } -> cert_pem, key_pem | nil, msg
function tls.selfsigned(opts)
  local o, err = check_options("tls.selfsigned", opts, { names = true, key = true, days = true })
  if not o then return nil, err end
  local names = o.names or { "localhost" }
  if type(names) == "string" then names = { names } end
  if type(names) ~= "table" or #names == 0 then
    return fail("tls.selfsigned: option 'names' must be a non-empty list of names")
  end
  for i, n in ipairs(names) do
    if type(n) ~= "string" or n == "" then
      return fail("tls.selfsigned: option 'names': entry %d must be a non-empty string", i)
    end
    -- The C side takes names as C strings: a zero byte would cut the name
    -- silently (a certificate for "good.example" when
    -- "good.example\0.evil.example" was asked). And a certificate only
    -- makes sense for names a client can ask for: the rule of 'servername'
    -- (a leading "*." wildcard label aside).
    local rest = n:match("^%*%.(.+)$")
    local problem
    -- A wildcard label goes before DNS labels only: "*.10.0.0.1" or
    -- "*.::1" would be a DNS name no client asks for (a client matches an
    -- address against the certificate's IP entries, never a wildcard).
    if rest and core.is_ip_literal(rest) then
      problem = "puts a wildcard label before an IP address: a wildcard covers DNS names only "
        .. "(give the address alone)"
    else
      -- The wildcard checked as an ordinary first label: what follows it
      -- is DNS labels ("*.10.0.0" is no address, though "10.0.0" alone
      -- reads as one), within the whole name's length.
      problem = core.server_name_problem(rest and "x." .. rest or n)
    end
    -- "*.com" or "*.localhost": OpenSSL's host check (ours, curl's, every
    -- libssl client's) matches a wildcard only when two or more labels
    -- follow it, so such a certificate would match no name at all.
    if not problem and rest and not rest:find(".", 1, true) then
      problem = "puts a wildcard label before a single label: clients match a wildcard only when two or more "
        .. "labels follow it ('*.example.com'), so it would match no name"
    end
    if problem then
      return fail("tls.selfsigned: option 'names': entry %d ('%s') is not a host name or IP address: it %s", i,
        (n:sub(1, 64):gsub("[%c\127-\255]", function(ch) return string.format("\\x%02X", ch:byte()) end)),
        problem)
    end
  end
  local key = o.key or "ec"
  if key ~= "ec" and key ~= "rsa" and key ~= "ed25519" then
    return fail("tls.selfsigned: option 'key' must be \"ec\", \"rsa\" or \"ed25519\" (got %s)", tostring(key))
  end
  local days = o.days or 30
  if math.type(days) ~= "integer" or days < 1 or days > 36500 then
    return fail("tls.selfsigned: option 'days' must be a whole number of days from 1 to 36500")
  end
  return core.selfsigned(names, key, days)
end

--- tls.engine(ctx, { servername= }) -> the sans-I/O engine
function tls.engine(ctx, opts)
  local o, err = check_options("tls.engine", opts, { servername = true, session = true, early_data = true })
  if not o then return nil, err end
  local ok, nerr = servername_option("tls.engine", o.servername)
  if not ok then return nil, nerr end
  local c, cerr = as_context(ctx, "client", "engine", 1)
  if not c then return nil, cerr end
  local sok, serr = session_option("tls.engine", o.session)
  if not sok then return nil, serr end
  if o.session ~= nil and c:mode() == "server" then
    return fail("tls.engine: option 'session' is for clients (a server finds sessions in tickets)")
  end
  local mok, merr = server_named("tls.engine", o, c)
  if not mok then return nil, merr end
  mok, merr = empty_servername("tls.engine", o.servername, c)
  if not mok then return nil, merr end
  local eok, eerr = early_data_option("tls.engine", o, c)
  if not eok then return nil, eerr end
  if c:mode() == "server" then ticketkeys.refresh() end
  return core.engine(c, o.servername, o.session, o.early_data)
end

--- tls.certificate(pem_or_der) -> certificate object | nil, msg: the first
-- certificate of PEM text, or exactly one DER certificate (text, not a path).
function tls.certificate(text)
  if type(text) ~= "string" then
    error(string.format("bad argument #1 to 'certificate' (PEM or DER string expected, got %s)", type(text)), 2)
  end
  return core.certificate(text)
end

--- tls.certificates(pem) -> { certificate, ... } | nil, msg: every certificate of PEM text.
function tls.certificates(text)
  if type(text) ~= "string" then
    error(string.format("bad argument #1 to 'certificates' (PEM string expected, got %s)", type(text)), 2)
  end
  return core.certificates(text)
end

tls.ticketkeys = ticketkeys
tls.store = require "tls.store"
-- tls.https (lua/tls/https.lua) needs LuaSocket, which tls itself does not: loaded on first use.
setmetatable(tls, { __index = function(t, k)
  if k == "https" then rawset(t, k, require "tls.https"); return rawget(t, k) end
end })
require("tls.loop").install(core) -- cqueues: blocking-style calls yield to the loop
tls.copas = require "tls.copas"    -- copas 1.2 adapter (loads copas only when used)

return tls
