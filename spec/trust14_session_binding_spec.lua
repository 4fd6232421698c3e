-- Sessions are bound to the verification settings that made them: a
-- resumed handshake carries no certificate, so the verdict of the full
-- handshake stands only under the same ca, CRLs, OCSP requirement,
-- security_level, verify mode and verify function. A client does not offer
-- a session made under other settings (a full handshake verifies the
-- server under the new ones); a server does not resume a session holding a
-- client certificate under other client-verification settings. Engine pairs
-- in one process (spec/support/engines.lua).
local CTXM = require("tls.core").context_methods -- a context's setters (not its methods)
local tls = require "tls"
local E = require "spec.support.engines"
local K = require("spec.support.certs_crl").get()
local proc = require "spec.support.proc"

-- E.CERT as a file: another ca file than K.ca
local OTHER_CA = K.dir .. "/trust14_other_ca.pem"
do
   local f = assert(io.open(OTHER_CA, "w"))
   f:write(E.CERT)
   f:close()
end
local KEY = require("tls.ticketkeys").generate() -- shared by every server context here
local SETTINGS = "the session was made under other verification settings"

-- The server: K.good (a leaf under K.ca) with the shared ticket keys.
local function server_ctx(version, extra)
   return E.server_ctx(E.merge({ certificate = K.good.cert, key = K.good.key, ticket_keys = { KEY },
                                 max_version = version }, extra))
end

