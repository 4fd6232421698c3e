-- Session 46, review46b: small leftovers of the Lua API. A zero-length
-- export is the empty string (as LuaSec gives on TLS 1.3); an ocsp function
-- that returns "" fails as its other wrong answers do; servername = "" with
-- verify = false says what is wrong; a Lua function's message cut to fit a
-- reason stays UTF-8.
local tls = require "tls"
local E = require "spec.support.engines"
local tcppair = require "spec.support.tcppair"

local LABEL = "EXPERIMENTAL-review46b"

describe("review46b: a zero-length export", function()
  for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
    it("is the empty string on both sides, with or without context, " .. version, function()
      local cl, sv = E.connected({ max_version = version })
      assert.equal(version, cl:info().version)
      for _, context in ipairs { false, "", "ctx" } do
        -- before review46b: nil, "exporter length must be from 1 to 8160 bytes (got 0)"
        assert.same({ "" }, { cl:export(LABEL, context or nil, 0) })
        assert.same({ "" }, { sv:export(LABEL, context or nil, 0) })
      end
      -- the other checks still come first
      assert.same({ nil, "exporter label 'master secret' is reserved by the TLS key schedule (RFC 5705)" },
        { cl:export("master secret", nil, 0) })
      assert.same({ nil, "exporter label is empty" }, { cl:export("", nil, 0) })
      assert.same({ nil, "exporter length must be from 0 to 8160 bytes (got -1)" }, { cl:export(LABEL, nil, -1) })
      assert.equal(8160, #assert(cl:export(LABEL, nil, 8160)))
    end)
  end

  it("is refused before the handshake and after close, as any length", function()
    local c, s = E.engines()
    assert.same({ nil, "cannot export keying material before the handshake is complete" }, { c:export(LABEL, nil, 0) })
    E.handshake(c, s)
    assert.equal("", assert(c:export(LABEL, nil, 0)))
    local a, b = tcppair()
    local cl = assert(tls.wrap(a, { verify = false }, { servername = "localhost" }))
    local sv = assert(tls.wrap(b, E.server_ctx()))
    cl:settimeout(0); sv:settimeout(0)
    for _ = 1, 200 do
      local x, y = cl:handshake(), sv:handshake()
      if x and y then break end
    end
    assert.equal("", assert(cl:export(LABEL, nil, 0)))
    cl:close(); sv:close()
    assert.same({ nil, "closed" }, { cl:export(LABEL, nil, 0) })
  end)

  it("is \"\" from the LuaSec drop-in's exportkeyingmaterial, as LuaSec gives on TLS 1.3", function()
    local ssl = require "tls.luasec"
    local a, b = tcppair()
    local cl = assert(ssl.wrap(a, { mode = "client", protocol = "any", verify = "none" }))
    local sv = assert(tls.wrap(b, E.server_ctx()))
    cl:settimeout(0); sv:settimeout(0)
    local cdone, sdone
    for _ = 1, 200 do
      if not cdone then cdone = cl:dohandshake() end
      if not sdone then sdone = sv:handshake() end
      if cdone and sdone then break end
    end
    assert(cdone and sdone, "handshake did not complete")
    -- before review46b: nil, "exporter length must be from 1 to 8160 bytes (got 0)"
    assert.same({ "" }, { cl:exportkeyingmaterial(LABEL, 0) })
    assert.same({ "" }, { cl:exportkeyingmaterial(LABEL, "0", "context") })
    assert.equal(16, #assert(cl:exportkeyingmaterial(LABEL, 16)))
    -- a negative length raises, at the program's line, as LuaSec raises
    -- (before session 48: nil and the engine's message)
    local ok, err = pcall(function() local k = cl:exportkeyingmaterial(LABEL, -1); return k end)
    assert.is_false(ok)
    assert.matches("^[^:]*review46b_spec%.lua:%d+: bad argument #2 to 'exportkeyingmaterial' %(a length of 0 or more "
      .. "expected, got %-1%)$", err)
    cl:close(); sv:close()
  end)
end)

describe("review46b: an ocsp function that returns \"\"", function()
  it("fails the server's handshake as a wrong answer, with internal_error", function()
    local calls = 0
    local c, s = E.engines({ ocsp = true, verify = true, ca = E.CERT },
      { ocsp = function() calls = calls + 1; return "" end })
    assert(c:start())
    E.pump(c, s)
    assert.equal(1, calls)
    local msg, alert = s:error()
    -- before review46b: nothing stapled, no message, the handshake went on
    assert.equal("ocsp function returned an empty string, which is no OCSP response (return nil to staple "
      .. "nothing)", msg)
    assert.equal("internal_error", alert)
    assert.is_false(c:status().handshake_done)
  end)

  it("while nil still staples nothing", function()
    local c, s = E.engines({ ocsp = true, verify = true, ca = E.CERT }, { ocsp = function() return nil end })
    E.handshake(c, s)
    assert.is_true(c:status().handshake_done, tostring(c:error()))
    assert.equal("none", c:info().ocsp.status)
  end)
end)

describe("review46b: servername = \"\"", function()
  local socket = require "socket"

  it("with verify = false says the name is wrong and how to send none", function()
    local ctx = assert(tls.context { verify = false })
    -- before review46b: "... (only verify = false skips the name check)", the setting already made
    assert.same({ nil, "tls.engine: option 'servername' is empty, which is no host name: leave it out to send "
      .. "none (this context has verify = false, so no name is checked)" }, { tls.engine(ctx, { servername = "" }) })
    local l = assert(socket.bind("127.0.0.1", 0))
    local _, port = l:getsockname()
    local sock = assert(socket.connect("127.0.0.1", port))
    assert.same({ nil, "tls.wrap: option 'servername' is empty, which is no host name: leave it out to send "
      .. "none (this context has verify = false, so no name is checked)" }, { tls.wrap(sock, ctx, { servername = "" }) })
    sock:close()
    assert.same({ nil, "tls.connect: option 'servername' is empty, which is no host name: leave it out to send "
      .. "the host's name (this context has verify = false, so no name is checked)" },
      { tls.connect("127.0.0.1", port, ctx, { servername = "" }) })
    l:settimeout(0)
    local s1 = l:accept()
    assert.is_not_nil(s1, "the wrap's socket was accepted")
    s1:close()
    assert.is_nil((l:accept()), "tls.connect refused before connecting")
    l:close()
    -- leaving it out works
    assert(tls.engine(ctx))
  end)

  it("with a verifying context keeps its words", function()
    local ctx = assert(tls.context { ca = E.CERT })
    assert.same({ nil, "tls.engine: option 'servername' is empty: give the host name or IP address the certificate "
      .. "must carry (only verify = false skips the name check)" }, { tls.engine(ctx, { servername = "" }) })
  end)
end)

describe("review46b: a Lua function's message cut to fit a reason", function()
  -- 2-byte characters after an odd or even number of ASCII bytes: one of
  -- the two cuts falls inside a character.
  local function text(pad) return ("x"):rep(pad) .. ("\195\169"):rep(400) end

  local function pair_error(copts, sopts)
    local c = assert(tls.engine(assert(tls.context(E.merge({ mode = "client", verify = false }, copts))),
      { servername = "localhost" }))
    local s = assert(tls.engine(E.server_ctx(sopts)))
    assert(c:start())
    pcall(E.pump, c, s)
    return c:error(), s:error()
  end

  local cases = {
    { "ocsp", function(t) return { ocsp = true, verify = true, ca = E.CERT }, { ocsp = function() error(t, 0) end } end,
      "server", "^ocsp function: x*\195\169" },
    { "alpn", function(t) return { alpn = { "h2" } }, { alpn = function() error(t, 0) end } end,
      "server", "^alpn function: x*\195\169" },
    { "servername", function(t) return {}, { servername = function() error(t, 0) end } end,
      "server", "x*\195\169" },
    { "client_certificate", function(t) return { client_certificate = function() error(t, 0) end },
      { verify = "optional", ca = E.CERT } end, "client", "^client_certificate: x*\195\169" },
  }
  for _, case in ipairs(cases) do
    it("of the " .. case[1] .. " function ends on a whole character", function()
      for pad = 0, 1 do
        local cmsg, smsg = pair_error(case[2](text(pad)))
        local msg = case[3] == "server" and smsg or cmsg
        assert.is_string(msg)
        assert.matches(case[4], msg)
        -- before review46b: half a character at the end for one of the pads
        assert.is_not_nil(utf8.len(msg), ("invalid UTF-8 (pad %d): %q"):format(pad, msg:sub(-8)))
        assert.is_true(#msg > 200, msg)
      end
    end)
  end
end)
