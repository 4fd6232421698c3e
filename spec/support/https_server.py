#!/usr/bin/env python3
"""An HTTPS server for spec/https_spec.lua: Python's http.server in ssl.

usage: https_server.py CERT KEY [CLIENT_CA]
Listens on 127.0.0.1, a port the kernel picks; prints "ready <port>".
With CLIENT_CA it requires a client certificate issued by it.

Paths:
  /hello               "hello from python"
  /echo                method, the request headers and the body, as text
  /chunked             three chunks with Transfer-Encoding: chunked
  /redirect?to=URL     302 to URL (any scheme)
  /loop                302 to /loop, for ever
  /hops/N              302 to /hops/N-1 ... /hops/0 says "arrived"
  /see-other           303 to /echo
  /alpn                the ALPN protocol the handshake chose ("none" if none)
  /whoami              the subject CN of the client certificate ("none" if none)
  /hang                never answers (the request is read)
"""
import http.server
import socketserver
import ssl
import sys
import threading
import time
from urllib.parse import urlparse, parse_qs

cert, key = sys.argv[1], sys.argv[2]
client_ca = sys.argv[3] if len(sys.argv) > 3 else None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        print("log", fmt % args, flush=True)

    def reply(self, code, body, extra=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n)

    def handle_any(self):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        p = u.path
        if p == "/hello":
            self.reply(200, "hello from python", {"X-Server": "python"})
        elif p == "/echo":
            body = self.read_body()
            lines = ["method=" + self.command, "path=" + self.path]
            for k, v in self.headers.items():
                lines.append("header %s=%s" % (k.lower(), v))
            lines.append("body=" + body.decode("latin-1"))
            self.reply(200, "\n".join(lines))
        elif p == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"first,", b"second,", b"third"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        elif p == "/redirect" or (p == "/" and "to" in q):
            self.reply(302, "moved", {"Location": q["to"][0]})
        elif p == "/loop":
            self.reply(302, "again", {"Location": "/loop"})
        elif p.startswith("/hops/"):
            n = int(p[len("/hops/"):])
            if n == 0:
                self.reply(200, "arrived")
            else:
                self.reply(302, "hop", {"Location": "/hops/%d" % (n - 1)})
        elif p == "/see-other":
            self.read_body()
            self.reply(303, "see other", {"Location": "/echo"})
        elif p == "/alpn":
            self.reply(200, self.request.selected_alpn_protocol() or "none")
        elif p == "/whoami":
            peer = self.request.getpeercert()
            cn = "none"
            if peer:
                for rdn in peer.get("subject", ()):
                    for k, v in rdn:
                        if k == "commonName":
                            cn = v
            self.reply(200, cn)
        elif p == "/hang":
            time.sleep(120)
        else:
            self.reply(404, "not found")

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def get_request(self):
        sock, addr = self.socket.accept()
        sock.settimeout(30)
        return ctx.wrap_socket(sock, server_side=True), addr

    def handle_error(self, request, client_address):
        print("failed", sys.exc_info()[1], flush=True)


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.set_alpn_protocols(["http/1.1"])
if client_ca:
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(client_ca)

srv = Server(("127.0.0.1", 0), Handler)
print("ready", srv.server_address[1], flush=True)
srv.serve_forever()
