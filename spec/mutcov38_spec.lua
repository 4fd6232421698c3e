-- Session 38, review38f: security checks no planted bug covered, whose removal
-- left every spec green (mutate/mutations_mutcov38.lua names these tests).
local tls = require "tls"
local CTXM = require("tls.core").context_methods
local E = require "spec.support.engines"
local K = require("spec.support.certs_crl").get()
local proc = require "spec.support.proc"

-- (The tests of CRL texts and CA directories binding sessions are in
-- spec/trust14_session_binding_spec.lua, beside the others of their kind.)

-- f_crl_pem_auto_check_off (tls_config.c:804): the C layer turns CRL
-- checking on when a CRL is loaded; tls.lua also sets it, so only the
-- context setter alone shows it.
describe("review38f: ctx:load_crl alone", function()
   it("turns on checking of the leaf (PEM text, PEM file, DER file)", function()
      for _, src in ipairs { { proc.read_file(K.crl_root), false }, { K.crl_root, true }, { K.crl_root_der, true } } do
         local cctx = assert(tls.context { mode = "client", ca = K.ca })
         assert(CTXM.load_crl(cctx, src[1], src[2]))
         local c = assert(tls.engine(cctx, { servername = "localhost" }))
         local s = assert(tls.engine(E.server_ctx { certificate = K.revoked.cert, key = K.revoked.key }))
         assert(c:start())
         E.pump(c, s)
         assert.equal("certificate is revoked", (c:error()))
      end
   end)
end)

-- f_pin_cap_removed (tls_pin.c:65): pins[16] is followed by n_pins in
-- tls_config; a 17th pin must be refused, not written past the array.
describe("review38f: option 'pin'", function()
   it("takes at most 16 pins", function()
      local pins = {}
      for i = 1, 17 do
         local raw = string.rep(string.char(i), 32)
         pins[i] = "sha256/" .. require("mime").b64(raw)
      end
      local ok = assert(tls.context { mode = "client", ca = K.ca, pin = { table.unpack(pins, 1, 16) } })
      assert.truthy(ok)
      local ctx, err = tls.context { mode = "client", ca = K.ca, pin = pins }
      assert.is_nil(ctx)
      assert.matches("at most 16 pins", err)
   end)
end)

-- The C setters' own limits (tls.lua and tls.ticketkeys check first, so
-- only tls.core.context_methods reaches them): each guards a fixed array.
describe("review38f: the context setters' limits", function()
   -- f_ticket_keys_count_cap (lua_context.c:498): keys[TLS_MAX_TICKET_KEYS] on the stack
   -- f_ticket_key_len (lua_context.c:508)
   it("set_ticket_keys takes 1 to 8 keys of 48 bytes", function()
      local sctx = E.server_ctx()
      local keys = {}
      for i = 1, 9 do keys[i] = require("tls.ticketkeys").generate() end
      assert.same({ nil, "ticket_keys: give 1 to 8 keys (got 9)" }, { CTXM.set_ticket_keys(sctx, keys) })
      assert.is_nil((CTXM.set_ticket_keys(sctx, { keys[1] .. "x" })))
      assert.is_nil((CTXM.set_ticket_keys(sctx, { keys[1]:sub(1, 47) })))
      assert.truthy(CTXM.set_ticket_keys(sctx, { table.unpack(keys, 1, 8) }))
   end)
   -- f_identities_cap (tls_config.c:309): ids[TLS_MAX_IDENTITIES] in tls_config
   it("set_chain/set_key take at most 8 certificate/key pairs", function()
      local sctx = E.server_ctx()  -- holds pair 1
      for _ = 2, 8 do
         assert(CTXM.set_chain(sctx, E.CERT, false))
         assert(CTXM.set_key(sctx, E.KEY, false))
      end
      local ok, err = CTXM.set_chain(sctx, E.CERT, false)
      assert.is_nil(ok)
      assert.matches("at most 8 certificate/key pairs", err, 1, true)
   end)
end)

local socket = require "socket"
local ssl = require "tls.luasec"
local C = require("spec.support.certs").get()

describe("review38f: the drop-in's sni(map)", function()
   it("refuses a client context in the map at once, naming the entry", function()
      local a = C.leaf.ecdsa_p256
      local server_ctx = assert(ssl.newcontext { mode = "server", protocol = "any", certificate = a.cert, key = a.key })
      local client_ctx = assert(ssl.newcontext { mode = "client", protocol = "any", verify = "none" })
      local listener = assert(socket.bind("127.0.0.1", 0))
      local _, port = listener:getsockname()
      local cl = assert(socket.connect("127.0.0.1", port))
      local raw = assert(listener:accept())
      listener:close()
      local conn = assert(ssl.wrap(raw, server_ctx))
      local ok, err = pcall(conn.sni, conn, { ["a.example"] = client_ctx })
      conn:close(); cl:close()
      assert.is_false(ok)
      assert.matches("a.example: a client context", err, 1, true)
   end)
end)
