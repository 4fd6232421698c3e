-- Shared by the lua_oom scripts: engine pairs moved in memory, and errors
-- that carry both engines' own reasons (the harness wants to see "not
-- enough memory" in a failed run's error, wherever it arose).
local tls = require "tls"

local P = {}

P.CERT, P.KEY = assert(tls.selfsigned { names = { "localhost" } })
P.CLIENT_CERT, P.CLIENT_KEY = assert(tls.selfsigned { names = { "client.example" } })

-- Raises with what went wrong and both engines' errors.
function P.check(c, s, ok, what)
   if ok then return ok end
   error(string.format("%s failed; client: %s; server: %s", what, tostring(c:error()), tostring(s:error())), 0)
end

-- Moves bytes both ways until neither engine has any.
function P.pump(c, s)
   for _ = 1, 20 do
      local moved = false
      local out = c:output()
      if #out > 0 then moved = true; s:feed(out) end
      out = s:output()
      if #out > 0 then moved = true; c:feed(out) end
      if not moved then return end
   end
end

-- A handshake; returns both engines once both are open.
function P.handshake(cctx, sctx, opts)
   local c = assert(tls.engine(cctx, opts or { servername = "localhost" }))
   local s = assert(tls.engine(sctx))
   c:start()
   P.pump(c, s)
   P.check(c, s, c:status().handshake_done and s:status().handshake_done, "handshake")
   return c, s
end

-- Data one way: `from` writes, `to` reads it all back.
function P.transfer(from, to, data, c, s)
   P.check(c, s, from:write(data), "write")
   local got = {}
   for _ = 1, 20 do
      P.pump(c, s)
      local chunk = to:read()
      if chunk == nil or chunk == "" then break end
      got[#got + 1] = chunk
   end
   P.check(c, s, table.concat(got) == data, "transfer")
end

-- close_notify both ways.
function P.close(c, s)
   c:close(); P.pump(c, s)
   s:close(); P.pump(c, s)
end

return P
