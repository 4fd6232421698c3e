-- review43f (issue 11, handshake speed): a ticket key's AES-GCM context is
-- made once and kept with the key, and a context's verification-settings
-- digest is kept for its next connections. Neither may outlive what it was
-- made from: a key replaced (even under the same name), rotated or dropped
-- takes its context along, and any change of the verification settings
-- gives another digest, so a session made before it is not offered.
local CTXM = require("tls.core").context_methods -- a context's setters (not its methods)
local tls = require "tls"
local E = require "spec.support.engines"
local tk = tls.ticketkeys

local connect = E.connect

for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
  describe("review43f (" .. version .. ")", function()
    local decisions
    local function server(opts)
      return E.server_ctx(E.merge({ max_version = version }, opts))
    end
    local function client()
      decisions = {}
      return assert(tls.context { ca = E.CERT, max_version = version, trace = function(ev)
        if ev.message == "resumption" then decisions[#decisions + 1] = ev end
      end })
    end

    it("a ticket key replaced by one of the same name and another secret opens none of the old tickets",
      function()
      local a, b = tk.generate(), tk.generate()
      local same_name = a:sub(1, 16) .. b:sub(17)
      local sctx, cctx = server { ticket_keys = { a } }, client()
      local _, session = connect(sctx, cctx)
      assert.is_true((connect(sctx, cctx, session)))   -- a's context sealed and opened
      assert.is_true(sctx:setticketkeys { same_name })
      assert.is_false((connect(sctx, cctx, session)))
      -- what it seals now opens where the new secret is, not where the old one is
      local _, fresh = connect(sctx, cctx)
      assert.is_true((connect(server { ticket_keys = { same_name } }, cctx, fresh)))
      assert.is_false((connect(server { ticket_keys = { a } }, cctx, fresh)))
    end)

    it("after ctx:setticketkeys, tickets are sealed under the new key (another context holding it opens them)",
      function()
      local a, b = tk.generate(), tk.generate()
      local sctx, cctx = server { ticket_keys = { a } }, client()
      connect(sctx, cctx)
      assert.is_true(sctx:setticketkeys { b, a })
      local _, session = connect(sctx, cctx)
      assert.is_true((connect(server { ticket_keys = { b } }, cctx, session)))
      assert.is_false((connect(server { ticket_keys = { a } }, cctx, session)))
    end)

    it("automatic rotation: a ticket of the new key resumes after the first key is dropped", function()
      local sctx, cctx = server { ticket_key_lifetime = 100 }, client()
      local _, session = connect(sctx, cctx)
      CTXM.set_clock_offset(sctx, 150)
      CTXM.set_clock_offset(cctx, 150)
      local resumed, renewed = connect(sctx, cctx, session) -- the second key seals, the first opens
      assert.is_true(resumed)
      assert.are.equal(2, #sctx:ticketkeynames())
      CTXM.set_clock_offset(sctx, 200)
      CTXM.set_clock_offset(cctx, 200)
      assert.is_false((connect(sctx, cctx, session)))   -- the first key is gone
      assert.are.equal(1, #sctx:ticketkeynames())
      assert.is_true((connect(sctx, cctx, renewed)))
    end)

    it("a setting changed on the client's context after a handshake: its session is not offered", function()
      local sctx, cctx = server { ticket_keys = { tk.generate() } }, client()
      local _, session = connect(sctx, cctx)
      assert.is_true((connect(sctx, cctx, session)))    -- the same digest again
      CTXM.set_verify_chain_only(cctx, true)
      decisions = {}
      assert.is_false((connect(sctx, cctx, session)))
      local said = false
      for _, d in ipairs(decisions) do
        for _, v in pairs(d) do
          if type(v) == "string" and v:find("made under other verification settings", 1, true) then said = true end
        end
      end
      assert.is_true(said)
      CTXM.set_verify_chain_only(cctx, false)           -- back as it was: offered and resumed again
      assert.is_true((connect(sctx, cctx, session)))
    end)
  end)
end
