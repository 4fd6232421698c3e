-- Review 44b: the client's checks of a hostile server's messages that no
-- planted bug reached before (its tests, mostly older, already kill them).
local C13 = "csrc/hs/tls13_common.c"
local C12 = "csrc/hs/tls12_common.c"
local X = "csrc/hs/tls_ext.c"
local H = "spec/hostile_server_spec.lua"
local R = "spec/review44b_spec.lua"
return {
  { name = "r44b_cert_entry_ext_unchecked", file = C13,
    from = [[tls_ext_check(c, &exts, TLS_EXT_IN_CT) != 0 ||]], to = [[0 ||]],
    specs = { { H, "certificate entry extension it never asked for" } } },
  { name = "r44b_cert_entry_not_a_response", file = X,
    from = [[msg == TLS_EXT_IN_EE || msg == TLS_EXT_IN_CT;]], to = [[msg == TLS_EXT_IN_EE;]],
    specs = { { H, "certificate entry extension it never asked for" } } },
  { name = "r44b_keyupdate_trailing_taken", file = C13,
    from = [[    if (!tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "KeyUpdate message is malformed");]],
    to = [[    if (0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "KeyUpdate message is malformed");]],
    specs = { { H, "refuses a KeyUpdate of two bytes" } } },
  { name = "r44b_nst_early_data_trailing_taken", file = C13,
    from = [[if (!tls_rd_end(early))]], to = [[if (0 && !tls_rd_end(early))]],
    specs = { { H, "still checks the extensions of an ignored ticket" } } },
  { name = "r44b_nst_ext_unchecked", file = C13,
    from = [[tls_ext_check(c, &exts, TLS_EXT_IN_NST) != 0)]], to = [[0)]],
    specs = { { H, "has no place in a ticket" } } },
  { name = "r44b_cert13_trailing_taken", file = C13,
    from = [[    if (!tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "Certificate message is malformed");]],
    to = [[    if (0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "Certificate message is malformed");]],
    specs = { { R, "TLS 1.3 client against a malformed Certificate refuses bytes after" } } },
  { name = "r44b_cert13_entry_truncated_taken", file = C13,
    from = [[if (!tls_rd_ok(list) || der.len == 0)]], to = [[if (der.len == 0)]],
    specs = { { R, "extension block runs past the list" } } },
  { name = "r44b_cert12_trailing_taken", file = C12,
    from = [[    if (!tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "Certificate message is malformed");]],
    to = [[    if (0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "Certificate message is malformed");]],
    specs = { { R, "TLS 1.2 client against a malformed Certificate refuses bytes after" } } },
  { name = "r44b_ocsp_empty_response_taken", file = "csrc/hs/tls_ocsp_hs.c",
    from = [[if (!tls_rd_end(body) || resp.len == 0)]], to = [[if (!tls_rd_end(body))]],
    specs = { { "spec/ocsp_spec.lua", "refuses a truncated CertificateStatus: decode_error" } } },
  { name = "r44b_ocsp_overlong_response_taken", file = "csrc/hs/tls_ocsp_hs.c",
    from = [[if (!tls_rd_end(body) || resp.len == 0)]], to = [[if (resp.len == 0)]],
    specs = { { "spec/ocsp_spec.lua", "refuses a byte after the response in CertificateStatus" } } },
  { name = "r44b_cert_der_trailing_taken", file = "csrc/pki/tls_cert_cache.c",
    from = [[if (cert == NULL || p != der + len)]], to = [[if (cert == NULL)]],
    specs = { { R, "a byte after its DER" } } },
  { name = "r44b_tls12_ticket_hint_uncapped", file = "csrc/hs/tls12_resume_client.c",
    from = [[return hint > TLS_MAX_TICKET_LIFETIME ? TLS_MAX_TICKET_LIFETIME : hint;]], to = [[return hint;]],
    specs = { { "spec/resume12_client_spec.lua", "keeps a session for the lifetime hint" } } },
  { name = "r44b_post_handshake_certificate_request_ignored", file = C13,
    from = [[    return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "unexpected %s message after the handshake",]],
    to = [[    if (type == TLS_HS_CERTIFICATE_REQUEST)
        return 0;
    return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "unexpected %s message after the handshake",]],
    specs = { { H, "refuses a CertificateRequest after the handshake" } } },
  { name = "r44b_sh_legacy_0304_reason_lost", file = "csrc/hs/tls_hello_client.c",
    from = [[if (sh.legacy_version > TLS_VERSION_12 && sh.legacy_version <= TLS_VERSION_13)]], to = [[if (0)]],
    specs = { { "spec/review38_spec.lua", "a ServerHello of legacy_version 0x0304 without it" } } },
  { name = "r44b_rsl_malformed_taken", file = X,
    from = [[    if (!tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "%s record_size_limit is malformed", where);]],
    to = [[    if (0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "%s record_size_limit is malformed", where);]],
    specs = { { "spec/malformed_spec.lua", "a record_size_limit of three bytes" } } },
  { name = "r44b_utf8_overlong_taken", file = "csrc/pki/tls_x509.c",
    from = [[if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))]], to = [[if ((min && 0) || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))]],
    specs = { { R, "replaces an overlong form byte by byte" } } },
  { name = "r44b_utf8_surrogate_taken", file = "csrc/pki/tls_x509.c",
    from = [[if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))]], to = [[if (v < min || v > 0x10ffff)]],
    specs = { { R, "replaces a UTF.16 surrogate byte by byte" } } },
  { name = "r44b_utf8_past_unicode_taken", file = "csrc/pki/tls_x509.c",
    from = [[if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))]], to = [[if (v < min || (v >= 0xd800 && v <= 0xdfff))]],
    specs = { { R, "replaces a value past U.10FFFF byte by byte" } } },
  { name = "r44b_names_cut_inside_character", file = "csrc/pki/tls_x509.c",
    from = [[n = tls_utf8_cut(s, room);]],
    to = [[n = room;]],
    specs = { { R, "are cut before a character, never inside one" } } },
  { name = "r44b_reason_cut_inside_character", file = "csrc/util/tls_err.c",
    from = [[e->buf[tls_utf8_cut(e->buf, TLS_REASON_MAX - 1)] = '\0';]], to = [[(void)0;]],
    specs = { { R, "ends before a character it would cut" } } },
}
