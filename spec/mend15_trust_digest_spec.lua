-- Session 15 (mend15): the digest of what a peer is verified under
-- (tls_config_verify_digest, trust_feed in csrc/pki/tls_config.c; it binds
-- sessions to their verification settings, session 14).
-- 1. A 'ca' or 'crl' file is read once: libcrypto loads the bytes the
--    digest covers. Before, the file was read a second time for the digest,
--    which a pipe (a FIFO, a shell's <(...) as /dev/fd/N) cannot give: the
--    second open waited for a writer that never came, and tls.context hung.
-- 2. SHA-256 is the module's prefetched digest (tls_crypto_sha), not
--    EVP_sha256(), which makes libcrypto fetch it from the provider on each
--    call (each session stamped or checked); the same for a pin's digest
--    (csrc/pki/tls_pin.c, each handshake with pins). A fetch cannot be seen
--    from Lua, so that part is checked in the source.
-- mutate/mutations_mend15.lua plants both back.
local proc = require "spec.support.proc"
local certs_crl = require "spec.support.certs_crl"

local k = certs_crl.get()

-- A child interpreter makes a context with `kind` ("ca" or "crl") read from
-- a FIFO fed once with the file `src`; it prints "ok" or the error. Returns
-- that output (empty when it hung and was stopped).
local PROGRAM = [[
local tls = require "tls"
local kind, fifo, ca = arg[1], arg[2], arg[3]
local ctx, err = tls.context(kind == "ca" and { ca = fifo } or { ca = ca, crl = fifo })
print(ctx and "ok" or ("failed: " .. tostring(err)))
]]

local function through_fifo(kind, src)
   local dir = proc.tmpname()
   os.remove(dir)
   assert(os.execute("mkdir -p " .. proc.quote(dir)))
   local fifo, script = dir .. "/fifo", dir .. "/prog.lua"
   assert(os.execute("mkfifo " .. proc.quote(fifo)))
   proc.write_file(script, PROGRAM)
   local writer = proc.spawn(("cat %s > %s"):format(proc.quote(src), proc.quote(fifo)), { timeout = 20 })
   local out = proc.run(("%s %s %s %s %s %s"):format(proc.lua_env(), proc.lua(), proc.quote(script), kind,
      proc.quote(fifo), proc.quote(k.ca)), nil, 8, { ours = true })
   writer:kill()
   os.execute("rm -rf " .. proc.quote(dir))
   return out
end

describe("mend15: trust files read once", function()
   after_each(proc.kill_all)

   it("takes 'ca' from a pipe (a FIFO)", function()
      assert.equal("ok\n", through_fifo("ca", k.ca))
   end)

   it("takes a PEM 'crl' from a pipe", function()
      assert.equal("ok\n", through_fifo("crl", k.crl_root))
   end)

   it("takes a DER 'crl' from a pipe", function()
      assert.equal("ok\n", through_fifo("crl", k.crl_root_der))
   end)

   it("still names a 'ca' file without certificates", function()
      local path = proc.tmpname()
      proc.write_file(path, "no PEM here\n")
      local ctx, err = require("tls").context { ca = path }
      os.remove(path)
      assert.is_nil(ctx)
      assert.equal("ca: cannot load certificates from " .. path .. ": no certificate found", err)
   end)
end)

describe("mend15: the verification digest", function()
   it("is SHA-256 from the module's prefetched digests, no implicit fetch per call", function()
      local src = proc.read_file("csrc/pki/tls_config.c")
      local body = src:match("\nvoid tls_config_verify_digest%(.-\n}\n")
      assert.truthy(body, "tls_config_verify_digest not found")
      assert.truthy(body:find("tls_crypto_sha(256)", 1, true), body)
      local feed = src:match("\nstatic void trust_feed%(.-\n}\n")
      assert.truthy(feed, "trust_feed not found")
      assert.truthy(feed:find("tls_crypto_sha(256)", 1, true), feed)
      -- EVP_sha256() and friends are libcrypto's legacy digests: each use
      -- fetches the provider's implementation again.
      assert.falsy(src:find("EVP_sha%d+%(%)"), "an implicitly fetched digest in tls_config.c")
      assert.falsy(src:find("EVP_get_digestbyname", 1, true), "an implicitly fetched digest in tls_config.c")
   end)

   it("a pin's SHA-256, computed for each handshake of a context with pins, is prefetched too", function()
      local src = proc.read_file("csrc/pki/tls_pin.c")
      local body = src:match("\nint tls_spki_sha256%(.-\n}\n")
      assert.truthy(body, "tls_spki_sha256 not found")
      assert.truthy(body:find("tls_crypto_sha(256)", 1, true), body)
      assert.falsy(src:find("EVP_sha%d+%(%)"), "an implicitly fetched digest in tls_pin.c")
   end)
end)
