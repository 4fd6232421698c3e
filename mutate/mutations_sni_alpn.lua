-- Mutations of SNI (csrc/hs/tls_sni.c, tls_hello_server.c) and ALPN
-- (csrc/hs/tls_alpn.c), each killed by spec/sni_spec.lua or
-- spec/alpn_spec.lua. Same form as mutate/mutations.lua.
local SNI, ALPN = "spec/sni_spec.lua", "spec/alpn_spec.lua"
local CS, CA = "csrc/hs/tls_sni.c", "csrc/hs/tls_alpn.c"

return {
   { name = "sni_match_skipped", file = CS,
     from = [[if (!leaf_matches(&cfg->ids[i], sni))]],
     to = [[if (1 || !leaf_matches(&cfg->ids[i], sni))]],
     specs = { { SNI, "sends the certificate for the name asked" } } },
   { name = "sni_strict_ignored", file = CS,
     from = [[if (matched < 0 && c->pol.sni_strict) {]],
     to = [[if (0 && matched < 0 && c->pol.sni_strict) {]],
     specs = { { SNI, "sni_strict refuses a name no certificate is for" } } },
   { name = "sni_sigalg_fit_skipped", file = CS,
     from = [[                if (pair_fits(c, ch, version, &cfg->ids[i], &algs, prefer)) {]],
     to = [[            if (1) {]],
     specs = { { SNI, "sends the RSA certificate of a name to a client that verifies only RSA" } } },
   { name = "sni_tls12_curve_skipped", file = "csrc/hs/tls12_server.c",
     from = [[            key_fits_suite(id, ch, s) && (s->kx != TLS_KX_ECDHE || ecdhe))
            return (int)i;]],
     to = [[            tls12_key_fits_suite(id->key, s) && (s->kx != TLS_KX_ECDHE || ecdhe))
            return (int)i;]],
     specs = { { SNI, "needs its curve in the client's groups" } } },
   { name = "sni_default_fallback_skipped", file = CS,
     from = [[        if (pair_fits(c, ch, version, &cfg->ids[0], &algs, prefer)) {]],
     to = [[    if (1) {]],
     specs = { { SNI, "falls back from the default pair to the first the client can verify" } } },
   { name = "sni_hrr_name_change_accepted", file = "csrc/hs/tls_hello_server.c",
     from = [[if (!same_server_name(c, &ch))]],
     to = [[if (0 && !same_server_name(c, &ch))]],
     specs = { { SNI, "refuses a second ClientHello that changes the server_name" } } },
   { name = "alpn_client_unoffered_accepted", file = CA,
     from = [[if (!list_has(ours->data, ours->len, name.p, name.len)) {]],
     to = [[if (0 && !list_has(ours->data, ours->len, name.p, name.len)) {]],
     specs = { { ALPN, "client: a protocol it did not offer is illegal_parameter" } } },
   { name = "alpn_client_two_names_accepted", file = CA,
     from = [[    if (n != 1)]],
     to = [[    if (0 && n != 1)]],
     specs = { { ALPN, "client: two protocols in the answer are illegal_parameter" } } },
   { name = "alpn_empty_name_accepted", file = CA,
     from = [[        if (name.len == 0)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "%s ALPN protocol list has an empty name", where);]],
     to = [[        if (0 && name.len == 0)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "%s ALPN protocol list has an empty name", where);]],
     specs = { { ALPN, "server: an empty protocol name is decode_error" } } },
   { name = "alpn_no_overlap_ignored", file = CA,
     from = [[    char theirs[300], mine[300];]],
     to = [[    if (ours->len > 0)
        return 0;
    char theirs[300], mine[300];]],
     specs = { { ALPN, "refuses a client without a protocol in common" } } },
   { name = "sni_cert_sigalgs_ignored", file = "csrc/hs/tls_sni.c",
     from = [[    return prefer != PREFER_ALL || algs->n == 0 || tls_chain_fits_sigalgs_cert(id->chain, algs->ids, algs->n);]],
     to = [[    return prefer != PREFER_ALL || algs->n == 0 || 1;]],
     specs = { { "spec/sni_spec.lua", "a client accepting only ECDSA signatures gets the EC.signed chain" } } },
   { name = "sni_cert_sigalgs_ext_ignored", file = "csrc/hs/tls_sni.c",
     from = [[    if (ext != NULL) {
        tls_reader r = *ext;]],
     to = [[    if (0 && ext != NULL) {
        tls_reader r = *ext;]],
     specs = { { "spec/sni_spec.lua", "signature_algorithms_cert takes precedence" } } },
}
