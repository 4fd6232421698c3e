-- tls.luasec: LuaSec's `ssl` API on luatls, so that programs written for
-- LuaSec run unchanged after one line:
--
--   require("tls.luasec").install()   -- package.loaded.ssl, ["ssl.https"]
--
-- newcontext(params) takes LuaSec's parameter names and maps them onto a
-- tls.context; wrap(sock, ctx) returns a connection with LuaSec's methods.
-- What LuaSec asks for that would weaken the connection (TLS 1.0/1.1,
-- verification extensions that accept bad chains) is refused with a
-- message; what has no meaning here (SSLv3 switches, DH parameters, bug
-- workarounds) is accepted and ignored. The differences are listed in the
-- README ("The LuaSec drop-in").
local tls = require "tls"
local file = require "tls.file"
-- Fixed as this file loads, as in lua/tls.lua.
local set_verify_chain_only = require("tls.core").context_methods.set_verify_chain_only
local util = require "tls.util"
local socket = require "socket"

local M = {
  _VERSION = "1.2.0",   -- the LuaSec API this follows (programs compare it)
  _COPYRIGHT = "luatls " .. tls._VERSION .. " (LuaSec-compatible API of tls.luasec)",
  _LUATLS = tls._VERSION,
}

-- LuaSec's ssl.config, for programs that look before they ask.
M.config = {
  protocols = { tlsv1_2 = true, tlsv1_3 = true },
  algorithms = { ec = true },
  capabilities = { alpn = true, curves_list = true },
  curves = { ["P-256"] = true, ["P-384"] = true, ["P-521"] = true, prime256v1 = true, secp256r1 = true,
             secp384r1 = true, secp521r1 = true, X25519 = true, X448 = true },
  options = {},
}

local function fail(fmt, ...)
  return nil, string.format(fmt, ...)
end

-- A whole number as LuaSec's C functions take one (luaL_checkinteger): a
-- number or a string that reads as one ("10", " 10 ", "0xa", "1e1", 10.0);
-- else nil and luaL_checkinteger's words. Before session 45 the drop-in
-- raised on depth = "10", which LuaSec takes (review45d).
local function lua_integer(v)
  local n = (type(v) == "number" or type(v) == "string") and tonumber(v) or nil
  if n == nil then return nil, "number expected, got " .. type(v) end
  local i = math.tointeger(n)
  if i == nil then return nil, "number has no integer representation" end
  return i
end

-- What is wrong with a client's host name (newcontext's servername, sni()),
-- or nil: refused here rather than by tls.wrap at the handshake, whose
-- message names a function the program never called. Left out, no name is
-- checked (as in LuaSec); "" is no way to say so.
local server_name_problem = require("tls.core").server_name_problem
local function name_refusal(name)
  if name == "" then
    return "the host name is empty: give the name the server's certificate must carry, or none at all: then no "
      .. "name is checked, as in LuaSec"
  end
  local problem = server_name_problem(name)
  return problem and "the host name " .. problem or nil
end

-- Lists given as one string or a table of strings.
local function as_list(v)
  if type(v) == "table" then return v end
  return { v }
end

-- verify, verifyext and options as lists that say everything they hold.
-- LuaSec unpacks them into C calls that check each entry, so a hole
-- ({ nil, "peer" }) raises there; here ipairs would stop at it and quietly
-- drop the rest, and for verify that means no verification at all.
local function whole_list(v, what)
  local list = as_list(v)
  local ok, err = util.whole_list(list, what, "a list of names")
  if not ok then return nil, err end
  return list
end

---------------------------------------------------------------------------
-- Parameters
---------------------------------------------------------------------------

-- protocol: LuaSec's "tlsv1_2" and "tlsv1_3" mean exactly that version,
-- "any" (and the older "sslv23") every version OpenSSL allows.
local PROTOCOLS = {
  any = { "TLSv1.2", "TLSv1.3" }, sslv23 = { "TLSv1.2", "TLSv1.3" },
  tlsv1_2 = { "TLSv1.2", "TLSv1.2" }, tlsv1_3 = { "TLSv1.3", "TLSv1.3" },
}
local OLD_PROTOCOLS = { sslv2 = "SSL 2.0", sslv3 = "SSL 3.0", tlsv1 = "TLS 1.0", tlsv1_1 = "TLS 1.1" }

-- options: what each LuaSec (OpenSSL) option becomes. "ignore" options
-- either ask for what luatls always does (no compression, fresh ECDHE keys,
-- no renegotiation, no SSLv2/3) or tune OpenSSL internals and bug
-- workarounds that have no counterpart here; none of them loosens a check.
local OPTION_ACTIONS = {
  no_tlsv1_2 = "no_tlsv1_2", no_tlsv1_3 = "no_tlsv1_3", no_ticket = "no_ticket",
  ignore_unexpected_eof = "ignore_unexpected_eof",
}
for name in ([[all no_sslv2 no_sslv3 no_tlsv1 no_tlsv1_1 no_compression single_dh_use single_ecdh_use
  no_renegotiation cipher_server_preference no_session_resumption_on_renegotiation
  dont_insert_empty_fragments allow_client_renegotiation allow_unsafe_legacy_renegotiation
  legacy_server_connect no_encrypt_then_mac no_extended_master_secret enable_middlebox_compat
  prioritize_chacha enable_ktls tlsext_padding cleanse_plaintext no_query_mtu cookie_exchange
  no_dtlsv1 no_dtlsv1_2 no_dtls_mask no_ssl_mask no_anti_replay allow_no_dhe_kex cisco_anyconnect
  disable_tlsext_ca_names microsoft_sess_id_bug netscape_challenge_bug
  netscape_reuse_cipher_change_bug sslref2_reuse_cert_type_bug microsoft_big_sslv3_buffer
  msie_sslv2_rsa_padding ssleay_080_client_dh_bug tls_d5_bug tls_block_padding_bug tls_rollback_bug
  netscape_ca_dn_bug netscape_demo_cipher_change_bug safari_ecdhe_ecdsa_bug cryptopro_tlsext_bug
  pkcs1_check_1 pkcs1_check_2 ephemeral_rsa]]):gmatch("%S+") do
  OPTION_ACTIONS[name] = OPTION_ACTIONS[name] or "ignore"
end
for name in pairs(OPTION_ACTIONS) do M.config.options[name] = true end

-- TLS 1.2 suites luatls has, under OpenSSL's names (what LuaSec's
-- `ciphers` holds), in our order of preference.
local TLS12_SUITES = {
  "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
}
local TLS12_KNOWN = { ["AES128-GCM-SHA256"] = true, ["AES256-GCM-SHA384"] = true }
for _, s in ipairs(TLS12_SUITES) do TLS12_KNOWN[s] = true end
local TLS13_SUITES = { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256" }
local TLS13_KNOWN = {}
for _, s in ipairs(TLS13_SUITES) do TLS13_KNOWN[s] = true end

-- IANA names (our info().cipher) -> OpenSSL's (LuaSec's info().cipher).
local OPENSSL_NAME = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = "ECDHE-ECDSA-AES128-GCM-SHA256",
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = "ECDHE-RSA-AES128-GCM-SHA256",
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = "ECDHE-ECDSA-AES256-GCM-SHA384",
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = "ECDHE-RSA-AES256-GCM-SHA384",
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = "ECDHE-ECDSA-CHACHA20-POLY1305",
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = "ECDHE-RSA-CHACHA20-POLY1305",
  TLS_RSA_WITH_AES_128_GCM_SHA256 = "AES128-GCM-SHA256",
  TLS_RSA_WITH_AES_256_GCM_SHA384 = "AES256-GCM-SHA384",
}

-- OpenSSL's cipher list syntax: explicit suite names, or rules (keywords
-- such as HIGH or ALL, exclusions !x, -x, +x, @STRENGTH).
local function is_rule(token)
  return token:match("^[!%-%+@]") ~= nil or not token:find("-", 1, true)
end

