-- conform24: what review24a found the server and client took or refused
-- against RFC 8446, 6066 and 5246 (and tlsfuzzer's scripts
-- test-tls13-legacy-version, test-invalid-server-name-extension,
-- test-interleaved-application-data-and-fragmented-handshakes-in-renegotiation):
-- a ClientHello whose legacy_version is SSL 3.0 or older beside
-- supported_versions, host names with control or non-ASCII bytes and lists
-- of two host names, extensions we do not act on but must check the form
-- of, a second ClientHello that changes its legacy_session_id, a TLS 1.3
-- ServerHello of legacy_version 0x0300, and TLS 1.2 application data
-- between the pieces of a renegotiating ClientHello (which RFC 5246 allows).
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"
local T = require "spec.support.tls12_peer"

-- A server engine fed `bytes`: whether it took them, its alert and reason.
local function serve(bytes, opts, e)
   e = e or E.server_engine(opts)
   local ok, why = e:feed(bytes)
   local _, alert = e:error()
   return ok, alert, why, e
end

local function refused(alert, reason, bytes, opts)
   local ok, got_alert, why = serve(bytes, opts)
   assert.is_nil(ok)
   assert.equal(alert, got_alert)
   assert.equal(reason, why)
end

local function taken(bytes, opts)
   local ok, _, why = serve(bytes, opts)
   assert.is_true(ok, why)
end

