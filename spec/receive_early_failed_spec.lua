-- conn:receive_early() on a server connection whose handshake already
-- failed gives that failure, as receive does, not "no early data offered"
-- (a known gap of session 13).
local tls = require "tls"
local socket = require "socket"
local E = require "spec.support.engines"

describe("receive_early after a failed handshake", function()
   it("reports the failure", function()
      local srv = assert(tls.listen("127.0.0.1", 0, E.server_ctx { early_data = true, session_store = tls.store.memory() }))
      local _, port = srv:getsockname()
      local raw = assert(socket.connect("127.0.0.1", port))
      assert(raw:send("\22\3\1\0\5hello")) -- a handshake message far too long
      local conn = assert(srv:accept())
      conn:settimeout(5)
      local ok, why = conn:handshake()
      assert.is_nil(ok)
      assert.truthy(why:find("larger than the 65536 we accept", 1, true), why)
      assert.same({ n = 2, nil, why }, table.pack(conn:receive_early()))
      conn:close()
      raw:close()
      srv:close()
   end)
end)
