-- Session 15 (mend15): options that could never act, and options of the
-- other side, refused with a message that says so. Before, a server with
-- tickets = 0 took early_data = true and psk_ke = true and did nothing
-- with them (tickets = 0: it resumes no TLS 1.3 session, and luatls has no
-- external PSKs), and a server with ocsp = "require" failed with "ocsp:
-- cannot read require". mutate/mutations_mend15.lua plants both back.
local tls = require "tls"
local E = require "spec.support.engines"

local function server(opts)
   return tls.context(E.merge({ mode = "server", certificate = E.CERT, key = E.KEY }, opts))
end

local function refused(pattern, ctx, err)
   assert.is_nil(ctx)
   assert.truthy(err:find(pattern, 1, true), err)
end

describe("mend15: a server with tickets = 0", function()
   it("refuses early_data = true, which needs a resumed TLS 1.3 session", function()
      local ctx, err = server { tickets = 0, early_data = true }
      assert.is_nil(ctx)
      assert.equal("option 'early_data = true' can never take effect with 'tickets = 0': 0-RTT data comes only "
         .. "with a resumed TLS 1.3 session, and a server without tickets resumes no TLS 1.3 session (leave "
         .. "'early_data' out, or allow tickets)", err)
      refused("'early_data = true' can never take effect", server { tickets = 0, early_data = true,
         max_early_data = 1000, session_store = tls.store.memory() })
   end)

   it("refuses psk_ke = true, a way of resuming", function()
      local ctx, err = server { tickets = 0, psk_ke = true }
      assert.is_nil(ctx)
      assert.equal("option 'psk_ke = true' can never take effect with 'tickets = 0': psk_ke is a way of "
         .. "resuming a TLS 1.3 session, and a server without tickets resumes no TLS 1.3 session (leave "
         .. "'psk_ke' out, or allow tickets)", err)
   end)

   it("still takes them false, and takes them true with tickets", function()
      assert.truthy(server { tickets = 0, early_data = false, psk_ke = false })
      assert.truthy(server { tickets = 1, early_data = true, psk_ke = true, session_store = tls.store.memory() })
      assert.truthy(server { early_data = true, psk_ke = true, session_store = tls.store.memory() })
      -- TLS 1.2 session ids still resume with tickets = 0 and a store
      assert.truthy(server { tickets = 0, session_store = tls.store.memory(), max_version = "TLSv1.2" })
   end)

   it("still lets a client offer psk_ke and 0-RTT (tickets is a server's option)", function()
      assert.truthy(tls.context { ca = E.CERT, early_data = true, psk_ke = true })
   end)
end)

describe("mend15: option 'ocsp' of the other side", function()
   it("on a server, \"require\" is named as a client's setting, not read as a file", function()
      local ctx, err = server { ocsp = "require" }
      assert.is_nil(ctx)
      assert.equal("option 'ocsp = \"require\"' is a client's setting (true asks the server for a stapled OCSP "
         .. "response, \"require\" also insists on a good one); a server staples a response instead: its "
         .. "'ocsp' is the DER response's file, its bytes, or a function returning them", err)
      assert.falsy(err:find("cannot read", 1, true))
   end)

   it("on a server, true and false are named as a client's setting", function()
      refused("option 'ocsp = false' is a client's setting", server { ocsp = false })
      refused("option 'ocsp = true' is a client's setting", server { ocsp = true })
   end)

   it("on a client, a response file, DER bytes or a function are named as a server's setting", function()
      local path = os.tmpname()
      local f = assert(io.open(path, "wb")); f:write("\48\3\10\1\0"); f:close()
      local ctx, err = tls.context { ocsp = path }
      os.remove(path)
      assert.is_nil(ctx)
      assert.equal(string.format("option 'ocsp': a file (%q) is a server's setting (the OCSP response it "
         .. "staples); on a client 'ocsp' is true (ask for a stapled OCSP response), \"require\" (and insist on "
         .. "a good one) or false", path), err)
      refused("option 'ocsp': a DER response is a server's setting", tls.context { ocsp = "\48\3\10\1\0" })
      refused("option 'ocsp': a function is a server's setting", tls.context { ocsp = function() end })
      -- a word that is no file keeps the list of a client's values
      refused("on a client it is true (ask for a stapled OCSP response)", tls.context { ocsp = "yes" })
   end)

   it("still takes each side's own values", function()
      assert.truthy(tls.context { ocsp = "require" })
      assert.truthy(tls.context { ocsp = true })
      assert.truthy(server { ocsp = function() return nil end })
   end)
end)
