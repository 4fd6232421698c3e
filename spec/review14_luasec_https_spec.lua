-- Review of session 14: tls.luasec.https makes itself package.loaded["ssl.https"]
-- for the length of a request, so that socket.http's redirect hops (which
-- ask require("ssl.https").tcp for a connection) get the request's own
-- verification. Each request saved and restored the entry itself: with two
-- requests under way in cqueues coroutines, the first to end put the old
-- entry back (real LuaSec, loaded from disk when it was nil) while the other
-- was still running, and that one's redirect went through real LuaSec's tcp,
-- which verifies nothing: an untrusted server got the request and its answer
-- was returned as if verified. mutate/mutations_review14.lua plants it back.
local tls = require "tls"
local cqueues = require "cqueues"
local ltn12 = require "ltn12"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local lhttps = require "tls.luasec.https"

describe("review14: tls.luasec.https, two requests at once in cqueues", function()
  -- good: trusted (S.ca), the servers here; bad: self-signed, trusted by nobody
  local S = certs.selfsigned()
  after_each(proc.kill_all)

  -- A one-request HTTPS server in the controller, with a trusted certificate,
  -- answering `answer` after `delay` seconds; returns its port.
  local function http_server(cq, delay, answer)
    local ctx = assert(tls.context { mode = "server", certificate = S.good.cert, key = S.good.key })
    local srv = assert(tls.listen("127.0.0.1", 0, ctx, { timeout = 5 }))
    local _, port = srv:getsockname()
    cq:wrap(function()
      local c = assert(srv:accept())
      c:settimeout(5)
      repeat local line = c:receive("*l") until not line or line == ""
      cqueues.sleep(delay)
      c:send(answer)
      c:close()
      srv:close()
    end)
    return port
  end

  for _, order in ipairs { { "redirected", "fast" }, { "fast", "redirected" } } do
    it("verifies the redirect of the request still running when the other ends (started " .. order[1]
      .. " first)", function()
      -- The untrusted server: another process (real LuaSec's hop would block the controller).
      local _, untrusted = peers.s_server("-www -quiet", nil, S.bad_files)
      local cq = cqueues.new()
      local fast = http_server(cq, 0, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
      local slow = http_server(cq, 0.4, "HTTP/1.1 302 Found\r\nLocation: https://localhost:" .. untrusted
        .. "/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
      local results, ports = {}, { fast = fast, redirected = slow }
      for _, name in ipairs(order) do
        cq:wrap(function()
          local body = {}
          local ok, code = lhttps.request { url = "https://localhost:" .. ports[name] .. "/", cafile = S.ca,
                                             sink = ltn12.sink.table(body) }
          results[name] = { ok, code, table.concat(body) }
        end)
      end
      assert(cq:loop(10))
      assert.same({ 1, 200, "ok" }, results.fast)
      assert.same({ nil, "self-signed certificate is not trusted (subject: CN=localhost)", "" }, results.redirected)
    end)
  end
end)
