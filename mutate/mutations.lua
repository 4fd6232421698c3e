-- Security-relevant mutations of csrc/ for `make mutate` (scripts/mutate.lua).
--
-- Each entry plants one bug: in `file`, the text `from` (which must occur
-- exactly once, or the mutation is reported STALE) becomes `to`. Where
-- branches being merged word the code differently, `variants = { { from =,
-- to = [, file = ] }, ... }` lists the forms (a variant's own `file` where
-- the code moved): the first found exactly once is used. `specs`
-- are the tests expected to notice, in the order tried (cheapest first):
-- a spec file, or { file, filter } to run only the tests whose full name
-- matches the Lua pattern `filter` (busted --filter). The first that fails
-- kills the mutation. A listed spec that does not exist is skipped (some
-- name the hostile-server suite, which may land later).
--
-- Keep `from` short and distinctive, one line where possible: other work
-- moves the code around, and a STALE report is easy to refresh. A mutant
-- must still build with -Werror (BROKEN otherwise): keep the variables the
-- removed check used in use, as in `if (0 && x)`.
local K = "spec/mutation_kills_spec.lua"
local M = "spec/malformed_spec.lua"
local X = "spec/x509_spec.lua"
local P = "spec/cert_policy_spec.lua"
local F = "spec/fuzz_regress_spec.lua"
local H = "spec/hostile_server_spec.lua"
local CLIENT, SERVER, COMMON = "csrc/tls_hs_client.c", "csrc/tls_hs_server.c", "csrc/tls_hs_common.c"
local RECORD, X509 = "csrc/tls_record.c", "csrc/tls_x509.c"

