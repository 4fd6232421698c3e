#!/usr/bin/env python3
"""An HTTP CONNECT proxy for spec/https_spec.lua.

usage: connect_proxy.py [deny]
Listens on 127.0.0.1 (a port the kernel picks); prints "ready <port>". For each
CONNECT it logs "connect <target> auth=<Proxy-Authorization or none>", then
relays bytes both ways (or, with "deny", answers 403 Forbidden). Anything but
CONNECT gets 405 and is logged as "refused <request line>".
"""
import select
import socket
import sys
import threading

deny = len(sys.argv) > 1 and sys.argv[1] == "deny"


def relay(a, b):
    try:
        while True:
            r, _, _ = select.select([a, b], [], [], 60)
            if not r:
                return
            for s in r:
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)
    finally:
        a.close()
        b.close()


def serve(client):
    f = client.makefile("rb")
    line = f.readline().decode("latin-1").rstrip("\r\n")
    auth = "none"
    while True:
        h = f.readline().decode("latin-1").rstrip("\r\n")
        if h == "":
            break
        name, _, value = h.partition(":")
        if name.lower() == "proxy-authorization":
            auth = value.strip()
    parts = line.split()
    if len(parts) != 3 or parts[0] != "CONNECT":
        print("refused", line, flush=True)
        client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
        client.close()
        return
    print("connect", parts[1], "auth=" + auth, flush=True)
    if deny:
        client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        client.close()
        return
    host, _, port = parts[1].rpartition(":")
    upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    relay(client, upstream)


srv = socket.create_server(("127.0.0.1", 0))
print("ready", srv.getsockname()[1], flush=True)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
