-- Clients for the event-loop specs (cqueues, copas, concurrency): one
-- Python asyncio process opening n TLS connections to 127.0.0.1:port.
-- It completes every handshake before it sends any request ("request <i>")
-- and reads the replies ("reply <i>") only after all requests are sent, so
-- the server must hold all n connections at once: a server that served one
-- client at a time would wait for ever on the first request.
-- It prints "connected <n> failed <k>", "replies <good>", "done".
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"

local clients = {}

clients.PYTHON = [[
import asyncio, ssl, sys
port, ca, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ctx = ssl.create_default_context(cafile=ca)

async def connect(i):
    return await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost",
                                         ssl_handshake_timeout=60)

async def main():
    conns = await asyncio.gather(*[connect(i) for i in range(n)], return_exceptions=True)
    errors = [c for c in conns if isinstance(c, BaseException)]
    print("connected", n - len(errors), "failed", len(errors), flush=True)
    for e in errors[:5]:
        print("error", repr(e), flush=True)
    if errors:
        sys.exit(1)
    for i, (r, w) in enumerate(conns):
        w.write(b"request %d\n" % i)
    replies = await asyncio.gather(*[asyncio.wait_for(r.readline(), 60) for r, w in conns],
                                   return_exceptions=True)
    good = sum(1 for i, x in enumerate(replies) if x == b"reply %d\n" % i)
    print("replies", good, flush=True)
    for x in [x for x in replies if not isinstance(x, bytes)][:5]:
        print("error", repr(x), flush=True)
    for r, w in conns:
        w.close()
    await asyncio.gather(*[w.wait_closed() for r, w in conns], return_exceptions=True)
    print("done", flush=True)

asyncio.run(main())
]]

-- Starts the Python clients in the background (proc.spawn handle).
function clients.python(port, ca, n, limit)
  return proc.spawn(string.format("%s -c %s %d %s %d", peers.python(), proc.quote(clients.PYTHON), port,
    proc.quote(ca), n), { timeout = limit or 120 })
end

return clients
