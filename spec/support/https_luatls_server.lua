-- A small HTTPS server on our own tls.listen for spec/https_spec.lua.
--
--   lua5.4 spec/support/https_luatls_server.lua CERT KEY [ALPN [HOST]]
--
-- Listens on HOST (default 127.0.0.1; a port the kernel picks), prints "ready <port>",
-- then serves connections one after another until killed: reads the request
-- head and answers 200 with a body saying what the handshake chose and what
-- the client sent ("alpn=http/1.1", "sni=localhost", the request line and
-- headers). Each connection is also logged: "served alpn=... sni=...".
-- ALPN (default "http/1.1") is the server's list; "none" turns ALPN off.
local tls = require "tls"
io.stdout:setvbuf("line")

local cert, key, alpn, host = arg[1], arg[2], arg[3] or "http/1.1", arg[4] or "127.0.0.1"
local opts = { mode = "server", certificate = cert, key = key }
if alpn ~= "none" then opts.alpn = alpn end
local ctx = assert(tls.context(opts))
local server = assert(tls.listen(host, 0, ctx, { timeout = 60 }))
local _, port = server:getsockname()
print("ready " .. port)

while true do
  local conn = server:accept()
  if conn then
    conn:settimeout(10)
    local lines, err = {}, nil
    while true do
      local line
      line, err = conn:receive("*l")
      if not line or line == "" then break end
      lines[#lines + 1] = line
    end
    local info = conn:info()
    if err then
      print("failed " .. tostring(err))
    else
      local body = string.format("alpn=%s\nsni=%s\n%s\n", tostring(info.alpn), tostring(info.servername),
        table.concat(lines, "\n"))
      conn:send("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " .. #body
        .. "\r\nConnection: close\r\n\r\n" .. body)
      print(string.format("served alpn=%s sni=%s", tostring(info.alpn), tostring(info.servername)))
    end
    conn:close()
  end
end
