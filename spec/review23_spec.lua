-- review23 (the server side and misuse of the API): an empty address or a
-- zero byte in one, a ticket key lifetime under a millisecond, a key file
-- not re-read after the clock was set back, options that could never act,
-- and the bound on accepted 0-RTT data.
local tls = require "tls"
local proc = require "spec.support.proc"

local CERT, KEY = tls.selfsigned { names = { "localhost" } }

local function server_ctx(o)
  o = o or {}
  o.mode, o.certificate, o.key = "server", CERT, KEY
  return tls.context(o)
end

-- A client engine and a server engine taken through a full handshake (the
-- client reads its tickets, so the server seals with its current key).
local function handshake(sctx)
  local c = assert(tls.engine(assert(tls.context { verify = false }), { servername = "localhost" }))
  local s = assert(tls.engine(sctx))
  assert(c:start())
  for _ = 1, 10 do
    local o = c:output(); if #o > 0 then assert(s:feed(o)) end
    o = s:output(); if #o > 0 then assert(c:feed(o)) end
    c:read(); s:read()
  end
  assert.is_true(c:status().handshake_done)
  return c, s
end

describe("review23 R2: tls.listen's address", function()
  it("refuses an empty one and one holding a zero byte (both listened on every interface)", function()
    local ctx = assert(server_ctx())
    assert.same({ nil, 'tls.listen: the address is empty: give one, or "*" for every interface', n = 2 },
      table.pack(tls.listen("", 0, ctx)))
    for _, host in ipairs { "\0" .. "127.0.0.1", "127.0.0.1\0junk" } do
      local server, err = tls.listen(host, 0, ctx)
      assert.is_nil(server)
      assert.equal(("tls.listen: the address %q holds a zero byte"):format(host), err)
    end
    local server, err = tls.connect("127.0.0.1\0evil", 1, tls.context { verify = false })
    assert.is_nil(server)
    assert.equal(('tls.connect: the host %q holds a zero byte'):format("127.0.0.1\0evil"), err)
    -- what was meant still works
    server = assert(tls.listen("127.0.0.1", 0, ctx))
    assert.equal("127.0.0.1", (server:getsockname()))
    server:close()
    server = assert(tls.listen("*", 0, ctx))
    assert.equal("0.0.0.0", (server:getsockname()))
    server:close()
  end)
end)

describe("review23 R3: ticket_key_lifetime", function()
  it("refuses under a millisecond (it turned rotation off), and rotates from a millisecond on", function()
    for _, n in ipairs { 0.0004, 1e-9, 0 } do
      local ctx, err = server_ctx { ticket_key_lifetime = n }
      assert.is_nil(ctx)
      assert.equal(("option 'ticket_key_lifetime' must be a number of seconds from 0.001 to 1e9 (got %s)"):format(n), err)
    end
    -- 1.5 ms: rounded up, not down to 1 ms (nor to 0 below a millisecond)
    local ctx = assert(server_ctx { ticket_key_lifetime = 0.0015 })
    handshake(ctx)
    local first = ctx:ticketkeynames()[1]
    proc.sleep(0.05)
    tls.ticketkeys.refresh()
    handshake(ctx)
    assert.are_not.equal(first, ctx:ticketkeynames()[1])
    assert.is_nil((ctx:setticketkeys { tls.ticketkeys.generate() }))
  end)
end)

describe("review23 R4: a key file after the clock was set back", function()
  it("is looked at again at once (it waited for the clock to catch up)", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -m 700 " .. proc.quote(dir)))
    local script = dir .. "/run.lua"
    -- os.time is replaced before the module loads: it takes it once.
    proc.write_file(script, [[
local real_time, offset = os.time, 0
os.time = function(...) if select("#", ...) > 0 then return real_time(...) end return real_time() + offset end
local tls = require "tls"
local tk = tls.ticketkeys
local path = arg[1] .. "/ticket.keys"
assert(tk.rotate(path))
local cert, key = tls.selfsigned { names = { "localhost" } }
local ctx = assert(tls.context { mode = "server", certificate = cert, key = key, ticket_keys = path })
tk.refresh()
offset = -3600                 -- the clock steps back an hour
assert(tk.rotate(path))        -- and the operator rotates the file
offset = offset + 2
tk.refresh()
print(ctx:ticketkeynames()[1] == tk.name(tk.read(path)[1]) and "taken" or "not taken")
]])
    local p = assert(io.popen(proc.lua_env() .. " " .. proc.lua() .. " " .. script .. " " .. dir .. " 2>&1"))
    local out = p:read("a")
    p:close()
    os.execute("rm -rf " .. proc.quote(dir))
    assert.equal("taken\n", out)
  end)
end)

describe("review23 R5: server options that could never act", function()
  it("are refused: max_early_data without early_data = true; early_data and psk_ke with TLS 1.2 only", function()
    local ctx, err = server_ctx { early_data = false, max_early_data = 100 }
    assert.is_nil(ctx)
    assert.equal("option 'max_early_data' needs 'early_data = true'", err)
    ctx, err = server_ctx { early_data = true, max_version = "TLSv1.2" }
    assert.is_nil(ctx)
    assert.equal("option 'early_data = true' can never take effect with 'max_version = \"TLSv1.2\"': 0-RTT data "
      .. "exists only in TLS 1.3 (leave 'early_data' out, or allow TLS 1.3)", err)
    ctx, err = server_ctx { psk_ke = true, max_version = "TLSv1.2" }
    assert.is_nil(ctx)
    assert.equal("option 'psk_ke = true' can never take effect with 'max_version = \"TLSv1.2\"': psk_ke exists "
      .. "only in TLS 1.3 (leave 'psk_ke' out, or allow TLS 1.3)", err)
    ctx, err = tls.context { verify = false, early_data = true, max_version = "TLSv1.2" }
    assert.is_nil(ctx)
    assert.matches("^option 'early_data = true' can never take effect", err)
    -- false says nothing that could not happen; TLS 1.3 allowed is fine
    assert.truthy(server_ctx { early_data = false, psk_ke = false, max_version = "TLSv1.2" })
    assert.truthy(server_ctx { early_data = true, psk_ke = true, max_early_data = 100, session_store = tls.store.memory() })
  end)
end)

describe("review23 R6: max_early_data", function()
  it("is at most 1 MiB: accepted early data is held until read, and any client can get a ticket", function()
    local ctx, err = server_ctx { early_data = true, max_early_data = 1024 * 1024 + 1 }
    assert.is_nil(ctx)
    assert.equal("option 'max_early_data' must be a whole number of bytes from 1 to 1048576 (got 1048577)", err)
    assert.truthy(server_ctx { early_data = true, max_early_data = 1024 * 1024, session_store = tls.store.memory() })
  end)
end)
