-- Mutations for session 20's sweep of security checks no planted bug
-- touched (every tls_fail with a security alert in csrc/hs, csrc/record,
-- csrc/pki, csrc/crypto/tls_sig.c and csrc/engine, against the `from` texts
-- of all lists). Same form as mutate/mutations.lua. Each is killed by an
-- existing test or by spec/mutcov20_spec.lua.
local SIG, C12, S12 = "csrc/crypto/tls_sig.c", "csrc/hs/tls12_client.c", "csrc/hs/tls12_server.c"
local M = "spec/mutcov20_spec.lua"
local REC, DISP = "csrc/record/tls_record.c", "csrc/engine/tls_dispatch.c"

return {
  -- rfc8446#4.4.3: a signature that does not verify (the prepared-key path)
  { name = "mutcov20_sig_prehashed_bad_ignored", file = SIG,
    from = [[        if (bad) {]], to = [[        if (0 && bad) {]],
    specs = { { "spec/hostile_server_spec.lua", "refuses a signature with one bit flipped" } } },
  -- rfc8446#4.4.3: the peer's scheme must fit its certificate's key
  { name = "mutcov20_sig_verify_scheme_fit_unchecked", file = SIG,
    from = [[    if (!fits_version(key, s, tls12))
        return tls_fail(err, TLS_ALERT_ILLEGAL_PARAMETER,]],
    to = [[    if (0 && !fits_version(key, s, tls12))
        return tls_fail(err, TLS_ALERT_ILLEGAL_PARAMETER,]],
    specs = { { "spec/kat_rfc8448_spec.lua", "rejects a scheme that does not fit the key" } } },
  -- rfc5246#7.4.8: a client certificate's scheme must fit its key
  { name = "mutcov20_tls12_cv_scheme_fit_unchecked", file = S12,
    from = [[    if (!tls12_sig_scheme_fits_key(c->peer_key, scheme))]],
    to = [[    if (0 && !tls12_sig_scheme_fits_key(c->peer_key, scheme))]],
    specs = { { M, "refuses a CertificateVerify whose scheme does not fit the client" } } },
  -- rfc8422#5.4: named_curve is the only curve type
  { name = "mutcov20_tls12_ske_curve_type", file = C12,
    from = [[    if (curve_type != 3)]], to = [[    if (0 && curve_type != 3)]],
    specs = { { M, "refuses a ServerKeyExchange whose curve type is not named_curve" } } },
  { name = "mutcov20_ccs_contents", file = DISP,
    from = [[    if (len != 1 || data[0] != 0x01)]], to = [[    if (0 && (len != 1 || data[0] != 0x01))]],
    specs = { { "spec/malformed_spec.lua", "a change_cipher_spec of 0x02 inside the handshake is unexpected_message" } } },
  -- rfc8446#4.2.10: accepted early data only for the first PSK
  { name = "mutcov20_early_selected_identity", file = "csrc/hs/tls13_early.c",
    from = [[    if (selected_identity != 0)]], to = [[    if (0 && selected_identity != 0)]],
    specs = { { M, "refuses early_data in the EncryptedExtensions of a full handshake" } } },
  -- rfc8446#4.2.11: a binder is at least 32 bytes
  { name = "mutcov20_psk_binder_short", file = "csrc/hs/tls13_psk_server.c",
    from = [[if (!tls_rd_ok(&v) || b.len < 32)]], to = [[if (!tls_rd_ok(&v) || b.len < 1)]],
    specs = { { "spec/malformed_resume_spec.lua", "a binder shorter than 32 bytes is decode_error" } } },
  -- rfc8446#4.2.1: a TLS 1.2 ServerHello only when we offered TLS 1.2
  { name = "mutcov20_client_tls12_when_not_offered", file = "csrc/hs/tls_hello_client.c",
    from = [[    if (sh.legacy_version != TLS_VERSION_12 || c->offered_min > TLS_VERSION_12)]],
    to = [[    if (0 && (sh.legacy_version != TLS_VERSION_12 || c->offered_min > TLS_VERSION_12))]],
    specs = { { "spec/rejections_spec.lua", "refuses a server that only speaks TLS 1.2, by its ServerHello" } } },
  -- rfc8446#5: a protected record of type change_cipher_spec
  { name = "mutcov20_protected_ccs", file = "csrc/record/tls_protect13.c",
    from = [[} else if ((inner = dst[--n]) == TLS_CT_CHANGE_CIPHER_SPEC) {]],
    to = [[} else if ((inner = dst[--n]) == 0xff) {]],
    specs = { { "spec/fuzz_regress_spec.lua", "takes every seed of fuzz_record to the state it was recorded for" } } },
  -- rfc6066#3: a host name holds no NUL and fits 255 bytes
  { name = "mutcov20_sni_nul", file = "csrc/hs/tls_hello_server.c",
    from = [[            if (name.p[i] <= 0x20 || name.p[i] >= 0x7f)]],
    to = [[            if ((name.p[i] != 0 && name.p[i] <= 0x20) || name.p[i] >= 0x7f)]],
    specs = { { M, "refuses one with a NUL byte" } } },
  { name = "mutcov20_sni_too_long", file = "csrc/hs/tls_hello_server.c",
    from = [[        if (name.len > 255)]],
    to = [[        if (name.len > 256)]],
    specs = { { M, "refuses one of 256 bytes" } } },
  -- rfc8446#4.4.3: no scheme in common is handshake_failure
  { name = "mutcov20_tls13_no_sigscheme", file = "csrc/hs/tls13_server.c",
    from = [[        if (c->sigscheme == 0)
            return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,]],
    to = [[        if (0 && c->sigscheme == 0)
            return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,]],
    specs = { { "spec/malformed_spec.lua", "only signature schemes we do not know is handshake_failure" } } },
  -- rfc8446#5.1: handshake messages not interleaved with other records
  { name = "mutcov20_record_interleave", file = REC,
    from = [[    if (c->hs_in.len > 0 && type != TLS_CT_HANDSHAKE && !(c->rd_protected && type == TLS_CT_APPLICATION_DATA) &&]],
    to = [[    if (0 && c->hs_in.len > 0 && type != TLS_CT_HANDSHAKE && !(c->rd_protected && type == TLS_CT_APPLICATION_DATA) &&]],
    specs = { { "spec/record_rules_spec.lua", "an application_data record inside a fragmented ClientHello is named as such" } } },
  -- SSL 2.0 records refused with protocol_version
  { name = "mutcov20_ssl2_record", file = REC,
    from = [[    if (first && (type & 0x80))]], to = [[    if (first == 2 && (type & 0x80))]],
    specs = { { "spec/malformed_spec.lua", "an SSL 2.0 ClientHello is protocol_version" } } },
  -- rfc8446#5.1: a plaintext record holds at most 2^14 bytes
  { name = "mutcov20_plaintext_overflow", file = REC,
    from = [[    if (!protected_record && len > TLS_MAX_PLAINTEXT)]],
    to = [[    if (!protected_record && len > TLS_MAX_PLAINTEXT + 256)]],
    specs = { { "spec/malformed_spec.lua", "a plaintext record longer than 2^14 is record_overflow" } } },
  -- rfc8446#5.1: no empty handshake, alert or CCS records
  { name = "mutcov20_empty_record", file = REC,
    from = [[    if (len == 0 && type != TLS_CT_APPLICATION_DATA)]],
    to = [[    if (0 && len == 0 && type != TLS_CT_APPLICATION_DATA)]],
    specs = { { M, "refuses an empty alert record by name" } } },
  -- rfc8446#4.2.9: no key_share only with psk_ke
  { name = "mutcov20_tls13_missing_key_share", file = "csrc/hs/tls13_client.c",
    from = [[    if (ks == NULL && !tls13_psk_client_psk_ke_ok(c))]],
    to = [[    if (0 && ks == NULL && !tls13_psk_client_psk_ke_ok(c))]],
    specs = { { "spec/hostile_server_spec.lua", "refuses a ServerHello without key_share" } } },
  -- rfc8446#5: nothing unprotected once handshake keys are in use
  { name = "mutcov20_unprotected_after_keys", file = REC,
    from = [[    if (type != TLS_CT_APPLICATION_DATA && !tls_protect_read_tls12(c))]],
    to = [[    if (0 && type != TLS_CT_APPLICATION_DATA && !tls_protect_read_tls12(c))]],
    specs = { { "spec/record_rules_spec.lua", "a client refuses a plaintext alert after the ServerHello" } } },
  -- rfc5246#7.4.8: a client that sent a certificate proves it holds the key
  { name = "mutcov20_tls12_ccs_before_cv", file = S12,
    from = [[    if (c->state == ST_SERVER12_WAIT_CV)]], to = [[    if (0 && c->state == ST_SERVER12_WAIT_CV)]],
    specs = { { "spec/mtls_server_spec.lua", "wants CertificateVerify after a certificate" } } },
  -- rfc8446#4.4.2.4: a client refuses an empty server Certificate
  { name = "mutcov20_tls13_empty_server_certificate", file = "csrc/hs/tls13_common.c",
    from = [[        if (c->is_server)
            return 0;
        /* rfc8446#4.4.2.4: an empty server Certificate is a decode_error. */]],
    to = [[        if (1 || c->is_server)
            return 0;
        /* rfc8446#4.4.2.4: an empty server Certificate is a decode_error. */]],
    specs = { { "spec/hostile_server_spec.lua", "refuses an empty certificate list" } } },
  -- rfc5246#7.4.2: every suite we speak has a server certificate
  { name = "mutcov20_tls12_empty_server_certificate", file = C12,
    from = [[    if (empty)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "server sent no certificate");]],
    to = [[    if (0 && empty)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "server sent no certificate");]],
    specs = { { M, "refuses an empty server Certificate" } } },
  -- rfc8446#9.2: a TLS 1.3 ClientHello without supported_groups is missing_extension
  { name = "mutcov20_tls13_no_supported_groups", file = "csrc/hs/tls13_server.c",
    from = [[    if (!ch->has_groups)
        return tls_fail(&c->err, TLS_ALERT_MISSING_EXTENSION,]],
    to = [[    if (0 && !ch->has_groups)
        return tls_fail(&c->err, TLS_ALERT_MISSING_EXTENSION,]],
    specs = { { M, "and without key_share refuses it with missing_extension" } } },
  -- rfc8446#4.1.1: a HelloRetryRequest only for a group the client supports
  { name = "mutcov20_tls13_retry_group_not_common", file = "csrc/hs/tls13_server.c",
    from = [[        if (ch->groups & ((uint32_t)1 << i)) {
            c->group = c->pol.groups[i];]],
    to = [[        if (1 || (ch->groups & ((uint32_t)1 << i))) {
            c->group = c->pol.groups[i];]],
    specs = { { "spec/malformed_spec.lua", "only groups we do not know is handshake_failure" } } },
  -- rfc8446#4.5: after accepted 0-RTT the next message is EndOfEarlyData
  { name = "mutcov20_eoed_expected", file = "csrc/hs/tls13_early.c",
    from = [[    if (type != TLS_HS_END_OF_EARLY_DATA) {]], to = [[    if (0 && type != TLS_HS_END_OF_EARLY_DATA) {]],
    specs = { { "spec/early_data_resume_spec.lua", "wants EndOfEarlyData, not Finished, after accepting early data" } } },
  -- rfc5077#3.3: one NewSessionTicket before the ChangeCipherSpec
  { name = "mutcov20_tls12_second_ticket", file = "csrc/hs/tls12_resume_client.c",
    from = [[    if (t->ticket_received)]], to = [[    if (0 && t->ticket_received)]],
    specs = { { M, "refuses a second NewSessionTicket" } } },
  -- rfc5246#7.4.6: a client certificate of a kind the server asked for
  { name = "mutcov20_tls12_client_cert_kind", file = S12,
    from = [[        if (!EVP_PKEY_is_a(c->peer_key, "RSA") && !EVP_PKEY_is_a(c->peer_key, "RSA-PSS") &&]],
    to = [[        if (0 && !EVP_PKEY_is_a(c->peer_key, "RSA") && !EVP_PKEY_is_a(c->peer_key, "RSA-PSS") &&]],
    specs = { { M, "refuses a client certificate of a kind it did not ask for" } } },
  -- rfc8446#5.1: no alert, no application data inside a fragmented handshake message
  { name = "mutcov20_alert_inside_fragment", file = DISP,
    from = [[        if (c->hs_in.len > 0 && c->version != TLS_VERSION_12)
            return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                            "alert record inside a fragmented handshake message");]],
    to = [[        if (0 && c->hs_in.len > 0)
            return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                            "alert record inside a fragmented handshake message");]],
    specs = { { M, "refuses a protected alert between its fragments" } } },
  { name = "mutcov20_data_inside_fragment", file = DISP,
    from = [[        if (c->hs_in.len > 0 && c->version != TLS_VERSION_12)
            return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                            "application data inside a fragmented handshake message");]],
    to = [[        if (0 && c->hs_in.len > 0)
            return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                            "application data inside a fragmented handshake message");]],
    specs = { { M, "refuses protected application data between its fragments" } } },
  -- rfc7301#3.2: the alpn function refusing every protocol is no_application_protocol
  { name = "mutcov20_alpn_function_refuses_all", file = "csrc/hs/tls_alpn.c",
    from = [[        if (rc == 0)
            return tls_fail(&c->err, TLS_ALERT_NO_APPLICATION_PROTOCOL,]],
    to = [[        if (0 && rc == 0)
            return tls_fail(&c->err, TLS_ALERT_NO_APPLICATION_PROTOCOL,]],
    specs = { { "spec/alpn_spec.lua", "a function returning false sends no_application_protocol" } } },
  -- rfc5246#7.4.1.2: no TLS 1.2 suite in common is handshake_failure
  { name = "mutcov20_tls12_no_suite", file = S12,
    from = [[    if (!any12) {]],
    to = [[    if (0 && !any12) {]],
    specs = { { M, "refuses a TLS 1.2 ClientHello without a TLS 1.2 suite it speaks" } } },
  -- a certificate that does not parse is bad_certificate
  { name = "mutcov20_unparsable_certificate", file = "csrc/hs/tls_hs_common.c",
    from = [[    if (cert == NULL)
        return tls_fail_crypto(&c->err, TLS_ALERT_BAD_CERTIFICATE, "peer certificate cannot be parsed");]],
    to = [[    if (0 && cert == NULL)
        return tls_fail_crypto(&c->err, TLS_ALERT_BAD_CERTIFICATE, "peer certificate cannot be parsed");]],
    specs = { { "spec/hostile_server_spec.lua", "refuses a certificate that does not parse" } } },
  -- rfc8446#4.1.2: the second ClientHello stays TLS 1.3
  { name = "mutcov20_hrr_second_hello_drops_13", file = "csrc/hs/tls_hello_server.c",
    from = [[        if (!ch.offers_13)
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,]],
    to = [[        if (0 && !ch.offers_13)
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,]],
    specs = { { M, "refuses a second ClientHello that offers only TLS 1.2" } } },
  -- rfc5246#7.4: after a TLS 1.2 handshake only a renegotiation request may come
  { name = "mutcov20_tls12_post_handshake_message", file = "csrc/hs/tls12_common.c",
    from = [[    if (!asks_renegotiation) {]], to = [[    if (0 && !asks_renegotiation) {]],
    specs = { { "spec/malformed12_spec.lua", "refuses a HelloRequest from a client" } } },
  -- rfc6066#3: a name the servername function refuses is unrecognized_name
  { name = "mutcov20_servername_function_refusal", file = "csrc/hs/tls_hello_server.c",
    from = [[    if (rc == -1) {]], to = [[    if (0 && rc == -1) {]],
    specs = { { "spec/sni_spec.lua", "false from the servername function is unrecognized_name" } } },
  -- rfc8446#4.2.11: PskIdentity identities<7..2^16-1>, PskBinderEntry binders<33..2^16-1>
  { name = "mutcov20_psk_empty_lists", file = "csrc/hs/tls13_psk_server.c",
    from = [[if (!tls_rd_end(&r) || ids->len == 0 || binders->len == 0)]], to = [[if (!tls_rd_end(&r))]],
    specs = { { "spec/malformed_resume_spec.lua", "an empty identities list is decode_error" } } },
  -- rfc8446#4.2.11: opaque identity<1..2^16-1>
  { name = "mutcov20_psk_empty_identity", file = "csrc/hs/tls13_psk_server.c",
    from = [[if (!tls_rd_ok(&v) || id.len == 0)]], to = [[if (!tls_rd_ok(&v) || (0 && id.len == 0))]],
    specs = { { "spec/malformed_resume_spec.lua", "an identity of 0 bytes is decode_error" } } },
  -- rfc8446#4.2.9: PskKeyExchangeMode ke_modes<1..255>
  { name = "mutcov20_psk_modes_empty", file = "csrc/hs/tls13_psk_server.c",
    from = [[    if (!tls_rd_end(&r) || v.len == 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello psk_key_exchange_modes is malformed");]],
    to = [[    if (!tls_rd_end(&r))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello psk_key_exchange_modes is malformed");]],
    specs = { { "spec/malformed_resume_spec.lua", "psk_key_exchange_modes with an empty list" } } },
}
