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

describe("review43g a Lua connection's failure message", function()
  local proc = require "spec.support.proc"
  local socket = require "socket"

  -- A client connection over loopback whose peer is no TLS server.
  local function failing_client()
    local ctx = assert(tls.context { mode = "client", verify = false })
    local l = assert(socket.bind("127.0.0.1", 0))
    local _, port = l:getsockname()
    local sock = assert(socket.connect("127.0.0.1", port))
    local peer = assert(l:accept())
    l:close()
    peer:send("HTTP/1.0 400 Bad Request\r\n\r\n")
    local conn = assert(tls.wrap(sock, ctx, { servername = "localhost" }))
    return conn, peer
  end

  it("is not held by an idle connection: its Lua object is far under the 768 bytes it embedded", function()
    local ctx = assert(tls.context { mode = "client", verify = false })
    local l = assert(socket.bind("127.0.0.1", 0))
    local _, port = l:getsockname()
    local N, socks, peers, conns = 50, {}, {}, {}
    for i = 1, N do
      socks[i] = assert(socket.connect("127.0.0.1", port))
      peers[i] = assert(l:accept())
    end
    l:close()
    collectgarbage(); collectgarbage()
    local before = collectgarbage("count") * 1024
    for i = 1, N do conns[i] = assert(tls.wrap(socks[i], ctx, { servername = "localhost" })) end
    collectgarbage(); collectgarbage()
    local per_conn = (collectgarbage("count") * 1024 - before) / N
    -- 531 bytes after review43g, 1283 before (the msg array inline)
    assert.is_true(per_conn < 900, ("%.0f bytes of Lua heap per idle wrapped connection"):format(per_conn))
    for i = 1, N do conns[i]:close(); peers[i]:close() end
  end)

  it("is still formed when a call fails", function()
    local conn, peer = failing_client()
    local ok, err = conn:dohandshake()
    assert.is_nil(ok)
    assert.is_string(err)
    assert.is_true(#err > 20, err)
    assert.not_equal("connection failed", err)
    conn:close()
    peer:close()
  end)

  it("says memory ran out when its buffer cannot be allocated", function()
    if (os.getenv("LD_PRELOAD") or "") ~= "" then
      pending("a malloc shim cannot go under a preloaded sanitizer runtime")
      return
    end
    -- A shim that fails malloc of the message buffer's size (768 bytes).
    local dir = proc.tmpdir()
    local src, so = dir .. "/shim.c", dir .. "/shim.so"
    proc.write_file(src, [[
#include <stddef.h>
extern void *__libc_malloc(size_t);
void *malloc(size_t n) { return n == 768 ? NULL : __libc_malloc(n); }
]])
    local code, out = proc.capture("cc -shared -fPIC -o " .. proc.quote(so) .. " " .. proc.quote(src))
    assert.equal(0, code, out)
    local script = dir .. "/client.lua"
    proc.write_file(script, [[
local tls = require "tls"
local socket = require "socket"
local ctx = assert(tls.context { mode = "client", verify = false })
local l = assert(socket.bind("127.0.0.1", 0))
local _, port = l:getsockname()
local sock = assert(socket.connect("127.0.0.1", port))
local peer = assert(l:accept())
peer:send("HTTP/1.0 400 Bad Request\r\n\r\n")
local conn = assert(tls.wrap(sock, ctx, { servername = "localhost" }))
print("result", conn:dohandshake())
conn:close()
collectgarbage()
print("done")
]])
    out = proc.run(proc.lua_env() .. " LD_PRELOAD=" .. proc.quote(so) .. " " .. proc.lua() .. " " .. proc.quote(script))
    os.remove(src); os.remove(so); os.remove(script); os.remove(dir)
    assert.matches("result\tnil\tout of memory (while recording why the call failed)\n", out, 1, true)
    assert.matches("done", out, 1, true)
  end)
end)

describe("review43g conn:setfd() under cqueues", function()
  it("wakes a call of another coroutine waiting on the old descriptor, which goes on with the new one", function()
    local cqueues = require "cqueues"
    local socket = require "socket"
    local l = assert(socket.bind("127.0.0.1", 0))
    local _, port = l:getsockname()
    local silent = assert(socket.connect("127.0.0.1", port))
    local s1 = assert(l:accept())
    local cl2 = assert(socket.connect("127.0.0.1", port))
    local s2 = assert(l:accept())
    l:close()
    local fd1 = s1:getfd() -- s1 takes the new one with conn:setfd (LuaSocket's setfd closes nothing)
    local conn = assert(tls.wrap(s1, E.server_ctx()))
    conn:settimeout(5)
    local q = cqueues.new()
    local t0 = cqueues.monotime()
    local server_result, server_took, client_result
    q:wrap(function()
      -- waits on s1's descriptor, whose client never speaks
      server_result = { conn:dohandshake() }
      server_took = cqueues.monotime() - t0
    end)
    q:wrap(function()
      cqueues.sleep(0.1)
      local fd = s2:getfd()
      s2:setfd(-1)
      conn:setfd(fd)
      local c = assert(tls.wrap(cl2, assert(tls.context { mode = "client", verify = false }),
        { servername = "localhost" }))
      c:settimeout(5)
      client_result = { c:dohandshake() }
      c:close()
    end)
    local ok, err = q:loop(10)
    assert(ok, err)
    assert.same({ true }, client_result)
    assert.same({ true }, server_result)
    -- before review43g it slept on the old descriptor until its timeout (5 s)
    assert.is_true(server_took < 2, ("the server's handshake took %.2f s"):format(server_took))
    conn:close()
    silent:close()
    local holder = assert(socket.tcp())
    holder:close()
    holder:setfd(fd1)
    holder:close()
  end)
end)
