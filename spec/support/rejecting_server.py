# A TLS 1.3 server (Python's ssl) that requires a client certificate from
# one CA and turns away every other: it sends its alert and closes with our
# Finished and data unread, so the kernel resets the connection.
#   rejecting_server.py CERT KEY CLIENT_CA COUNT   prints its port, serves COUNT clients
import ssl, socket, sys, time
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.load_verify_locations(sys.argv[3])
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(5)
print(ls.getsockname()[1], flush=True)
for i in range(int(sys.argv[4])):
    c, _ = ls.accept()
    try:
        s = ctx.wrap_socket(c, server_side=True)
        s.recv(10)
    except Exception as e:
        pass
    c.close()