-- The OpenSSL keywords each suite we have answers to (ciphers(1): key
-- exchange, authentication, encryption, MAC, version, strength), so that a
-- rule is evaluated on our suites as OpenSSL would on its own: "HIGH:!AES128"
-- keeps only what HIGH gives without AES128. A keyword not listed names
-- suites we do not have (DHE, CBC, SHA1, PSK, ...): it adds and removes
-- nothing here.
local SUITE_KEYWORDS = {}
do
  local common = { "ALL", "HIGH", "DEFAULT", "TLSv1.2", "AEAD" }
  local ecdhe = { "kECDHE", "kEECDH", "ECDHE", "EECDH", "ECDH" }
  local rsa_kx = { "kRSA", "RSA" }
  local function add(name, ...)
    local set = {}
    for _, list in ipairs { common, ... } do for _, k in ipairs(list) do set[k] = true end end
    SUITE_KEYWORDS[name] = set
  end
  local gcm128, gcm256 = { "AES", "AESGCM", "AES128", "SHA256" }, { "AES", "AESGCM", "AES256", "SHA384" }
  local chacha = { "CHACHA20", "SHA256" }
  add("ECDHE-ECDSA-AES128-GCM-SHA256", ecdhe, { "aECDSA", "ECDSA" }, gcm128)
  add("ECDHE-RSA-AES128-GCM-SHA256", ecdhe, { "aRSA" }, gcm128)
  add("ECDHE-ECDSA-AES256-GCM-SHA384", ecdhe, { "aECDSA", "ECDSA" }, gcm256)
  add("ECDHE-RSA-AES256-GCM-SHA384", ecdhe, { "aRSA" }, gcm256)
  add("ECDHE-ECDSA-CHACHA20-POLY1305", ecdhe, { "aECDSA", "ECDSA" }, chacha)
  add("ECDHE-RSA-CHACHA20-POLY1305", ecdhe, { "aRSA" }, chacha)
  add("AES128-GCM-SHA256", rsa_kx, { "aRSA" }, gcm128)
  add("AES256-GCM-SHA384", rsa_kx, { "aRSA" }, gcm256)
end

-- Whether suite answers to a rule's selector: its own name, or keywords
-- joined with "+" (all of them).
local function selects(selector, suite)
  if selector == suite then return true end
  for k in selector:gmatch("[^+]+") do
    if not SUITE_KEYWORDS[suite][k] then return false end
  end
  return true
end

-- `@SECLEVEL=n` as OpenSSL reads it: exactly one digit, 0 to 5; anything
-- else makes OpenSSL (and so LuaSec) refuse the whole list.
local function seclevel(command)
  local digits = command:match("^@SECLEVEL=(.*)$")
  if not digits then return nil end
  local n = digits:match("^[0-5]$") and tonumber(digits)
  if not n then
    return false, string.format("ciphers: '%s' is not a security level (OpenSSL's syntax: "
      .. "@SECLEVEL=n with one digit n from 0 to 5)", command)
  end
  return n
end

