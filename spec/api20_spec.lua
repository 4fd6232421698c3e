-- api20: API misuse that silently weakened security.
--  1. A context object carries only its documented methods: the raw setters
--     (set_verify, set_hook, load_ca_pem, ...) live in tls.core's
--     context_methods, for lua/tls.lua and the specs.
--  2. Ticket key files are opened once and checked on that descriptor: no
--     symbolic link, a regular file, owned by this user, mode 0600/0640.
--  3. The servername and alpn functions fail closed (internal_error) when
--     they cannot be called, as the verify function does.
--  4. tls.https presents the client certificate only to the first host:
--     after a redirect to another host or port, unless redirect_certificate.
-- Planted bugs: mutate/mutations_api20.lua.
local tls = require "tls"
local core = require "tls.core"
local CTXM = core.context_methods
local E = require "spec.support.engines"
local proc = require "spec.support.proc"

describe("api20: a context object has only its documented methods", function()
   local DOCUMENTED = { mode = true, check = true, setticketkeys = true, ticketkeynames = true }

   it("a client or server context has no raw setter", function()
      local contexts = {
         assert(tls.context {}),
         assert(tls.context { verify = false }),
         E.server_ctx(),
      }
      local n = 0
      for name in pairs(CTXM) do
         if not DOCUMENTED[name] then
            n = n + 1
            for _, ctx in ipairs(contexts) do
               assert.is_nil(ctx[name], "a context still has " .. name)
            end
         end
      end
      assert.is_true(n >= 30, "context_methods holds the setters")
      for _, name in ipairs { "set_verify", "set_verify_chain_only", "set_hook", "load_ca_pem",
                              "set_security_level", "add_pin", "set_suites", "set_versions" } do
         assert.is_function(CTXM[name], name)
         assert.is_nil(contexts[1][name], name)
      end
   end)

   it("ctx:set_verify(false) is an error, not a weakened context", function()
      local ctx = assert(tls.context {})
      assert.has_error(function() ctx:set_verify(false) end)
      -- the context still verifies: a self-signed server is refused
      local c = assert(tls.engine(ctx, { servername = "localhost" }))
      local s = E.server_engine()
      assert(c:start())
      E.pump(c, s)
      assert.is_false(c:status().handshake_done == true)
      assert.matches("certificate", (c:error()))
   end)

   it("the documented methods still work", function()
      local cctx = assert(tls.context {})
      assert.equal("client", cctx:mode())
      assert.is_true((cctx:check()))
      local tk = require "tls.ticketkeys"
      local sctx = E.server_ctx()
      assert.equal("server", sctx:mode())
      local key = tk.generate()
      assert.is_true(sctx:setticketkeys { key })
      local names = sctx:ticketkeynames()
      assert.equal(1, #names)
      assert.equal(32, #names[1])
      -- and a context made with options still connects
      E.connected()
   end)
end)

describe("api20: ticket key files", function()
   local tk = require "tls.ticketkeys"
   local dir
   before_each(function()
      dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir -m 700 " .. proc.quote(dir)))
   end)
   after_each(function() os.execute("rm -rf " .. proc.quote(dir)) end)

   it("refuses a symbolic link, even to a good key file", function()
      local real, link = dir .. "/real", dir .. "/link"
      assert.is_true(tk.write(real, { tk.generate() }))
      assert.equal(1, #assert(tk.read(real)))
      assert(os.execute("ln -s " .. proc.quote(real) .. " " .. proc.quote(link)))
      local keys, err = tk.read(link)
      assert.is_nil(keys)
      assert.equal(("ticket keys file %s is a symbolic link: name the file itself"):format(link), err)
      local ctx, cerr = tls.context { mode = "server", certificate = E.CERT, key = E.KEY, ticket_keys = link }
      assert.is_nil(ctx)
      assert.matches("is a symbolic link", cerr, 1, true)
   end)

   it("refuses a FIFO at once (no wait for a writer)", function()
      local fifo = dir .. "/fifo"
      assert(os.execute("mkfifo -m 600 " .. proc.quote(fifo)))
      local keys, err = tk.read(fifo)
      assert.is_nil(keys)
      assert.equal(("ticket keys file %s is not a regular file"):format(fifo), err)
   end)

   it("refuses a file another user owns, mode 0600 or not (as root)", function()
      local id = io.popen("id -u")
      local uid = tonumber(id:read("l"))
      id:close()
      if uid ~= 0 then
         pending("needs root to give a file to another user")
         return
      end
      local path = dir .. "/keys"
      assert.is_true(tk.write(path, { tk.generate() }))
      assert.equal(1, #assert(tk.read(path)))
      assert(os.execute("chown nobody " .. proc.quote(path)))
      local keys, err = tk.read(path)
      assert.is_nil(keys)
      assert.matches(("^ticket keys file %s belongs to user %%d+, not to this process's user 0: run chown on it")
         :format(path:gsub("%p", "%%%0")), err)
      local ctx, cerr = tls.context { mode = "server", certificate = E.CERT, key = E.KEY, ticket_keys = path }
      assert.is_nil(ctx)
      assert.matches("belongs to user", cerr, 1, true)
      -- given back to us, it is read again
      assert(os.execute("chown 0 " .. proc.quote(path)))
      assert.equal(1, #assert(tk.read(path)))
   end)
end)

-- Drops engine e's copy of function fn out of the table of what its hooks
-- call (its table user value).
local function lose_hook(e, fn)
   local anchors
   for slot = 1, 16 do
      local v, ok = debug.getuservalue(e, slot)
      if not ok then break end
      if type(v) == "table" then anchors = v end
   end
   local dropped = 0
   for k, v in pairs(anchors) do
      if v == fn then anchors[k] = nil; dropped = dropped + 1 end
   end
   assert.equal(1, dropped)
end

describe("api20: servername and alpn functions fail closed", function()
   it("a servername function that cannot be called is internal_error, not 'keep the context'", function()
      local fn = function() return false end
      local sctx = E.server_ctx { servername = fn }
      local s = assert(tls.engine(sctx))
      -- The engine keeps its own copy of the function (a set_hook on the
      -- context no longer reaches it: review39_spec); the copy is dropped
      -- through the debug library, so that the bridge finds none to call.
      lose_hook(s, fn)
      local c = E.client_engine()
      assert(c:start())
      E.pump(c, s)
      assert.is_not_true(s:status().handshake_done)
      local msg, alert = s:error()
      assert.equal("internal_error", alert)
      assert.equal("servername function: the servername function is gone (removed from the context)", msg)
   end)

   it("an alpn function that cannot be called is internal_error, not 'no ALPN'", function()
      local fn = function() return false end
      local sctx = E.server_ctx { alpn = fn }
      local s = assert(tls.engine(sctx))
      lose_hook(s, fn)
      local c = E.client_engine { alpn = { "h2" } }
      assert(c:start())
      E.pump(c, s)
      assert.is_not_true(s:status().handshake_done)
      local msg, alert = s:error()
      assert.equal("internal_error", alert)
      assert.equal("alpn function: the alpn function is gone (removed from the context)", msg)
   end)
end)

describe("api20: tls.https and the client certificate on redirects", function()
   local https = require "tls.https"
   local ltn12 = require "ltn12"
   local peers = require "spec.support.peers"
   local certs = require "spec.support.certs"
   local c = certs.get()
   local m = certs.clients()
   local leaf = c.leaf.ecdsa_p256
   local plain, plain_port, mtls, mtls_port

   local function python_server(client_ca)
      local h = proc.spawn(string.format("%s spec/support/https_server.py %s %s %s", peers.python(),
         proc.quote(leaf.cert), proc.quote(leaf.key), client_ca and proc.quote(client_ca) or ""), { timeout = 600 })
      return h, tonumber(proc.wait_output(h, "ready (%d+)"))
   end

   local function get(reqt)
      local t = {}
      reqt.sink = ltn12.sink.table(t)
      local ok, code = https.request(reqt)
      if not ok then return nil, code end
      return table.concat(t), code
   end

   setup(function()
      plain, plain_port = python_server(nil)
      mtls, mtls_port = python_server(m.ca) -- requires a client certificate from m.ca
   end)
   teardown(function()
      plain:kill()
      mtls:kill()
   end)

   local function via_plain()
      return "https://localhost:" .. plain_port .. "/redirect?to=https://localhost:" .. mtls_port .. "/whoami"
   end

   it("the first host gets it, also after a redirect on the same host and port", function()
      local body, code = get { url = "https://localhost:" .. mtls_port .. "/redirect?to=/whoami", ca = c.ca,
         certificate = m.ecdsa.cert, key = m.ecdsa.key }
      assert.equal(200, code)
      assert.is_string(body)
      assert.not_equal("none", body)
   end)

   it("a host the first server redirects to does not get it", function()
      local body, err = get { url = via_plain(), ca = c.ca, certificate = m.ecdsa.cert, key = m.ecdsa.key }
      assert.is_nil(body)
      -- the second server requires one and got none
      assert.matches("certificate_required", err, 1, true)
   end)

   it("redirect_certificate = true presents it to the redirect's host", function()
      local body, code = get { url = via_plain(), ca = c.ca, certificate = m.ecdsa.cert, key = m.ecdsa.key,
         redirect_certificate = true }
      assert.equal(200, code)
      assert.not_equal("none", body)
      -- the same name as asked directly
      local direct = get { url = "https://localhost:" .. mtls_port .. "/whoami", ca = c.ca,
         certificate = m.ecdsa.cert, key = m.ecdsa.key }
      assert.equal(direct, body)
   end)

   it("refuses a redirect_certificate that is not a boolean", function()
      for _, v in ipairs { "yes", 1, {} } do
         local ok, err = https.request { url = via_plain(), redirect_certificate = v }
         assert.is_nil(ok)
         assert.equal("tls.https: option 'redirect_certificate' must be true or false (got " .. type(v) .. ")", err)
      end
   end)

   -- review31b F1: a ready context goes to every hop, its certificate too
   it("refuses redirect_certificate = false with a ready context, where it could do nothing", function()
      local ctx = assert(tls.context { mode = "client", ca = c.ca, certificate = m.ecdsa.cert, key = m.ecdsa.key })
      local ok, err = https.request { url = via_plain(), context = ctx, redirect_certificate = false }
      assert.is_nil(ok)
      assert.equal("tls.https: option 'redirect_certificate = false' cannot take effect with a ready 'context', "
         .. "which is used for every hop, its client certificate included: give the certificate as options "
         .. "(certificate, key) instead of 'context', or set redirect = false", err)
      -- true says what a context does anyway, and is taken
      local body, code = get { url = via_plain(), context = ctx, redirect_certificate = true }
      assert.equal(200, code)
      assert.not_equal("none", body)
   end)
end)
