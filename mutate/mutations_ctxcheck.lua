-- Mutations for the context checks of session 18 (tls_config_check: a
-- context that can never connect is refused) and the sigalgs fallback (a
-- side whose `sigalgs` allow no TLS 1.3 signature is a TLS 1.2 side), each
-- killed by spec/ctxcheck_spec.lua. Same form as mutate/mutations.lua.
local CONFIG = "csrc/pki/tls_config.c"
local S = "spec/ctxcheck_spec.lua"

return {
  -- `sigalgs` ignored when deciding whether TLS 1.3 is possible: a client
  -- with rsa_pkcs1_* only offers TLS 1.3, a server with them picks it (and
  -- both then fail), and a TLS 1.2 answer carries the downgrade sentinel
  { name = "ctxcheck_can13_ignores_sigalgs", file = CONFIG,
    from = [[    return max_version >= TLS_VERSION_13 && list_has_suite(suites, n_suites, TLS_VERSION_13) &&
           sigalgs13_in(c, sigalgs, n_sigalgs);]],
    to = [[    (void)c, (void)sigalgs, (void)n_sigalgs;
    return max_version >= TLS_VERSION_13 && list_has_suite(suites, n_suites, TLS_VERSION_13);]],
    specs = { { S, "a client with them does not offer TLS 1.3" },
              { S, "a server with them speaks TLS 1.2 to a client offering TLS 1.2 and 1.3" },
              { S, "a server with them takes a TLS_FALLBACK_SCSV client" } } },
  -- the client offers TLS 1.3 whatever its suites and schemes
  { name = "ctxcheck_client_offers13_regardless", file = "csrc/hs/tls_hello_client.c",
    from = [[    c->offered_max = tls_hello_conn_speaks13(c) ? TLS_VERSION_13 : TLS_VERSION_12;]],
    to = [[    c->offered_max = c->pol.max_version;]],
    specs = { { S, "a client with them does not offer TLS 1.3" } } },
  -- a server's schemes judged without its key (any TLS 1.3 scheme counts)
  { name = "ctxcheck_server_sigalgs13_without_key", file = CONFIG,
    from = [[        if (!c->is_server || c->n_ids == 0) {
            if (tls_sig_scheme_in13(sigalgs[j]))]],
    to = [[        if (1) {
            if (tls_sig_scheme_in13(sigalgs[j]))]],
    specs = { { S, "a P-256 server with only the P-384 scheme" } } },
  -- refusal: max_version TLSv1.2 not seen
  { name = "ctxcheck_refusal_max_version", file = CONFIG,
    from = [[    if (c->max_version < TLS_VERSION_13)
        return "'max_version' is TLSv1.2";]],
    to = [[]],
    specs = { { S, "refuses a client with max_version TLSv1.2 and only TLS 1.3 ciphers" } } },
  -- refusal: min_version TLSv1.3 not seen
  { name = "ctxcheck_refusal_min_version", file = CONFIG,
    from = [[    if (c->min_version > TLS_VERSION_12)
        return "'min_version' is TLSv1.3";]],
    to = [[]],
    specs = { { S, "refuses a client with min_version TLSv1.3 and only TLS 1.2 ciphers" } } },
  -- refusal: no TLS 1.3 suite not seen
  { name = "ctxcheck_refusal_no_suite13", file = CONFIG,
    from = [[    if (!has_suite(c, TLS_VERSION_13))
        return "'ciphers' names no TLS 1.3 suite";]],
    to = [[]],
    specs = { { S, "refuses a server with min_version TLSv1.3 and only TLS 1.2 ciphers" } } },
  -- refusal: no TLS 1.2 suite not seen
  { name = "ctxcheck_refusal_no_suite12", file = CONFIG,
    from = [[    if (!has_suite(c, TLS_VERSION_12))
        return "'ciphers' names no TLS 1.2 suite";]],
    to = [[]],
    specs = { { S, "refuses a server with max_version TLSv1.2 and only TLS 1.3 ciphers" } } },
  -- refusal: no TLS 1.3 signature scheme not seen
  { name = "ctxcheck_refusal_sigalgs13", file = CONFIG,
    from = [[    if (tls_config_sigalgs13(c))
        return NULL;]],
    to = [[    if (1)
        return NULL;]],
    specs = { { S, "refuses a client with min_version TLSv1.3 and only rsa_pkcs1 sigalgs" } } },
  -- refusal: a server key no TLS 1.2 suite fits
  { name = "ctxcheck_refusal_key_suite12", file = CONFIG,
    from = [[            if (s == NULL || s->version != TLS_VERSION_12 || !tls12_key_fits_suite(key, s))]],
    to = [[            if (s == NULL || s->version != TLS_VERSION_12)]],
    specs = { { S, "refuses an Ed25519 server with max_version TLSv1.2 and only ECDHE_RSA" } } },
  -- refusal: a server key none of `sigalgs` signs with in TLS 1.2
  { name = "ctxcheck_refusal_key_sig12", file = CONFIG,
    from = [[            if (sig && ec_group)
                return NULL;]],
    to = [[            if (ec_group)
                return NULL;]],
    specs = { { S, "refuses an ECDSA server whose sigalgs its key signs with in no version" } } },
  -- refusal: a TLS 1.2 server without an elliptic curve for ECDHE
  { name = "ctxcheck_refusal_no_ec_group", file = CONFIG,
    from = [[            if (sig && ec_group)
                return NULL;]],
    to = [[            if (sig)
                return NULL;]],
    specs = { { S, "refuses a TLS 1.2 server with only finite-field groups" } } },
  -- over-refusal: RSA key transport judged as if it needed a scheme and a group
  { name = "ctxcheck_rsa_kx_needs_nothing", file = CONFIG,
    from = [[            if (s->kx == TLS_KX_RSA)
                return NULL;]],
    to = [[]],
    specs = { { S, "a TLS 1.2 RSA server with only finite-field groups, with RSA key transport" } } },
  -- the check not made by tls.context
  { name = "ctxcheck_not_called", file = "lua/tls.lua",
    from = [[  ok, why = ctx:check()
  if not ok then return nil, why end]],
    to = [[]],
    specs = { { S, "refuses a client with max_version TLSv1.2 and only TLS 1.3 ciphers" } } },
}
