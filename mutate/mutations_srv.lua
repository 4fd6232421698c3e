-- Mutations of the server-path changes of session 13 (part srv):
-- csrc/lua/lua_conn.c. Same form as mutate/mutations.lua.
local NB = "spec/nonblocking_spec.lua"
local CONN = "csrc/lua/lua_conn.c"

return {
   -- setfd on a connection that owns its descriptor must close the one it replaces
   { name = "srv_setfd_leaks_replaced", file = CONN,
     from = [[        tls_sock_close(c->fd);
    }
    c->fd = (int)fd;]],
     to = [[    }
    c->fd = (int)fd;]],
     specs = { { NB, "setfd closes the descriptor it replaces" } } },
   -- ... and never the one it is given again
   { name = "srv_setfd_closes_same", file = CONN,
     from = [[} else if (fd >= 0 && c->fd >= 0 && c->fd != fd) {]],
     to = [[} else if (fd >= 0 && c->fd >= 0) {]],
     specs = { { NB, "setfd closes the descriptor it replaces" } } },
   -- receive holds the tickets its handshake queued when its data is there
   { name = "srv_receive_flushes_held_output", file = CONN,
     from = [[    c->hold_output = 1;
    int st = ensure_handshake(c, deadline);]],
     to = [[    c->hold_output = 0;
    int st = ensure_handshake(c, deadline);]],
     specs = { { NB, "a server's tickets wait for its reply" } } },
   -- ... and sends them before it waits
   { name = "srv_held_output_kept_while_waiting", file = CONN,
     from = [[int st = flush_output(c, read_first ? tls_sock_deadline(0) : deadline);]],
     to = [[int st = c->hold_output ? TLS_IO_DONE : flush_output(c, read_first ? tls_sock_deadline(0) : deadline);]],
     specs = { { NB, "held tickets leave once a receive must wait" } } },
   -- accepted sockets get TCP_NODELAY from the listening socket (Linux)
   { name = "srv_listener_nagle", file = "csrc/io/tls_socket.c",
     from = [[        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (tls_sock_prepare(s) < 0]],
     to = [[        if (tls_sock_prepare(s) < 0]],
     specs = { { NB, "setoption/getoption reach the socket" } } },
}
