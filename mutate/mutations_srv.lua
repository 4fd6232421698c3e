-- Mutations of the server-path changes of session 13 (part srv):
-- csrc/lua/lua_conn.c. Same form as mutate/mutations.lua.
local NB = "spec/nonblocking_spec.lua"
local CONN = "csrc/lua/lua_conn.c"

return {
   -- setfd on a connection that owns its descriptor must close the one it replaces
   { name = "srv_setfd_leaks_replaced", file = CONN,
     from = [[        forget_in_cqueues(L, c->fd);
        tls_sock_close(c->fd);]],
     to = [[        forget_in_cqueues(L, c->fd);]],
     specs = { { NB, "setfd closes the descriptor it replaces" } } },
   -- ... and never the one it is given again
   { name = "srv_setfd_closes_same", file = CONN,
     from = [[} else if (fd >= 0 && c->fd >= 0 && c->fd != fd) {]],
     to = [[} else if (fd >= 0 && c->fd >= 0) {]],
     specs = { { NB, "setfd closes the descriptor it replaces" } } },
}
