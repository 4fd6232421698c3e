-- The binding's objects outside a handshake: self-signed certificates,
-- certificate objects and chains (every accessor, issued), contexts made
-- from every kind of option and refused for bad ones, ticket keys in a
-- context and in a key file, pins.
local tls = require "tls"
local P = require "fuzz.lua_oom.pair"

local names = {}
for i = 1, 20 do names[i] = "host" .. i .. ".example" end
names[#names + 1] = "127.0.0.1"
local cert_pem, key_pem = assert(tls.selfsigned { names = names })
local cert = assert(tls.certificate(cert_pem))
assert(cert:subject() and cert:issuer() and cert:serial() and cert:notbefore() and cert:notafter())
assert(#cert:names() == 21 and #cert:pem() > 0 and #cert:der() > 0 and #cert:digest("sha256") > 0)
assert(cert:pubkey() and cert:extensions() and cert:signature_algorithm() and tostring(cert))
assert(cert:issued(cert))
local other = assert(tls.certificate(P.CERT))
assert(not cert:issued(other))
assert(cert == assert(tls.certificate(cert:der())))
local chain = assert(tls.certificates(cert_pem .. P.CERT .. P.CLIENT_CERT))
assert(#chain == 3)

-- Contexts: good options of every kind, then bad ones refused with a reason.
local keys = { tls.ticketkeys.generate(), tls.ticketkeys.generate() }
local server = assert(tls.context {
   mode = "server", certificate = cert_pem, key = key_pem,
   certificates = { { certificate = P.CERT, key = P.KEY } },
   alpn = { "h2", "http/1.1" }, ciphers = "TLS_AES_128_GCM_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256",
   groups = { "x25519", "secp256r1" }, sigalgs = "ecdsa_secp256r1_sha256:ed25519",
   verify = "optional", ca = P.CLIENT_CERT, pin = "sha256/" .. string.rep("A", 43) .. "=",
   ticket_keys = keys, tickets = 3, ticket_lifetime = 600, record_size_limit = 1024,
   security_level = 2, min_version = "TLSv1.2", max_version = "TLSv1.3",
})
assert(server:ticketkeynames())
assert(server:setticketkeys({ tls.ticketkeys.generate() }))
local client = assert(tls.context {
   mode = "client", ca = cert_pem .. P.CERT, alpn = "http/1.1", key_update_after = 1000, require_ems = true,
   certificate = P.CLIENT_CERT, key = P.CLIENT_KEY,
})
local refusals = {
   { mode = "server" },
   { mode = "client", alpn = { "" } },
   { mode = "client", ca = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n" },
   { mode = "client", ciphers = "NO-SUCH-SUITE" },
   { mode = "client", groups = "x25519:nothing" },
   { mode = "client", pin = "sha256/short" },
   { mode = "client", security_level = 9 },
   { mode = "server", certificate = cert_pem, key = P.KEY },
   { mode = "client", no_such_option = true },
}
for i, opts in ipairs(refusals) do
   local ctx, err = tls.context(opts)
   assert(ctx == nil and type(err) == "string", "refusal " .. i .. " accepted")
   if err:find("not enough memory", 1, true) then error(err, 0) end
end
local problem = require("tls.core").server_name_problem("bad..name")
assert(problem ~= nil)
assert(client and server)
