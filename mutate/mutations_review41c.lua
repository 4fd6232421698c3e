-- Session 41, review41c: a session is stamped with the identity of the
-- verify function its connection took when it was made (c->pol), not the
-- one its context holds when the peer is judged. Same form as
-- mutate/mutations.lua; each killed by spec/review41c_spec.lua.
local S = "spec/review41c_spec.lua"
local ID = "review41c: the verify function's identity is the one the connection took "

return {
  -- the digest reads the context's identity again: a lax function's
  -- session, stamped with the strict function set since, resumes under it
  { name = "review41c_digest_reads_context_identity", file = "csrc/engine/tls_resume.c",
    from = [[    tls_config_verify_digest(&v, hook ? c->pol.verify_fn_id : NULL, out, &c->cfg->verify_memo);]],
    to = [[    tls_config_verify_digest(&v, hook ? c->cfg->verify_fn_id : NULL, out, &c->cfg->verify_memo);]],
    specs = { { S, ID .. "TLSv1.3: a client session judged by the function the engine was made with" },
              { S, ID .. "TLSv1.2: a server does not resume" } } },
  -- the identity never copied: every function of every context is the
  -- same all-zero identity to a connection
  { name = "review41c_identity_not_taken", file = "csrc/engine/tls_engine.c",
    from = [[    memcpy(p->verify_fn_id, cfg->verify_fn_id, sizeof p->verify_fn_id);]],
    to = [[    memset(p->verify_fn_id, 0, sizeof p->verify_fn_id);]],
    specs = { { S, ID .. "TLSv1.2: a client session judged by the function the engine was made with" },
              { S, ID .. "TLSv1.3: a server does not resume" } } },
}
