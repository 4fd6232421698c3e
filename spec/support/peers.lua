-- Starting the peers the interop specs talk to. Every start returns a
-- process handle (see proc.spawn) and the port; after_each(proc.kill_all)
-- stops them. Then our client's side against them: a context, a
-- connection to 127.0.0.1 for localhost, s_server -www's status page.
--
--   local _, port = peers.s_server("-www -tls1_3", c.leaf.rsa2048)
--   local conn = peers.connect(port, peers.client_ctx(c.ca, { alpn = { "h2" } }))
--   local page = peers.status_page(conn)
local proc = require "spec.support.proc"
local luassert = require "luassert"

local peers = {}

-- Our own server (spec/support/server.lua) in a separate process.
-- opts: cert, key, host, mode ("echo"|"lines"|"http"), ciphers, groups, min_version,
-- max_version, sigalgs, alpn ("a,b"), tickets ("0"), store ("memory"), require_ems ("false"), verify ("optional"|"required") with ca,
-- early_data ("true", with store: prints the 0-RTT bytes).
-- pair (optional): a { cert=, key= } of spec.support.certs, for opts.cert
-- and opts.key (opts is not changed).
function peers.luatls_server(opts, pair)
   local args = {}
   for _, k in ipairs { "cert", "key", "host", "mode", "ciphers", "groups", "min_version", "max_version",
                        "sigalgs", "alpn", "tickets", "store", "require_ems", "verify", "ca", "cert2", "key2",
                        "early_data" } do
      local v = opts[k]
      if pair and (k == "cert" or k == "key") then v = pair[k] end
      if v then args[#args + 1] = proc.quote(k .. "=" .. v) end
   end
   local h = proc.spawn(string.format("%s %s spec/support/server.lua %s",
      proc.lua_env(), proc.lua(), table.concat(args, " ")), { ours = true })
   local port = tonumber(proc.wait_output(h, "ready (%d+)"))
   return h, port
end

-- Our server in lines mode (every line echoed until the peer closes) on
-- pair (default the ECDSA P-256 leaf), opts on top; the handle and port.
function peers.lines_server(opts, pair)
   local o = { mode = "lines" }
   for k, v in pairs(opts or {}) do o[k] = v end
   return peers.luatls_server(o, pair or require("spec.support.certs").get().leaf.ecdsa_p256)
end

-- Asserts that our client refuses the server at port, whose certificate
-- names another host than localhost, with a reason naming localhost.
function peers.refuses_wrong_host(port, ctx)
   local conn, err = require("tls").connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 })
   luassert.is_nil(conn)
   luassert.matches("localhost", err)
end

-- openssl s_server with `args` (a string), on host (default 127.0.0.1);
-- pair (optional): a { cert=, key= }, given as -cert and -key before args.
function peers.s_server(args, host, pair)
   host = host or "127.0.0.1"
   local port = proc.free_port(host)
   local accept = host:find(":") and ("[" .. host .. "]:" .. port) or (host .. ":" .. port)
   if pair then args = string.format("-cert %s -key %s %s", pair.cert, pair.key, args) end
   local h = proc.spawn("openssl s_server -accept " .. accept .. " " .. args)
   proc.wait_port(host, port, 10, h)
   return h, port
end

-- gnutls-serv with `args`; pair (optional): a { cert=, key= }, given as
-- --x509certfile and --x509keyfile before args.
function peers.gnutls_serv(args, pair)
   local port = proc.free_port("127.0.0.1")
   if pair then args = string.format("--x509certfile %s --x509keyfile %s %s", pair.cert, pair.key, args) end
   local h = proc.spawn("gnutls-serv -p " .. port .. " " .. args)
   proc.wait_port("127.0.0.1", port, 10, h)
   return h, port
end

-- A client context trusting `ca` (a file or PEM text), every field of
-- extra (may be nil) on top.
function peers.client_ctx(ca, extra)
   local o = { mode = "client", ca = ca }
   for k, v in pairs(extra or {}) do o[k] = v end
   return assert(require("tls").context(o))
end

-- Our client on ctx connected to 127.0.0.1:port for localhost with a
-- 10-second timeout, every field of opts (may be nil: session, ...) on top
-- of those connect options; fails the test if it cannot connect.
function peers.connect(port, ctx, opts)
   local o = { servername = "localhost", timeout = 10 }
   for k, v in pairs(opts or {}) do o[k] = v end
   local conn, err = require("tls").connect("127.0.0.1", port, ctx, o)
   assert(conn, "connect failed: " .. tostring(err))
   conn:settimeout(10)
   return conn
end

-- Our client: each of `lines` (default one line saying hello) sent to an
-- echoing server at 127.0.0.1:port and read back; returns the connection's
-- info and session (read after the echoes, so tickets sent before them are
-- in).
function peers.echo(port, ctx, opts, lines)
   local conn = peers.connect(port, ctx, opts)
   for _, line in ipairs(lines or { "hello from luatls" }) do
      assert(conn:send(line .. "\n"))
      luassert.equal(line, conn:receive("*l"))
   end
   local info, session = conn:info(), conn:session()
   conn:close()
   return info, session
end

-- s_server -www's status page for conn ("New, TLSv1.3, ..." or "Reused, ..."):
-- how the server saw the session.
function peers.status_page(conn)
   assert(conn:send("GET / HTTP/1.0\r\n\r\n"))
   local page, err, partial = conn:receive("*a")
   assert(page, "receive failed: " .. tostring(err) .. " after " .. #(partial or "") .. " bytes")
   return page
end

-- The python3 to use: Debian's own, whatever PATH says.
function peers.python()
   local f = io.open("/usr/bin/python3", "rb")
   if f then f:close(); return "/usr/bin/python3" end
   return "python3"
end

return peers
