-- Session 44 (lead): the refusal of a method called from a callback names
-- every callback it applies to, session_store among them (review44f saw
-- the check hold there while the message left it out).
local tls = require "tls"
local E = require "spec.support.engines"

describe("lead44: a method called from a session_store function", function()
   it("raises, and the message names session_store", function()
      local sv
      local inner
      local store = {}
      local cl
      cl, sv = E.engines({ max_version = "TLSv1.2" }, {
         max_version = "TLSv1.2", tickets = 0, session_store = {
            get = function(id) return store[id] end,
            put = function(id, blob)
               inner = { pcall(sv.write, sv, "x") }
               store[id] = blob
            end,
            delete = function(id) store[id] = nil; return true end,
         } })
      E.handshake(cl, sv)
      assert.is_table(inner, "the store's put was not called")
      assert.is_false(inner[1])
      assert.matches("cannot be called from the engine's own callbacks (trace, verify, servername, alpn, ocsp, "
                     .. "client_certificate, keylog, session_store)", inner[2], 1, true)
      assert.is_true(sv:status().handshake_done)
      assert(sv:write("after"))
      E.pump(sv, cl, { strict = true })
      assert.equal("after", cl:read())
   end)
end)

describe("lead44: tls.https.request's URL fields", function()
   local https = require "tls.https"
   it("a host that is no string raises before any look-up (true was looked up as \"true\")", function()
      for _, v in ipairs({ true, -1, {} }) do
         local ok, err = pcall(https.request, { host = v, path = "/" })
         assert.is_false(ok)
         assert.matches("bad field 'host' to 'tls.https.request' (string expected, got "
                        .. (math.type(v) or type(v)) .. ")", err, 1, true)
      end
   end)

   it("a port may be a number, not a boolean", function()
      local ok, err = pcall(https.request, { host = "127.0.0.1", port = false, path = "/" })
      assert.is_false(ok)
      assert.matches("bad field 'port' to 'tls.https.request' (string expected, got boolean)", err, 1, true)
      -- a number passes the check: the request then fails to connect to port 1
      local ok2, r, err2 = pcall(https.request, { host = "127.0.0.1", port = 1, path = "/", timeout = 5 })
      assert.is_true(ok2)
      assert.is_nil(r)
      assert.is_string(err2)
      assert.is_nil(err2:find("bad field", 1, true))
   end)
end)

describe("lead44: tls.wrap when Lua runs out of memory asking the socket for its descriptor", function()
   -- lua_oom_spec reached this only where the pcall around getfd had to
   -- grow the Lua stack, which earlier calls may already have done: since
   -- session 44 it no longer did, and the planted bug
   -- lead25_wrap_memory_error_as_no_socket survived. A getfd raising
   -- Lua's memory error reaches it every time.
   it("raises the memory error, not a complaint about the socket", function()
      local sock = { getfd = function() error("not enough memory", 0) end }
      local ok, err = pcall(tls.wrap, sock, assert(tls.context { mode = "client", verify = false }))
      assert.is_false(ok)
      assert.equal("not enough memory", err)
   end)
end)
