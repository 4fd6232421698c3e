-- Session 27, lead.
--   tls.selfsigned made certificates for "*.com" or "*.localhost": a
--   wildcard over a single label, which OpenSSL's host check (ours, curl's)
--   matches to no name; refused now.
local tls = require "tls"

local function handshake(cert, key, servername)
   local s = assert(tls.context { mode = "server", certificate = cert, key = key })
   local c = assert(tls.context { mode = "client", ca = cert })
   local ce = assert(tls.engine(c, { servername = servername }))
   local se = assert(tls.engine(s))
   ce:start()
   for _ = 1, 10 do
      local o = ce:output()
      if #o > 0 then se:feed(o) end
      o = se:output()
      if #o > 0 then ce:feed(o) end
   end
   return ce:status().handshake_done, ce:error()
end

describe("tls.selfsigned with a wildcard over one label", function()
   for _, name in ipairs { "*.com", "*.localhost", "*.x" } do
      it("refuses " .. name, function()
         local cert, err = tls.selfsigned { names = { "localhost", name } }
         assert.is_nil(cert)
         assert.equal("tls.selfsigned: option 'names': entry 2 ('" .. name .. "') is not a host name or IP "
            .. "address: it puts a wildcard label before a single label: clients match a wildcard only when two "
            .. "or more labels follow it ('*.example.com'), so it would match no name", err)
      end)
   end

   it("(why) a certificate for *.localhost, made by openssl, matches no name in our client", function()
      local dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir " .. dir))
      local made = os.execute(string.format("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
         .. "-nodes -subj /CN=wild -addext subjectAltName=DNS:*.localhost -days 1 -keyout %s/k.pem "
         .. "-out %s/c.pem 2>/dev/null", dir, dir))
      assert.truthy(made, "openssl req failed")
      local function slurp(path)
         local f = assert(io.open(path))
         local data = f:read("a")
         f:close()
         return data
      end
      local cert, key = slurp(dir .. "/c.pem"), slurp(dir .. "/k.pem")
      os.execute("rm -rf " .. dir)
      local ok, err = handshake(cert, key, "a.localhost")
      assert.is_false(ok)
      assert.equal("host name mismatch: expected a.localhost, certificate is for *.localhost", err)
   end)

   it("(neighbour) takes a wildcard over two or more labels, and plain one-label names", function()
      for _, name in ipairs { "*.example.com", "*.a.b", "localhost", "x" } do
         local cert, key = tls.selfsigned { names = { name } }
         assert.truthy(cert, key)
      end
      local cert, key = assert(tls.selfsigned { names = { "*.example.com" } })
      assert.is_true(handshake(cert, key, "www.example.com"))
   end)
end)
