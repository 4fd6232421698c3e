-- The TLS 1.2 PRF's noted keys (csrc/crypto/tls_keysched.c,
-- tls_hmac_take_keyed, session 21): a kept HMAC context already keyed with
-- the master secret is only restarted for the next PRF with that secret.
-- Our own client and server would agree on a wrongly reused key, so every
-- output here is checked against the same derivation made alone, outside
-- any scope (no context kept, no note).
local I = require "tls.core"._internal

local function hex(s) return (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end)) end

-- What each step gives when derived alone.
local function alone(hash, step)
  local kind, secret = step[1], step[2]
  if kind == "prf" then return I.tls12_prf(hash, secret, "test label", "seed", nil, 32) end
  return I.expand_label(hash, secret, "test", "", 32)
end

local function check(hash, steps)
  local got = assert(I.hmac_sequence(hash, steps))
  assert.equal(#steps, #got)
  for i, step in ipairs(steps) do
    assert.equal(hex(alone(hash, step)), hex(got[i]), ("step %d (%s)"):format(i, step[1]))
  end
  assert.equal(0, I.hmac_kept())
end

local A = string.rep("\xa5", 47) .. "\x01"
local B = string.rep("\xa5", 47) .. "\x02" -- A's length, its last byte differs
local A32 = A:sub(1, 32)                    -- A's first 32 bytes
local K = string.rep("\x3c", 48)

describe("noted HMAC keys of the TLS 1.2 PRF", function()
  for _, hash in ipairs { "sha256", "sha384" } do
    it("restart a kept context only for the same key (" .. hash .. ")", function()
      check(hash, { { "prf", A }, { "prf", A }, { "prf", B }, { "prf", A }, { "prf", A32 },
                    { "prf", A }, { "prf", A } })
    end)

    it("are forgotten when HKDF keys the context with another key (" .. hash .. ")", function()
      check(hash, { { "prf", A }, { "expand", K }, { "prf", A }, { "expand", A }, { "prf", A } })
    end)
  end

  it("are wiped when the call ends, as the kept contexts are", function()
    assert(I.hmac_sequence("sha256", { { "prf", A } }))
    assert.equal(0, I.hmac_kept())
  end)
end)

-- review44e: a connection keeps its HMAC contexts between its calls into
-- the engine (tls_hmac_keep), and with a kept context goes the note of the
-- key it holds, so that a TLS 1.2 client checking the server's Finished in
-- a later call than it sent its own only restarts the master secret's
-- context. {"call"} ends a call and starts the next on one keep.
describe("noted HMAC keys kept by a connection between its calls", function()
  local function outputs(hash, steps)
    local got, held, after = assert(I.hmac_sequence(hash, steps))
    local n = 0
    for _, step in ipairs(steps) do
      if step[1] ~= "call" then
        n = n + 1
        assert.equal(hex(alone(hash, step)), hex(got[n]), ("output %d (%s)"):format(n, step[1]))
      end
    end
    assert.equal(n, #got)
    assert.equal(0, I.hmac_kept())
    return held, after
  end

  for _, hash in ipairs { "sha256", "sha384" } do
    it("restart a context kept across calls only for the same key (" .. hash .. ")", function()
      outputs(hash, { { "prf", A }, { "call" }, { "prf", A }, { "call" }, { "prf", B }, { "call" },
                      { "prf", A }, { "call" }, { "prf", A32 }, { "call" }, { "expand", A },
                      { "call" }, { "prf", A }, { "call" }, { "prf", A } })
    end)
  end

  it("go into the keep with their context and are wiped when it is freed", function()
    local held, after = outputs("sha256", { { "prf", A }, { "call" }, { "prf", A } })
    assert.equal(2, held) -- the context and its note
    assert.equal(0, after)
  end)

  it("leave the keep when a call takes its context back", function()
    -- HKDF keys the kept context with another key: the keep gets the
    -- context back without any note.
    local held, after = outputs("sha256", { { "prf", A }, { "call" }, { "expand", K } })
    assert.equal(1, held)
    assert.equal(0, after)
  end)
end)
