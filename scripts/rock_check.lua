-- Run by `make test-rock` from another directory, with the scratch rock
-- tree's paths: the installed module must load and work.
local tls = require "tls"
local where = package.searchpath("tls.core", package.cpath)
assert(where and where:find("rocktree", 1, true), "tls.core did not come from the rock: " .. tostring(where))
local cert, key = assert(tls.selfsigned{ names = { "localhost" } })
local server = assert(tls.engine(assert(tls.context{ mode = "server", certificate = cert, key = key })))
local client = assert(tls.engine(assert(tls.context{ ca = cert }), { servername = "localhost" }))
client:start()
for _ = 1, 4 do
  server:feed(client:output())
  client:feed(server:output())
end
assert(client:status().handshake_done, "handshake did not complete")
print("rock installed from " .. where .. ": " .. client:info().version .. " handshake completed")
