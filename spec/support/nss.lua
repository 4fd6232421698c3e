-- NSS, the TLS stack of Firefox, as a peer: its test programs selfserv
-- (a server) and tstclnt (a client) from Debian's libnss3-tools, with a
-- certificate database made once per run from spec.support.certs.
--
--   local h, port = nss.selfserv("-V tls1.2:tls1.3 -u")   -- the ECDSA P-256 leaf
--   local h, port = nss.selfserv("-V tls1.3:tls1.3", "rsa2048")
--   local out, code = nss.tstclnt(port, "-V tls1.3:tls1.3", "hello\n")
--   nss.exported(out)   -- { { label = "EXPORTER-x", hex = "0a1b..." }, ... }
local proc = require "spec.support.proc"
local certs = require "spec.support.certs"

local nss = {}

local dbs = {}

local function sh(cmd)
   local out, code = proc.run(cmd .. " 2>&1", nil, 60)
   assert(code == 0, cmd .. "\n" .. out)
end

-- A database (its -d argument) with "ca" and "clientca" trusted, the client
-- identities "client_ecdsa" and "client_rsa", and the server identity
-- `server` (default "ecdsa_p256"; also "ecdsa_p384", "rsa2048", "chain": a
-- leaf under an intermediate, both sent). One server identity per
-- database: NSS gives every certificate of a subject the same nickname, and
-- all our server leaves are CN=localhost.
function nss.db(server)
   server = server or "ecdsa_p256"
   if dbs[server] then return dbs[server] end
   local c, cl = certs.get(), certs.clients()
   local dir = os.tmpname()
   os.remove(dir)
   sh("mkdir -p " .. proc.quote(dir))
   local db = "sql:" .. dir
   sh(string.format("certutil -N -d %s --empty-password", proc.quote(db)))
   for nick, pem in pairs { ca = c.ca, clientca = cl.ca } do
      sh(string.format("certutil -A -d %s -n %s -t CT,C,C -i %s", proc.quote(db), nick, proc.quote(pem)))
   end
   local function identity(nick, cert, key, extra)
      local p12 = dir .. "/" .. nick .. ".p12"
      sh(string.format("openssl pkcs12 -export -in %s -inkey %s %s -name %s -passout pass: -out %s",
         proc.quote(cert), proc.quote(key), extra or "", nick, proc.quote(p12)))
      sh(string.format("pk12util -i %s -d %s -W ''", proc.quote(p12), proc.quote(db)))
   end
   if server == "chain" then
      identity("chain", c.chain.leaf, c.chain.key, "-certfile " .. proc.quote(c.chain.inter))
   else
      identity(server, c.leaf[server].cert, c.leaf[server].key)
   end
   identity("client_ecdsa", cl.ecdsa.cert, cl.ecdsa.key)
   identity("client_rsa", cl.rsa.cert, cl.rsa.key)
   dbs[server] = db
   return db
end

-- selfserv with `args` (a string) and the identity `server` (see nss.db),
-- on 127.0.0.1. Its output is unbuffered, so h:output() shows each
-- connection's exporter values as they come.
function nss.selfserv(args, server)
   server = server or "ecdsa_p256"
   local port = proc.free_port("127.0.0.1")
   local h = proc.spawn(string.format("stdbuf -o0 -e0 selfserv -p %d -d %s -n %s %s", port,
      proc.quote(nss.db(server)), server, args),
      { timeout = 30 })
   proc.wait_port("127.0.0.1", port, 10, h)
   return h, port
end

local function tstclnt_cmd(port, args, request)
   local req = os.tmpname()
   proc.write_file(req, request or "hello NSS\n")
   return string.format("tstclnt -4 -h localhost -p %d -d %s -A %s %s", port, proc.quote(nss.db()),
      proc.quote(req), args or ""), req
end

-- tstclnt to 127.0.0.1:port for localhost (its chain and name verified),
-- sending `request`; returns its output and exit code once it ends.
function nss.tstclnt(port, args, request)
   local cmd, req = tstclnt_cmd(port, args, request)
   local out, code = proc.run(cmd, nil, 30)
   os.remove(req)
   return out, code
end

-- The same in the background, for a server in this process: a handle.
function nss.tstclnt_spawn(port, args, request)
   local cmd = tstclnt_cmd(port, args, request)
   return proc.spawn("stdbuf -o0 -e0 " .. cmd, { timeout = 30 })
end

-- The "Exported Keying Material" blocks of selfserv's or tstclnt's output,
-- in order: { label = ..., hex = "lowercase hex" }.
function nss.exported(out)
   local HEADER = "Exported Keying Material:"
   local list, at = {}, 1
   while true do
      local _, header_end = out:find(HEADER, at, true)
      if not header_end then break end
      local next_start = out:find(HEADER, header_end + 1, true)
      local block = out:sub(header_end + 1, (next_start or #out + 1) - 1)
      local material = block:match("Keying Material:[^\n]*\n(.*)$") or ""
      local hex = {}
      for line in material:gmatch("[^\n]+") do
         if not line:match("^%s+%x%x[%x:]*$") then break end
         hex[#hex + 1] = line:gsub("[%s:]", "")
      end
      list[#list + 1] = { label = block:match('Label: "([^"]*)"'), hex = table.concat(hex):lower() }
      at = header_end + 1
   end
   return list
end

function nss.hex(bytes)
   return (bytes:gsub(".", function(ch) return string.format("%02x", ch:byte()) end))
end

return nss
