-- review45a: independent review of session 44's changes (4f5e527..beea272).
local tls = require "tls"
local E = require "spec.support.engines"

-- review45a F1: close() inside cqueues wakes the coroutines waiting on the
-- object and marks it closing (review44f) before the C close runs. A close
-- the C method refuses (made from a callback of the connection's own, say
-- its servername function under pcall) left the connection open but marked
-- closing for good: both waiters and every later call said "closed", and
-- the peer waited for an answer that never came. Only a close that can wait
-- for the waiters (its coroutine can yield) wakes them.
describe("review45a cqueues: a close() the C method refuses", function()
  local cqueues = require "cqueues"
  local socket = require "socket"

  it("leaves the waiters and later calls as they were", function()
    local conn
    local refused
    local sctx = E.server_ctx { servername = function()
      refused = { pcall(conn.close, conn) }
      return nil
    end }
    local l = assert(socket.bind("127.0.0.1", 0))
    local _, port = l:getsockname()
    local raw = assert(socket.connect("127.0.0.1", port))
    local s = assert(l:accept())
    l:close()
    conn = assert(tls.wrap(s, sctx))
    conn:settimeout(5)
    local cctx = assert(tls.context { mode = "client", verify = false })
    local q = cqueues.new()
    local res = {}
    q:wrap(function() res.line = { conn:receive("*l") } end)
    q:wrap(function() res.sent = { conn:send("hello\n") } end)
    q:wrap(function()
      cqueues.sleep(0.05)
      local cl = assert(tls.wrap(raw, cctx, { servername = "localhost" }))
      cl:settimeout(5)
      res.hs = { cl:handshake() }
      res.csent = { cl:send("line\n") }
      res.answer = { cl:receive("*l") }
      cl:close()
    end)
    local ok, err = q:loop(20)
    assert(ok, err)
    assert.is_false(refused[1])
    assert.matches("cannot be called from the connection's own callbacks", refused[2], 1, true)
    assert.same({ true }, res.hs)
    -- before review45a: nil, "closed" for both, and the client's receive timed out
    assert.same({ "line" }, res.line)
    assert.same({ 6 }, res.sent)
    assert.same({ "hello" }, res.answer)
    assert.is_true(conn:getfd() >= 0)
    assert.equal(1, conn:close())
  end)
end)

-- A reason longer than its 512 bytes ends before the character the cut
-- would split (review44b): review44b_spec cut only two-byte characters, so
-- nothing checked how many bytes a three- or four-byte one needs, nor how
-- far back the cut looks for its first byte. The verify function's reason
-- (any length, any text) puts the cut at every byte of each kind.
describe("review45a: a reason cut at its 512 bytes", function()
  local PREFIX = "certificate rejected by the verify function: "
  it("ends before a character of two, three or four bytes, whichever byte the cut falls on", function()
    for _, ch in ipairs { "\195\169", "\226\130\172", "\240\159\152\128" } do
      for shift = 0, #ch - 1 do
        local text = ("x"):rep(shift) .. ch:rep(300)
        local c = E.pair({ verify = function() return false, text end }, {})
        local msg, alert = c:error()
        assert.equal("bad_certificate", alert)
        assert.is_not_nil(utf8.len(msg), ("not UTF-8 (%d-byte characters, shift %d)"):format(#ch, shift))
        -- every whole character that fits in 511 bytes, none cut
        local whole = (511 - #PREFIX - shift) // #ch
        assert.equal(PREFIX .. ("x"):rep(shift) .. ch:rep(whole), msg)
      end
    end
  end)
end)

-- review45a F2: review44g's case without UTF-8: a list of a certificate's
-- names cut at its 199 bytes showed the first letters of the name the cut
-- fell in, "aaa…a, b" for a second name "bad.example", a name the
-- certificate does not have. A name after the first that does not fit
-- whole ends the list before it; a cut (of the first) ends it too.
describe("review45a: a certificate's names cut in the client's refusal", function()
  local H = require "spec.support.hostile_server"
  local function refusal(sans)
    local leaf = H.issue_leaf("r45a_" .. #sans, sans, "serverAuth")
    local s = H.new { cert = leaf.cert, key = leaf.key }
    s:hello()
    s:flight()
    local msg, alert = s.engine:error()
    assert.equal("bad_certificate", alert)
    return msg
  end

  -- Since session 48 the list keeps 5 of its 199 bytes for the mark that
  -- says names were left out (", ...") or the first cut ("..."): 194 for
  -- the names.
  it("leave out a later name that does not fit whole, not show its first letters", function()
    -- 190 + ", " leaves two bytes: "ba" of bad.example went in
    assert.equal("host name mismatch: expected localhost, certificate is for " .. ("a"):rep(190) .. ", ...",
      refusal("DNS:" .. ("a"):rep(190) .. ",DNS:bad.example"))
  end)

  it("end at a cut of the first name, even where a short next one would fit", function()
    -- the 4-byte character is left out, which frees 3 bytes: ", b" would fit
    assert.equal("host name mismatch: expected localhost, certificate is for " .. ("a"):rep(191) .. "...",
      refusal("DNS:" .. ("a"):rep(191) .. "\240\159\152\128,DNS:b"))
  end)

  it("show a last name that fits whole: the room for the mark is kept only while names follow", function()
    -- 190 + ", " + 4 = 196 of 199 bytes
    assert.equal("host name mismatch: expected localhost, certificate is for " .. ("a"):rep(190) .. ", b.ex",
      refusal("DNS:" .. ("a"):rep(190) .. ",DNS:b.ex"))
  end)

  it("mark a list that leaves names out (session 48: it read as whole)", function()
    local sans, names = {}, {}
    for i = 1, 30 do
      names[i] = string.format("name-%02d.example", i)
      sans[i] = "DNS:" .. names[i]
    end
    local msg = refusal(table.concat(sans, ","))
    local shown = msg:match("^host name mismatch: expected localhost, certificate is for (.*), %.%.%.$")
    assert.truthy(shown, msg)
    local i = 0
    for name in shown:gmatch("[^, ]+") do
      i = i + 1
      assert.equal(names[i], name)
    end
    assert.is_true(i >= 10 and i < 30, msg)
  end)
end)
