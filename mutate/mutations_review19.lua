-- Mutations for review19's fixes, each killed by spec/review19_spec.lua.
-- Same form as mutate/mutations.lua.
local S = "spec/review19_spec.lua"
local RESUME = "csrc/engine/tls_resume.c"

return {
  -- a session stamped with (and judged by) the context's current
  -- security_level instead of the one its connection verified under
  { name = "review19_digest_level_from_context", file = RESUME,
    from = [[    v.security_level = c->pol.security_level;]],
    to = [[    v.security_level = c->cfg->security_level;]],
    specs = { { S, "only a level-1 connection resumes it" },
              { S, "only a level-1 server resumes it" } } },
  -- the same for the CRL check: a leaf-only check stamped as crl_check_all
  { name = "review19_digest_crl_from_context", file = RESUME,
    from = [[    v.crl_check = c->pol.crl_check;]],
    to = [[    v.crl_check = c->cfg->crl_check;]],
    specs = { { S, "not resumed past a revoked intermediate" } } },
  -- a connection made before the context's first CRL ignores it
  { name = "review19_late_crl_ignored", file = "csrc/hs/tls_hs_common.c",
    from = [[    if (c->pol.crl_check == TLS_CRL_CHECK_NONE)
        c->pol.crl_check = c->cfg->crl_check;
]],
    to = "",
    specs = { { S, "applies to a client made before it" },
              { S, "applies to a server connection accepted before it" } } },
}