-- A client context trusting K.ca (extra on top; ca = false: none), and the
-- list of the "resumption" decisions it traces.
local function client_ctx(version, extra)
   local decisions = {}
   local o = E.merge({ mode = "client", ca = K.ca, max_version = version, trace = function(ev)
      if ev.message == "resumption" then decisions[#decisions + 1] = ev end
   end }, extra)
   if o.ca == false then o.ca = nil end
   return assert(tls.context(o)), decisions
end

-- A full handshake of a client on cctx with a server on sctx, not
-- resumed: the session text the client keeps (TLS 1.3: after reading the
-- tickets). E.first_session, shared with spec/early_data_resume_spec.lua.
local function first_session(cctx, sctx)
   local session, c = E.first_session(cctx, sctx)
   assert.is_false(c:info().resumed)
   return session
end

-- A client on cctx offering `session` to a server on sctx, pumped until
-- both are done or failed: the client and the server engines.
local again = E.resume

-- Any string in the decisions matching `text` (plain).
local function traced(decisions, text)
   for _, d in ipairs(decisions) do
      local function walk(t)
         for _, v in pairs(t) do
            if type(v) == "string" and v:find(text, 1, true) then return true end
            if type(v) == "table" and walk(v) then return true end
         end
      end
      if walk(d) then return true end
   end
   return false
end

-- The session of a client under `made` options (client_ctx extra) and a
-- server on sctx (default: server_ctx(version)); returns it and sctx.
local function made_under(version, made, sctx)
   sctx = sctx or server_ctx(version)
   return first_session(client_ctx(version, made), sctx), sctx
end

-- A client under `offered` options (client_ctx extra) offering `session`
-- to a server on sctx: the client, pumped, and its "resumption" decisions.
local function offer(version, sctx, session, offered)
   local cctx, decisions = client_ctx(version, offered)
   return (again(cctx, sctx, session)), decisions
end

-- offer(), where the session must not be offered for the verification
-- settings it was made under: a full handshake, and the decision says why.
local function not_offered(version, sctx, session, offered)
   local c, decisions = offer(version, sctx, session, offered)
   assert.is_false(c:info().resumed)
   assert.is_true(traced(decisions, SETTINGS))
   return c
end

local ST = require "spec.support.session_text"

-- The session text without its trailing verification-settings field: a
-- session as the format was before it (the field is 33 bytes: length 32,
-- then the digest; since session 27 the verified path's earliest notAfter
-- follows it, 9 bytes: length 8, then the date, dropped first).
local function old_format(text)
   local bin, text_of = ST.open(text)
   assert.equal(8, bin:byte(#bin - 8))
   bin = bin:sub(1, #bin - 9)
   assert.equal(32, bin:byte(#bin - 32))
   return text_of(bin:sub(1, #bin - 33))
end

for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
   describe("a client session (" .. version .. ") is bound to its verification settings", function()
      it("resumes in a new context with the same options", function()
         local session, sctx = made_under(version)
         local c, decisions = offer(version, sctx, session)
         assert.is_true(c:info().resumed)
         assert.is_true(c:info().peer_verified)
         assert.is_false(traced(decisions, SETTINGS))
      end)

      it("resumes with options that do not verify (alpn, key updates) changed", function()
         local session, sctx = made_under(version)
         -- key_update_after is refused with max_version = "TLSv1.2" (session 28)
         local c = offer(version, sctx, session, { alpn = { "h2", "http/1.1" },
            key_update_after = version == "TLSv1.3" and 1000 or nil })
         assert.is_true(c:info().resumed)
      end)

      it("is not offered under another ca: the full handshake verifies the server under it", function()
         local session, sctx = made_under(version)
         local c = not_offered(version, sctx, session, { ca = OTHER_CA })
         assert.matches("certificate", c:error() or "")
      end)

      it("binds the ca by content: the same PEM text resumes, another anchor added does not", function()
         -- K.ca's own text in PEM resumes like the file: content, not path
         local f = assert(io.open(K.ca))
         local pem = f:read("a")
         f:close()
         local session, sctx = made_under(version, { ca = pem })
         local c = offer(version, sctx, session, { ca = pem })
         assert.is_true(c:info().resumed)
         local c2 = offer(version, sctx, session, { ca = pem .. E.CERT })
         assert.is_false(c2:info().resumed)
         assert.is_nil(c2:error())
      end)

      it("made with verify = false is not offered once verify is on", function()
         local session, sctx = made_under(version, { verify = false, ca = false })
         local c = offer(version, sctx, session)
         assert.is_false(c:info().resumed)
         assert.is_true(c:info().peer_verified)
      end)

      it("is not offered after the ca file's content changes (the same path)", function()
         local path = K.dir .. "/trust14_bundle_" .. version .. ".pem"
         local f = assert(io.open(K.ca))
         local root = f:read("a")
         f:close()
         local function write(text)
            local w = assert(io.open(path, "w"))
            w:write(text)
            w:close()
         end
         write(root)
         local session, sctx = made_under(version, { ca = path })
         assert.is_true(offer(version, sctx, session, { ca = path }):info().resumed)
         write(root .. E.CERT)
         local c = not_offered(version, sctx, session, { ca = path })
         assert.is_nil(c:error())
      end)

      it("made with verify on is not offered once verify is off (any change is a full handshake)", function()
         local session, sctx = made_under(version)
         local c = not_offered(version, sctx, session, { verify = false, ca = false })
         assert.is_nil(c:error())
      end)

      it("made checking the chain only (tls.luasec without a name) is not offered where names are checked", function()
         local sctx = server_ctx(version)
         local loose = client_ctx(version)
         CTXM.set_verify_chain_only(loose, true)
         local session = first_session(loose, sctx)
         local c = not_offered(version, sctx, session)
         assert.is_nil(c:error())
      end)

      it("is not offered once a CRL is added: the revoked server is refused", function()
         local session, sctx = made_under(version, nil, E.server_ctx {
            certificate = K.revoked.cert, key = K.revoked.key, ticket_keys = { KEY }, max_version = version })
         local c = not_offered(version, sctx, session, { crl = K.crl_root })
         assert.matches("revoked", c:error() or "")
      end)

      it("is not offered under other CRLs, or once every certificate of the chain is checked", function()
         local session, sctx = made_under(version, { crl = K.crl_root })
         local same = offer(version, sctx, session, { crl = K.crl_root })
         assert.is_true(same:info().resumed)
         local c = not_offered(version, sctx, session, { crl = { K.crl_root, K.crl_inter_good } })
         assert.is_nil(c:error())
         not_offered(version, sctx, session, { crl = K.crl_root, crl_check_all = true })
      end)

      it("is not offered once OCSP is required: no staple, no connection", function()
         local session, sctx = made_under(version)
         local c = not_offered(version, sctx, session, { ocsp = "require" })
         assert.matches("OCSP", c:error() or "")
      end)

      it("is not offered under a higher security_level", function()
         local session, sctx = made_under(version, { security_level = 1 })
         not_offered(version, sctx, session, { security_level = 3 })
      end)

      it("is not offered once a verify function is added: the function sees the server's chain", function()
         local session, sctx = made_under(version)
         local calls = 0
         local c = not_offered(version, sctx, session, { verify = function(_, ok)
            calls = calls + 1
            return false, "refused by the new verify function"
         end })
         assert.equal(1, calls)
         assert.matches("refused by the new verify function", c:error() or "")
      end)

      it("of the format before the field is not offered, and does not fail", function()
         local session, sctx = made_under(version)
         local c = not_offered(version, sctx, old_format(session))
         assert.is_nil(c:error())
         assert.is_true(c:info().peer_verified)
         -- and the new session it leaves records them: it resumes
         local fresh = assert(c:session())
         local c2 = offer(version, sctx, fresh)
         assert.is_true(c2:info().resumed)
      end)
   end)

   describe("a session (" .. version .. ") given to another process", function()
      it("resumes there under the same options (the digest is the same in every process)", function()
         local opts = { crl = K.crl_root, security_level = 3, ocsp = true }
         local session = made_under(version, opts)
         local dir = K.dir .. "/trust14_child_" .. version
         os.execute("mkdir -p " .. proc.quote(dir))
         proc.write_file(dir .. "/session", session)
         proc.write_file(dir .. "/key", KEY)
         proc.write_file(dir .. "/child.lua", string.format([[
            local tls = require "tls"
            local function read(p) local f = assert(io.open(p, "rb")); local t = f:read("a"); f:close(); return t end
            local sctx = assert(tls.context { mode = "server", certificate = %q, key = %q,
               ticket_keys = { read(%q) }, max_version = %q })
            local cctx = assert(tls.context { mode = "client", ca = %q, crl = %q, security_level = 3,
               ocsp = true, max_version = %q })
            local c = assert(tls.engine(cctx, { servername = "localhost", session = read(%q) }))
            local s = assert(tls.engine(sctx))
            assert(c:start())
            for _ = 1, 20 do
               local a, b = c:output(), nil
               if #a > 0 then s:feed(a) end
               b = s:output()
               if #b > 0 then c:feed(b) end
               if #a == 0 and #b == 0 then break end
            end
            print("resumed=" .. tostring(c:info().resumed), "error=" .. tostring(c:error()))
         ]], K.good.cert, K.good.key, dir .. "/key", version, K.ca, K.crl_root, version, dir .. "/session"))
         local out = proc.run(proc.lua_env() .. " lua5.4 " .. proc.quote(dir .. "/child.lua"), nil, 30,
                              { ours = true })
         assert.matches("resumed=true\terror=nil", out)
      end)
   end)

   describe("a server session (" .. version .. ") holding a client certificate", function()
      local function mtls_server(extra)
         return E.server_ctx(E.merge({ certificate = E.CERT, key = E.KEY, ticket_keys = { KEY },
                                       max_version = version, verify = "required", ca = K.ca }, extra))
      end
      local function mtls_client()
         return (client_ctx(version, { ca = E.CERT, certificate = K.good.cert, key = K.good.key }))
      end

      it("resumes on a server context with the same options", function()
         local session = first_session(mtls_client(), mtls_server())
         local c, s = again(mtls_client(), mtls_server(), session)
         assert.is_true(s:info().resumed)
         assert.is_true(c:info().resumed)
         assert.is_true(s:info().peer_verified)
      end)

      it("is not resumed after the server's client ca changes: the client is verified afresh", function()
         local session = first_session(mtls_client(), mtls_server())
         -- another anchor next to K.ca: the client's certificate still verifies
         local f = assert(io.open(K.ca))
         local both = f:read("a") .. E.CERT
         f:close()
         local s_events = {}
         local sctx = mtls_server { ca = both, trace = function(ev) s_events[#s_events + 1] = ev end }
         local c, s = again(mtls_client(), sctx, session)
         assert.is_nil(s:error())
         assert.is_false(s:info().resumed)
         assert.is_false(c:info().resumed)
         assert.is_true(s:info().peer_verified)
         assert.is_true(traced(s_events, SETTINGS))
         -- and under a ca that does not trust it, the client is refused
         local _, s2 = again(mtls_client(), mtls_server { ca = E.CERT }, session)
         assert.is_false(s2:info().resumed)
         assert.truthy(s2:error())
      end)

      it("is not resumed once the server requires client certificates (it was optional)", function()
         local session = first_session(mtls_client(), mtls_server { verify = "optional" })
         local s_events = {}
         local sctx = mtls_server { trace = function(ev) s_events[#s_events + 1] = ev end }
         local _, s = again(mtls_client(), sctx, session)
         assert.is_nil(s:error())
         assert.is_false(s:info().resumed)
         assert.is_true(s:info().peer_verified)
         assert.is_true(traced(s_events, SETTINGS))
      end)

      it("without a client certificate resumes under changed client-verification settings", function()
         local plain = function(extra)
            return E.server_ctx(E.merge({ certificate = E.CERT, key = E.KEY, ticket_keys = { KEY },
                                          max_version = version }, extra))
         end
         local cl = function() return (client_ctx(version, { ca = E.CERT })) end
         local session = first_session(cl(), plain { verify = "optional", ca = K.ca })
         local _, s = again(cl(), plain { verify = "optional", ca = K.ca, security_level = 3 }, session)
         assert.is_true(s:info().resumed)
      end)
   end)
end

-- A hashed CA directory holding `pems` (texts); removed by the caller.
local function ca_dir(pems)
   local dir = os.tmpname()
   os.remove(dir)
   assert(os.execute("mkdir " .. dir))
   for i, pem in ipairs(pems) do proc.write_file(dir .. "/ca" .. i .. ".pem", pem) end
   assert(os.execute("openssl rehash " .. dir .. " >/dev/null 2>&1"))
   return dir
end

-- review38f: CRLs given as PEM text and CA directories bound no session in any test.
for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
   describe("a client session, review38f (" .. version .. ")", function()
      -- f_crl_text_not_fed (tls_config.c:814): trust14 binds CRL *files*
      -- only; CRLs given as PEM text must bind the session the same way.
      it("made under a CRL given as PEM text is not offered under other CRL texts", function()
         local sctx = server_ctx(version)
         local root_crl, inter_crl = proc.read_file(K.crl_root), proc.read_file(K.crl_inter_good)
         local session = E.first_session(client_ctx(version, { crl = root_crl }), sctx)
         local cctx = client_ctx(version, { crl = root_crl })
         assert.is_true(E.resume(cctx, sctx, session):info().resumed)
         local other, decisions = client_ctx(version, { crl = { root_crl, inter_crl } })
         local c = E.resume(other, sctx, session)
         assert.is_nil(c:error())
         assert.is_false(c:info().resumed)
         assert.is_true(traced(decisions, SETTINGS))
      end)

      -- f_ca_dir_not_fed (tls_config.c:699): a session verified under one
      -- CA directory must not resume under another one.
      it("made under one ca directory is not offered under another", function()
         local root = proc.read_file(K.ca)
         local a, b = ca_dir { root }, ca_dir { root, E.CERT }
         local sctx = server_ctx(version)
         local session = E.first_session(client_ctx(version, { ca = a }), sctx)
         assert.is_true(E.resume(client_ctx(version, { ca = a }), sctx, session):info().resumed)
         local other, decisions = client_ctx(version, { ca = b })
         local c = E.resume(other, sctx, session)
         os.execute("rm -rf " .. a .. " " .. b)
         assert.is_nil(c:error())
         assert.is_false(c:info().resumed)
         assert.is_true(traced(decisions, SETTINGS))
      end)
   end)
end
