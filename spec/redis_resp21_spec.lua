-- tls.store.redis reads only the replies each command can give (review
-- next21b F11): no arrays, a bulk string at most 128 KiB (the engine's
-- limit for a stored blob) refused before it is read, strict lengths and
-- integers, and a connection that gave a bad reply is closed, so its
-- unread bytes never answer the next command (a stale ":1" would accept
-- 0-RTT twice). Against a scripted fake Redis (spec/support/fake_redis.lua).
local tls = require "tls"
local socket = require "socket"
local fake = require "spec.support.fake_redis"

local ID = "session-id"

-- Runs fn(store) against a fake Redis answering `replies`; returns the fake's log.
local function with_fake(replies, fn, timeout)
  local port, wait = fake.start(replies)
  local st = tls.store.redis { port = port, timeout = timeout }
  local ok, err = pcall(fn, st, port)
  st.close()
  local log = wait()
  assert(ok, err)
  return log
end

-- The message store.get raises on a reply, and the time it took.
local function get_error(reply)
  local msg, took
  with_fake({ reply }, function(st)
    local t0 = socket.gettime()
    local ok, err = pcall(st.get, ID)
    took = socket.gettime() - t0
    assert.is_false(ok, "GET accepted " .. ("%q"):format(reply))
    msg = err
  end, 10)
  return msg, took
end

describe("tls.store.redis replies (F11)", function()
  it("drops a connection whose reply was an array: the next DEL cannot read its leftovers", function()
    local log = with_fake({ "*1\r\n:1\r\n", ":0\r\n" }, function(st)
      local ok, err = pcall(st.get, ID)
      assert.is_false(ok)
      assert.truthy(err:find("protocol error from redis: unexpected reply '%*1'"), err)
      -- the ":1" left on the first connection must not be the DEL's answer
      assert.is_false(st.delete(ID))
    end)
    assert.equal("conn 1 GET\nconn 2 DEL\n", log)
  end)

  it("refuses an array to DEL and SET and nested arrays without recursing", function()
    with_fake({ "*1\r\n:1\r\n", "*1\r\n+OK\r\n", string.rep("*1\r\n", 100000) }, function(st)
      local ok, err = pcall(st.delete, ID)
      assert.is_false(ok)
      assert.truthy(err:find("unexpected reply '%*1'"), err)
      ok, err = pcall(st.put, ID, "blob", 10)
      assert.is_false(ok)
      assert.truthy(err:find("unexpected reply '%*1'"), err)
      ok, err = pcall(st.get, ID)
      assert.is_false(ok)
      assert.truthy(err:find("unexpected reply '%*1'"), err)
    end)
  end)

  it("refuses a bulk length over 128 KiB before reading it", function()
    -- nothing follows the length: a store that tried to read it would wait
    -- for its timeout (10 s here: room for a slow sanitizer run)
    local err, took = get_error("$4000000000\r\n")
    assert.truthy(err:find("bulk length 4000000000 over the limit of 131072 bytes", 1, true), err)
    assert.is_true(took < 5, "took " .. took .. " s")
    err = get_error("$131073\r\n" .. string.rep("x", 131073) .. "\r\n")
    assert.truthy(err:find("bulk length 131073 over the limit", 1, true), err)
  end)

  it("accepts a bulk string of exactly 128 KiB", function()
    local blob = string.rep("b", 131072)
    with_fake({ "$131072\r\n" .. blob .. "\r\n" }, function(st)
      assert.equal(blob, st.get(ID))
    end)
  end)

  it("refuses malformed and overflowing lengths", function()
    for _, reply in ipairs { "$9223372036854775807\r\n", "$10000000000000000000\r\n", "$-5\r\n", "$ 5\r\nhello\r\n",
                             "$+5\r\nhello\r\n", "$0x5\r\nhello\r\n", "$5 \r\nhello\r\n", "$\r\n", "$1e2\r\n" } do
      local err = get_error(reply)
      assert.truthy(err:find("protocol error from redis: b", 1, true), reply .. ": " .. err)
    end
    with_fake({ ":1e0\r\n", ":99999999999999999999\r\n", ": 1\r\n" }, function(st)
      for _ = 1, 3 do
        local ok, err = pcall(st.delete, ID)
        assert.is_false(ok)
        assert.truthy(err:find("protocol error from redis: bad number", 1, true), err)
      end
    end)
  end)

  it("refuses a bulk string not ended by CRLF", function()
    local err = get_error("$3\r\nabcXY")
    assert.truthy(err:find("bulk string not ended by CRLF", 1, true), err)
  end)

  it("still reads a miss and a hit and OK and integers", function()
    with_fake({ "$-1\r\n", "$3\r\nabc\r\n", "+OK\r\n", ":1\r\n", ":0\r\n" }, function(st)
      assert.is_nil(st.get(ID))
      assert.equal("abc", st.get(ID))
      st.put(ID, "abc", 10)
      assert.is_true(st.delete(ID))
      assert.is_false(st.delete(ID))
    end)
  end)

  it("escapes control bytes of an error reply", function()
    with_fake({ "-ERR \27[31mred\r\n" }, function(st)
      local ok, err = pcall(st.get, ID)
      assert.is_false(ok)
      assert.truthy(err:find("ERR \\027[31mred", 1, true), err)
    end)
  end)
end)

describe("tls.store.redis reply lines (review next21c F2)", function()
  it("refuses a reply line longer than 4096 bytes without holding more, and takes one of 4096", function()
    local msg = get_error("+" .. string.rep("x", 100000) .. "\r\n")
    assert.truthy(msg:find("protocol error from redis: a reply line longer than 4096 bytes", 1, true), msg)
    msg = get_error("-" .. string.rep("e", 5000))
    assert.truthy(msg:find("a reply line longer than 4096 bytes", 1, true), msg)
    with_fake({ "$3\r\nabc\r\n", "-" .. string.rep("e", 4095) .. "\r\n" }, function(st)
      assert.equal("abc", st.get(ID))
      local ok, err = pcall(st.get, ID)
      assert.is_false(ok)
      assert.truthy(err:find(string.rep("e", 100), 1, true), err)
    end)
  end)
end)
