-- Session 39: what reviews 39a to 39f (and session 38's leftovers) found, where no older spec had a place.
local tls = require "tls"
local E = require "spec.support.engines"
local core = require "tls.core"

describe("review38c I1: the internal set_hook on a context in use", function()
  local other_cert, other_key = assert(tls.selfsigned { names = { "localhost" } })

  local function reject_all() return false, "policy: reject all" end
  local function accept_all() return true end

  it("never replaces the verify function of an engine made before it", function()
    local cctx = assert(tls.context { verify = reject_all })
    local sctx = assert(tls.context { mode = "server", certificate = other_cert, key = other_key })
    local before = assert(tls.engine(cctx, { servername = "localhost" }))
    assert(core.context_methods.set_hook(cctx, "verify", accept_all))
    local after = assert(tls.engine(cctx, { servername = "localhost" }))

    assert(before:start())
    E.pump(before, assert(tls.engine(sctx)))
    assert.is_true(before:status().failed)
    assert.is_false(before:status().handshake_done)
    assert.matches("policy: reject all", (before:error()))

    -- the change applies to what is made afterwards, as README says
    assert(after:start())
    E.pump(after, assert(tls.engine(sctx)))
    assert.is_true(after:status().handshake_done, tostring(after:error()))
  end)

  it("never lets a verify function dropped later skip the check of an engine made before", function()
    local cctx = assert(tls.context { verify = reject_all })
    local sctx = assert(tls.context { mode = "server", certificate = other_cert, key = other_key })
    local before = assert(tls.engine(cctx, { servername = "localhost" }))
    assert(core.context_methods.set_hook(cctx, "verify", nil))
    assert(before:start())
    E.pump(before, assert(tls.engine(sctx)))
    assert.is_true(before:status().failed)
    assert.matches("policy: reject all", (before:error()))
  end)

  it("keeps a server's servername function as it was when the engine was made", function()
    local seen = {}
    local sctx = E.server_ctx { servername = function(name) seen[#seen + 1] = "first " .. name end }
    local s = assert(tls.engine(sctx))
    assert(core.context_methods.set_hook(sctx, "servername", function(name) seen[#seen + 1] = "second " .. name end))
    local c = assert(tls.engine(assert(tls.context { ca = E.CERT }), { servername = "localhost" }))
    E.handshake(c, s)
    assert.same({ "first localhost" }, seen)
    local s2 = assert(tls.engine(sctx))
    local c2 = assert(tls.engine(assert(tls.context { ca = E.CERT }), { servername = "localhost" }))
    E.handshake(c2, s2)
    assert.same({ "first localhost", "second localhost" }, seen)
  end)
end)

describe("review39f F1: the server's trace of the TLS 1.2 downgrade sentinel", function()
  local B = require "spec.support.tlsbytes"

  -- The last 8 bytes of the ServerHello random sent, and the trace's word on them.
  local function sentinel(sopts, copts)
    local so, events = E.traced(sopts)
    local c, s = E.engines(copts, so)
    assert(c:start())
    local random
    E.pump(c, s, { tap = function(from, out)
      if from ~= s or random then return end
      for _, r in ipairs(B.parse_records(out)) do
        if r.type == B.CT.handshake and r.body:byte(1) == 2 then random = r.body:sub(7, 38) end
      end
    end })
    assert.equal("TLSv1.2", s:info().version)
    local sh = assert(E.events_of(events, "send", "ServerHello")[1])
    return random:sub(25), sh.downgrade
  end

  it("says the random ends with DOWNGRD 01 only when it does", function()
    local tail, said = sentinel({}, { max_version = "TLSv1.2" })
    assert.equal("DOWNGRD\1", tail)
    assert.matches("^random ends with DOWNGRD 01", said)
    -- TLS 1.3 on, but no TLS 1.3 suite: no sentinel, and the trace says none
    local only12 = { ciphers = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" }
    for _, copts in ipairs { {}, { max_version = "TLSv1.2" } } do
      tail, said = sentinel(only12, copts)
      assert.are_not.equal("DOWNGRD\1", tail)
      assert.is_nil(said)
    end
    tail, said = sentinel({ max_version = "TLSv1.2" }, { max_version = "TLSv1.2" })
    assert.are_not.equal("DOWNGRD\1", tail)
    assert.is_nil(said)
  end)
end)

describe("review39e: the drop-in's ssl.https and newcontext", function()
  local cqueues = require "cqueues"
  local certs = require "spec.support.certs"
  local lhttps = require "tls.luasec.https"
  local S = certs.selfsigned()

  -- An HTTPS server in a cqueues controller: its first connection gets
  -- `answer(port)`, later ones are accepted and closed. Returns its port.
  local function http_server(cq, answer, connections)
    local ctx = assert(tls.context { mode = "server", certificate = S.good.cert, key = S.good.key })
    local srv = assert(tls.listen("127.0.0.1", 0, ctx, { timeout = 5 }))
    local _, port = srv:getsockname()
    cq:wrap(function()
      for i = 1, connections do
        local c = assert(srv:accept())
        if i == 1 then
          c:settimeout(5)
          repeat local line = c:receive("*l") until not line or line == ""
          c:send(answer(port))
        end
        c:close()
      end
      srv:close()
    end)
    return port
  end

  it("answers nil and a message, never raises, for a Location host sni() refuses (F1)", function()
    for _, host in ipairs { "127.1", "2130706433" } do
      local cq = cqueues.new()
      local port = http_server(cq, function(p)
        return "HTTP/1.1 302 Found\r\nLocation: https://" .. host .. ":" .. p
          .. "/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
      end, 2)
      local result
      cq:wrap(function()
        result = table.pack(pcall(lhttps.request, { url = "https://localhost:" .. port .. "/", cafile = S.ca }))
      end)
      assert(cq:loop(10))
      assert.is_true(result[1], tostring(result[2]))
      assert.is_nil(result[2])
      assert.matches("^ssl%.https: cannot connect to '" .. host .. "': the host name is an IPv4 address in a short",
        result[3])
    end
  end)

  it("refuses verify = {}, which LuaSec takes as no verification (F2)", function()
    local ssl = require "tls.luasec"
    for _, mode in ipairs { "client", "server" } do
      local ctx, err = ssl.newcontext { mode = mode, protocol = "any", verify = {},
        certificate = S.bad_files.cert, key = S.bad_files.key }
      assert.is_nil(ctx)
      assert.matches("verify = {} names no mode", err)
    end
    local cq = cqueues.new()
    local port = http_server(cq, function() return "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" end, 1)
    local r, err
    cq:wrap(function() r, err = lhttps.request { url = "https://localhost:" .. port .. "/", verify = {} } end)
    assert(cq:loop(10))
    assert.is_nil(r)
    assert.matches("verify = {} names no mode", err)
  end)
end)

describe("review39e F4: the drop-in calls a password function only for a key that needs it", function()
  local certs = require "spec.support.certs"
  local proc = require "spec.support.proc"
  local ssl = require "tls.luasec"
  local leaf = certs.get().leaf.ecdsa_p256
  local enc = proc.tmpname()
  setup(function() certs.encrypt_key(leaf.key, enc, "s3cret") end)
  teardown(function() os.remove(enc) end)

  local function calls(params)
    local n = 0
    params.password = function() n = n + 1; return "s3cret" end
    local ctx, err = ssl.newcontext(params)
    assert(ctx, err)
    return n
  end

  it("as OpenSSL does for LuaSec: never for a plain key or no key, once for an encrypted one", function()
    assert.equal(0, calls { mode = "server", protocol = "any", certificate = leaf.cert, key = leaf.key })
    assert.equal(0, calls { mode = "client", protocol = "any", verify = "none" })
    assert.equal(1, calls { mode = "server", protocol = "any", certificate = leaf.cert, key = enc })
    assert.equal(1, calls { mode = "server", protocol = "any",
      certificates = { { certificate = leaf.cert, key = enc }, { certificate = leaf.cert, key = leaf.key } } })
    local ctx, err = ssl.newcontext { mode = "server", protocol = "any", certificate = leaf.cert, key = leaf.key,
      password = 42 }
    assert.is_nil(ctx)
    assert.equal("invalid password type", err)
  end)
end)

describe("review39a F1: records without protection and the client's record_size_limit", function()
  local B = require "spec.support.tlsbytes"
  local T = require "spec.support.tls12_peer"

  it("bounds a TLS 1.2 server's plaintext flight and ticket by it too (GnuTLS holds them to it)", function()
    local sv = E.server_engine()
    local fake = T.client { extensions = { { 28, B.u16(64) }, { 35, "" } } }
    assert(sv:feed(fake:hello()))
    local first = sv:output()
    fake:server_flight(first)
    assert(sv:feed(fake:key_exchange()))
    local second = sv:output()
    local records = {}
    for _, out in ipairs { first, second } do
      for _, r in ipairs(B.parse_records(out)) do
        records[#records + 1] = r
        assert.is_true(#r.body <= 64, ("a record of %d bytes"):format(#r.body))
      end
    end
    assert.is_true(#records > 8)
    assert.is_true(sv:status().handshake_done)
  end)
end)

describe("review39c I2: a session text with CRLF line ends", function()
  it("resumes as the same text with LF ends does", function()
    local sctx = E.server_ctx { ticket_keys = { tls.ticketkeys.generate() } }
    local cctx = assert(tls.context { mode = "client", ca = E.CERT })
    local session = E.first_session(cctx, sctx)
    local crlf = session:gsub("\n", "\r\n")
    local c, s = E.resume(cctx, sctx, crlf)
    assert.is_true(c:info().resumed)
    assert.is_true(s:info().resumed)
    -- a lone '\r' is not a line end: the header's blank line is missing
    local e, err = tls.engine(cctx, { servername = "localhost", session = session:gsub("\n", "\r") })
    assert.is_nil(e)
    assert.matches("session: not a luatls session", err, 1, true)
  end)
end)

describe("review39h F1: a server staples no response past its nextUpdate", function()
  local o = require("spec.support.certs_ocsp").get()
  local reason = "the OCSP response is expired: its nextUpdate has passed"

  for _, v in ipairs { "TLSv1.3", "TLSv1.2" } do
    it(v .. ": from a file or a function; the client that asked goes on with none, the trace says why", function()
      for _, ocsp in ipairs { o.resp.expired, function() return o.der.expired end } do
        local events = {}
        local sctx
        local saved = _G.warn
        local warned = {}
        _G.warn = function(...) warned[#warned + 1] = table.concat({ ... }) end
        local ok, err = pcall(function()
          sctx = assert(tls.context { mode = "server", certificate = o.good.chain, key = o.good.key, ocsp = ocsp,
            trace = function(ev) if ev.message == "ocsp" then events[#events + 1] = ev.staple end end })
        end)
        _G.warn = saved
        assert(ok, err)
        if type(ocsp) == "string" then
          assert.same({ "tls: option 'ocsp': " .. reason .. ": it is never stapled (a client that insists on "
            .. "OCSP would fail)" }, warned)
        end
        local c = assert(tls.engine(assert(tls.context { ca = o.ca, ocsp = true, max_version = v }),
          { servername = "localhost" }))
        local s = assert(tls.engine(sctx))
        assert(c:start())
        E.pump(c, s)
        assert.is_true(c:status().handshake_done, tostring(c:error()))
        assert.equal("none", c:info().ocsp.status)
        assert.same({ "none: " .. reason }, events)
      end
      -- a current response still is stapled
      local sctx = assert(tls.context { mode = "server", certificate = o.good.chain, key = o.good.key,
        ocsp = o.resp.good })
      local c = assert(tls.engine(assert(tls.context { ca = o.ca, ocsp = "require", max_version = v }),
        { servername = "localhost" }))
      E.handshake(c, assert(tls.engine(sctx)))
      assert.equal("good", c:info().ocsp.status)
    end)
  end
end)

describe("review39h F2: a server prefers a pair valid now and for servers", function()
  local C = require "spec.support.certs"
  local c, p = C.get(), C.policy()

  local function handshake(sctx, v, servername)
    local cl = assert(tls.engine(assert(tls.context { ca = c.ca, max_version = v }),
      { servername = servername or "localhost" }))
    local s = assert(tls.engine(sctx))
    assert(cl:start())
    E.pump(cl, s)
    return cl, s
  end

  for _, v in ipairs { "TLSv1.3", "TLSv1.2" } do
    it(v .. ": passes over an expired or clientAuth-only pair listed first, by name and by default", function()
      for _, bad in ipairs { c.expired, p.client_only } do
        local events = {}
        local sctx = assert(tls.context { mode = "server",
          certificates = { { certificate = bad.cert, key = bad.key },
                           { certificate = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key } },
          trace = function(ev) if ev.message == "server_name" then events[#events + 1] = ev end end })
        local cl = handshake(sctx, v)
        assert.is_true(cl:status().handshake_done, tostring(cl:error()))
        assert.equal("2 of 2", events[1].pair)
        -- no SNI (an IP address): the default pair is passed over too, and the trace says why
        cl = handshake(sctx, v, "127.0.0.1")
        assert.is_true(cl:status().handshake_done, tostring(cl:error()))
        assert.equal("2 of 2", events[2].pair)
        assert.equal("the first that is valid now and for TLS servers (extendedKeyUsage): the default's "
          .. "certificate is not", events[2].why)
      end
    end)

    it(v .. ": still sends such a pair when it is the only one (the client says what is wrong)", function()
      local sctx = assert(tls.context { mode = "server", certificate = c.expired.cert, key = c.expired.key })
      local cl = handshake(sctx, v)
      assert.is_false(cl:status().handshake_done)
      assert.matches("^certificate has expired", (cl:error()))
    end)
  end
end)
