-- LuaSec's samples/chain: the server's certificate and chain, inspected.
--   chain_client.lua PORT CAFILE
local socket = require("socket")
local ssl    = require("ssl")

local port, cafile = ...
local conn = socket.tcp()
assert(conn:connect("127.0.0.1", tonumber(port)))
conn = assert(ssl.wrap(conn, { mode = "client", protocol = "any", cafile = cafile, verify = "peer",
                               options = "all" }))
assert(conn:dohandshake())

local function cn(name)
   for _, e in ipairs(name) do
      if e.name == "commonName" or e.oid == "2.5.4.3" then return e.value end
   end
end

local function show(label, cert)
   print(label .. " subject " .. tostring(cn(cert:subject())) .. " issuer " .. tostring(cn(cert:issuer())))
   print(label .. " serial " .. cert:serial())
   print(label .. " sha256 " .. cert:digest("sha256"))
   print(label .. " notbefore " .. cert:notbefore())
   print(label .. " notafter " .. cert:notafter())
   print(label .. " valid now " .. tostring(cert:validat(os.time())))
   local _, kind, bits = cert:pubkey()
   print(label .. " key " .. tostring(kind) .. " " .. tostring(bits))
   local san = cert:extensions()["2.5.29.17"]
   if san then
      print(label .. " dns " .. table.concat(san.dNSName or {}, ","))
   end
end

show("leaf", conn:getpeercertificate())
local chain = conn:getpeerchain()
print("chain length " .. #chain)
for i, cert in ipairs(chain) do
   show("chain" .. i, cert)
end
print("second " .. tostring(cn(conn:getpeercertificate(2):subject())))
print("beyond " .. tostring(conn:getpeercertificate(#chain + 1)))
local pem = conn:getpeercertificate():pem()
print("pem " .. pem:match("^[^\n]+"))
local again = ssl.loadcertificate(pem)
print("reloaded same digest " .. tostring(again:digest("sha256") == conn:getpeercertificate():digest("sha256")))
conn:close()
