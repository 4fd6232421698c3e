-- Rules of the sans-I/O engine that a careless caller (or a hostile peer)
-- could otherwise break: re-entry from the trace callback, closing before
-- the handshake ends.
local E = require "spec.support.engines"

-- A client (options client_opts) and a server engine, not started.
local pair = E.engines

-- Moves bytes both ways until neither side has anything to say.
local pump = E.pump

describe("the trace callback", function()
  for _, method in ipairs { "feed", "read", "write", "output", "close", "start" } do
    it("cannot re-enter the engine with " .. method .. "()", function()
      local client
      local c, s = pair{ trace = function(ev)
        if ev.message == "EncryptedExtensions" then
          client[method](client, "x")
        end
      end }
      client = c
      c:start()
      pump(c, s)
      local st = c:status()
      assert.is_true(st.failed)
      assert.is_false(st.handshake_done)
      local msg = c:error()
      assert.matches("cannot be called from the engine's own callbacks", msg)
    end)
  end

  it("may read status, info and error", function()
    local seen
    local client
    local c, s = pair{ trace = function(ev)
      if ev.message == "Finished" and ev.direction == "receive" then
        seen = { client:status().failed, client:info().cipher, client:error() }
      end
    end }
    client = c
    c:start()
    pump(c, s)
    assert.is_true(c:status().handshake_done)
    assert.same({ false, "TLS_AES_128_GCM_SHA256" }, seen)
  end)
end)

describe("closing before the handshake ends", function()
  it("cancels the handshake with user_canceled then close_notify, and ignores what comes later", function()
    local c, s = pair()
    c:start()
    assert(s:feed(c:output()))
    c:close()
    -- two warning alerts in the clear: user_canceled (90), close_notify (0)
    assert.equal("\21\3\3\0\2\1\90\21\3\3\0\2\1\0", c:output())
    assert(c:feed(s:output()))
    assert.equal("", c:output(), "no Finished after our close_notify")
    local st = c:status()
    assert.is_true(st.closed)
    assert.is_false(st.handshake_done)
    assert.is_false(st.failed)
  end)

  it("lets a server cancel before the ClientHello", function()
    local c, s = pair()
    c:start()
    s:close()
    assert.equal("\21\3\3\0\2\1\90\21\3\3\0\2\1\0", s:output())
    assert(s:feed(c:output()))
    assert.equal("", s:output(), "no ServerHello after our close_notify")
  end)

  it("after the handshake, close sends only close_notify and still reads the peer's data", function()
    local c, s = pair()
    c:start()
    pump(c, s)
    c:close()
    assert(s:feed(c:output()))
    assert.is_true(s:status().peer_closed)
    assert(s:write("late reply"))
    assert(c:feed(s:output()))
    assert.equal("late reply", c:read())
  end)
end)

describe("a HelloRetryRequest that only carries a cookie", function()
  local B = require "spec.support.tlsbytes"
  local HRR_RANDOM = B.unhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")

  local function x25519_share(client_hello)
    -- KeyShareEntry: group 0x001d, length 32, then the public key
    local at = client_hello:find("\0\29\0\32", 1, true)
    assert(at, "no x25519 key share")
    return client_hello:sub(at + 4, at + 35)
  end

  it("makes the client send the same key share again, with the cookie (rfc8446#4.1.2)", function()
    local c = pair()
    c:start()
    local ch1 = c:output()
    local hrr = B.server_hello {
      random = HRR_RANDOM,
      session_id = B.session_id_of(ch1),
      extensions = {
        { 43, B.u16(0x0304), name = "supported_versions" },
        { 44, B.vec(2, "a cookie"), name = "cookie" },
      },
    }
    assert(c:feed(B.record(22, hrr)))
    local flight = c:output()
    -- a compatibility change_cipher_spec, then the second ClientHello
    assert.equal("\20\3\3\0\1\1", flight:sub(1, 6))
    local ch2 = flight:sub(7)
    assert.equal(x25519_share(ch1), x25519_share(ch2))
    assert.truthy(ch2:find("\0\44\0\10\0\8a cookie", 1, true), "the cookie is echoed")
    assert.is_false(c:status().failed)
  end)
end)
