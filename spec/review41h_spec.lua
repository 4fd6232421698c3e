-- review41h: a connection's error record no longer embeds its 512-byte
-- reason. The text lives in a buffer beside a stack temporary
-- (TLS_ERROR_LOCAL) or, for the connection's own c->err, in a block
-- allocated at its first failure and freed with the connection (an
-- allocation that fails leaves a fixed text and the alert; fuzz/oom.c's
-- tls13_refused scenario fails it in turn, see spec/oom_spec.lua).
local tls = require "tls"
local E = require "spec.support.engines"
local proc = require "spec.support.proc"

local KEY = ("H"):rep(16) .. ("h"):rep(24) .. "01234567"

describe("review41h: the error record of a connection", function()
   it("is a few words in struct tls_conn, not the reason's 512 bytes", function()
      -- Checked by the compiler on the real header: the figure that matters
      -- is bench's idle_connection_bytes, which this keeps from growing back.
      local cc = os.getenv("CC") or "cc"
      local src = [[
#include "engine/tls_conn_int.h"
_Static_assert(sizeof(((tls_conn *)0)->err) <= 64, "c->err embeds its reason again");
]]
      local path = proc.tmpname()
      os.remove(path)
      path = path .. ".c"
      proc.write_file(path, src)
      local code, out = proc.capture(cc .. " -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -fsyntax-only "
         .. "-Icsrc $(pkg-config --cflags libcrypto) " .. proc.quote(path) .. " 2>&1")
      os.remove(path)
      assert.equal(0, code, out)
   end)

   it("is never declared bare on the stack, where it would have no buffer for its text", function()
      -- A bare `tls_error x;` has garbage pointers and tls_fail would write
      -- through them; TLS_ERROR_LOCAL(x) gives it its buffer. The one
      -- tls_error not on the stack is the connection's (zeroed by calloc).
      -- A copy by value would share (and could leak) the buffer.
      local p = assert(io.popen("find csrc fuzz bench tests -name '*.[ch]' | sort"))
      local bad = {}
      for file in p:lines() do
         local n = 0
         for line in io.lines(file) do
            n = n + 1
            local bare = line:match("^%s*tls_error%s+[%w_]+%s*;") or line:match("^%s*tls_error%s+[%w_]+%s*=")
            local allowed = (file == "csrc/engine/tls_conn_int.h" and line:match("^%s*tls_error err;"))
               or line:find("##", 1, true) -- TLS_ERROR_LOCAL itself
            if bare and not allowed then
               bad[#bad + 1] = file .. ":" .. n .. ": " .. line
            end
         end
      end
      p:close()
      assert.same({}, bad)
   end)

   it("still carries a reason of 511 bytes, the most TLS_REASON_MAX holds", function()
      local long = ("x"):rep(600)
      local _, s = E.pair(nil, { trace = function() error(long, 0) end })
      local why, alert = s:error()
      assert.is_string(why)
      assert.equal("internal_error", alert)
      assert.equal(511, #why)
      assert.equal("trace function: xxxx", why:sub(1, 20))
   end)

   it("is left clear when a trace function fails at close on accepted 0-RTT never read", function()
      -- tls13_early.c forgets the failure the trace function records there
      -- (closing goes on); it used to restore a copy of c->err, which with
      -- an allocated reason would leak the block (valgrind sees it: run this
      -- spec as mk/valgrind.mk's valgrind-lua runs its specs).
      local calls = 0
      local sctx = E.server_ctx { early_data = true, ticket_keys = { KEY }, session_store = E.table_store(),
         trace = function(ev)
            if ev.message == "early data unread" then
               calls = calls + 1
               error("trace refuses", 0)
            end
         end }
      local cctx = assert(tls.context { mode = "client", ca = E.CERT, early_data = true })
      local session = E.first_session(cctx, sctx)
      local c, s = E.resume(cctx, sctx, session, "GET /lost")
      assert.is_true(s:status().handshake_done, tostring(s:error()))
      assert.equal("accepted", c:info().early_data)
      assert(s:close())
      assert.equal(1, calls)
      assert.is_nil(s:error())
   end)
end)
