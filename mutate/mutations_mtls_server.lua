-- Planted bugs in mutual TLS on the server side (asking for, verifying and
-- requiring a client certificate in TLS 1.3 and TLS 1.2), each killed by
-- spec/mtls_server_spec.lua. Same form as mutate/mutations.lua.
local S13 = "csrc/hs/tls13_server.c"
local S12 = "csrc/hs/tls12_server.c"
local T = "spec/mtls_server_spec.lua"

return {
   { name = "mtlss_required_but_empty", file = "csrc/hs/tls_hs_common.c",
     from = [[    if (required)
        return tls_fail(&c->err, alert,]],
     to = [[    if (0)
        return tls_fail(&c->err, alert,]],
     specs = { { T, "refuses an empty Certificate with certificate_required" },
               { T, "refuses an empty Certificate with handshake_failure" } } },
   { name = "mtlss13_required_alert", file = S13,
     from = [[tls_hs_client_sent_no_certificate(c, TLS_ALERT_CERTIFICATE_REQUIRED)]],
     to = [[tls_hs_client_sent_no_certificate(c, TLS_ALERT_HANDSHAKE_FAILURE)]],
     specs = { { T, "refuses an empty Certificate with certificate_required" } } },
   { name = "mtlss12_required_alert", file = S12,
     from = [[tls_hs_client_sent_no_certificate(c, TLS_ALERT_HANDSHAKE_FAILURE)]],
     to = [[tls_hs_client_sent_no_certificate(c, TLS_ALERT_CERTIFICATE_REQUIRED)]],
     specs = { { T, "refuses an empty Certificate with handshake_failure" } } },
   { name = "mtlss13_cv_skipped", file = S13,
     from = [[        c->state = ST_SERVER_WAIT_CV;]],
     to = [[        c->state = ST_SERVER_WAIT_FINISHED;]],
     specs = { { T, "wants CertificateVerify after a non-empty Certificate" } } },
   { name = "mtlss13_cv_signature_unchecked", file = "csrc/hs/tls13_common.c",
     from = [[if (tls_sig_verify(c->peer_key, scheme, content, n, sig.p, sig.len, &c->err) != 0)]],
     to = [[if (0 && tls_sig_verify(c->peer_key, scheme, content, n, sig.p, sig.len, &c->err) != 0)]],
     specs = { { T, "TLS 1.3 server asking for a client certificate .scripted client. checks the client's "
                    .. "CertificateVerify signature" } } },
   { name = "mtlss13_cv_scheme_not_offered", file = "csrc/hs/tls13_common.c",
     from = [[    if (i == c->pol.n_sigalgs)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,]],
     to = [[    if (0)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,]],
     specs = { { T, "refuses a CertificateVerify scheme it did not offer" } } },
   { name = "mtlss13_client_context_unchecked", file = "csrc/hs/tls13_common.c",
     from = [[    if (context.len != 0)]],
     to = [[    if (!c->is_server && context.len != 0)]],
     specs = { { T, "refuses a client Certificate with a request context we never sent" } } },
   { name = "mtlss12_cv_signature_unchecked", file = S12,
     from = [[if (tls12_sig_verify(c->peer_key, scheme, messages->data, messages->len, sig.p, sig.len,]],
     to = [[if (0 && tls12_sig_verify(c->peer_key, scheme, messages->data, messages->len, sig.p, sig.len,]],
     specs = { { T, "TLS 1.2 server asking for a client certificate .scripted client. checks the client's "
                    .. "CertificateVerify signature" } } },
   { name = "mtlss12_cv_scheme_not_offered", file = S12,
     from = [[if (!tls_hello_offered(c->pol.sigalgs, c->pol.n_sigalgs, scheme))
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "client signed]],
     to = [[if (0)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "client signed]],
     specs = { { T, "refuses a CertificateVerify scheme its CertificateRequest did not offer" } } },
   { name = "mtlss12_cv_missing", file = S12,
     from = [[c->state = c->t12->peer_sent_certificate ? ST_SERVER12_WAIT_CV : ST_SERVER12_WAIT_CCS;]],
     to = [[c->state = ST_SERVER12_WAIT_CCS;]],
     specs = { { T, "wants CertificateVerify after a certificate" } } },
   { name = "mtlss_purpose_any", file = "csrc/pki/tls_x509.c",
     from = [[X509_STORE_CTX_set_purpose(ctx, peer_is_client ? X509_PURPOSE_SSL_CLIENT]],
     to = [[X509_STORE_CTX_set_purpose(ctx, peer_is_client ? X509_PURPOSE_ANY]],
     specs = { { T, "refuses a certificate for servers only" } } },
   { name = "mtlss_client_needs_key_encipherment", file = "csrc/hs/tls_hs_common.c",
     from = [[!c->is_server && c->version == TLS_VERSION_12 && c->suite != NULL &&]],
     to = [[c->version == TLS_VERSION_12 && c->suite != NULL &&]],
     specs = { { T, "checks an RSA client certificate for digitalSignature even with RSA key transport" } } },
   { name = "mtlss_host_name_checked_on_client_cert", file = "csrc/hs/tls_hs_common.c",
     from = [[c->is_server || c->pol.verify_chain_only ? NULL : c->server_name,]],
     to = [[c->pol.verify_chain_only ? NULL : c->server_name,]],
     specs = { { T, "TLSv1.3: sends its ecdsa certificate; our server verifies it" } } },
   { name = "mtlss_peer_verified_always", file = "csrc/lua/lua_info.c",
     from = [[lua_pushboolean(L, n > 0 && info.peer_verified);]],
     to = [[lua_pushboolean(L, n > 0);]],
     specs = { { T, "is true when the client verified the server's chain, false with verify = false" } } },
   { name = "mtlss_system_store_for_clients", file = "lua/tls.lua",
     from = [[if server and o.verify and o.ca == nil then]],
     to = [[if false then]],
     specs = { { T, "refuses verify without 'ca'" } } },
}
