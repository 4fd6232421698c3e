-- Session 25c, review25c (Lua API misuse).
--   #3 one ticket key where a list belongs was taken as a file name and
--      printed raw in the error; it is refused without showing it, and
--      ticket key file names are shown with \xNN escapes.
local tls = require "tls"
local tk = require "tls.ticketkeys"
local certs = require "spec.support.certs"

local c = certs.get()

local function server_ctx(extra)
   local o = { mode = "server", certificate = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key }
   for k, v in pairs(extra or {}) do o[k] = v end
   return assert(tls.context(o))
end

describe("review25c #3: one ticket key where a list belongs", function()
   it("ctx:setticketkeys(key) is refused and the key is never shown", function()
      local ctx = server_ctx()
      for _ = 1, 20 do
         local key = tk.generate()
         local ok, err = ctx:setticketkeys(key)
         assert.is_nil(ok)
         assert.matches("got one key, not a list of keys: give { key }", err, 1, true)
         assert.is_nil(err:find(key, 1, true))
         assert.is_nil(err:find(key:sub(1, 16), 1, true))
         assert.is_nil(err:find("[%c\127-\255]"))
      end
   end)

   it("a key in hexadecimal is refused and never shown", function()
      local ctx = server_ctx()
      local hexkey = (tk.generate():gsub(".", function(ch) return string.format("%02x", ch:byte()) end))
      local ok, err = ctx:setticketkeys(hexkey)
      assert.is_nil(ok)
      assert.matches("got one key", err, 1, true)
      assert.is_nil(err:find(hexkey:sub(1, 32), 1, true))
   end)

   it("ticket_keys = key is refused and never shown", function()
      local key = tk.generate()
      local ctx, err = tls.context { mode = "server", certificate = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key, ticket_keys = key }
      assert.is_nil(ctx)
      assert.matches("option 'ticket_keys': got one key, not a list of keys", err, 1, true)
      assert.is_nil(err:find(key, 1, true))
   end)

   it("(neighbour) { key } and a key file's name still work", function()
      local ctx = server_ctx()
      local key = tk.generate()
      assert.is_true(ctx:setticketkeys({ key }))
      assert.same({ tk.name(key) }, ctx:ticketkeynames())
      local path = os.tmpname()
      assert(tk.write(path, { key }))
      local ctx2 = server_ctx()
      assert.is_true(ctx2:setticketkeys(path))
      assert.same({ tk.name(key) }, ctx2:ticketkeynames())
      os.remove(path)
   end)

   it("a key file name with control or non-ASCII bytes is shown as \\xNN", function()
      local ctx = server_ctx()
      local name = "/nonexistent/\27[31mred\1\255.keys"
      local ok, err = ctx:setticketkeys(name)
      assert.is_nil(ok)
      assert.matches("/nonexistent/\\x1B[31mred\\x01\\xFF.keys", err, 1, true)
      assert.is_nil(err:find("[%c\127-\255]"))
      -- the C reader escapes as well
      local text, cerr = require("tls.core").ticketkeys_read(name)
      assert.is_nil(text)
      assert.matches("\\x1B[31mred\\x01\\xFF", cerr, 1, true)
      -- and the parser's messages
      local path = os.tmpname()
      local dir = path:match("^(.*)/")
      local odd = dir .. "/luatls25c\1odd.keys"
      local f = assert(io.open(odd, "w")); f:write("not a key\n"); f:close()
      os.execute("chmod 600 '" .. odd .. "'")
      local ok2, err2 = server_ctx():setticketkeys(odd)
      os.remove(odd); os.remove(path)
      assert.is_nil(ok2)
      assert.matches("luatls25c\\x01odd.keys", err2, 1, true)
      assert.is_nil(err2:find("[%c\127-\255]"))
   end)
end)
