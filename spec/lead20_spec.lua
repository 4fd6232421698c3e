-- Session 20, the lead's misuse probes: a password with nothing to open,
-- and option values shown so that "" and "100" are told from nothing and
-- from the number 100.
local tls = require "tls"
local certs = require "spec.support.certs"
local proc = require "spec.support.proc"

local PASSWORD_ALONE = "option 'password' decrypts 'key', which is not given (a pair in 'certificates' takes "
   .. "its own 'password')"

describe("lead20: a password needs a key to open", function()
   local leaf = certs.get().leaf.ecdsa_p256

   it("is refused on a client with no key (it was taken and never used)", function()
      assert.same({ nil, PASSWORD_ALONE }, { tls.context { password = "s3cret" } })
      assert.same({ nil, PASSWORD_ALONE }, { tls.context { password = "" } })
   end)

   it("is refused beside 'certificates', whose pairs carry their own", function()
      assert.same({ nil, PASSWORD_ALONE }, { tls.context { mode = "server", password = "s3cret",
         certificates = { { certificate = leaf.cert, key = leaf.key } } } })
   end)

   it("still opens an encrypted key, in 'key' and in a pair of 'certificates'", function()
      local enc = proc.tmpname()
      local _, code = proc.run(string.format("openssl pkcs8 -topk8 -in %s -out %s -passout pass:s3cret",
         proc.quote(leaf.key), proc.quote(enc)))
      assert.equal(0, code)
      assert.truthy(tls.context { mode = "server", certificate = leaf.cert, key = enc, password = "s3cret" })
      assert.truthy(tls.context { mode = "server",
         certificates = { { certificate = leaf.cert, key = enc, password = "s3cret" } } })
      os.remove(enc)
   end)

   it("the LuaSec drop-in keeps LuaSec's leniency: a password without a key is not used", function()
      local ssl = require "tls.luasec"
      assert.truthy(ssl.newcontext { mode = "client", protocol = "any", verify = "none", password = "x" })
      assert.truthy(ssl.newcontext { mode = "client", protocol = "any", verify = "none",
         password = function() return "x" end })
   end)

   it("tls.https does not hand a lone password to the context when the pairs are in 'certificates'", function()
      local https = require "tls.https"
      local m = certs.clients()
      -- Nothing listens on port 1: the request fails on connecting, after
      -- the context was made.
      local body, err = https.request { url = "https://127.0.0.1:1/", password = "s3cret",
         certificates = { { certificate = m.ecdsa.cert, key = m.ecdsa.key } }, timeout = 5 }
      assert.is_nil(body)
      assert.is_nil(tostring(err):find("password", 1, true), err)
   end)
end)

describe("lead20: option values in messages", function()
   it("show a string quoted", function()
      assert.same({ nil, "option 'min_version' must be \"TLSv1.2\" or \"TLSv1.3\" (got \"\")" },
         { tls.context { min_version = "" } })
      assert.same({ nil, "option 'mode' must be \"client\" or \"server\" (got \"Server\")" },
         { tls.context { mode = "Server" } })
      assert.same({ nil, "option 'record_size_limit' must be an integer from 64 to 16385 (got \"100\")" },
         { tls.context { record_size_limit = "100" } })
   end)

   it("show numbers and NaN as before", function()
      assert.same({ nil, "option 'max_version' must be \"TLSv1.2\" or \"TLSv1.3\" (got 1.3)" },
         { tls.context { max_version = 1.3 } })
      assert.same({ nil, "option 'security_level' must be an integer from 0 to 5 (got NaN)" },
         { tls.context { security_level = 0 / 0 } })
   end)
end)