-- A TLS 1.2 ClientHello record with `extra` extensions.
local function ch12(extra, legacy_version, versions)
   local exts = { { 10, B.vec(2, B.list16 { 0x001d, 0x0017 }) }, { 11, B.vec(1, "\0") },
      { 13, B.vec(2, B.list16 { 0x0403, 0x0804 }) }, { 23, "" } }
   if versions then exts[#exts + 1] = { 43, B.vec(1, B.list16(versions)) } end
   for _, e in ipairs(extra or {}) do exts[#exts + 1] = e end
   return B.client_hello_record { suites = { 0xc02b }, extensions = exts, legacy_version = legacy_version }
end

-- A server_name extension of the given { type, name } entries.
local function names(list)
   local t = {}
   for _, n in ipairs(list) do t[#t + 1] = B.u8(n[1]) .. B.vec(2, n[2]) end
   return B.vec(2, table.concat(t))
end

describe("conform24: ClientHello legacy_version (RFC 8446 D.5)", function()
   it("refuses 0x0300 or less beside supported_versions with protocol_version, TLS 1.3 or 1.2", function()
      for _, v in ipairs { 0x0300, 0x0200, 0x0100, 0x0002, 0x0000 } do
         local reason = string.format("ClientHello legacy_version is 0x%04x (SSL 3.0 or older)", v)
         refused("protocol_version", reason, B.client_hello_record { legacy_version = v, versions = { 0x0304, v } })
         refused("protocol_version", reason, ch12(nil, v, { 0x0303 }))
         refused("protocol_version", reason, ch12(nil, v, { 0x0304, 0x0303 }), { max_version = "TLSv1.2" })
      end
   end)

   it("still takes 0x0301 and 0x0303 beside supported_versions", function()
      taken(B.client_hello_record { legacy_version = 0x0301, versions = { 0x0304 } })
      taken(B.client_hello_record { legacy_version = 0x0303, versions = { 0x0304 } })
      taken(ch12(nil, 0x0301, { 0x0303 }))
   end)
end)

describe("conform24: server_name host names (RFC 6066 3)", function()
   local bad = {
      { "localhos\7t", 0x07, 8 }, { "localhos\xc4\x85t", 0xc4, 8 },
      { "localhost\27[31mBAD\27[0;37m", 0x1b, 9 }, { "local host", 0x20, 5 }, { "localhost\127", 0x7f, 9 },
   }
   it("refuses control, space and non-ASCII bytes with illegal_parameter, in TLS 1.3 and 1.2", function()
      for _, b in ipairs(bad) do
         local reason = string.format("server_name is not a host name (byte 0x%02x at %d)", b[2], b[3])
         refused("illegal_parameter", reason, B.client_hello_record { extra = { { 0, names { { 0, b[1] } } } } })
         refused("illegal_parameter", reason, ch12 { { 0, names { { 0, b[1] } } } })
      end
   end)

   it("never hands such a name to the servername function", function()
      local seen = false
      local ok = serve(B.client_hello_record { extra = { { 0, names { { 0, "localhost\27[31mBAD" } } } } },
         { servername = function() seen = true end })
      assert.is_nil(ok)
      assert.is_false(seen)
   end)

   it("refuses two host names with illegal_parameter", function()
      local ext = names { { 0, "localhost" }, { 0, "www.localhost" } }
      refused("illegal_parameter", "server_name lists two host names", B.client_hello_record { extra = { { 0, ext } } })
      refused("illegal_parameter", "server_name lists two host names", ch12 { { 0, ext } })
   end)

   it("takes a host name beside names of unknown types, before or after it, and the usual host names", function()
      local other = ("\1"):rep(24)
      for _, list in ipairs {
         { { 0, "localhost" }, { 1, other } }, { { 1, other }, { 0, "localhost" } },
         { { 0, "localhost." } }, { { 0, "xn--bcher-kva.example" } }, { { 0, "_dmarc.example.com" } },
         { { 0, "127.0.0.1" } }, { { 0, "LOCALHOST" } },
      } do
         taken(B.client_hello_record { extra = { { 0, names(list) } } })
         taken(ch12 { { 0, names(list) } })
      end
   end)

   -- In lower case since session 38 (review38d F3): DNS names have no case, and a function comparing
   -- with "www.example.org" must not be passed by by another spelling.
   it("gives the servername function a host name in lower case", function()
      local seen
      taken(B.client_hello_record { extra = { { 0, names { { 0, "www.Example.org" } } } } },
         { servername = function(name) seen = name end })
      assert.equal("www.example.org", seen)
   end)
end)

describe("conform24: extensions we do not act on are checked for form", function()
   it("refuses post_handshake_auth with a body (RFC 8446 4.2.6)", function()
      refused("decode_error", "ClientHello post_handshake_auth is not empty",
         B.client_hello_record { extra = { { 49, "\0" } } })
      taken(B.client_hello_record { extra = { { 49, "" } } })
   end)

   it("refuses an empty or odd signature_algorithms_cert (RFC 8446 4.2.3) and takes a good one", function()
      local reason = "ClientHello signature_algorithms_cert is malformed"
      refused("decode_error", reason, B.client_hello_record { extra = { { 50, B.vec(2, "") } } })
      refused("decode_error", reason, B.client_hello_record { extra = { { 50, "\0\3\4\3\5" } } })
      refused("decode_error", reason, B.client_hello_record { extra = { { 50, B.vec(2, B.list16 { 0x0403 }) .. "x" } } })
      taken(B.client_hello_record { extra = { { 50, B.vec(2, B.list16 { 0x0403, 0x0804, 0x0201 }) } } })
   end)

   it("refuses max_fragment_length values other than 1 to 4 (RFC 6066 4) and ignores the others", function()
      for _, v in ipairs { 0, 5, 255 } do
         refused("illegal_parameter", "ClientHello max_fragment_length has the undefined value " .. v,
            B.client_hello_record { extra = { { 1, string.char(v) } } })
      end
      refused("decode_error", "ClientHello max_fragment_length is malformed",
         B.client_hello_record { extra = { { 1, "\1\1" } } })
      for v = 1, 4 do
         taken(B.client_hello_record { extra = { { 1, string.char(v) } } })
         taken(ch12 { { 1, string.char(v) } })
      end
   end)

   it("refuses a malformed TLS 1.2 renegotiation_info with decode_error, a non-empty one with handshake_failure", function()
      refused("decode_error", "ClientHello renegotiation_info is malformed", ch12 { { 0xff01, "" } })
      refused("decode_error", "ClientHello renegotiation_info is malformed", ch12 { { 0xff01, "\0\0" } })
      refused("handshake_failure",
         "ClientHello renegotiation_info is not empty: an initial handshake cannot renegotiate",
         ch12 { { 0xff01, "\1\0" } })
      taken(ch12 { { 0xff01, "\0" } })
   end)
end)

describe("conform24: the second ClientHello after a HelloRetryRequest (RFC 8446 4.1.2)", function()
   local _, pub = B.x25519_keypair()
   local function after_hrr(sid1, sid2)
      local sv = E.server_engine()
      local ok, _, why = serve(B.client_hello_record { session_id = sid1, shares = {} }, nil, sv)
      assert.is_true(ok, why)
      return serve(B.client_hello_record { session_id = sid2, shares = { { 0x1d, pub } } }, nil, sv)
   end

   it("refuses one that changes the legacy_session_id", function()
      for _, pair in ipairs { { ("A"):rep(32), ("B"):rep(32) }, { ("A"):rep(32), "" }, { "", ("B"):rep(32) },
                              { ("A"):rep(32), ("A"):rep(31) } } do
         local ok, alert, why = after_hrr(pair[1], pair[2])
         assert.is_nil(ok)
         assert.equal("illegal_parameter", alert)
         assert.equal("second ClientHello changes the legacy_session_id", why)
      end
   end)

   it("takes one with the same legacy_session_id, empty or not", function()
      for _, sid in ipairs { ("A"):rep(32), "", "short" } do
         local ok, _, why, sv = after_hrr(sid, sid)
         assert.is_true(ok, why)
         assert.equal(sid, B.first_server_hello(sv:output()).session_id)
      end
   end)
end)

describe("conform24: our TLS 1.3 client and a ServerHello's legacy_version (RFC 8446 D.5)", function()
   it("answers 0x0300 or less with protocol_version, other wrong values with illegal_parameter", function()
      for _, case in ipairs { { 0x0300, "protocol_version" }, { 0x0200, "protocol_version" },
                              { 0x0301, "illegal_parameter" }, { 0x0304, "illegal_parameter" } } do
         local cl = E.client_engine()
         assert(cl:start())
         local sh = B.server_hello { session_id = B.session_id_of(cl:output()), legacy_version = case[1] }
         local ok, why = cl:feed(B.record(22, sh))
         assert.is_nil(ok)
         assert.equal(case[2], select(2, cl:error()))
         assert.equal(string.format("ServerHello legacy_version is 0x%04x (must be 0x0303 in TLS 1.3)", case[1]), why)
      end
   end)
end)

describe("conform24: TLS 1.2 application data between the pieces of a handshake message (RFC 5246 6.2.1)", function()
   -- Our TLS 1.2 server after a full handshake with the scripted client k.
   local function connected()
      local sv = E.server_engine()
      local k = T.client()
      assert(sv:feed(k:hello()))
      k:server_flight(sv:output())
      assert(sv:feed(k:key_exchange()))
      local got_ccs = false
      for _, r in ipairs((B.parse_records(sv:output()))) do
         if r.type == 20 then got_ccs = true elseif got_ccs then k:open(r) end
      end
      assert.is_true(sv:status().handshake_done)
      return sv, k
   end

   it("delivers the data and answers the renegotiating ClientHello with no_renegotiation", function()
      local sv, k = connected()
      local m = B.client_hello { versions = false, suites = { 0xc02b } }
      local ok, why = sv:feed(k:seal(23, "GET / HTTP/1.0") .. k:seal(22, m:sub(1, 30)) .. k:seal(23, "\r\n\r\n")
         .. k:seal(22, m:sub(31)))
      assert.is_true(ok, why)
      assert.equal("GET / HTTP/1.0\r\n\r\n", sv:read())
      local alerts = {}
      for _, r in ipairs((B.parse_records(sv:output()))) do
         local body = k:open(r)
         if r.type == 21 then alerts[#alerts + 1] = body end
      end
      assert.same({ "\1\100" }, alerts) -- warning no_renegotiation
      assert.is_false(sv:status().failed)
   end)
end)
