-- A luatls server in a separate process for the key log and exporter specs.
--   lua5.4 spec/support/keylog_peer.lua cert=PATH key=PATH [keylog=PATH]
--          [min_version=...] [max_version=...] [groups=...] [label=...] [context=...]
-- Prints "ready <port>", accepts one connection, completes the handshake,
-- prints "export <hex>" (label, no context) and, with context=, "export_ctx
-- <hex>", then echoes one line and closes with close_notify. Failures are
-- printed as "failed <message>".
local tls = require "tls"

io.stdout:setvbuf("line")

local opt = {}
for _, a in ipairs(arg) do
   local k, v = a:match("^([%w_]+)=(.*)$")
   assert(k, "bad argument " .. a)
   opt[k] = v
end

local function hex(s)
   return (s:gsub(".", function(b) return string.format("%02X", b:byte()) end))
end

local ctx = assert(tls.context {
   mode = "server", certificate = opt.cert, key = opt.key, keylog = opt.keylog,
   min_version = opt.min_version, max_version = opt.max_version, groups = opt.groups,
})
local server = assert(tls.listen("127.0.0.1", 0, ctx, { timeout = 20 }))
local _, port = server:getsockname()
print("ready " .. port)
local conn = assert(server:accept())
conn:settimeout(20)
local ok, err = conn:handshake()
if not ok then
   print("failed " .. tostring(err))
   os.exit(1)
end
print("version " .. conn:info().version)
if opt.label then
   print("export " .. hex(assert(conn:export(opt.label, nil, 32))))
   if opt.context then print("export_ctx " .. hex(assert(conn:export(opt.label, opt.context, 32)))) end
end
local line, rerr = conn:receive("*l")
if line then conn:send(line:reverse() .. "\n") else print("receive failed " .. tostring(rerr)) end
conn:close()
server:close()
