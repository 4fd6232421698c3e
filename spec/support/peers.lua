-- Starting the peers the interop specs talk to. Every start returns a
-- process handle (see proc.spawn) and the port; after_each(proc.kill_all)
-- stops them.
local proc = require "spec.support.proc"

local peers = {}

-- Our own server (spec/support/server.lua) in a separate process.
-- opts: cert, key, host, mode ("echo"|"http"), ciphers, groups, min_version,
-- max_version, require_ems ("false"), verify ("optional"|"required") with ca.
function peers.luatls_server(opts)
   local args = {}
   for _, k in ipairs { "cert", "key", "host", "mode", "ciphers", "groups", "min_version", "max_version",
                        "require_ems", "verify", "ca" } do
      if opts[k] then args[#args + 1] = proc.quote(k .. "=" .. opts[k]) end
   end
   local h = proc.spawn(string.format("%s %s spec/support/server.lua %s",
      proc.lua_env(), proc.lua(), table.concat(args, " ")), { ours = true })
   local port = tonumber(proc.wait_output(h, "ready (%d+)"))
   return h, port
end

-- openssl s_server with `args` (a string), on host (default 127.0.0.1).
function peers.s_server(args, host)
   host = host or "127.0.0.1"
   local port = proc.free_port(host)
   local accept = host:find(":") and ("[" .. host .. "]:" .. port) or (host .. ":" .. port)
   local h = proc.spawn("openssl s_server -accept " .. accept .. " " .. args)
   proc.wait_port(host, port, 10, h)
   return h, port
end

function peers.gnutls_serv(args)
   local port = proc.free_port("127.0.0.1")
   local h = proc.spawn("gnutls-serv -p " .. port .. " " .. args)
   proc.wait_port("127.0.0.1", port, 10, h)
   return h, port
end

-- The python3 to use: Debian's own, whatever PATH says.
function peers.python()
   local f = io.open("/usr/bin/python3", "rb")
   if f then f:close(); return "/usr/bin/python3" end
   return "python3"
end

return peers
