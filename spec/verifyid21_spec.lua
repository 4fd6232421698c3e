-- A session must not outlive the verify policy it was checked under
-- (review_next20 item 1). A session's settings digest recorded only
-- WHETHER a verify function judged its peer, not WHICH: a client resumed a
-- session made under a lax function with a context whose strict function
-- then never ran, and a server restarted with a stricter function (same
-- ca, same ticket keys) resumed every ticket of the old policy. Now each
-- verify function has an identity in the digest: the same function value
-- the same one (many contexts, one function: sessions still resume), any
-- other function, or another process, another one; `verify_id = "name"`
-- replaces it with a name the program vouches for (sessions across
-- restarts and fleets). Engine pairs in one process (spec/support/engines.lua).
local tls = require "tls"
local CTXM = require("tls.core").context_methods -- a context's setters (not its methods)
local E = require "spec.support.engines"
local K = require("spec.support.certs_crl").get()

local KEY = require("tls.ticketkeys").generate() -- shared by every server context here
local SETTINGS = "the session was made under other verification settings"

-- Any "resumption" decision traced whose reason holds `text` (plain).
local function traced(decisions, text)
   for _, ev in ipairs(decisions) do
      if tostring(ev.reason):find(text, 1, true) then return true end
   end
   return false
end

local function tracer()
   local decisions = {}
   return function(ev)
      if ev.message == "resumption" then decisions[#decisions + 1] = ev end
   end, decisions
end

-- A verify function accepting what libcrypto accepted, counting its calls
-- in counter[1] (a new function value each time).
local function counting(counter, verdict)
   return function(_, ok)
      counter[1] = counter[1] + 1
      if verdict == false then return false, "refused by the strict policy" end
      return ok
   end
end

for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
   describe("verifyid21: a client session (" .. version .. ")", function()
      local function server_ctx()
         return E.server_ctx { certificate = K.good.cert, key = K.good.key, ticket_keys = { KEY },
                               max_version = version }
      end
      local function client_ctx(extra)
         local trace, decisions = tracer()
         return assert(tls.context(E.merge({ mode = "client", ca = K.ca, max_version = version, trace = trace },
                                           extra))), decisions
      end

      it("made under a lax verify function is not resumed under a strict one, which runs", function()
         local lax_calls, strict_calls = { 0 }, { 0 }
         local lax = client_ctx { verify = counting(lax_calls) }
         local sctx = server_ctx()
         local session = E.first_session(lax, sctx)
         assert.equal(1, lax_calls[1])
         -- the same trust settings; only the function differs
         local strict, decisions = client_ctx { verify = counting(strict_calls, false) }
         local c = E.resume(strict, sctx, session)
         assert.equal(1, strict_calls[1], "the strict function did not run")
         assert.is_false(c:status().handshake_done, "connected past the strict function")
         assert.is_false(c:info() ~= nil and c:info().resumed == true, "resumed the lax session")
         local msg, alert = c:error()
         assert.equal("bad_certificate", alert)
         assert.matches("refused by the strict policy", msg, 1, true)
         assert.is_true(traced(decisions, SETTINGS))
         assert.is_true(traced(decisions, "verify function"))
      end)

      it("made under one verify function resumes in another context holding the same function", function()
         local calls = { 0 }
         local fn = counting(calls)
         local sctx = server_ctx()
         local session = E.first_session(client_ctx { verify = fn }, sctx)
         local c = E.resume(client_ctx { verify = fn }, sctx, session)
         assert.is_true(c:info().resumed)
         assert.is_true(c:info().peer_verified)
         assert.equal(1, calls[1]) -- the first handshake's call only
      end)

      it("resumes across different function values with the same verify_id, not with another", function()
         local calls = { 0 }
         local sctx = server_ctx()
         -- a "restart": a new function value (another process would draw
         -- another random identity), the same verify_id
         local session = E.first_session(client_ctx { verify = counting(calls), verify_id = "pin-policy-3" }, sctx)
         local c = E.resume(client_ctx { verify = counting(calls), verify_id = "pin-policy-3" }, sctx, session)
         assert.is_true(c:info().resumed)
         assert.equal(1, calls[1])
         local other, decisions = client_ctx { verify = counting(calls), verify_id = "pin-policy-4" }
         local c2 = E.resume(other, sctx, session)
         assert.is_true(c2:status().handshake_done, tostring(c2:error()))
         assert.is_false(c2:info().resumed)
         assert.equal(2, calls[1])
         assert.is_true(traced(decisions, SETTINGS))
         -- nor under the same function value without the name (its random identity)
         local fn = counting(calls)
         local named = E.first_session(client_ctx { verify = fn, verify_id = "pin-policy-3" }, sctx)
         local c3 = E.resume(client_ctx { verify = fn }, sctx, named)
         assert.is_false(c3:info().resumed)
      end)

      it("resumes in another process under the same verify_id; without it, the function runs again", function()
         local proc = require "spec.support.proc"
         local sctx = server_ctx()
         local session = E.first_session(client_ctx { verify = counting { 0 }, verify_id = "pin-v1" }, sctx)
         local dir = K.dir .. "/verifyid21_child_" .. version
         os.execute("mkdir -p " .. proc.quote(dir))
         proc.write_file(dir .. "/session", session)
         proc.write_file(dir .. "/key", KEY)
         proc.write_file(dir .. "/child.lua", string.format([[
            local tls = require "tls"
            local function read(p) local f = assert(io.open(p, "rb")); local t = f:read("a"); f:close(); return t end
            local sctx = assert(tls.context { mode = "server", certificate = %q, key = %q,
               ticket_keys = { read(%q) }, max_version = %q })
            for _, id in ipairs { "pin-v1", "none" } do
               local calls = 0
               local cctx = assert(tls.context { mode = "client", ca = %q, max_version = %q,
                  verify = function(_, ok) calls = calls + 1; return ok end,
                  verify_id = id ~= "none" and id or nil })
               local c = assert(tls.engine(cctx, { servername = "localhost", session = read(%q) }))
               local s = assert(tls.engine(sctx))
               assert(c:start())
               for _ = 1, 20 do
                  local a = c:output()
                  if #a > 0 then s:feed(a) end
                  local b = s:output()
                  if #b > 0 then c:feed(b) end
                  if #a == 0 and #b == 0 then break end
               end
               print(id .. ": resumed=" .. tostring(c:info().resumed) .. " calls=" .. calls
                  .. " error=" .. tostring(c:error()))
            end
         ]], K.good.cert, K.good.key, dir .. "/key", version, K.ca, version, dir .. "/session"))
         local out = proc.run(proc.lua_env() .. " lua5.4 " .. proc.quote(dir .. "/child.lua"), nil, 30,
                              { ours = true })
         assert.matches("pin-v1: resumed=true calls=0 error=nil", out, 1, true)
         assert.matches("none: resumed=false calls=1 error=nil", out, 1, true)
      end)

      it("made without a verify function resumes as before when there is none (the digest's old form)", function()
         local sctx = server_ctx()
         local session = E.first_session(client_ctx(), sctx)
         local c = E.resume(client_ctx(), sctx, session)
         assert.is_true(c:info().resumed)
      end)
   end)

   describe("verifyid21: a server session (" .. version .. ") holding a client certificate", function()
      -- A server restarted with the same ca and ticket keys: a new context.
      local function mtls_server(extra)
         local trace, decisions = tracer()
         return E.server_ctx(E.merge({ certificate = E.CERT, key = E.KEY, ticket_keys = { KEY },
                                       max_version = version, ca = K.ca, trace = trace }, extra)), decisions
      end
      local function mtls_client()
         return assert(tls.context { mode = "client", ca = E.CERT, certificate = K.good.cert, key = K.good.key,
                                     max_version = version })
      end

      local stores = { { "tickets", function() return {} end } }
      if version == "TLSv1.2" then
         -- session ids through a store both "processes" share
         stores[2] = { "session ids", function()
            local t = {}
            return { tickets = 0, session_store = {
               get = function(id) return t[id] end,
               put = function(id, blob) t[id] = blob end,
               delete = function(id) local had = t[id] ~= nil; t[id] = nil; return had end,
            } }
         end }
      end

      it("(tickets) chosen by a servername function is checked again by the chosen context's new function",
         function()
         -- the listening context has no verify function; the one chosen for
         -- the name has, and after a restart another one
         local function listening(chosen)
            return E.server_ctx { certificate = E.CERT, key = E.KEY, ticket_keys = { KEY }, max_version = version,
                                  servername = function() return chosen end }
         end
         local old_calls, new_calls = { 0 }, { 0 }
         local same = counting(old_calls)
         local session = E.first_session(mtls_client(), listening((mtls_server { verify = same })))
         assert.equal(1, old_calls[1])
         local _, s = E.resume(mtls_client(), listening((mtls_server { verify = same })), session)
         assert.is_true(s:info().resumed)
         assert.equal(1, old_calls[1])
         local _, s2 = E.resume(mtls_client(), listening((mtls_server { verify = counting(new_calls, false) })),
                                session)
         assert.equal(1, new_calls[1], "the new verify function did not run")
         assert.is_false(s2:status().handshake_done)
         local _, alert = s2:error()
         assert.equal("bad_certificate", alert)
      end)

      for _, how in ipairs(stores) do
         local label, extra_of = how[1], how[2]

         it("(" .. label .. ") issued under an old verify function is checked again by the new one", function()
            local extra = extra_of()
            local old_calls, new_calls = { 0 }, { 0 }
            local old = (mtls_server(E.merge({ verify = counting(old_calls) }, extra)))
            local session = E.first_session(mtls_client(), old)
            assert.equal(1, old_calls[1])
            -- the restarted server's stricter policy refuses this client
            local strict, decisions = mtls_server(E.merge({ verify = counting(new_calls, false) }, extra))
            local c, s = E.resume(mtls_client(), strict, session)
            assert.equal(1, new_calls[1], "the new verify function did not run")
            assert.is_false(s:status().handshake_done, "the old policy's session let the client in")
            assert.is_false(c:info() ~= nil and c:info().resumed == true)
            local msg, alert = s:error()
            assert.equal("bad_certificate", alert)
            assert.matches("refused by the strict policy", msg, 1, true)
            assert.is_true(traced(decisions, SETTINGS))
            -- one that accepts: a full handshake, the client verified afresh
            local accepting = (mtls_server(E.merge({ verify = counting(new_calls) }, extra)))
            local _, s2 = E.resume(mtls_client(), accepting, session)
            assert.is_nil(s2:error())
            assert.is_false(s2:info().resumed)
            assert.is_true(s2:info().peer_verified)
            assert.equal(2, new_calls[1])
         end)

         it("(" .. label .. ") resumes on another context holding the same verify function", function()
            local extra = extra_of()
            local calls = { 0 }
            local fn = counting(calls)
            local session = E.first_session(mtls_client(), (mtls_server(E.merge({ verify = fn }, extra))))
            local c, s = E.resume(mtls_client(), (mtls_server(E.merge({ verify = fn }, extra))), session)
            assert.is_true(s:info().resumed)
            assert.is_true(c:info().resumed)
            assert.is_true(s:info().peer_verified)
            assert.equal(1, calls[1])
         end)

         it("(" .. label .. ") resumes after a restart with the same verify_id, not with another", function()
            local extra = extra_of()
            local calls = { 0 }
            local session = E.first_session(mtls_client(),
               (mtls_server(E.merge({ verify = counting(calls), verify_id = "access-v3" }, extra))))
            local _, s = E.resume(mtls_client(),
               (mtls_server(E.merge({ verify = counting(calls), verify_id = "access-v3" }, extra))), session)
            assert.is_true(s:info().resumed)
            assert.equal(1, calls[1])
            local v4, decisions = mtls_server(E.merge({ verify = counting(calls), verify_id = "access-v4" }, extra))
            local _, s2 = E.resume(mtls_client(), v4, session)
            assert.is_nil(s2:error())
            assert.is_false(s2:info().resumed)
            assert.equal(2, calls[1])
            assert.is_true(traced(decisions, SETTINGS))
         end)
      end
   end)
end

describe("verifyid21: option verify_id", function()
   local function ctx(o)
      return tls.context(o)
   end
   local fn = function(_, ok) return ok end

   it("is refused unless a string of 1 to 255 bytes", function()
      local c, err = ctx { verify = fn, verify_id = 3 }
      assert.is_nil(c)
      assert.equal("option 'verify_id' must be a string naming the verify function's policy (got number)", err)
      c, err = ctx { verify = fn, verify_id = "" }
      assert.is_nil(c)
      assert.equal("option 'verify_id' must be 1 to 255 bytes long (got 0)", err)
      c, err = ctx { verify = fn, verify_id = string.rep("x", 256) }
      assert.is_nil(c)
      assert.equal("option 'verify_id' must be 1 to 255 bytes long (got 256)", err)
      assert.truthy(ctx { verify = fn, verify_id = string.rep("x", 255) })
      assert.truthy(ctx { verify = fn, verify_id = "a" })
   end)

   it("is refused without a verify function, on either side", function()
      local c, err = ctx { verify_id = "p" }
      assert.is_nil(c)
      assert.equal("option 'verify_id' names the policy of a 'verify' function, and there is none (verify = nil)",
         err)
      c, err = ctx { verify = true, verify_id = "p" }
      assert.is_nil(c)
      assert.equal("option 'verify_id' names the policy of a 'verify' function, and there is none (verify = true)",
         err)
      c, err = ctx { mode = "server", certificate = E.CERT, key = E.KEY, ca = E.CERT, verify = "required",
                     verify_id = "p" }
      assert.is_nil(c)
      assert.equal("option 'verify_id' names the policy of a 'verify' function, and there is none "
         .. "(verify = \"required\")", err)
      assert.truthy(ctx { mode = "server", certificate = E.CERT, key = E.KEY, ca = E.CERT, verify = fn,
                          verify_id = "p" })
   end)

   it("is refused by the internal setter for other hooks and without a function", function()
      local c = assert(ctx { verify = fn })
      assert.has_error(function() CTXM.set_hook(c, "alpn", fn, "p") end)
      assert.has_error(function() CTXM.set_hook(c, "verify", nil, "p") end)
      assert.has_error(function() CTXM.set_hook(c, "verify", fn, "") end)
      assert.is_true(CTXM.set_hook(c, "verify", fn, "p"))
   end)
end)
