-- Peers of other TLS stacks written in C for the interop specs
-- (spec/support/wolfssl_peer.c, mbedtls_peer.c): each is built once per run
-- with cc against its Debian package, then run as a client
-- (`BIN client PORT key=value ...`) or a server (`BIN server 0 key=value
-- ...`, which prints "ready PORT").
--
--   local wolf = cpeer.new("spec/support/wolfssl_peer.c", "-lwolfssl", "libwolfssl-dev",
--                          { cert = c.leaf.ecdsa_p256.cert, key = c.leaf.ecdsa_p256.key })
--   local h, port = wolf.server { version = "1.3" }
--   local out, code = wolf.client(port, { ca = c.ca })
--   teardown(wolf.remove)
local proc = require "spec.support.proc"
local luassert = require "luassert"

local cpeer = {}

-- opts as key=value arguments, in a stable order.
local function args(opts)
   local list = {}
   for k, v in pairs(opts or {}) do list[#list + 1] = proc.quote(k .. "=" .. tostring(v)) end
   table.sort(list)
   return table.concat(list, " ")
end

-- source: the C file; libs: the linker flags; package: the Debian package
-- that provides them (for the message when the build fails);
-- server_defaults: options every server gets unless opts override them.
function cpeer.new(source, libs, package, server_defaults)
   local p, binary = {}, nil

   function p.build()
      if binary then return binary end
      binary = os.tmpname()
      local out, code = proc.run(string.format("cc -std=c11 -D_DEFAULT_SOURCE -O1 -Wall -Werror -o %s %s %s 2>&1",
         proc.quote(binary), source, libs), nil, 120)
      assert(code == 0, "building " .. source .. " failed (" .. package .. " is installed by scripts/deps.sh): "
         .. tostring(out))
      return binary
   end

   -- The server, `conns` connections (default 1); returns its handle and port.
   function p.server(opts)
      local o = { conns = 1 }
      for k, v in pairs(server_defaults or {}) do o[k] = v end
      for k, v in pairs(opts or {}) do o[k] = v end
      local h = proc.spawn(string.format("%s server 0 %s", proc.quote(p.build()), args(o)), { timeout = 30 })
      return h, tonumber(proc.wait_output(h, "ready (%d+)", 10))
   end

   -- The client against 127.0.0.1:port; returns its output and exit code.
   function p.client(port, opts)
      return proc.run(string.format("%s client %d %s", proc.quote(p.build()), port, args(opts)), nil, 30)
   end

   -- Waits for the server to end; its output, which must show `count`
   -- connections served with `version` ("TLSv1.3", "TLSv1.2" or nil for any).
   function p.served(h, count, version)
      luassert.is_true(h:wait(10), h:output())
      local out = h:output()
      for i = 1, count do
         luassert.truthy(out:find("conn " .. i .. " version=" .. (version or ""), 1, true), out)
      end
      return out
   end

   function p.remove()
      if binary then os.remove(binary) end
   end

   return p
end

return cpeer
