-- Mutations of the client side of mutual TLS (csrc/hs/tls_client_cert.c,
-- the CertificateRequest handling of tls13_client.c and tls12_client.c, the
-- client_certificate bridge), each killed by spec/mtls_client_spec.lua.
-- Same form as mutate/mutations.lua.
local S = "spec/mtls_client_spec.lua"
local CC = "csrc/hs/tls_client_cert.c"
local C13 = "csrc/hs/tls13_client.c"
local C12 = "csrc/hs/tls12_client.c"

return {
   ------------------------------------------------------------ CertificateRequest, TLS 1.3
   { name = "mtlsc_cr_context_accepted", file = C13,
     from = [[    if (context.len != 0)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "CertificateRequest during the handshake has a request context");]],
     to = [[    if (0 && context.len != 0)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "CertificateRequest during the handshake has a request context");]],
     specs = { { S, "refuses a request context during the handshake" } } },
   { name = "mtlsc_cr_missing_sigalgs_accepted", file = C13,
     from = [[    if (sigalgs == NULL)
        return tls_fail(&c->err, TLS_ALERT_MISSING_EXTENSION,]],
     to = [[    if (0 && sigalgs == NULL)
        return tls_fail(&c->err, TLS_ALERT_MISSING_EXTENSION,]],
     specs = { { S, "refuses a CertificateRequest without signature_algorithms" } } },
   { name = "mtlsc_cr_empty_authorities_accepted", file = C13,
     from = [[if (!tls_rd_end(cas) || names.len < 3)]], to = [[if (!tls_rd_end(cas))]],
     specs = { { S, "refuses an empty certificate_authorities list" } } },

   ------------------------------------------------------------ CertificateRequest, TLS 1.2
   { name = "mtlsc_cr12_empty_types_accepted", file = C12,
     from = [[    if (types.len == 0)]], to = [[    if (0 && types.len == 0)]],
     specs = { { S, "refuses a CertificateRequest with empty certificate_types" } } },
   { name = "mtlsc_cr12_messages_not_kept", file = C12,
     from = [[    if (cfg->n_ids > 0)
        tls_transcript_keep_messages(&c->transcript, 1);]],
     to = [[    if (0 && cfg->n_ids > 0)
        tls_transcript_keep_messages(&c->transcript, 1);]],
     specs = { { S, "CertificateVerify over every message before it" } } },

   ------------------------------------------------------------ both versions
   { name = "mtlsc_sigalgs_length_unchecked", file = CC,
     from = [[if (!tls_rd_ok(list) || tls_rd_left(list) < 2 || tls_rd_left(list) % 2 != 0)]],
     to = [[if (!tls_rd_ok(list))]],
     specs = { { S, "refuses an empty signature_algorithms list" },
               { S, "refuses a signature algorithm list of odd length" } } },
   { name = "mtlsc_empty_ca_name_accepted", file = CC,
     from = [[if (!tls_rd_ok(list) || dn.len == 0)]], to = [[if (!tls_rd_ok(list))]],
     specs = { { S, "refuses an empty CA name" } } },
   { name = "mtlsc_ca_name_trailing_bytes_accepted", file = CC,
     from = [[if (name == NULL || p != dn.p + dn.len)]], to = [[if (name == NULL)]],
     specs = { { S, "refuses a CA name that is not a DER Name" } } },
   { name = "mtlsc_certificate_types_ignored", file = CC,
     from = [[    return req->ecdsa_sign;]], to = [[    return 1;]],
     specs = { { S, "certificate type the server did not list" } } },
   { name = "mtlsc_ca_names_ignored", file = CC,
     from = [[if (X509_NAME_cmp(issuer, sk_X509_NAME_value(req->ca_names, j)) == 0)]], to = [[if (issuer != NULL)]],
     specs = { { S, "sends an empty Certificate when its only certificate is under none of the named CAs" },
               { S, "sends an empty Certificate when it is under none of the named CAs" } } },
   { name = "mtlsc_long_ca_list_refused", file = CC,
     from = [[return req->n_ca_names > TLS_MAX_CA_NAMES;]], to = [[return 0;]],
     specs = { { S, "judges a list longer than the 256 CA names" } } },
   { name = "mtlsc_default_ignores_algorithms", file = CC,
     from = [[if (scheme != 0 && chain_named(req, id->chain) &&]], to = [[if (chain_named(req, id->chain) &&]],
     specs = { { S, "sends an empty Certificate when its key fits none of the server's algorithms" } } },
   { name = "mtlsc_hook_choice_unchecked", file = CC,
     from = [[    if (scheme == 0) {]], to = [[    if (0) {]],
     specs = { { S, "fails the handshake when its choice cannot sign" } } },
   { name = "mtlsc_hook_index_unchecked", file = "csrc/lua/lua_hook_client_cert.c",
     from = [[if (!is_int || lua_type(L, -1) != LUA_TNUMBER || i < 1 || i > n_ids)]],
     to = [[if (!is_int || i < 1)]],
     specs = { { S, "fails the handshake when it returns something that is not one of the context's pairs" } } },
   { name = "mtlsc_chain_signatures_ignored", file = "csrc/hs/tls_client_cert.c",
     from = [[(!prefer || tls_chain_fits_sigalgs_cert(id->chain, algs, n_algs))]],
     to = [[(!prefer || tls_chain_fits_sigalgs_cert(id->chain, algs, n_algs) || 1)]],
     specs = { { "spec/mtls_client_spec.lua", "sends the EC.signed chain to a server taking only ECDSA" } } },
   { name = "mtlsc_cert_sigalgs_ext_ignored", file = "csrc/hs/tls13_client.c",
     from = [[        if (tls_cert_req_cert_sigalgs(c, &cl, "CertificateRequest") != 0)]],
     to = [[        if ((void)cl, 0)]],
     specs = { { "spec/mtls_pairs_spec.lua", "traces the CertificateRequest" } } },
   { name = "mtlss_cr_cert_sigalgs_not_sent", file = "csrc/hs/tls13_server.c",
     from = [[    for (size_t i = 0; i < n_cert_sigalgs; i++)
        tls_buf_u16(&msg, cert_sigalgs[i]);]],
     to = [[    for (size_t i = 0; i < n_cert_sigalgs && i < 1; i++)
        tls_buf_u16(&msg, cert_sigalgs[i]);]],
     specs = { { "spec/mtls_pairs_spec.lua", "traces the CertificateRequest" } } },
}
