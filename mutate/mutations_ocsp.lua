-- Mutations of OCSP stapling (csrc/pki/tls_ocsp.c, csrc/hs/tls_ocsp_hs.c and
-- its hunks in the handshake), each killed by spec/ocsp_spec.lua. Same form
-- as mutate/mutations.lua.
local S = "spec/ocsp_spec.lua"
local CHECK = "csrc/pki/tls_ocsp.c"
local HS = "csrc/hs/tls_ocsp_hs.c"
local OURS = "OCSP stapling between our client and our server TLSv1.3 "

return {
   { name = "ocsp_signature_unchecked", file = CHECK,
     from = [[if (OCSP_basic_verify(bs, chain, store, 0) <= 0) {]],
     to = [[if (0 && OCSP_basic_verify(bs, chain, store, 0) <= 0) {]],
     specs = { { S, OURS .. "fails on the bad response .bad_sig." } } },
   { name = "ocsp_validity_unchecked", file = CHECK,
     from = [[if (!OCSP_check_validity(this_upd, next_upd, OCSP_CLOCK_SKEW, maxsec)) {]],
     to = [[if (0 && !OCSP_check_validity(this_upd, next_upd, OCSP_CLOCK_SKEW, maxsec)) {]],
     specs = { { S, "our client against openssl s_server -status_file TLSv1.3: an expired response is bad" } } },
   { name = "ocsp_certid_unchecked", file = CHECK,
     from = [[int same = ours != NULL && OCSP_id_cmp(ours, theirs) == 0;]],
     to = [[int same = ours != NULL;]],
     specs = { { S, "our client against openssl s_server -status_file TLSv1.3: a response about another" } } },
   { name = "ocsp_revoked_status_ignored", file = CHECK,
     from = [[        res->status = TLS_OCSP_STATUS_REVOKED;]],
     to = [[        res->status = TLS_OCSP_STATUS_GOOD;]],
     specs = { { S, OURS .. "fails on a revoked certificate even without" } } },
   { name = "ocsp_unknown_status_ignored", file = CHECK,
     from = [[        res->status = TLS_OCSP_STATUS_UNKNOWN;]],
     to = [[        res->status = TLS_OCSP_STATUS_GOOD;]],
     specs = { { S, OURS .. "reports unknown without" } } },
   { name = "ocsp_revoked_soft_fail", file = HS,
     from = [[if (r->status == TLS_OCSP_STATUS_REVOKED) {
        if (trace_client_decision(]],
     to = [[if (0 && r->status == TLS_OCSP_STATUS_REVOKED) {
        if (trace_client_decision(]],
     specs = { { S, OURS .. "fails on a revoked certificate even without" } } },
   { name = "ocsp_require_ignored", file = HS,
     from = [[if (require && r->status != TLS_OCSP_STATUS_GOOD) {]],
     to = [[if (0 && require && r->status != TLS_OCSP_STATUS_GOOD) {]],
     specs = { { S, OURS .. "staples nothing when the function returns nil" } } },
   { name = "ocsp_status_type_unchecked", file = HS,
     from = [[if (type != STATUS_TYPE_OCSP)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,]],
     to = [[if (0 && type != STATUS_TYPE_OCSP)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,]],
     specs = { { S, "refuses status_type 2" } } },
   { name = "ocsp_sh12_status_request_not_empty", file = HS,
     from = [[if (tls_rd_left(r) != 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ServerHello status_request is not empty");]],
     to = [[if (0 && tls_rd_left(r) != 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ServerHello status_request is not empty");]],
     specs = { { S, "refuses a ServerHello status_request that is not empty" } } },
   { name = "ocsp_staple_unasked", file = HS,
     from = [[if (!c->ocsp_asked || c->ocsp_done)]],
     to = [[if (c->ocsp_done)]],
     specs = { { S, OURS .. "keeps today's hello when not asked" } } },
   { name = "ocsp_function_response_unchecked", file = HS,
     from = [[if (c->ocsp_staple.len > 0 &&
            tls_ocsp_response_problem(]],
     to = [[if (0 && c->ocsp_staple.len > 0 &&
            tls_ocsp_response_problem(]],
     specs = { { S, OURS .. "fails the server when the function fails" } } },
   { name = "ocsp_intermediate_staple_taken", file = "csrc/hs/tls13_common.c",
     from = [[if (leaf && (status = tls_hs_find_ext(&exts, TLS_EXT_STATUS_REQUEST)) != NULL &&]],
     to = [[if ((leaf || 1) && (status = tls_hs_find_ext(&exts, TLS_EXT_STATUS_REQUEST)) != NULL &&]],
     specs = { { S, "ignores a response in an intermediate's entry" } } },
   { name = "ocsp_bad_response_soft_without_require", file = "csrc/hs/tls_ocsp_hs.c",
     from = [[    if (!require && r->status == TLS_OCSP_STATUS_BAD) {]],
     to = [[    if (0 && !require && r->status == TLS_OCSP_STATUS_BAD) {]],
     specs = { { "spec/ocsp_spec.lua", "judges a response about another certificate bad" } } },
}
