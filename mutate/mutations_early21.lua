-- Mutations of the session 21 0-RTT fixes (review_next21 3, 4, 5), each
-- killed by spec/early21_spec.lua. Same form as mutate/mutations.lua.
local S = "spec/early21_spec.lua"
local F = "csrc/hs/tls13_early.c"
local RECORD = "csrc/record/tls_record.c"

return {
   -- A failed handshake's early data (perhaps a replay raced ahead of the
   -- client, rfc8446#8) must not reach the application: the engine...
   { name = "early21_failed_early_data_handed_out", file = F,
     from = [[    if (!c->is_server || c->early == NULL || (c->status & TLS_STATUS_FAILED)) {]],
     to = [[    if (!c->is_server || c->early == NULL) {]],
     specs = { { S, "is not handed out by e:read_early()" } } },
   -- ... and e:read_early(), which says why instead of "" and complete.
   { name = "early21_read_early_failure_not_said", file = "csrc/lua/lua_engine.c",
     from = [[    if (n == 0 && (tls_conn_status(e->tls) & TLS_STATUS_FAILED))]],
     to = [[    if (0)]],
     specs = { { S, "is not handed out by e:read_early()" } } },
   -- rfc8446#4.1.2: after a HelloRetryRequest the early data is declined,
   -- and the server says so ("rejected", not "no early data offered").
   { name = "early21_hrr_not_rejected", file = F,
     from = [[    return declined(c, "after HelloRetryRequest");]],
     to = [[    return (void)c, 0;]],
     specs = { { S, "the server says the client's early data was rejected" } } },
   -- rfc8446#4.2.10: declined records are skipped up to the configured
   -- max_early_data_size, not a fixed 64 KiB.
   { name = "early21_skip_bound_fixed_64k", file = RECORD,
     from = [[    return bound > TLS_MAX_EARLY_DATA_SKIP ? bound : TLS_MAX_EARLY_DATA_SKIP;]],
     to = [[    return (void)bound, TLS_MAX_EARLY_DATA_SKIP;]],
     specs = { { S, "is skipped up to the configured max_early_data: the 1-RTT resumption goes on" },
               { S, "is skipped up to the configured max_early_data after a HelloRetryRequest too" } } },
   { name = "early21_skip_bound_ignores_ticket", file = RECORD,
     from = [[    if (c->session != NULL && c->session->max_early_data > max)]],
     to = [[    if (0)]],
     specs = { { S, "is skipped up to what the client's ticket announced" } } },
   { name = "early21_skip_bound_no_overhead", file = RECORD,
     from = [[    size_t bound = max + (max / TLS_MAX_PLAINTEXT + 1) * per_record;]],
     to = [[    size_t bound = max + 0 * per_record;]],
     specs = { { S, "past max_early_data and its record overhead, bad_record_mac" } } },
}
