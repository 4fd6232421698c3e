-- tls.ticketkeys: keys, the key file (format, permissions, atomic
-- replacement, rotation), contexts that take keys from a list or a file and
-- pick up a rotated file, and automatic rotation (keys dropped on time).
local CTXM = require("tls.core").context_methods -- a context's setters (not its methods)
local tls = require "tls"
local proc = require "spec.support.proc"
local certs = require "spec.support.certs"

local tk = tls.ticketkeys

local tmpdir = proc.tmpdir

local function write(path, text, mode)
  proc.write_file(path, text)
  os.execute(string.format("chmod %s %s", mode or "600", proc.quote(path)))
end

local function mode_of(path)
  local _, out = proc.capture("stat -c %a " .. proc.quote(path))
  return out:match("%d+")
end

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

local function server_ctx(extra)
  local c = certs.get()
  local o = { mode = "server", certificate = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key }
  for k, v in pairs(extra or {}) do o[k] = v end
  return tls.context(o)
end

-- A key whose name is 16 bytes of `c` (to test names).
local function key_named(c, secret)
  return string.rep(c, 16) .. (secret or string.rep("s", 24) .. "01234567")
end

describe("tls.ticketkeys.generate", function()
  it("returns 48 random bytes: a 16-byte name and a 32-byte secret", function()
    local a, b = tk.generate(), tk.generate()
    assert.are.equal(48, #a)
    assert.are.equal(48, #b)
    assert.are_not.equal(a, b)
    assert.are_not.equal(a:sub(1, 16), b:sub(1, 16))
    assert.are.equal(hex(a:sub(1, 16)), tk.name(a))
  end)

  it("name() refuses what is not a key", function()
    assert.has_error(function() tk.name("short") end,
      "bad argument #1 to 'name' (key of 48 bytes expected, got 5 bytes)")
    assert.has_error(function() tk.name(nil) end, "bad argument #1 to 'name' (key of 48 bytes expected, got nil)")
  end)
end)

describe("the key file", function()
  local dir
  before_each(function() dir = tmpdir() end)
  after_each(function() os.execute("rm -rf " .. proc.quote(dir)) end)

  it("write then read gives the keys back, current first, in a file of mode 0600", function()
    local keys = { tk.generate(), tk.generate(), tk.generate() }
    local path = dir .. "/keys"
    assert.is_true(tk.write(path, keys))
    assert.are.same(keys, assert(tk.read(path)))
    assert.are.equal("600", mode_of(path))
    local text = proc.read_file(path)
    assert.truthy(text:find("^# luatls ticket keys"))
    local lines = {}
    for line in text:gmatch("[^\n]+") do
      if not line:find("^#") then lines[#lines + 1] = line end
    end
    assert.are.same({ hex(keys[1]), hex(keys[2]), hex(keys[3]) }, lines)
    -- the temporary file was renamed, nothing is left beside it
    local _, ls = proc.capture("ls -A " .. proc.quote(dir))
    assert.are.equal("keys\n", ls)
  end)

  it("write replaces a file others could read with one of mode 0600", function()
    local path = dir .. "/keys"
    write(path, "old", "644")
    assert.is_true(tk.write(path, { tk.generate() }))
    assert.are.equal("600", mode_of(path))
  end)

  it("read takes comments, blank lines, spaces and upper-case hex (openssl rand -hex 48)", function()
    local k1, k2 = tk.generate(), tk.generate()
    local path = dir .. "/keys"
    write(path, "# made by hand\n\n  " .. hex(k1):upper() .. "  \n# an old one\n\t" .. hex(k2) .. "\n\n")
    assert.are.same({ k1, k2 }, assert(tk.read(path)))
    local _, out = proc.capture("openssl rand -hex 48")
    write(path, out)
    local keys = assert(tk.read(path))
    assert.are.equal(1, #keys)
    assert.are.equal(out:match("%x+"), hex(keys[1]))
  end)

  it("a group may read it (mode 0640)", function()
    local path = dir .. "/keys"
    assert.is_true(tk.write(path, { tk.generate() }))
    os.execute("chmod 640 " .. proc.quote(path))
    assert.are.equal(1, #assert(tk.read(path)))
  end)

  it("a file that does not exist: nil and a message naming it", function()
    local keys, err = tk.read(dir .. "/nothing")
    assert.is_nil(keys)
    assert.are.equal("cannot read ticket keys file " .. dir .. "/nothing: No such file or directory", err)
  end)

  it("refuses a file other users may read or write, or the group write", function()
    local path = dir .. "/keys"
    for _, m in ipairs { "644", "604", "602", "660", "666" } do
      write(path, hex(tk.generate()) .. "\n", m)
      local keys, err = tk.read(path)
      assert.is_nil(keys)
      assert.are.equal(("ticket keys file %s is open to other users (mode 0%s): run chmod 600 (or 640) on it")
        :format(path, m), err)
    end
  end)

  it("refuses a directory", function()
    local keys, err = tk.read(dir)
    assert.is_nil(keys)
    assert.are.equal(("ticket keys file %s is not a regular file"):format(dir), err)
  end)

  it("refuses malformed lines, naming the line", function()
    local path = dir .. "/keys"
    local good = hex(tk.generate())
    write(path, "# keys\n" .. good .. "\n" .. good:sub(1, 95) .. "\n")
    local keys, err = tk.read(path)
    assert.is_nil(keys)
    assert.are.equal(("ticket keys file %s, line 3: a key is 96 hexadecimal digits (48 bytes, as "
      .. "`openssl rand -hex 48` makes), got 95 characters"):format(path), err)
    write(path, good:sub(1, 94) .. "zz\n")
    keys, err = tk.read(path)
    assert.is_nil(keys)
    assert.are.equal(("ticket keys file %s, line 1: a key is 96 hexadecimal digits (48 bytes, as "
      .. "`openssl rand -hex 48` makes), got 96 characters that are not all hexadecimal digits"):format(path), err)
    -- base64 of a key is not a key
    write(path, "c2VjcmV0\n")
    keys, err = tk.read(path)
    assert.is_nil(keys)
    assert.truthy(err:find("line 1: a key is 96 hexadecimal digits", 1, true))
  end)

  it("refuses an empty file, two keys with one name, and more than 8 keys", function()
    local path = dir .. "/keys"
    write(path, "# nothing yet\n\n")
    local keys, err = tk.read(path)
    assert.is_nil(keys)
    assert.are.equal(("ticket keys file %s holds no key (one per line, 96 hexadecimal digits)"):format(path), err)

    write(path, hex(key_named("a", string.rep("1", 24) .. "01234567")) .. "\n" .. hex(tk.generate()) .. "\n"
      .. hex(key_named("a", string.rep("2", 24) .. "01234567")) .. "\n")
    keys, err = tk.read(path)
    assert.is_nil(keys)
    assert.are.equal(("ticket keys file %s, line 3: the key's name is the same as line 1's"):format(path), err)

    local lines = {}
    for i = 1, 9 do lines[i] = hex(tk.generate()) end
    write(path, table.concat(lines, "\n"))
    keys, err = tk.read(path)
    assert.is_nil(keys)
    assert.are.equal(("ticket keys file %s holds more than 8 keys"):format(path), err)
  end)

  it("write refuses wrong lists and says why", function()
    local path = dir .. "/keys"
    local cases = {
      { {}, "tls.ticketkeys.write: give 1 to 8 keys (got 0)" },
      { { tk.generate(), "short" }, "tls.ticketkeys.write: key 2 must be a string of 48 bytes from "
        .. "tls.ticketkeys.generate() (got 5 bytes)" },
      { { tk.generate(), 42 }, "tls.ticketkeys.write: key 2 must be a string of 48 bytes from "
        .. "tls.ticketkeys.generate() (got number)" },
      { { key_named("x"), tk.generate(), key_named("x", string.rep("t", 24) .. "01234567") },
        "tls.ticketkeys.write: keys 1 and 3 have the same name" },
      { "a key", "tls.ticketkeys.write: keys must be a list of keys from tls.ticketkeys.generate() (got string)" },
    }
    local nine = {}
    for i = 1, 9 do nine[i] = tk.generate() end
    cases[#cases + 1] = { nine, "tls.ticketkeys.write: give 1 to 8 keys (got 9)" }
    for _, case in ipairs(cases) do
      local ok, err = tk.write(path, case[1])
      assert.is_nil(ok)
      assert.are.equal(case[2], err)
    end
    assert.is_nil(io.open(path)) -- nothing was written
    local ok, err = tk.write(dir .. "/no/such/dir/keys", { tk.generate() })
    assert.is_nil(ok)
    assert.are.equal("cannot write ticket keys file " .. dir .. "/no/such/dir/keys: No such file or directory", err)
    assert.has_error(function() tk.write(nil, {}) end, "bad argument #1 to 'write' (file name expected, got nil)")
  end)

  it("rotate puts a new key in front and keeps `keep` old ones (default 2)", function()
    local path = dir .. "/keys"
    assert.is_true(tk.rotate(path)) -- a new file
    local k1 = assert(tk.read(path))
    assert.are.equal(1, #k1)
    assert.are.equal("600", mode_of(path))
    assert.is_true(tk.rotate(path))
    local k2 = assert(tk.read(path))
    assert.are.equal(2, #k2)
    assert.are.equal(k1[1], k2[2])
    assert.is_true(tk.rotate(path))
    local k3 = assert(tk.read(path))
    assert.are.same({ k2[1], k1[1] }, { k3[2], k3[3] })
    assert.is_true(tk.rotate(path))
    local k4 = assert(tk.read(path))
    assert.are.equal(3, #k4)                     -- the oldest is gone
    assert.are.same({ k3[1], k3[2] }, { k4[2], k4[3] })
    assert.is_true(tk.rotate(path, 0))
    local k5 = assert(tk.read(path))
    assert.are.equal(1, #k5)
    assert.are_not.equal(k4[1], k5[1])
    assert.is_true(tk.rotate(path, 7))
    assert.are.equal(2, #assert(tk.read(path)))
  end)

  it("rotate leaves a broken file alone, and refuses a wrong keep", function()
    local path = dir .. "/keys"
    write(path, "not a key\n")
    local ok, err = tk.rotate(path)
    assert.is_nil(ok)
    assert.truthy(err:find("line 1: a key is 96 hexadecimal digits", 1, true))
    assert.are.equal("not a key\n", proc.read_file(path))
    assert.has_error(function() tk.rotate(path, 8) end,
      "bad argument #2 to 'rotate' (a number of old keys from 0 to 7 expected, got 8)")
    assert.has_error(function() tk.rotate(path, -1) end,
      "bad argument #2 to 'rotate' (a number of old keys from 0 to 7 expected, got -1)")
  end)
end)

describe("contexts and ticket keys", function()
  local dir
  before_each(function() dir = tmpdir() end)
  after_each(function()
    tk.recheck = 1
    os.execute("rm -rf " .. proc.quote(dir))
  end)

  it("refuse a key whose secret is a placeholder: fewer than 8 different byte values (review39c I1)", function()
    local why = "its secret holds only %d different byte values: a placeholder, not a random key (whoever "
      .. "guesses it opens and forges tickets); make keys with tls.ticketkeys.generate() or "
      .. "`openssl rand -hex 48`"
    local zeros = ("\0"):rep(48)
    local seven = ("N"):rep(16) .. ("0123456"):rep(5):sub(1, 32)
    local eight = ("E"):rep(16) .. ("01234567"):rep(4)
    -- the option's list, in the Lua layer and in the C one behind it
    local ctx, err = server_ctx { ticket_keys = { tk.generate(), zeros } }
    assert.is_nil(ctx)
    assert.are.equal("option 'ticket_keys': key 2: " .. why:format(1), err)
    ctx, err = server_ctx { ticket_keys = { seven } }
    assert.is_nil(ctx)
    assert.are.equal("option 'ticket_keys': key 1: " .. why:format(7), err)
    ctx = assert(server_ctx { ticket_keys = { eight } })
    local ok, cerr = CTXM.set_ticket_keys(ctx, { tk.generate(), seven })
    assert.is_nil(ok)
    assert.are.equal("ticket keys: key 2's secret holds only 7 different byte values: a placeholder, not a random "
      .. "key (whoever guesses it opens and forges tickets); make keys with tls.ticketkeys.generate() or "
      .. "`openssl rand -hex 48`", cerr)
    assert.are.same({ tk.name(eight) }, ctx:ticketkeynames())
    -- a key file: read, write, and the option naming it
    local path = dir .. "/keys"
    write(path, hex(tk.generate()) .. "\n" .. ("0"):rep(96) .. "\n")
    local keys, rerr = tk.read(path)
    assert.is_nil(keys)
    assert.are.equal(("ticket keys file %s, line 2: " .. why):format(path, 1), rerr)
    ctx, err = server_ctx { ticket_keys = path }
    assert.is_nil(ctx)
    assert.are.equal(("option 'ticket_keys': ticket keys file %s, line 2: " .. why):format(path, 1), err)
    local wok, werr = tk.write(dir .. "/other", { zeros })
    assert.is_nil(wok)
    assert.are.equal("tls.ticketkeys.write: key 1: " .. why:format(1), werr)
  end)

  it("take a list, current first", function()
    local keys = { tk.generate(), tk.generate() }
    local ctx = assert(server_ctx { ticket_keys = keys })
    assert.are.same({ tk.name(keys[1]), tk.name(keys[2]) }, ctx:ticketkeynames())
  end)

  it("take a key file", function()
    local path = dir .. "/keys"
    local keys = { tk.generate(), tk.generate() }
    assert(tk.write(path, keys))
    local ctx = assert(server_ctx { ticket_keys = path })
    assert.are.same({ tk.name(keys[1]), tk.name(keys[2]) }, ctx:ticketkeynames())
  end)

  it("without keys, a server has none until it needs one", function()
    assert.are.same({}, assert(server_ctx()):ticketkeynames())
  end)

  it("say what is wrong with the option", function()
    local path = dir .. "/missing"
    local cases = {
      { { ticket_keys = path }, "option 'ticket_keys': cannot read ticket keys file " .. path
        .. ": No such file or directory" },
      { { ticket_keys = {} }, "option 'ticket_keys': give 1 to 8 keys (got 0)" },
      { { ticket_keys = { "short" } }, "option 'ticket_keys': key 1 must be a string of 48 bytes from "
        .. "tls.ticketkeys.generate() (got 5 bytes)" },
      { { ticket_keys = { key_named("n"), key_named("n", string.rep("z", 24) .. "01234567") } },
        "option 'ticket_keys': keys 1 and 2 have the same name" },
      { { ticket_keys = 7 }, "option 'ticket_keys' must be a list of keys from tls.ticketkeys.generate() "
        .. "or the name of a key file (got number)" },
      { { ticket_keys = { tk.generate() }, ticket_key_lifetime = 3600 },
        "option 'ticket_key_lifetime' rotates keys the server makes itself: with 'ticket_keys', rotate the "
        .. "keys yourself (tls.ticketkeys.rotate on the key file, ctx:setticketkeys)" },
      { { ticket_key_lifetime = 0 }, "option 'ticket_key_lifetime' must be a number of seconds from 0.001 to 1e9 (got 0)" },
    }
    for _, case in ipairs(cases) do
      local ctx, err = server_ctx(case[1])
      assert.is_nil(ctx)
      assert.are.equal(case[2], err)
    end
    local ctx, err = tls.context { ticket_keys = { tk.generate() } }
    assert.is_nil(ctx)
    assert.are.equal("option 'ticket_keys' is for servers (a client takes what the server gives)", err)
  end)

  it("ctx:setticketkeys swaps them (list or file) and refuses wrong ones, keeping the old", function()
    local a, b, c = tk.generate(), tk.generate(), tk.generate()
    local ctx = assert(server_ctx { ticket_keys = { a } })
    assert.is_true(ctx:setticketkeys { b, a })
    assert.are.same({ tk.name(b), tk.name(a) }, ctx:ticketkeynames())
    local path = dir .. "/keys"
    assert(tk.write(path, { c, b }))
    assert.is_true(ctx:setticketkeys(path))
    assert.are.same({ tk.name(c), tk.name(b) }, ctx:ticketkeynames())
    for _, case in ipairs {
      { {}, "ctx:setticketkeys: give 1 to 8 keys (got 0)" },
      { { a, a }, "ctx:setticketkeys: keys 1 and 2 have the same name" },
      { dir .. "/none", "ctx:setticketkeys: cannot read ticket keys file " .. dir
        .. "/none: No such file or directory" },
      { true, "ctx:setticketkeys: keys must be a list of keys from tls.ticketkeys.generate() or a key "
        .. "file's name (got boolean)" },
    } do
      local ok, err = ctx:setticketkeys(case[1])
      assert.is_nil(ok)
      assert.are.equal(case[2], err)
      assert.are.same({ tk.name(c), tk.name(b) }, ctx:ticketkeynames())
    end
    local client = assert(tls.context {})
    local ok, err = client:setticketkeys { a }
    assert.is_nil(ok)
    assert.are.equal("ctx:setticketkeys: ticket keys are for servers", err)
  end)

  it("a file-backed context picks up the rotated file as it makes a server connection", function()
    local path = dir .. "/keys"
    assert(tk.rotate(path))
    local first = assert(tk.read(path))
    local ctx = assert(server_ctx { ticket_keys = path })
    tk.recheck = 0 -- look at the file at every connection, not once a second
    assert(tk.rotate(path))
    local second = assert(tk.read(path))
    assert.are.same({ tk.name(first[1]) }, ctx:ticketkeynames()) -- not yet: no connection
    assert(tls.engine(ctx))
    assert.are.same({ tk.name(second[1]), tk.name(first[1]) }, ctx:ticketkeynames())
    -- a broken file is not taken: the keys from before stay
    write(path, "garbage\n")
    assert(tls.engine(ctx))
    assert.are.same({ tk.name(second[1]), tk.name(first[1]) }, ctx:ticketkeynames())
    -- once mended, it is
    assert(tk.write(path, { tk.generate() }))
    local third = assert(tk.read(path))
    assert(tls.engine(ctx))
    assert.are.same({ tk.name(third[1]) }, ctx:ticketkeynames())
    -- a list given later ends the watch
    local k = tk.generate()
    assert.is_true(ctx:setticketkeys { k })
    assert(tk.rotate(path))
    assert(tls.engine(ctx))
    assert.are.same({ tk.name(k) }, ctx:ticketkeynames())
  end)

  it("the file is looked at once per recheck interval at most", function()
    local path = dir .. "/keys"
    assert(tk.rotate(path))
    local first = assert(tk.read(path))
    local ctx = assert(server_ctx { ticket_keys = path })
    tk.recheck = 3600
    assert(tk.rotate(path))
    assert(tls.engine(ctx))
    assert.are.same({ tk.name(first[1]) }, ctx:ticketkeynames())
  end)

  it("a listening server picks up the rotated file at accept", function()
    local path = dir .. "/keys"
    assert(tk.rotate(path))
    local ctx = assert(server_ctx { ticket_keys = path })
    tk.recheck = 0
    local server = assert(tls.listen("127.0.0.1", 0, ctx, { timeout = 10 }))
    local _, port = server:getsockname()
    assert(tk.rotate(path))
    local now = assert(tk.read(path))
    local socket = require "socket"
    local s = assert(socket.connect("127.0.0.1", port))
    local conn = assert(server:accept())
    assert.are.same({ tk.name(now[1]), tk.name(now[2]) }, ctx:ticketkeynames())
    conn:close()
    s:close()
    server:close()
  end)
end)

describe("automatic rotation (ticket_key_lifetime)", function()
  it("makes a key, replaces it after a lifetime, drops each after two", function()
    local ctx = assert(server_ctx { ticket_key_lifetime = 100 })
    assert(tls.engine(ctx))
    local a = ctx:ticketkeynames()
    assert.are.equal(1, #a)
    CTXM.set_clock_offset(ctx, 99)
    assert(tls.engine(ctx))
    assert.are.same(a, ctx:ticketkeynames())
    CTXM.set_clock_offset(ctx, 100)
    assert(tls.engine(ctx))
    local b = ctx:ticketkeynames()
    assert.are.equal(2, #b)
    assert.are.equal(a[1], b[2])
    CTXM.set_clock_offset(ctx, 199)
    assert(tls.engine(ctx))
    assert.are.same(b, ctx:ticketkeynames())
    -- at 200, b[1] is replaced and a (200 old) is dropped
    CTXM.set_clock_offset(ctx, 200)
    assert(tls.engine(ctx))
    local c = ctx:ticketkeynames()
    assert.are.equal(2, #c)
    assert.are.equal(b[1], c[2])
    assert.are_not.equal(a[1], c[1])
    -- a long quiet time: every old key goes at once
    CTXM.set_clock_offset(ctx, 1000)
    assert(tls.engine(ctx))
    local d = ctx:ticketkeynames()
    assert.are.equal(1, #d)
    assert.are_not.equal(c[1], d[1])
    -- a clock that goes back changes nothing
    CTXM.set_clock_offset(ctx, 0)
    assert(tls.engine(ctx))
    assert.are.same(d, ctx:ticketkeynames())
  end)

  it("a context collected (its finalizer run) is skipped, not refreshed", function()
    local ctx = assert(server_ctx { ticket_key_lifetime = 60 })
    debug.getmetatable(ctx).__gc(ctx)   -- as the collector does, before the weak entry goes
    assert(tls.engine(assert(server_ctx())))
  end)

  it("keys the application gives are not rotated by the server", function()
    local ctx = assert(server_ctx { ticket_key_lifetime = 60 })
    local ok, err = ctx:setticketkeys { tk.generate() }
    assert.is_nil(ok)
    assert.are.equal("ctx:setticketkeys: this context makes and rotates its own keys (ticket_key_lifetime); "
      .. "keys from the application are rotated by the application (tls.ticketkeys.rotate on a key file)", err)
  end)
end)

describe("ticket keys and resumption", function()
  local E = require "spec.support.engines"

  local connect = E.connect

  for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
    describe(version, function()
      local decisions
      local function server(opts)
        decisions = {}
        return E.server_ctx(E.merge({ max_version = version, trace = function(ev)
          if ev.message == "resumption" then decisions[#decisions + 1] = ev.result .. ": " .. tostring(ev.reason) end
        end }, opts))
      end
      local function client()
        return assert(tls.context { ca = E.CERT, max_version = version })
      end

      it("ctx:setticketkeys while running: tickets of a kept key resume, of a dropped one mean a full "
        .. "handshake", function()
        local a, b = tk.generate(), tk.generate()
        local sctx, cctx = server { ticket_keys = { a } }, client()
        local resumed, session = connect(sctx, cctx)
        assert.is_false(resumed)
        assert.truthy(session:find("\nVersion: " .. version .. "\n", 1, true))
        assert.is_true(sctx:setticketkeys { b, a })   -- b seals now, a still opens
        assert.is_true((connect(sctx, cctx, session)))
        assert.is_true(sctx:setticketkeys { b })      -- a dropped
        assert.is_false((connect(sctx, cctx, session)))
        if version == "TLSv1.3" then
          assert.are.equal("full handshake: ticket 0: not a ticket of ours (unknown or dropped key, or altered)",
            decisions[#decisions])
        end
      end)

      it("a session sealed under a key resumes on another context given the same key (a fleet)", function()
        local k = tk.generate()
        local s1, s2, cctx = server { ticket_keys = { k } }, server { ticket_keys = { tk.generate(), k } }, client()
        local _, session = connect(s1, cctx)
        assert.is_true((connect(s2, cctx, session)))
        local s3 = server { ticket_keys = { tk.generate() } }
        assert.is_false((connect(s3, cctx, session)))
      end)

      it("a file-backed context, its file rotated: old tickets resume, new ones are sealed under the new key",
        function()
        local dir = proc.tmpdir()
        local path = dir .. "/keys"
        assert(tk.rotate(path))
        tk.recheck = 0
        local sctx, cctx = server { ticket_keys = path }, client()
        local _, old = connect(sctx, cctx)
        assert(tk.rotate(path))
        local resumed, renewed = connect(sctx, cctx, old)
        assert.is_true(resumed)
        local only_new = server { ticket_keys = { assert(tk.read(path))[1] } }
        if version == "TLSv1.3" then
          -- a resumed TLS 1.3 connection gets new tickets, sealed under the new key
          assert.is_true((connect(only_new, cctx, renewed)))
        end
        assert.is_false((connect(only_new, cctx, old)))
        tk.recheck = 1
        os.execute("rm -rf " .. proc.quote(dir))
      end)

      it("automatic rotation: a ticket resumes while its key opens, not once the key is dropped", function()
        local sctx, cctx = server { ticket_key_lifetime = 100 }, client()
        local _, session = connect(sctx, cctx)
        local first = sctx:ticketkeynames()
        -- both clocks move (a TLS 1.3 server checks the ticket's age against the client's)
        CTXM.set_clock_offset(sctx, 150)
        CTXM.set_clock_offset(cctx, 150)
        assert.is_true((connect(sctx, cctx, session)))  -- a new key seals, the first still opens
        assert.are.equal(first[1], sctx:ticketkeynames()[2])
        CTXM.set_clock_offset(sctx, 200)
        CTXM.set_clock_offset(cctx, 200)
        assert.is_false((connect(sctx, cctx, session))) -- the first key is gone
        assert.are.equal(1, #sctx:ticketkeynames())
      end)
    end)
  end
end)
