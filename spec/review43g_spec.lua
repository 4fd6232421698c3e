-- Session 43, review43g: leftovers of earlier sessions.
local tls = require "tls"
local E = require "spec.support.engines"

describe("review43g e:write_early() in the wrong state", function()
  local function resumable_client()
    local sctx = E.server_ctx { early_data = true, session_store = E.table_store() }
    local cctx = assert(tls.context { mode = "client", ca = E.CERT, early_data = true })
    local session = E.first_session(cctx, sctx)
    return assert(tls.engine(cctx, { servername = "localhost", session = session }))
  end

  it("raises after start(), as start() twice and feed() before start() do", function()
    local c = resumable_client()
    assert.is_true(c:write_early("GET /"))
    assert(c:start())
    local ok, err = pcall(c.write_early, c, "more")
    assert.is_false(ok)
    assert.matches("tls.engine: write_early() after start(): early data goes with the ClientHello", err, 1, true)
    -- nothing was added to the flight already queued
    local out = c:output()
    assert.is_true(#out > 0)
  end)

  it("raises after close() (before start()), as start() after close() does", function()
    local c = resumable_client()
    assert(c:close())
    local ok, err = pcall(c.write_early, c, "x")
    assert.is_false(ok)
    assert.matches("tls.engine: write_early() after close(): this engine is closed", err, 1, true)
  end)

  it("still says nil, message for data the context or session cannot send early", function()
    local cctx = assert(tls.context { mode = "client", verify = false })
    local c = assert(tls.engine(cctx, { servername = "localhost" }))
    assert.same({ nil, "the context does not allow early data (early_data = true)" }, { c:write_early("x") })
  end)
end)

describe("review43g an EncryptedExtensions as large as its length field allows", function()
  local H = require "spec.support.hostile_server"
  local B = require "spec.support.tlsbytes"

  -- EE whose extensions block holds `groups_len` bytes of supported_groups
  -- (rfc8446#4.2.7: a server may send its groups) and ALPN "h2", plus `extra` bytes after the block.
  local function big_ee(groups_len, extra)
    local s = H.new { client = { alpn = { "h2" } } }
    assert(s:hello {})
    local groups = ("\0\29"):rep(groups_len // 2)
    local block = H.extensions { { 10, B.vec(2, groups) }, { 16, B.vec(2, B.vec(1, "h2")) } }
    local ee = s:encrypted_extensions { body = B.vec(2, block) .. (extra or "") }
    local wire, t = ee .. s:certificate() .. s:certificate_verify() .. s:finished(), {}
    for i = 1, #wire, 16000 do t[#t + 1] = s:record(H.CT.handshake, wire:sub(i, i + 15999)) end
    return s, ee, table.concat(t)
  end

  it("a client takes one of 65537 bytes (a 65535-byte extensions block) and finishes", function()
    local s, ee, bytes = big_ee(65520)
    assert.equal(4 + 2 + 65535, #ee)
    assert(s:deliver(bytes))
    s:client_finished()
    assert.is_true(s.engine:status().handshake_done)
    assert.equal("h2", s.engine:info().alpn)
  end)

  it("one byte more is refused by the limit, naming it", function()
    local s, ee, bytes = big_ee(65520, "\0")
    assert.equal(4 + 65538, #ee)
    local ok, err = s:deliver(bytes)
    assert.is_nil(ok)
    assert.equal("EncryptedExtensions message of 65538 bytes is larger than the 65537 we accept", err)
    assert.equal("decode_error", (s:client_alert()))
  end)

  it("out of place keeps the 64 KiB limit (after the handshake)", function()
    local s = H.new {}
    assert(s:handshake {})
    local ee = H.handshake(8, B.vec(2, H.extensions { { 0xfafa, ("x"):rep(65531) } }))
    assert.equal(4 + 65537, #ee)
    local t = {}
    for i = 1, #ee, 16000 do t[#t + 1] = s:record(H.CT.handshake, ee:sub(i, i + 15999)) end
    local ok, err = s.engine:feed(table.concat(t))
    assert.is_nil(ok)
    assert.equal("EncryptedExtensions message of 65537 bytes is larger than the 65536 we accept", err)
  end)
end)