-- The tokens of a cipher list. "@..." starts a token of its own even
-- without a separator: "DEFAULT@SECLEVEL=0" is common (OpenSSL reads it
-- after a leading DEFAULT), and a security level glued to another word
-- must not vanish into an unknown keyword.
local function cipher_tokens(spec)
  local out = {}
  for token in spec:gmatch("[^:, ]+") do
    local head = token:match("^[^@]*")
    if head ~= "" then out[#out + 1] = head end
    for command in token:sub(#head + 1):gmatch("@[^@]*") do out[#out + 1] = command end
  end
  return out
end

-- `ciphers` (TLS 1.2, OpenSSL syntax) -> a list of OpenSSL names we have,
-- and the security level its @SECLEVEL=n asks for (nil without one),
-- evaluated as OpenSSL does: names and keywords add (keywords only our
-- ECDHE suites: RSA key transport is taken only by name), "-x" removes,
-- "!x" removes for good, "+x" and "@STRENGTH" only order. A list that
-- leaves none of ours is refused: quietly using other suites would
-- overrule the program's choice, and so would widening it. @SECLEVEL is
-- the only way a LuaSec program raises the security level: it is
-- returned, never dropped, and a command OpenSSL would refuse (a
-- misspelt @SECLEVEL among them) is refused rather than ignored.
local function tls12_ciphers(spec)
  if type(spec) ~= "string" then return fail("invalid cipher list type (%s)", type(spec)) end
  local chosen, order, banned = {}, {}, {}
  local level
  local function take(suite)
    if banned[suite] or chosen[suite] then return end
    chosen[suite] = true
    order[#order + 1] = suite
  end
  for _, token in ipairs(cipher_tokens(spec)) do
    local op, selector = token:match("^([!%-%+@]?)(.*)$")
    if op == "@" then
      local n, lerr = seclevel(token)
      if n == false then return nil, lerr end
      if n then
        -- OpenSSL would take the last one; two levels in one list are a
        -- contradiction the program should settle, not us.
        if level and level ~= n then
          return fail("ciphers: @SECLEVEL=%d and @SECLEVEL=%d in one list: give one security level", level, n)
        end
        level = n
      elseif token ~= "@STRENGTH" then
        return fail("ciphers: unknown command '%s' in '%s' (OpenSSL has @STRENGTH and @SECLEVEL=n)", token, spec)
      end
    elseif op == "+" then
      -- ordering only
    elseif op == "!" or op == "-" then
      for suite in pairs(SUITE_KEYWORDS) do
        if selects(selector, suite) then
          chosen[suite] = nil
          if op == "!" then banned[suite] = true end
        end
      end
    elseif TLS12_KNOWN[token] then
      take(token)
    elseif is_rule(token) then
      for _, suite in ipairs(TLS12_SUITES) do
        if selects(token, suite) then take(suite) end
      end
    end
  end
  local out = {}
  for _, suite in ipairs(order) do if chosen[suite] then out[#out + 1] = suite end end
  if #out == 0 then
    return fail("ciphers: none of the suites in '%s' exists in luatls, which has only AEAD suites "
      .. "(%s, and AES128-GCM-SHA256/AES256-GCM-SHA384 with RSA key transport)", spec,
      table.concat(TLS12_SUITES, ", "))
  end
  return out, level
end

local function tls13_ciphers(spec)
  if type(spec) ~= "string" then return fail("invalid cipher suites type (%s)", type(spec)) end
  local out, seen = {}, {}
  for token in spec:gmatch("[^:, ]+") do
    if not TLS13_KNOWN[token] then
      return fail("ciphersuites: unknown TLS 1.3 cipher suite '%s' (luatls has %s)", token,
        table.concat(TLS13_SUITES, ", "))
    end
    -- OpenSSL takes a suite named twice (tls.context refuses it): kept once,
    -- where it first stands.
    if not seen[token] then out[#out + 1] = token end
    seen[token] = true
  end
  if #out == 0 then return fail("ciphersuites: the list is empty") end
  return out
end

-- curve/curveslist: OpenSSL's names (and NIST's) -> our group names.
local GROUPS = {
  prime256v1 = "secp256r1", secp256r1 = "secp256r1", ["P-256"] = "secp256r1",
  secp384r1 = "secp384r1", ["P-384"] = "secp384r1", secp521r1 = "secp521r1", ["P-521"] = "secp521r1",
  X25519 = "x25519", x25519 = "x25519", X448 = "x448", x448 = "x448",
  ffdhe2048 = "ffdhe2048", ffdhe3072 = "ffdhe3072", ffdhe4096 = "ffdhe4096",
}

local function groups(spec, option)
  local out = {}
  for token in tostring(spec):gmatch("[^:, ]+") do
    local g = GROUPS[token]
    if not g then return fail("elliptic curve '%s' not supported (%s)", token, option) end
    out[#out + 1] = g
  end
  if #out == 0 then return fail("%s: the list is empty", option) end
  return out
end

-- OpenSSL's levels 4 and 5 ask for 192 and 256 bits of security of what is
-- negotiated as well as of the peer's chain: its ClientHello at level 4
-- drops AES-128, x25519, P-256 and SHA-256 signatures; at 5 every group but
-- P-521 and every signature but SHA-512 ones. Without the same narrowing a
-- LuaSec program asking for @SECLEVEL=4 would get x25519 and AES-128 here.
-- Bits as OpenSSL counts them (its group and cipher tables).
local LEVEL_BITS = { [4] = 192, [5] = 256 }
local GROUP_BITS = { x25519 = 128, secp256r1 = 128, secp384r1 = 192, x448 = 224, secp521r1 = 256,
  ffdhe2048 = 112, ffdhe3072 = 128, ffdhe4096 = 128 }
-- tls.context's groups when `groups` is not given, from the C core.
local DEFAULT_CLIENT_GROUPS = require("tls.core").default_groups(false)
local DEFAULT_SERVER_GROUPS = require("tls.core").default_groups(true)
local LEVEL_SIGALGS = {
  [4] = { "ecdsa_secp384r1_sha384", "ecdsa_secp521r1_sha512", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512",
    "rsa_pss_pss_sha384", "rsa_pss_pss_sha512", "rsa_pkcs1_sha384", "rsa_pkcs1_sha512" },
  [5] = { "ecdsa_secp521r1_sha512", "rsa_pss_rsae_sha512", "rsa_pss_pss_sha512", "rsa_pkcs1_sha512" },
}
-- Narrows o's suites and groups (and a client's signature algorithms: a
-- server's would restrict its own key's signatures, which OpenSSL judges
-- when it loads the key, not here) to level 4 or 5. Returns an error
-- message when nothing is left, as OpenSSL's handshake would fail then.
local function narrow_to_level(o, level, server, cfg)
  local bits = LEVEL_BITS[level]
  local suites = {}
  for _, suite in ipairs(o.ciphers) do
    if not suite:find("AES_?128") then suites[#suites + 1] = suite end
  end
  if #suites == 0 then
    return string.format("ciphers: @SECLEVEL=%d allows only ciphers of %d bits or more (as OpenSSL's level %d), "
      .. "and the suites left%s are all AES-128", level, bits, level,
      cfg.ciphersuites ~= nil and " (with 'ciphersuites')" or "")
  end
  o.ciphers = suites
  local given = o.groups or (server and DEFAULT_SERVER_GROUPS or DEFAULT_CLIENT_GROUPS)
  local groups = {}
  for _, g in ipairs(given) do
    if GROUP_BITS[g] >= bits then groups[#groups + 1] = g end
  end
  if #groups == 0 then
    return string.format("%s: @SECLEVEL=%d allows only groups of %d bits of security or more (as OpenSSL's "
      .. "level %d: %s), and '%s' names none", cfg.curveslist and "curveslist" or "curve", level, bits, level,
      level == 4 and "secp384r1, secp521r1, x448" or "secp521r1", tostring(cfg.curveslist or cfg.curve))
  end
  o.groups = groups
  if not server then o.sigalgs = LEVEL_SIGALGS[level] end
end

-- tls.context's security_level when none is given, from the C core that
-- applies it, so the two cannot disagree.
local DEFAULT_SECURITY_LEVEL = require("tls.core").default_security_level
local key_is_encrypted = require("tls.core").key_is_encrypted

-- The deepest chain luatls accepts: a leaf and 9 intermediates, as
-- OpenSSL's depth 9 allows (up to the trust anchor).
local MAX_DEPTH = 9

-- Without opening it (a FIFO would wait for its writer, then lose it).
local readable = require("tls.core").readable
local core_kind = require("tls.core").object_kind

-- A tls.context option LuaSec has no parameter for: refused (tls.util).
local luatls_only_option = util.luasec_refusal

-- LuaSec's params -> tls.context options, plus what the drop-in itself
-- needs (verify mode, ALPN on servers, ...). Returns opts, extra or nil, msg.
local function translate(cfg)
  if type(cfg.mode) ~= "string" then
    error(string.format("bad argument #1 to 'newcontext' (mode: string expected, got %s)", type(cfg.mode)), 3)
  end
  if type(cfg.protocol) ~= "string" then
    error(string.format("bad argument #1 to 'newcontext' (protocol: string expected, got %s)",
      type(cfg.protocol)), 3)
  end
  local mode = cfg.mode
  if mode ~= "client" and mode ~= "server" then return fail("invalid mode (%s)", mode) end
  local luatls_only = luatls_only_option(cfg)
  if luatls_only then return nil, luatls_only end
  local server = mode == "server"
  local o = { mode = mode }
  local extra = { server = server }

  -- protocol and the no_tlsv1_x options
  if OLD_PROTOCOLS[cfg.protocol] then
    return fail("protocol '%s' (%s only) is refused: %s is insecure and deprecated by RFC 8996; use "
      .. "'tlsv1_2', 'tlsv1_3' or 'any' (TLS 1.2 and 1.3)", cfg.protocol, OLD_PROTOCOLS[cfg.protocol],
      OLD_PROTOCOLS[cfg.protocol])
  end
  local range = PROTOCOLS[cfg.protocol]
  if not range then return fail("invalid protocol (%s)", cfg.protocol) end
  local min, max = range[1], range[2]
  local no_ticket, ignore_eof = false, false
  if cfg.options ~= nil then
    local options, oerr = whole_list(cfg.options, "options")
    if not options then return nil, oerr end
    for _, name in ipairs(options) do
      local action = OPTION_ACTIONS[name]
      if not action then return fail("invalid option (%s)", tostring(name)) end
      if action == "no_tlsv1_2" then
        min = "TLSv1.3"
      elseif action == "no_tlsv1_3" then
        max = "TLSv1.2"
      elseif action == "no_ticket" then
        no_ticket = true
      elseif action == "ignore_unexpected_eof" then
        ignore_eof = true
      end
    end
  end
  if min > max then
    return fail("no protocol version left: protocol '%s' with options %s", cfg.protocol,
      table.concat(as_list(cfg.options), ","))
  end
  o.min_version, o.max_version = min, max
  -- OpenSSL 3 (under LuaSec 1.2) fails a read when the peer closes TCP
  -- without close_notify unless told to ignore it.
  o.strict_close = not ignore_eof
  if no_ticket and server then o.tickets = 0 end

  -- certificates and keys
  local password = cfg.password
  -- OpenSSL asks LuaSec for the password only for a key that needs one:
  -- a function is called then and only then (it may prompt, or fetch a
  -- secret), and tls.context refuses a password a plain key never used, so
  -- the drop-in leaves it out there, as LuaSec in effect does.
  local function key_password(key, p)
    if p == nil then return nil end
    if type(p) ~= "function" and type(p) ~= "string" then return nil, "invalid password type" end
    if key == nil then return nil end
    if type(key) == "string" and not key_is_encrypted(key, not util.is_pem(key)) then return nil end
    if type(p) == "function" then p = p() end
    if type(p) ~= "string" then return nil, "invalid password type" end
    return p
  end
  local perr
  if cfg.certificates ~= nil then
    if type(cfg.certificates) ~= "table" then return fail("invalid certificates parameter") end
    -- LuaSec (1.x) then loads only the list and ignores certificate and
    -- key without a word; which identity a server presents must not depend
    -- on a parameter that does nothing, so the two together are refused.
    if cfg.certificate ~= nil or cfg.key ~= nil then
      return fail("'certificates' together with '%s': LuaSec loads only the 'certificates' list then and "
        .. "ignores 'certificate' and 'key'; put that pair into the list (first, to be the default) or "
        .. "leave it out", cfg.certificate ~= nil and "certificate" or "key")
    end
    -- An entry that is not a pair, or one after a hole, left a client
    -- without its certificate in silence (review29c L4).
    local whole, werr = util.whole_list(cfg.certificates, "certificates", "a list of pairs")
    if not whole then return nil, werr end
    local list = {}
    for i, pair in ipairs(cfg.certificates) do
      if type(pair) ~= "table" then
        return fail("invalid certificates parameter (entry %d is a %s, not { certificate = ..., key = ... })", i,
          type(pair))
      end
      for _, field in ipairs { "certificate", "key" } do
        if pair[field] == nil then return fail("certificates: entry %d has no %s", i, field) end
      end
      local p, e = key_password(pair.key, pair.password or password)
      if e then return nil, e end
      list[i] = { certificate = pair.certificate, key = pair.key, password = p }
    end
    if #list > 0 then
      o.certificate, o.key, o.password = list[1].certificate, list[1].key, list[1].password
      if #list > 1 then o.certificates = { table.unpack(list, 2) } end
    end
  else
    o.certificate, o.key = cfg.certificate, cfg.key
    -- LuaSec keeps a password with no key to open and never uses it;
    -- tls.context refuses that, so it is not passed on.
    o.password, perr = key_password(o.key, password)
    if perr then return nil, perr end
  end
  for _, k in ipairs { "certificate", "key" } do
    if o[k] ~= nil and type(o[k]) ~= "string" then return fail("invalid %s parameter (%s)", k, type(o[k])) end
  end
  if not server and (o.certificate == nil) ~= (o.key == nil) then
    -- LuaSec loads a lone key or certificate and fails later; say it now.
    return fail("a client certificate needs both 'certificate' and 'key'")
  end

  -- trust anchors
  if cfg.cafile ~= nil and cfg.capath ~= nil then
    return fail("cafile and capath together: luatls takes one of them (put the certificates of "
      .. "cafile into the hashed directory, or the reverse)")
  end
  local ca = cfg.cafile or cfg.capath
  if ca ~= nil then
    if type(ca) ~= "string" then return fail("invalid %s parameter", cfg.cafile and "cafile" or "capath") end
    local named, nerr = file.check_name(cfg.cafile and "cafile" or "capath", ca)
    if not named then return fail("error loading CA locations (%s)", nerr) end
    if not readable(ca) then
      return fail("error loading CA locations (%s: cannot read %s)", cfg.cafile and "cafile" or "capath", ca)
    end
  end

  -- verify: "none", "peer", "client_once", "fail_if_no_peer_cert"
  local peer, required = false, false
  if cfg.verify ~= nil then
    local verify, verr = whole_list(cfg.verify, "verify")
    if not verify then return nil, verr end
    -- LuaSec takes {} as "none"; where "peer" was meant (a list built by a
    -- program, emptied by mistake) that verifies nothing, silently.
    if #verify == 0 then
      return fail("verify = {} names no mode: give \"peer\" to verify the peer, or \"none\" not to")
    end
    local needs_peer
    for _, v in ipairs(verify) do
      if v == "peer" then peer = true
      elseif v == "fail_if_no_peer_cert" then required = true; needs_peer = needs_peer or v
      elseif v == "client_once" then needs_peer = needs_peer or v
      elseif v ~= "none" then
        return fail("invalid verify option (%s)", tostring(v))
      end
    end
    -- OpenSSL (and so LuaSec) ignores these without "peer": the word would
    -- say the opposite of what happens (nobody is verified). Refused.
    if needs_peer and not peer then
      return fail("verify '%s' without 'peer' verifies nobody (OpenSSL ignores it then): "
        .. "add \"peer\" to verify, or use verify = \"none\"", needs_peer)
    end
  end
  extra.peer = peer
  if server then
    if peer then
      o.verify = required and "required" or "optional"
      o.ca = ca
    end
    -- Without 'peer' a server asks for no certificate: LuaSec's cafile then
    -- does nothing, and is left out (it was checked to exist above).
  else
    if peer then
      o.verify = true
      o.ca = ca
    else
      -- verify = "none": the handshake goes on whatever the chain, as in
      -- LuaSec; the chain is still checked, for getpeerverification().
      extra.record_verification = true
      o.ca = ca
    end
  end

  if cfg.verifyext ~= nil then
    local verifyext, xerr = whole_list(cfg.verifyext, "verifyext")
    if not verifyext then return nil, xerr end
    for _, v in ipairs(verifyext) do
      if v == "lsec_continue" or v == "lsec_ignore_purpose" then
        return fail("verifyext '%s' is refused: it accepts certificates that fail verification; "
          .. "use verify = \"none\" and check getpeerverification() yourself", v)
      end
      return fail("verifyext '%s' is not supported by luatls (for CRLs use tls.context's 'crl')", tostring(v))
    end
  end
  if cfg.dane ~= nil and cfg.dane ~= false then
    return fail("dane is not supported by luatls")
  end
  if cfg.depth ~= nil then
    -- LuaSec takes it with luaL_checkinteger: NaN, an infinity or 9.5 raise
    -- there (NaN would pass "< MAX_DEPTH" here, and limit nothing).
    local depth, why = lua_integer(cfg.depth)
    if not depth then
      error(string.format("bad argument #1 to 'newcontext' (depth: %s)", why), 3)
    end
    if depth < MAX_DEPTH then
      return fail("depth %d is refused: luatls cannot limit the chain below %d intermediate certificates "
        .. "(its own limit); leave depth out or set it to %d or more", depth, MAX_DEPTH, MAX_DEPTH)
    end
  end
  if cfg.dhparam ~= nil and type(cfg.dhparam) ~= "function" then
    return fail("invalid DH parameter type")
  end

  -- ciphers (TLS 1.2) and ciphersuites (TLS 1.3)
  local list12, list13 = TLS12_SUITES, TLS13_SUITES
  local err, level
  if cfg.ciphers ~= nil then
    list12, err = tls12_ciphers(cfg.ciphers)
    if not list12 then return nil, err end
    level = err
    -- OpenSSL's level 3 and up allow only forward-secret suites: RSA key
    -- transport goes, and a list of nothing else is refused, as OpenSSL's
    -- newcontext fails on it ("no cipher match").
    if level and level >= 3 then
      local kept = {}
      for _, s in ipairs(list12) do
        if s:find("^ECDHE%-") then kept[#kept + 1] = s end
      end
      if #kept == 0 then
        return fail("ciphers: @SECLEVEL=%d allows only forward-secret suites (as OpenSSL's levels 3 to 5), "
          .. "and '%s' names only RSA key transport", level, tostring(cfg.ciphers))
      end
      list12 = kept
    end
  end
  -- @SECLEVEL=n is tls.context's security_level = n (the same levels,
  -- OpenSSL's), which luatls applies to the peer's chain: a client's
  -- (verify "peer", or "none", whose recorded verdict is checked at that
  -- level), a server's that verifies clients. A level under the default
  -- lowers it, as in LuaSec: the program asked for it in so many words. A
  -- server that verifies nobody has no chain to apply it to: a higher
  -- level there would be accepted and do nothing, so it is refused; a
  -- lower one has nothing of luatls's to lower.
  if level then
    if not server or peer then
      o.security_level = level
    elseif level > DEFAULT_SECURITY_LEVEL then
      return fail("ciphers: @SECLEVEL=%d on a server that does not verify clients: luatls applies a "
        .. "security level only to the peer's certificate chain (not to the server's own key); "
        .. "add verify = \"peer\" or leave @SECLEVEL out", level)
    end
  end
  if cfg.ciphersuites ~= nil then
    list13, err = tls13_ciphers(cfg.ciphersuites)
    if not list13 then return nil, err end
  end
  if cfg.ciphers ~= nil or cfg.ciphersuites ~= nil then
    local all = {}
    if max == "TLSv1.3" then for _, s in ipairs(list13) do all[#all + 1] = s end end
    if min == "TLSv1.2" then for _, s in ipairs(list12) do all[#all + 1] = s end end
    o.ciphers = all
  end

  local curves = cfg.curveslist or cfg.curve
  if curves ~= nil then
    local g
    g, err = groups(curves, cfg.curveslist and "curveslist" or "curve")
    if not g then return nil, err end
    o.groups = g
  end

  if level and level >= 4 then
    local nerr = narrow_to_level(o, level, server, cfg)
    if nerr then return nil, nerr end
  end

  -- ALPN
  if cfg.alpn ~= nil then
    local a = cfg.alpn
    if server then
      if type(a) ~= "table" and type(a) ~= "function" then return fail("invalid ALPN parameter") end
      extra.alpn = a
    else
      if type(a) ~= "string" and type(a) ~= "table" then return fail("invalid ALPN parameter") end
      a = as_list(a)
      if #a == 0 then return fail("invalid ALPN list (empty)") end
      for _, p in ipairs(a) do
        if type(p) ~= "string" then return fail("invalid ALPN parameter") end
        if #p == 0 then return fail("invalid ALPN name (empty string)") end
        if #p > 255 then return fail("invalid ALPN name (length > 255)") end
      end
      o.alpn = a
    end
  end

  -- Not LuaSec's: the name a client checks, when it never calls sni().
  if cfg.servername ~= nil then
    if server or type(cfg.servername) ~= "string" then
      return fail("servername: a client's host name (a string)")
    end
    local refusal = name_refusal(cfg.servername)
    if refusal then return fail("servername: %s", refusal) end
    extra.servername = cfg.servername
  end
  -- LuaSec never reads SSLKEYLOGFILE: a ported program must not start
  -- writing its traffic secrets because a shell or service file set it.
  if not server then o.keylog = false end
  return o, extra
end

---------------------------------------------------------------------------
-- Contexts
---------------------------------------------------------------------------

-- The connection whose handshake the engine is driving right now, per
-- coroutine: the context hooks below (a server's SNI map, a client's record
-- of verification) belong to it. Set before each call into the engine, read
-- by the hooks, which run inside that call, on the calling coroutine. One
-- variable for the whole program was wrong as soon as calls interleave: in
-- cqueues a handshake yields inside the call, another connection's call
-- set it meanwhile, and the first one's hooks then served that connection
-- (its verdict recorded on the other, its own left true; the other's SNI
-- map choosing its context).
local current_of = setmetatable({}, { __mode = "k" })
local function driver()
  return (coroutine.running())
end
local function current()
  return current_of[driver()]
end

local Context = {}
Context.__index = Context
Context.__name = "SSL:Context"
function Context.__tostring(self)
  return "SSL context: " .. self.id
end

local function context_id(t)
  return string.format("%p", t)
end

-- One tls.context per variant a connection may need: with or without the
-- name check (a client that gives a name, or not), with an ALPN list set
-- by conn:setalpn. Made on first use from the same options. The ALPN
-- list is in the key as on the wire (each name after its length), so that
-- two lists share a variant only when they are the same list: with the
-- names joined by a separator, { "a\0b" } and { "a", "b" } did.
local function alpn_key(alpn)
  local parts = {}
  for i, p in ipairs(alpn) do parts[i] = string.pack("s1", p) end
  return table.concat(parts)
end

function Context:core(named, alpn)
  local key = (named and "n" or "c") .. (alpn and ("|" .. alpn_key(alpn)) or "")
  local c = self.variants[key]
  if c then return c end
  local o = {}
  for k, v in pairs(self.opts) do o[k] = v end
  if alpn then o.alpn = alpn end
  local err
  c, err = tls.context(o)
  if not c then return nil, err end
  -- The name is checked whenever the program gives one; without one the
  -- chain alone, as LuaSec (which never checks names). With verify =
  -- "none" nothing is enforced, and getpeerverification() reports on the
  -- chain as LuaSec's does.
  if not self.extra.server and (not named or self.extra.record_verification) then
    set_verify_chain_only(c, true)
  end
  self.variants[key] = c
  return c
end

local function verification_recorder(chain, ok, reason)
  local _ = chain
  local conn = current()
  if conn then
    conn.verified = ok and true or false
    conn.verify_reason = reason
  end
  return true
end

-- LuaSec's server ALPN: the protocols the program accepts (a list, or a
-- function of the client's list returning one or a list); the first of
-- them the client offered wins, and with none in common the handshake goes
-- on without ALPN.
local function alpn_selector(accepted)
  return function(offered)
    local mine = accepted
    if type(accepted) == "function" then
      mine = accepted(offered)
      if type(mine) == "string" then mine = { mine } end
      if type(mine) ~= "table" then return nil end
    end
    for _, p in ipairs(mine) do
      for _, q in ipairs(offered) do
        if p == q then return q end
      end
    end
    return nil
  end
end

-- LuaSec's SNI switch (SSL_set_SSL_CTX) changes the certificate and the
-- trust store but keeps the connection's verify mode and versions; luatls
-- takes all of the chosen context's settings. So a map whose context asks
-- less of clients than the connection's own (no client certificate where
-- one was required, TLS 1.2 where only 1.3 was allowed) would quietly let
-- a client in by naming it: refused. Stricter contexts are fine.
-- The cipher suites, groups and tickets of the chosen context apply too
-- (OpenSSL keeps the connection's cipher list and options): a map entry
-- that allows a suite (RSA key transport), a group (ffdhe4096) or tickets
-- the connection's own context refused is refused as well. Signature
-- algorithms are never set by newcontext (tls.context's defaults on both),
-- and ALPN or the certificates are what the switch is for.
local VERIFY_RANK = { optional = 1, required = 2 }
local function suite_set(o)
  local set = {}
  local function add(list)
    for _, s in ipairs(list) do
      -- only the suites of the versions the context allows count
      if TLS13_KNOWN[s] then
        if o.max_version == "TLSv1.3" then set[s] = true end
      elseif o.min_version == "TLSv1.2" then
        set[s] = true
      end
    end
  end
  if o.ciphers then add(o.ciphers) else add(TLS13_SUITES); add(TLS12_SUITES) end
  return set
end
local function group_set(o)
  local set = {}
  for _, g in ipairs(o.groups or DEFAULT_SERVER_GROUPS) do set[g] = true end
  return set
end
-- The first member of a not in b, in a stable order (nil: a is within b).
local function not_within(a, b)
  local extra = {}
  for k in pairs(a) do if not b[k] then extra[#extra + 1] = k end end
  table.sort(extra)
  return extra[1]
end
local function sni_weaker(own, chosen)
  if (VERIFY_RANK[chosen.verify] or 0) < (VERIFY_RANK[own.verify] or 0) then
    return string.format("its context verifies clients less than this connection's (verify %s, here %s): "
      .. "LuaSec keeps this connection's verify mode after the switch, luatls takes the chosen context's; "
      .. "give it the same verify", chosen.verify or "none", own.verify)
  end
  -- OpenSSL's switch takes the chosen context's level too, but a map entry
  -- must not let a client in with a weaker chain than the listening
  -- context asked for (@SECLEVEL), as it must not with a weaker verify.
  local own_level = own.security_level or DEFAULT_SECURITY_LEVEL
  local chosen_level = chosen.security_level or DEFAULT_SECURITY_LEVEL
  if own.verify and chosen_level < own_level then
    return string.format("its context checks client certificates at security level %d, this connection's "
      .. "at %d: luatls takes the chosen context's; give it the same @SECLEVEL (or a higher one)",
      chosen_level, own_level)
  end
  if chosen.min_version < own.min_version or chosen.max_version > own.max_version then
    return string.format("its context allows %s to %s, this connection's only %s to %s: "
      .. "LuaSec keeps this connection's versions after the switch, luatls takes the chosen context's; "
      .. "give it the same protocol and options", chosen.min_version, chosen.max_version,
      own.min_version, own.max_version)
  end
  local wider = not_within(suite_set(chosen), suite_set(own))
  if wider then
    return string.format("its context allows the cipher suite %s, this connection's does not: "
      .. "LuaSec keeps this connection's cipher list after the switch, luatls takes the chosen context's; "
      .. "give it the same ciphers and ciphersuites (or fewer)", wider)
  end
  wider = not_within(group_set(chosen), group_set(own))
  if wider then
    return string.format("its context allows the group %s, this connection's does not: "
      .. "luatls takes the chosen context's groups; give it the same curve/curveslist (or fewer)", wider)
  end
  if own.tickets == 0 and chosen.tickets ~= 0 then
    return "its context issues session tickets, this connection's has option 'no_ticket': "
      .. "LuaSec keeps this connection's options after the switch, luatls takes the chosen context's; "
      .. "give it 'no_ticket' too"
  end
  return nil
end

-- What a map entry may be: a server context from newcontext that asks as
-- much of clients as the connection's own. Checked when sni() is called
-- and again when a client names the entry: the map is the caller's table
-- (LuaSec reads it at the handshake too), so an entry added later, or one
-- an __index function makes, is judged as well.
local function sni_entry_refusal(own, name, ctx)
  if type(name) ~= "string" or getmetatable(ctx) ~= Context then
    return "a table of names and contexts from ssl.newcontext expected"
  end
  if not ctx.extra.server then return name .. ": a client context" end
  local weaker = sni_weaker(own, ctx.opts)
  if weaker then return name .. ": " .. weaker end
  return nil
end

-- A server's SNI: the map the connection got from conn:sni(map, strict).
local function sni_chooser(name)
  local conn = current()
  if not conn or not conn.sni_map then return nil end
  -- A client that sends no name keeps the listening context, strict or not:
  -- LuaSec's callback answers NOACK then; strict refuses only names
  -- outside the map.
  if name == nil then return nil end
  -- The engine gives the name in lower case (DNS names have no case); the
  -- map's keys are the program's spelling.
  local ctx = conn.sni_map[name]
  if ctx == nil then
    local found
    for key, value in pairs(conn.sni_map) do
      if type(key) == "string" and key:lower() == name then
        -- Two spellings of one name: which pairs() gives first changes from
        -- run to run (review38g F2); sni() refuses such a map, and a map
        -- changed since is refused here.
        if found then error(("sni map: %q and %q differ only by case"):format(found, key), 0) end
        found, ctx = key, value
      end
    end
  end
  if ctx then
    local refusal = sni_entry_refusal(conn.ctx.opts, name, ctx)
    if refusal then error("sni map: " .. refusal, 0) end
    local c = ctx:core(true)
    return c
  end
  if conn.sni_strict then return false end
  return nil
end

function M.newcontext(cfg)
  if type(cfg) ~= "table" then
    error(string.format("bad argument #1 to 'newcontext' (table expected, got %s)", type(cfg)), 2)
  end
  local o, extra = translate(cfg)
  if not o then return nil, extra end
  if extra.server then
    if extra.alpn then o.alpn = alpn_selector(extra.alpn) end
    o.servername = sni_chooser
  elseif extra.record_verification then
    o.verify = verification_recorder
  end
  local self = setmetatable({ opts = o, extra = extra, variants = {} }, Context)
  self.id = context_id(self)
  -- The variant most connections use is made now, so that a bad option or
  -- file fails here as in LuaSec.
  local c, err = self:core(extra.server or extra.servername ~= nil)
  if not c then return nil, err end
  return self
end

---------------------------------------------------------------------------
-- Certificates (LuaSec's X509 objects over ours)
---------------------------------------------------------------------------

local Cert = {}
Cert.__index = Cert
Cert.__name = "SSL:Certificate"

local function wrap_cert(c)
  if c == nil then return nil end
  return setmetatable({ cert = c }, Cert)
end

function Cert.__tostring(self)
  return "X509 certificate: " .. context_id(self)
end

function Cert.__eq(a, b)
  return a.cert == b.cert
end

--- The luatls certificate object underneath (tls.certificate's methods).
function Cert:luatls()
  return self.cert
end

function Cert:pem()
  return self.cert:pem()
end

function Cert:digest(alg)
  return self.cert:digest(alg or "sha1")
end

function Cert:serial()
  return self.cert:serial()
end

-- ASN1_TIME_print's form, as LuaSec returns it: "Nov  2 11:00:00 2026 GMT".
local function asn1_time(t)
  return os.date("!%b %e %H:%M:%S %Y GMT", t)
end

function Cert:notbefore()
  return asn1_time(self.cert:notbefore())
end

function Cert:notafter()
  return asn1_time(self.cert:notafter())
end

function Cert:validat(t)
  t = t or os.time()
  return t >= self.cert:notbefore() and t <= self.cert:notafter()
end

function Cert:pubkey()
  local k = self.cert:pubkey()
  return k.pem, k.kind, k.bits
end

-- "street" -> "2.5.4.9", "streetAddress": libcrypto's names, as LuaSec's.
local attribute_names = require("tls.core").attribute_names

-- RFC 2253 text (last RDN first) -> LuaSec's list of { oid, name, value },
-- in the certificate's order (first RDN first).
local function parse_name(text)
  local entries, field, i = {}, {}, 1
  local function flush()
    local s = table.concat(field)
    field = {}
    local k, v = s:match("^([^=]+)=(.*)$")
    if k then
      local oid, name = attribute_names(k)
      entries[#entries + 1] = { oid = oid or k, name = name or k, value = v }
    end
  end
  while i <= #text do
    local ch = text:sub(i, i)
    local hex = ch == "\\" and text:match("^%x%x", i + 1)
    if hex then
      -- RFC 2253 2.4: a byte as two hex digits (our text escapes control
      -- characters so): "admin\01" is the byte 1, not the text "admin01".
      field[#field + 1] = string.char(tonumber(hex, 16))
      i = i + 3
    elseif ch == "\\" and i < #text then
      field[#field + 1] = text:sub(i + 1, i + 1)
      i = i + 2
    else
      if ch == "," or ch == "+" then flush() else field[#field + 1] = ch end
      i = i + 1
    end
  end
  flush()
  local out = {}
  for j = #entries, 1, -1 do out[#out + 1] = entries[j] end
  return out
end

function Cert:subject()
  return parse_name(self.cert:subject())
end

function Cert:issuer()
  return parse_name(self.cert:issuer())
end

-- LuaSec lists the general names of subjectAltName and issuerAltName,
-- keyed by OID; luatls has those of subjectAltName.
local SAN_KEYS = { DNS = "dNSName", IP = "iPAddress", email = "rfc822Name", URI = "uniformResourceIdentifier" }
function Cert:extensions()
  local out = {}
  local names = self.cert:names()
  if #names > 0 then
    local san = { name = "X509v3 Subject Alternative Name" }
    for _, n in ipairs(names) do
      local key = SAN_KEYS[n.type]
      if key then
        san[key] = san[key] or {}
        table.insert(san[key], n.value)
      end
    end
    out["2.5.29.17"] = san
  end
  return out
end

function Cert:setencode(enc)
  if enc ~= "ai5" and enc ~= "utf8" then return false end
  return true
end

-- ca:issued(cert, intermediate...): true, or nil and libcrypto's reason,
-- as LuaSec says it.
function Cert:issued(...)
  local certs = table.pack(...)
  for i = 1, certs.n do
    if getmetatable(certs[i]) ~= Cert then
      error(("bad argument #%d to 'issued' (X509 certificate expected, got %s)"):format(i, type(certs[i])), 2)
    end
    certs[i] = certs[i].cert
  end
  return self.cert:issued(table.unpack(certs, 1, certs.n))
end

-- LuaSec's is the short name: "RSA-SHA256", not "sha256WithRSAEncryption".
function Cert:getsignaturename()
  return self.cert:signature_algorithm("short")
end

function M.loadcertificate(pem)
  local c, err = tls.certificate(pem)
  if not c then return nil, err end
  return wrap_cert(c)
end

---------------------------------------------------------------------------
-- Connections
---------------------------------------------------------------------------

local Conn = {}
Conn.__index = Conn
Conn.__name = "SSL:Connection"

function Conn.__tostring(self)
  return "SSL connection: " .. self.id .. (self.closed and " (closed)" or "")
end

-- LuaSec answers a call that ran out of time with the direction it waited
-- in (an SSL connection never says "timeout"): copas and LuaSec programs
-- look for these words.
local function want_word(self, err)
  -- LuaSec (OpenSSL's SSL_ERROR_ZERO_RETURN) says "closed" when the peer's
  -- close_notify ends the handshake, and its programs test for that word.
  -- Told by the connection's status, not by the message's words, which a
  -- function's error or a peer's name could also hold (review41b item 4).
  if type(err) == "string" and err ~= "timeout" and self.conn then
    local info = self.conn:info()
    if info.close_notify and not info.handshake_done then err = "closed" end
  end
  if err == "timeout" then
    local w = self.conn and self.conn.want and self.conn:want()
    err = w == "write" and "wantwrite" or "wantread"
  end
  self.wanted = err == "wantread" and "read" or err == "wantwrite" and "write" or "nothing"
  return err
end

-- The engine's connection, made on first use: by then the program has
-- said which name it expects (conn:sni) and which protocols (setalpn).
local function engine(self)
  if self.conn then return self.conn end
  if self.closed then return nil, "closed" end
  local ctx = self.ctx
  local name = self.name or ctx.extra.servername
  local core, err = ctx:core(ctx.extra.server or name ~= nil, self.alpn)
  if not core then return nil, err end
  local conn
  conn, err = tls.wrap(self.holder, core, { servername = (not ctx.extra.server) and name or nil })
  if not conn then return nil, err end
  conn:settimeout(self.timeout)
  self.conn = conn
  return conn
end

-- Runs method on the engine's connection with this connection as the one
-- the context hooks serve.
local function drive(self, method, ...)
  local conn, err = engine(self)
  if not conn then return nil, err end
  local co = driver()
  local before = current_of[co]
  current_of[co] = self
  -- A method that raises (a bad argument) must not leave this connection
  -- as the coroutine's current one, held for ever.
  local ok, a, b, c = pcall(conn[method], conn, ...)
  current_of[co] = before
  if not ok then
    -- Called through pcall, a bad argument is "to '?'" and counts the
    -- connection: said as LuaSec says it, at the line of the program's
    -- call (level 3: the program, above Conn:send or Conn:receive).
    local n, why
    if type(a) == "string" then n, why = a:match("^bad argument #(%d+) to '%?' (%(.*%))$") end
    if n and tonumber(n) > 1 then
      error(("bad argument #%d to '%s' %s"):format(tonumber(n) - 1, method, why), 3)
    end
    error(a, 0)
  end
  return a, b, c
end

function Conn:dohandshake()
  local ok, err = drive(self, "handshake")
  if ok then self.wanted = nil; return true end
  return false, want_word(self, err)
end

-- (an index argument as tls.conn's send checks it: a number, or a string
-- that reads as one; not NaN)
local function index_arg(v, n)
  local x = tonumber(v)
  if x == nil or (type(v) ~= "number" and type(v) ~= "string") then
    error(("bad argument #%d to 'send' (number expected, got %s)"):format(n, type(v)), 4)
  end
  if x ~= x then error(("bad argument #%d to 'send' (index is NaN)"):format(n), 4) end
  return x < 0 and math.ceil(math.max(x, -2^53)) or math.floor(math.min(x, 2^53))
end

-- The third result of a call that reached no connection (the drop-in was
-- closed before its first use, or tls.wrap refused its socket): LuaSocket's
-- and LuaSec's, as a connection's own methods give it. A send sent nothing
-- (the index before `i`, string.sub's rules, a fraction cut toward zero as
-- tls.conn cuts it); a receive gives its prefix back. It was nil, which
-- broke the loops that carry it on (`i = last + 1`, `partial .. more`).
local function nothing_sent(data, i, j)
  if type(data) ~= "string" and type(data) ~= "number" then
    error(("bad argument #1 to 'send' (string expected, got %s)"):format(type(data)), 3)
  end
  if j ~= nil then index_arg(j, 3) end
  if i == nil then return 0 end
  local start = index_arg(i, 2)
  if start < 0 then start = #tostring(data) + start + 1 end
  return math.max(start, 1) - 1
end

local function given_back(prefix)
  if prefix == nil then return "" end
  if type(prefix) ~= "string" and type(prefix) ~= "number" then
    error(("bad argument #2 to 'receive' (string expected, got %s)"):format(type(prefix)), 3)
  end
  return tostring(prefix)
end

function Conn:send(data, i, j)
  local last, err, partial = drive(self, "send", data, i, j)
  if last then
    self.wanted = nil
    return last
  end
  if partial == nil and not self.conn then partial = nothing_sent(data, i, j) end
  return nil, want_word(self, err), partial
end

function Conn:receive(pattern, prefix)
  local data, err, partial = drive(self, "receive", pattern, prefix)
  if data then
    self.wanted = nil
    return data
  end
  if partial == nil and not self.conn then partial = given_back(prefix) end
  return nil, want_word(self, err), partial
end

function Conn:settimeout(t, mode)
  -- Checked now, not when the connection is first used (as conn:settimeout
  -- does). A string that reads as a number is one, as LuaSec's
  -- luaL_optnumber takes it (refused before session 45).
  if t ~= nil then
    local n = (type(t) == "number" or type(t) == "string") and tonumber(t) or nil
    if n == nil or n ~= n then
      error(string.format("bad argument #1 to 'settimeout' (%s)", n == nil
        and "number expected, got " .. type(t) or "timeout is NaN: give seconds, or nil or a negative number to block"), 2)
    end
    t = n
  end
  -- LuaSec's modes are LuaSocket's (tls.conn's settimeout says the same)
  if mode ~= nil and not (type(mode) == "string" and mode:match("^[btr]")) then
    error(string.format("bad argument #2 to 'settimeout' (invalid timeout mode '%s' (LuaSocket's are 'b' and "
      .. "'t'))", tostring(mode)), 2)
  end
  self.timeout = t
  if self.conn then self.conn:settimeout(t) end
  return 1
end

function Conn:close()
  if self.closed then return end
  -- Closed only once the close went through: one refused (called from the
  -- connection's own callback) left a drop-in that said "closed" over a
  -- connection still open, which later closes did not close (review38c F1).
  if self.conn then
    self.conn:close()
  else
    self.holder:close()
  end
  self.closed = true
end
Conn.__close = Conn.close
Conn.__gc = Conn.close

function Conn:getfd()
  if self.closed then return -1 end
  if self.conn then return self.conn:getfd() end
  return self.holder:getfd()
end

-- Before the handshake, the descriptor may be replaced (LuaSec's setfd).
function Conn:setfd(fd)
  if self.conn or self.closed then
    error("bad argument #1 to 'setfd' (invalid SSL object state)", 2)
  end
  self.holder:setfd(fd)
end

function Conn:dirty()
  if self.closed or not self.conn then return false end
  if self.conn.dirty then return self.conn:dirty() end
  return false
end

function Conn:want()
  if self.closed or not self.conn then return "nothing" end
  if self.conn.want then return self.conn:want() end
  return self.wanted or "nothing"
end

-- Bytes of application data received and sent, and seconds since wrap.
function Conn:getstats()
  if self.conn and self.conn.getstats then return self.conn:getstats() end
  return self.received, self.sent, socket.gettime() - self.birth
end

-- As conn:setstats: nil keeps a value; NaN, an infinity or a negative number
-- raises, and so does what is no number (LuaSec's luaL_optnumber): before
-- session 45, setstats("x") or setstats({}) before the handshake kept the
-- old value and returned 1.
local function stat_value(v, arg)
  if v == nil then return nil end
  local n = (type(v) == "number" or type(v) == "string") and tonumber(v) or nil
  if n == nil then
    error(string.format("bad argument #%d to 'setstats' (number expected, got %s)", arg, type(v)), 3)
  end
  v = n
  if not (v >= 0 and v <= 2^53) then
    error(string.format("bad argument #%d to 'setstats' (%s)", arg,
      v ~= v and "is NaN: a number >= 0 expected" or "out of range: a finite number >= 0 expected"), 3)
  end
  return v
end

function Conn:setstats(received, sent, age)
  -- Checked here before and after the handshake alike, so that a mistake
  -- is said at the program's line, not inside this module.
  received, sent, age = stat_value(received, 1), stat_value(sent, 2), stat_value(age, 3)
  if self.conn and self.conn.setstats then return self.conn:setstats(received, sent, age) end
  self.received = received or self.received
  self.sent = sent or self.sent
  if age then self.birth = socket.gettime() - age end
  return 1
end

local function handshake_done(self)
  if self.closed or not self.conn then return nil end
  local info = self.conn:info()
  if not info or not info.handshake_done then return nil end
  return info
end

function Conn:getpeercertificate(n)
  -- LuaSec answers "closed" before it reads the argument (review46c: a
  -- program that passes a bad index only before the handshake runs there).
  if not handshake_done(self) then return nil, "closed" end
  -- luaL_optinteger, as LuaSec: "2" and 2.0 are 2 (refused before session
  -- 45, with the argument counted as #2 where LuaSec says #1).
  if n == nil then n = 1 end
  local i, why = lua_integer(n)
  if not i then error("bad argument #1 to 'getpeercertificate' (" .. why .. ")", 2) end
  n = i
  if n < 1 then return nil, "invalid certificate index" end
  local chain = self.conn:peerchain()
  return wrap_cert(chain and chain[n])
end

function Conn:getpeerchain()
  if not handshake_done(self) then return nil, "closed" end
  local out = {}
  for i, c in ipairs(self.conn:peerchain() or {}) do out[i] = wrap_cert(c) end
  return out
end

-- true once the peer's chain was verified; false and why when it was not
-- (a client with verify = "none" whose server's chain fails).
function Conn:getpeerverification()
  local info = handshake_done(self)
  if not info then return false, "closed" end
  if self.ctx.extra.record_verification then
    if self.verified == false then return false, self.verify_reason end
    -- No verdict recorded (the hook never served this connection): ask
    -- the engine rather than answer true.
    if self.verified == nil and not info.peer_verified then
      return false, "the peer's certificate was not verified"
    end
    return true
  end
  if info.peer_verified or (info.peer_chain_length or 0) == 0 then return true end
  return false, "the peer's certificate was not verified"
end

-- The verify_data of the last Finished sent, and of the peer's (LuaSec's
-- SSL_get_finished and SSL_get_peer_finished); as in LuaSec, nil, "closed"
-- until the handshake is done and after close. A TLS 1.2 connection without
-- the extended master secret gives none (RFC 7627 5.4): nil and the reason.
function Conn:getfinished()
  if not handshake_done(self) then return nil, "closed" end
  local mine, _, refused = self.conn:finished()
  if refused then return nil, refused end
  return mine
end

function Conn:getpeerfinished()
  if not handshake_done(self) then return nil, "closed" end
  local _, peer, refused = self.conn:finished()
  if refused then return nil, refused end
  return peer
end

-- LuaSec's argument checks (luaL_checklstring, luaL_checkinteger), said at
-- the program's line: they were tls.conn:export's, inside this module, with
-- its own argument numbers.
local function string_arg(v, n, method)
  if type(v) ~= "string" and type(v) ~= "number" then
    error(string.format("bad argument #%d to '%s' (string expected, got %s)", n, method, type(v)), 3)
  end
  return tostring(v)
end

function Conn:exportkeyingmaterial(label, len, context)
  -- "closed" first, as LuaSec (and this module before session 45): its
  -- arguments are read only on a connected connection (review46c).
  if not handshake_done(self) then return nil, "closed" end
  label = string_arg(label, 1, "exportkeyingmaterial")
  local n, why = lua_integer(len)
  if not n then error("bad argument #2 to 'exportkeyingmaterial' (" .. why .. ")", 2) end
  -- LuaSec raises too (its size_t of a negative length: "not enough memory")
  if n < 0 then error("bad argument #2 to 'exportkeyingmaterial' (a length of 0 or more expected, got " .. n .. ")", 2) end
  if context ~= nil then context = string_arg(context, 3, "exportkeyingmaterial") end
  return self.conn:export(label, context, n)
end

local BITS = { AES_128 = 128, AES_256 = 256, CHACHA20 = 256, AES128 = 128, AES256 = 256 }

-- LuaSec's info(): protocol, cipher (OpenSSL's name), bits, algbits, key,
-- authentication, encryption, mac, export, compression; plus `luatls`
-- (our own info() table), which also tells which library served.
function Conn:info(field)
  local info = handshake_done(self)
  -- LuaSec's words before the handshake is done and after close, as the
  -- other accessors say them (a bare nil left a program nothing to log).
  if not info then return nil, "closed" end
  local cipher = OPENSSL_NAME[info.cipher] or info.cipher
  local bits = BITS[info.cipher:match("(AES_%d+)") or info.cipher:match("(CHACHA20)") or ""] or 0
  local auth = info.signature and (info.signature:match("^ecdsa") and "ECDSA" or info.signature:match("^rsa")
    and "RSA" or info.signature:match("^ed25519") and "Ed25519") or "any"
  local t = {
    protocol = info.version, cipher = cipher, bits = bits, algbits = bits,
    key = info.version == "TLSv1.3" and "any" or (info.key_exchange == "ECDHE" and "ECDH" or info.key_exchange),
    authentication = info.version == "TLSv1.3" and "any" or auth,
    encryption = info.cipher:find("CHACHA20", 1, true) and "CHACHA20/POLY1305(256)"
      or string.format("AESGCM(%d)", bits),
    mac = "AEAD", export = false, luatls = info,
  }
  if field == "compression" then return nil end
  if field then return t[field] end
  return t
end

-- Client: the name to send and check. Server: a map name -> context and
-- whether a name outside it is refused.
function Conn:sni(arg, strict)
  if self.ctx.extra.server then
    if type(arg) ~= "table" then
      error(string.format("bad argument #2 to 'sni' (table expected, got %s)", type(arg)), 2)
    end
    local spelled = {}
    for name, ctx in pairs(arg) do
      local refusal = sni_entry_refusal(self.ctx.opts, name, ctx)
      if refusal then error("bad argument #2 to 'sni' (" .. refusal .. ")", 2) end
      local other = spelled[name:lower()]
      if other then
        local a, b = other < name and other or name, other < name and name or other
        error(("bad argument #2 to 'sni' (%q and %q differ only by case: host names have none)"):format(a, b), 2)
      end
      spelled[name:lower()] = name
    end
    self.sni_map, self.sni_strict = arg, strict and true or false
    return
  end
  if type(arg) ~= "string" then
    error(string.format("bad argument #2 to 'sni' (string expected, got %s)", type(arg)), 2)
  end
  if self.conn then error("bad argument #1 to 'sni' (the handshake has started)", 2) end
  local refusal = name_refusal(arg)
  if refusal then error("bad argument #2 to 'sni' (" .. refusal .. ")", 2) end
  self.name = arg
end

function Conn:getsniname()
  if self.ctx.extra.server then
    local info = handshake_done(self)
    return info and info.servername or nil
  end
  return self.name
end

-- A client's ALPN list for this connection, before its handshake.
function Conn:setalpn(protocols)
  if self.ctx.extra.server then return nil, "setalpn: a server chooses with the context's alpn" end
  if self.conn then return nil, "setalpn: the handshake has started" end
  protocols = as_list(protocols)
  for _, p in ipairs(protocols) do
    if type(p) ~= "string" or #p == 0 or #p > 255 then return nil, "invalid ALPN name" end
  end
  -- The context variant with this list is made now, so that a list no
  -- ClientHello can carry (or one naming a protocol twice) is refused
  -- here, not at the handshake (review41b item 1).
  local ctx = self.ctx
  local _, err = ctx:core(ctx.extra.server or (self.name or ctx.extra.servername) ~= nil, protocols)
  if err then return nil, err end
  self.alpn = protocols
  return true
end

function Conn:getalpn()
  local info = handshake_done(self)
  return info and info.alpn or nil
end

-- The socket's descriptor moves into the connection, as with LuaSec: the
-- LuaSocket object given to wrap no longer owns it (closing or collecting
-- it does nothing). A closed LuaSocket object that takes the descriptor
-- owns it now and closes it with the connection.
local function take_fd(sock)
  local kind = core_kind(sock) or getmetatable(sock) == Conn and "SSL connection"
  if kind then
    error("bad argument #1 to 'wrap' (LuaSocket TCP socket expected, got " .. kind
      .. ((kind == "tls.conn" or kind == "SSL connection") and ": TLS over a TLS connection is not supported"
        or kind == "tls.server" and ": a listening server, whose accept() returns connections already under TLS"
        or "") .. ")", 3)
  end
  local ok, fd = pcall(function() return sock:getfd() end)
  -- Lua running out of memory says nothing about the socket.
  if not ok and fd == "not enough memory" then error(fd, 0) end
  fd = ok and math.tointeger(fd)
  if not fd then error("bad argument #1 to 'wrap' (LuaSocket TCP socket expected)", 3) end
  if fd < 0 then return nil, "closed" end
  local prior = util.wrapped_by(sock, fd)
  if prior then
    return nil, string.format("the socket is already under TLS (%s): a socket carries one TLS connection; "
      .. "use that one", tostring(prior))
  end
  local ahead = util.read_ahead_problem(sock)
  if ahead then return nil, ahead end
  local holder = assert(socket.tcp())
  holder:close()
  holder:setfd(fd)
  sock:setfd(-1)
  return holder
end

function M.wrap(sock, cfg)
  local ctx, err = cfg, nil
  if type(cfg) == "table" and getmetatable(cfg) ~= Context then
    ctx, err = M.newcontext(cfg)
    if not ctx then return nil, err end
  elseif getmetatable(cfg) ~= Context then
    error("bad argument #2 to 'wrap' (a context from tls.luasec's newcontext or a table of parameters expected)", 2)
  end
  local holder, herr = take_fd(sock)
  if not holder then return nil, herr end
  local self = setmetatable({ ctx = ctx, holder = holder, sent = 0, received = 0, birth = socket.gettime() },
    Conn)
  self.id = context_id(self)
  return self
end

-- ssl.https is tls.luasec.https; loaded on use, as it needs socket.http.
setmetatable(M, { __index = function(t, k)
  if k == "https" then
    local https = require "tls.luasec.https"
    rawset(t, "https", https)
    return https
  end
end })

--- install(): programs that require "ssl" and "ssl.https" get these.
function M.install()
  package.loaded["ssl"] = M
  package.loaded["ssl.https"] = require "tls.luasec.https"
  return M
end

return M
