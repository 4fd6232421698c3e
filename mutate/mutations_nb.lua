-- Mutations of the non-blocking connections and the engine's want state
-- (issue 12): csrc/lua/lua_conn.c, csrc/lua/lua_server.c,
-- csrc/engine/tls_engine.c. Each is killed by spec/nonblocking_spec.lua or
-- spec/engine_want_spec.lua. Same form as mutate/mutations.lua.
local NB = "spec/nonblocking_spec.lua"
local EW = "spec/engine_want_spec.lua"
local CONN = "csrc/lua/lua_conn.c"
local SERVER = "csrc/lua/lua_server.c"
local ENGINE = "csrc/engine/tls_engine.c"

return {
   -- the issue's bug: socket.select must not sleep on data the engine holds
   { name = "nb_dirty_never", file = CONN,
     from = [[lua_pushboolean(L, c->tls && c->fd >= 0 && tls_conn_app_data(c->tls, &data) > 0);]],
     to = [[lua_pushboolean(L, c->tls && c->fd >= 0 && tls_conn_app_data(c->tls, &data) > (size_t)1 << 30);]],
     specs = { { NB, "a second line from the same record is delivered" } } },
   -- a listening socket never holds data: dirty() true would make select spin
   { name = "nb_server_dirty", file = SERVER,
     from = [[    check_server(L);
    lua_pushboolean(L, 0);]],
     to = [[    check_server(L);
    lua_pushboolean(L, 1);]],
     specs = { { NB, "accept with timeout 0 returns nil" } } },
   -- the word names the direction the call stopped on
   { name = "nb_want_words_swapped", file = CONN,
     from = [[return c->want == WAIT_READ ? "wantread" : "wantwrite";]],
     to = [[return c->want == WAIT_READ ? "wantwrite" : "wantread";]],
     specs = { { NB, "a handshake takes several select rounds" } } },
   -- only a timeout of 0 turns "timeout" into LuaSec's words
   { name = "nb_timeout_says_want", file = CONN,
     from = [[if (c->timeout == 0 && c->want != WAIT_NOTHING)]],
     to = [[if (c->timeout >= 0 && c->want != WAIT_NOTHING)]],
     specs = { { NB, "a timeout > 0 that expires still says" } } },
   -- receive must not wait for our own queued output to leave first
   { name = "nb_read_waits_on_own_output", file = CONN,
     from = [[int read_first = goal == WANT_DATA;]],
     to = [[int read_first = goal == WANT_DATA && 0;]],
     specs = { { NB, "receive returns data that arrived while our own output waits" } } },
   -- (nb_keyupdate_sent_twice, "a keyupdate called again after wantwrite only
   -- flushes the queued one", is gone since session 29: the engine itself
   -- sends no second KeyUpdate while nothing was written under the key the
   -- first installed, so skipping the connection's own check changes
   -- nothing a test can see; lead29_idle_keyupdates_sent plants that bug
   -- in the engine.)
   -- ... but a keyupdate asked for after more data was sent is a new one
   { name = "nb_keyupdate_swallowed", file = CONN,
     from = [[        /* All that was queued went out first: a KeyUpdate too. */
        c->ku_pending = 0;]],
     to = [[        /* All that was queued went out first: a KeyUpdate too. */]],
     specs = { { NB, "a keyupdate stopped by wantwrite is finished by the next call" } } },
   -- bytes returned by receive are counted
   { name = "nb_stats_received_uncounted", file = CONN,
     from = [[    tls_conn_app_data_done(c->tls, n);
    c->received += (double)n;]],
     to = [[    tls_conn_app_data_done(c->tls, n);
    c->received += (double)0 * (double)n;]],
     specs = { { NB, "getstats counts application bytes both ways" } } },
   -- setfd refuses a number that is no open descriptor
   { name = "nb_setfd_unchecked", file = CONN,
     from = [[if (fcntl((int)fd, F_GETFD) == -1)]],
     to = [[if (0 && fcntl((int)fd, F_GETFD) == -1)]],
     specs = { { NB, "setfd with garbage raises a clear error" } } },
   -- an unknown option name is a programming mistake: it raises
   { name = "nb_unknown_option_returned", file = CONN,
     from = [[if (*kind == TLS_SOCK_OPT_UNKNOWN)]],
     to = [[if (*kind == TLS_SOCK_OPT_UNKNOWN && 0)]],
     specs = { { NB, "with an unknown name raise and name the known ones" } } },
   -- the engine: a pending alert is output before "failed"
   { name = "nb_want_failed_before_alert", file = ENGINE,
     from = [[    if (c->out.len > 0)
        return TLS_WANT_OUTPUT;]],
     to = [[    if (c->out.len > 0 && !(c->status & TLS_STATUS_FAILED))
        return TLS_WANT_OUTPUT;]],
     specs = { { EW, "after a failure the alert waits as output" } } },
   -- the engine: data read before the close or the failure comes first
   { name = "nb_want_data_hidden_by_close", file = ENGINE,
     from = [[    if (tls_conn_unread(c) > 0)
        return TLS_WANT_DATA;]],
     to = [[    if (tls_conn_unread(c) > 0 && !(c->status & (TLS_STATUS_PEER_CLOSED | TLS_STATUS_FAILED)))
        return TLS_WANT_DATA;]],
     specs = { { EW, "at every step of a TLS 1" }, { EW, "data decrypted before a failure is still read" } } },
   -- the engine: wants_read stays true after the handshake (issue 12)
   { name = "nb_wants_read_only_in_handshake", file = ENGINE,
     from = [[    return !cancelled(c);]],
     to = [[    return !cancelled(c) && !(c->status & TLS_STATUS_HANDSHAKE_DONE);]],
     specs = { { EW, "at every step of a TLS 1" } } },
   -- the engine: a cancelled handshake takes no more input
   { name = "nb_cancelled_wants_input", file = ENGINE,
     from = [[if ((c->status & TLS_STATUS_PEER_CLOSED) || cancelled(c))]],
     to = [[if ((c->status & TLS_STATUS_PEER_CLOSED) || (0 && cancelled(c)))]],
     specs = { { EW, "a handshake we cancelled is closed" } } },
}