return {
   ---------------------------------------------------------------- the client's ServerHello checks
   { name = "sh_session_id_echo_unchecked", file = CLIENT,
     from = [[if (sid.len != c->session_id_len || memcmp(sid.p, c->session_id, sid.len) != 0)]],
     to = [[if (0 && sid.len)]],
     specs = { { M, "session id echo that differs" } } },
   { name = "sh_suite_not_offered_accepted", file = CLIENT,
     from = [[if (!offered(c->cfg->suites, c->cfg->n_suites, suite) || tls_suite_get(suite) == NULL)]],
     to = [[if (tls_suite_get(suite) == NULL)]],
     specs = { { K, "a suite we know but did not offer" }, H } },
   { name = "sh_compression_unchecked", file = CLIENT,
     from = [[if (compression != 0)]], to = [[if (0)]],
     specs = { { M, "compression method other than null" } } },
   { name = "sh_key_share_group_mismatch_accepted", file = CLIENT,
     from = [[if (group != c->group)]], to = [[if (0)]],
     specs = { { K, "names another group than ours" }, H } },
   { name = "sh_version_unchecked", file = CLIENT,
     variants = {
        { from = [[if (version != TLS_VERSION_13 || legacy_version != TLS_VERSION_12)]], to = [[if (0)]] },
        { from = [[if (version != TLS_VERSION_13)]], to = [[if (0 && version)]] },
     },
     specs = { { M, "supported_versions selecting TLS 1.2" } } },
   { name = "sh_legacy_version_unchecked", file = CLIENT,
     variants = {
        { from = [[|| legacy_version != TLS_VERSION_12)]], to = [[)]] },
        { from = [[if (legacy_version != TLS_VERSION_12)]], to = [[if (0)]] },
     },
     specs = { { K, "legacy_version other than TLS 1.2" }, H } },
   { name = "sh_suite_change_after_hrr_accepted", file = CLIENT,
     from = [[if (c->suite != NULL && c->suite->id != suite)]], to = [[if (0)]],
     specs = { { K, "after HelloRetryRequest with another suite" }, H } },

   ---------------------------------------------------------------- the client's HelloRetryRequest checks
   { name = "hrr_second_accepted", file = CLIENT,
     variants = {
        { from = "if (c->hello_retry)\n        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, \"second HelloRetryRequest\");",
          to = "if (0)\n        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, \"second HelloRetryRequest\");" },
        { from = [[if (is_retry && c->hello_retry)]], to = [[if (0 && is_retry)]] },
     },
     specs = { { K, "a second HelloRetryRequest" }, H } },
   { name = "hrr_same_group_accepted", file = CLIENT,
     from = [[|| group == c->group)]], to = [[)]],
     specs = { { K, "for the group we already sent" }, H } },
   { name = "hrr_group_not_offered_accepted", file = CLIENT,
     from = [[if (!offered(c->cfg->groups, c->cfg->n_groups, group) || group == c->group)]],
     to = [[if (group == c->group)]],
     specs = { { K, "for a group we did not offer" }, H } },
   { name = "hrr_no_change_accepted", file = CLIENT,
     from = [[if (ks == NULL && cookie == NULL)]], to = [[if (0)]],
     specs = { { K, "that changes nothing" }, H } },

   ---------------------------------------------------------------- the client's checks of encrypted messages
   { name = "ee_disallowed_extension_accepted", file = CLIENT,
     variants = {
        { from = [[tls_hs_only_extensions(c, &exts, allowed, 2, "EncryptedExtensions") != 0]], to = [[((void)allowed, 0)]] },
        { from = [[tls_ext_check(c, &exts, TLS_EXT_IN_EE) != 0]], to = [[0]] },
     },
     specs = { { K, "EncryptedExtensions with an extension we did not offer" }, H } },
   { name = "empty_certificate_accepted", file = COMMON,
     from = [[if (sk_X509_num(c->peer_chain) == 0)]], to = [[if (0)]],
     specs = { { K, "Certificate without certificates" }, H } },
   { name = "server_certificate_context_accepted", file = COMMON,
     from = [[if (!c->is_server && context.len != 0)]], to = [[if (0 && context.len)]],
     specs = { { K, "Certificate with a request context" }, H } },
   { name = "cv_signature_unchecked", file = COMMON,
     from = [[if (tls_sig_verify(c->peer_key, scheme, content, n, sig.p, sig.len, &c->err) != 0)]],
     to = [[if (0)]],
     specs = { { K, "signature does not verify" }, H } },
   { name = "cv_scheme_not_offered_accepted", file = COMMON,
     from = [[if (i == c->cfg->n_sigalgs)]], to = [[if (0)]],
     specs = { { K, "with a scheme we did not offer" }, H } },
   { name = "client_skips_server_finished_check", file = CLIENT,
     from = [[if (tls_hs_check_finished(c, body, c->keys.server_hs) != 0 ||]],
     to = [[if ((tls_hs_check_finished(c, body, c->keys.server_hs), 0) ||]],
     specs = { { K, "server Finished that does not match" }, H } },
   { name = "finished_compare_always_equal", file = COMMON,
     from = [[if (CRYPTO_memcmp(expected, got, c->suite->hash_len) != 0)]], to = [[if (0)]],
     specs = { { M, "a Finished with one wrong byte" }, { K, "server Finished that does not match" } } },
   { name = "finished_length_lax", file = COMMON,
     from = [[if (got == NULL || !tls_rd_end(body))]], to = [[if (got == NULL)]],
     specs = { { K, "Finished one byte too long" } } },

   ---------------------------------------------------------------- certificate verification
   { name = "verify_skipped", file = COMMON,
     from = "if (c->cfg->verify &&\n        tls_x509_verify(", to = "if (0 &&\n        tls_x509_verify(",
     specs = { { X, "certificate verification refuses" } } },
   { name = "verify_result_ignored", file = X509,
     from = [[if (X509_verify_cert(ctx) == 1) {]], to = [[if (X509_verify_cert(ctx) == 1 || 1) {]],
     specs = { { X, "certificate verification refuses" } } },
   { name = "time_not_checked", file = X509,
     from = "    ERR_clear_error();\n    if (X509_verify_cert(ctx) == 1) {",
     to = "    X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), X509_V_FLAG_NO_CHECK_TIME);\n"
        .. "    ERR_clear_error();\n    if (X509_verify_cert(ctx) == 1) {",
     specs = { { X, "refuses an expired certificate" }, { P, "validity dates" } } },
   { name = "purpose_not_set", file = X509,
     from = [[X509_STORE_CTX_set_purpose(ctx,]], to = [[if (0) X509_STORE_CTX_set_purpose(ctx,]],
     specs = { { P, "clientAuth only" } } },
   { name = "purpose_sides_swapped", file = X509,
     from = "X509_PURPOSE_SSL_CLIENT\n                                                   : X509_PURPOSE_SSL_SERVER",
     to = "X509_PURPOSE_SSL_SERVER\n                                                   : X509_PURPOSE_SSL_CLIENT",
     specs = { { P, "clientAuth only" } } },
   { name = "partial_wildcards_allowed", file = X509,
     from = [[X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS]], to = [[0]],
     specs = { { P, "partial wildcard" } } },
   { name = "host_name_not_set", file = X509,
     from = [[if (name != NULL && set_expected_name(]], to = [[if (0 && set_expected_name(]],
     specs = { { X, "refuses a certificate for another host" }, { P, "wildcard names" } } },
   { name = "ip_checked_as_dns_name", file = X509,
     from = [[if (tls_is_ip_literal(name)) {]], to = [[if (0) {]],
     specs = { { X, "checks IP literals" } } },
   { name = "chain_limit_removed", file = COMMON,
     from = [[if (sk_X509_num(c->peer_chain) >= TLS_MAX_CHAIN_LENGTH)]], to = [[if (0)]],
     specs = { { P, "refuses 11 certificates" } } },
   { name = "chain_limit_one_short", file = COMMON,
     from = [[if (sk_X509_num(c->peer_chain) >= TLS_MAX_CHAIN_LENGTH)]],
     to = [[if (sk_X509_num(c->peer_chain) >= TLS_MAX_CHAIN_LENGTH - 1)]],
     specs = { { P, "accepts 10 certificates" } } },
   { name = "verify_without_name_allowed", file = "csrc/tls_engine.c",
     from = [[if (c->cfg->verify && c->server_name == NULL) {]], to = [[if (0) {]],
     specs = { { K, "without a name to check" } } },

   ---------------------------------------------------------------- the server's ClientHello checks
   { name = "ch_tls12_only_accepted", file = SERVER,
     from = [[if (!offers_13) {]], to = [[if (0) {]],
     specs = { { M, "offering only TLS 1.2 is" } } },
   { name = "ch_compression_unchecked", file = SERVER,
     from = [[if (compression.len != 1 || compression.p[0] != 0)]], to = [[if (0)]],
     specs = { { M, "compression other than null" } } },
   { name = "ch_share_outside_groups_accepted", file = SERVER,
     variants = {
        { from = [[if (j == ch->n_groups)]], to = [[if (0)]] },
        { from = [[if (listed != NULL && !tls_u16_set_has(listed, group))]], to = [[if (0 && listed)]] },
     },
     specs = { { M, "not in supported_groups" } } },
   { name = "ch_duplicate_share_accepted", file = SERVER,
     variants = {
        { from = [[if (ch->share_groups[i] == group)]], to = [[if (0)]] },
        { from = [[if (tls_u16_set_add(&seen, group))]], to = [[if ((tls_u16_set_add(&seen, group), 0))]] },
     },
     specs = { { M, "two key shares for one group" } } },
   { name = "ch_missing_sigalgs_accepted", file = SERVER,
     variants = {
        { from = [[if (!ch->has_sigalgs)]], to = [[if (0)]] },
        { from = [[if (tls_hs_find_ext(&exts, TLS_EXT_SIGNATURE_ALGORITHMS) == NULL)]], to = [[if (0)]] },
     },
     specs = { { K, "without signature_algorithms" } } },
   { name = "ch_missing_key_share_accepted", file = SERVER,
     from = [[if (!ch->has_groups || !ch->has_key_share)]], to = [[if (!ch->has_groups)]],
     specs = { { K, "without a key_share extension" } } },
   { name = "ch2_suite_change_accepted", file = SERVER,
     from = [[if (c->suite != NULL && c->suite != suite)]], to = [[if (0)]],
     specs = { { K, "a second time with other cipher suites" } } },
   { name = "ch2_share_for_other_group_accepted", file = SERVER,
     from = [[if (share == NULL || c->group != retry_group || ch.n_shares != 1)]],
     to = [[if (share == NULL || ch.n_shares != 1)]],
     specs = { { K, "another group than the one asked for" } } },
   { name = "duplicate_extension_accepted", file = COMMON,
     variants = {
        { from = "            if (list->ext[i].type == type)\n                return", to = "            if (0)\n                return" },
        { file = "csrc/tls_ext.c", from = [[if (duplicate)]], to = [[if (0 && duplicate)]] },
     },
     specs = { { M, "a duplicate extension is" } } },

   ---------------------------------------------------------------- the record layer
   { name = "record_version_unchecked", file = RECORD,
     from = [[if ((version >> 8) != 3)]], to = [[if (0)]],
     specs = { { M, "legacy_record_version 0x0200" } } },
   { name = "ciphertext_length_unchecked", file = RECORD,
     from = [[if (len > TLS_MAX_CIPHERTEXT)]], to = [[if (0)]],
     specs = { { K, "header longer than" } } },
   { name = "plaintext_length_unchecked", file = RECORD,
     variants = {
        { from = [[if (full > TLS_MAX_PLAINTEXT + 1) {]], to = [[if (0) {]] },
        { from = [[if (full > c->recv_limit) {]], to = [[if (0) {]] },
     },
     specs = { { M, "protected record of more than" }, F } },
   { name = "padding_only_record_accepted", file = RECORD,
     from = [[rc = tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "protected record without a content type");]],
     to = [[rc = 0;]],
     specs = { { K, "padding only" }, F } },
   { name = "handshake_message_size_unlimited", file = RECORD,
     variants = {
        { from = [[if (body > TLS_MAX_HANDSHAKE_MESSAGE)]], to = [[if (0)]] },
        { from = [[if (body > max)]], to = [[if (0 && max)]] },
     },
     specs = { { M, "larger than 64 KiB" } } },
   { name = "handshake_continues_after_key_change", file = RECORD,
     from = [[if (epoch != c->rd_epoch && pos < c->hs_in.len)]], to = [[if (0 && epoch)]],
     specs = { { K, "followed in its record" } } },
   { name = "ccs_outside_window_accepted", file = RECORD,
     from = [[if (!in_window)]], to = [[if (0 && in_window)]],
     specs = { { M, "change_cipher_spec before the ClientHello" } } },
   { name = "ccs_twice_accepted", file = RECORD,
     from = [[if (++c->ccs_records > TLS_MAX_CCS_RECORDS)]], to = [[if (0)]],
     specs = { { K, "a second change_cipher_spec" } } },
   { name = "alert_length_unchecked", file = RECORD,
     from = [[if (len != 2)]], to = [[if (0)]],
     specs = { { M, "alert record of one or three bytes" } } },
   { name = "application_data_before_finished_accepted", file = RECORD,
     from = "if (!(c->status & TLS_STATUS_HANDSHAKE_DONE))\n            rc = tls_fail(",
     to = "if (0)\n            rc = tls_fail(",
     specs = { { M, "application data before the client's Finished" } } },
   { name = "empty_record_flood_allowed", file = RECORD,
     from = [[if (++c->empty_records > TLS_MAX_EMPTY_RECORDS)]], to = [[if (0)]],
     specs = { { M, "more than 32" } } },
   { name = "bad_record_mac_ignored", file = "csrc/tls_aead.c",
     from = [[if (EVP_CipherFinal_ex(a->ctx, out + outl, &finl) != 1) {]],
     to = [[if (EVP_CipherFinal_ex(a->ctx, out + outl, &finl) != 1 && 0) {]],
     specs = { { M, "flipped tag" }, "spec/rejections_spec.lua" } },
   { name = "read_sequence_not_incremented", file = "csrc/tls_aead.c",
     from = "    *pt_len = ct_len;\n    a->seq++;", to = "    *pt_len = ct_len;",
     specs = { { M, "resets the count of empty records" }, F } },
   { name = "nonce_without_sequence_number", file = "csrc/tls_aead.c",
     from = [[^= (uint8_t)(a->seq >> (8 * i));]], to = [[^= 0;]],
     specs = { "spec/kat_rfc8448_spec.lua", "spec/interop_openssl_spec.lua" } },

   ---------------------------------------------------------------- after the handshake
   { name = "key_update_read_key_kept", file = COMMON,
     from = [[tls_record_set_read_key(c, peer_secret, "peer's next application traffic secret") != 0]],
     to = [[0]],
     specs = { { K, "reads with the client's next key" }, F, H } },
   { name = "key_update_request_ignored", file = COMMON,
     from = [[if (request == 1 && !(c->status & TLS_STATUS_CLOSED))]], to = [[if (0)]],
     specs = { { K, "answers a KeyUpdate that requests one" }, H } },
   { name = "key_update_bad_request_accepted", file = COMMON,
     from = [[if (request > 1)]], to = [[if (0)]],
     specs = { { K, "KeyUpdate with request_update 2" }, H } },
   { name = "server_accepts_session_ticket", file = COMMON,
     from = [[if (type == TLS_HS_NEW_SESSION_TICKET && !c->is_server)]],
     to = [[if (type == TLS_HS_NEW_SESSION_TICKET)]],
     specs = { { K, "NewSessionTicket" } } },
}
