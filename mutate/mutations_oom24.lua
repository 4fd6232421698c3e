-- Mutations for session 24's allocation failure harness (fuzz/oom.c,
-- spec/oom_spec.lua). Same form as mutate/mutations.lua.
local O = "spec/oom_spec.lua"
local OURS = "fail each of our own allocations in turn"
local ALL = "fail each of libcrypto's allocations too"

return {
  -- a write key whose set-up failed (its cipher context freed) still used to seal: the alert
  -- reporting the failure dereferenced the missing suite
  { name = "oom24_seal_without_key", file = "csrc/record/tls_protect.c",
    from = [[    if (c->wr.suite == NULL || c->wr.ctx == NULL)]],
    to = [[    if (0)]],
    specs = { { O, ALL } } },
  -- close_notify that could not be written reported as a clean close
  { name = "oom24_close_failure_ignored", file = "csrc/engine/tls_engine.c",
    from = [[    if (tls_record_send_alert(c, TLS_ALERT_LEVEL_WARNING, TLS_ALERT_CLOSE_NOTIFY) != 0) {]],
    to = [[    if (tls_record_send_alert(c, TLS_ALERT_LEVEL_WARNING, TLS_ALERT_CLOSE_NOTIFY) != 0 && 0) {]],
    specs = { { O, OURS } } },
  -- an error path that leaks: the session memo's block kept when its copy fails
  { name = "oom24_memo_leak", file = "csrc/engine/tls_resume.c",
    from = [[        OPENSSL_free(m);
        OPENSSL_clear_free(copy, len);]],
    to = [[        OPENSSL_clear_free(copy, len);]],
    specs = { { O, OURS } } },
  -- a failed allocation of ours taken as success: the connection object
  { name = "oom24_conn_new_unchecked", file = "csrc/engine/tls_engine.c",
    from = [[    tls_conn *c = calloc(1, sizeof *c);]],
    to = [[    tls_conn *c = calloc(1, sizeof *c); if (c == NULL) c = (tls_conn *)16;]],
    specs = { { O, OURS } } },
}
