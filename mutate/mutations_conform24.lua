-- Mutations for session 24's conformance fixes (review24a; spec/conform24_spec.lua).
-- Same form as mutate/mutations.lua.
local C = "spec/conform24_spec.lua"
local HS = "csrc/hs/tls_hello_server.c"

return {
  -- rfc8446#D.5: a ClientHello of legacy_version 0x0300 or less taken beside supported_versions
  { name = "conform24_legacy_version_unchecked", file = HS,
    from = [[    if (ch->has_supported_versions && ch->legacy_version <= 0x0300)]],
    to = [[    if (ch->has_supported_versions && ch->legacy_version < 0x0300)]],
    specs = { { C, "refuses 0x0300 or less beside supported_versions" } } },
  -- rfc6066#3: control and non-ASCII bytes in a host name
  { name = "conform24_sni_controls_taken", file = HS,
    from = [[            if (name.p[i] <= 0x20 || name.p[i] >= 0x7f)]],
    to = [[            if (name.p[i] == 0)]],
    specs = { { C, "refuses control, space and non-ASCII bytes" }, { C, "never hands such a name" } } },
  { name = "conform24_sni_non_ascii_taken", file = HS,
    from = [[            if (name.p[i] <= 0x20 || name.p[i] >= 0x7f)]],
    to = [[            if (name.p[i] <= 0x20 || name.p[i] == 0x7f)]],
    specs = { { C, "refuses control, space and non-ASCII bytes" } } },
  -- rfc6066#3: a second host name
  { name = "conform24_sni_two_names_taken", file = HS,
    from = [[        if (ch->has_server_name)
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "server_name lists two host names");]],
    to = [[        if (ch->has_server_name)
            continue;]],
    specs = { { C, "refuses two host names" } } },
  -- the unknown name types refused (they must be skipped)
  { name = "conform24_sni_other_types_refused", file = HS,
    from = [[        if (type != 0)
            continue;]],
    to = [[        if (type != 0)
            return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "server_name of another type");]],
    specs = { { C, "takes a host name beside names of unknown types" } } },
  -- rfc8446#4.2.6: post_handshake_auth with a body
  { name = "conform24_pha_body_taken", file = HS,
    from = [[TLS_EXT_POST_HANDSHAKE_AUTH)) != NULL && tls_rd_left(r) != 0)]],
    to = [[TLS_EXT_POST_HANDSHAKE_AUTH)) != NULL && tls_rd_left(r) > 1)]],
    specs = { { C, "refuses post_handshake_auth with a body" } } },
  -- rfc8446#4.2.3: signature_algorithms_cert empty or odd
  { name = "conform24_sigalgs_cert_unchecked", file = HS,
    from = [[        if (!tls_rd_ok(&copy) || list.len == 0 || list.len % 2 != 0 || !tls_rd_end(&copy))]],
    to = [[        if (!tls_rd_ok(&copy) || list.len > 65536 || !tls_rd_end(&copy))]],
    specs = { { C, "refuses an empty or odd signature_algorithms_cert" } } },
  -- rfc6066#4: an undefined max_fragment_length value ignored
  { name = "conform24_mfl_value_unchecked", file = HS,
    from = [[        if (v < 1 || v > 4)]],
    to = [[        if (v > 5)]],
    specs = { { C, "refuses max_fragment_length values other than 1 to 4" } } },
  -- rfc5746: a malformed renegotiation_info taken as not empty
  { name = "conform24_reneg_info_malformed_as_failure", file = "csrc/hs/tls12_server.c",
    from = [[            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello renegotiation_info is malformed");]],
    to = [[            return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE, "ClientHello renegotiation_info is malformed");]],
    specs = { { C, "refuses a malformed TLS 1.2 renegotiation_info" } } },
  -- rfc8446#4.1.2: a second ClientHello changing legacy_session_id
  { name = "conform24_ch2_session_id_unchecked", file = HS,
    from = [[        if (ch.session_id.len != c->session_id_len ||]],
    to = [[        if (0 && (ch.session_id.len != c->session_id_len) &&]],
    specs = { { C, "refuses one that changes the legacy_session_id" } } },
  { name = "conform24_ch2_session_id_not_kept", file = "csrc/hs/tls13_server.c",
    from = [[    c->session_id_len = ch->session_id.len;
    int rc = -1;]],
    to = [[    c->session_id_len = 0;
    int rc = -1;]],
    specs = { { C, "takes one with the same legacy_session_id" } } },
  -- rfc8446#D.5 on the client: illegal_parameter for 0x0300
  { name = "conform24_sh_legacy_alert", file = "csrc/hs/tls13_client.c",
    from = [[sh->legacy_version <= 0x0300 ? TLS_ALERT_PROTOCOL_VERSION : TLS_ALERT_ILLEGAL_PARAMETER]],
    to = [[TLS_ALERT_ILLEGAL_PARAMETER]],
    specs = { { C, "answers 0x0300 or less with protocol_version" } } },
  -- rfc5246#6.2.1: TLS 1.2 data between the pieces of a handshake message refused
  { name = "conform24_tls12_data_interleave_refused", file = "csrc/engine/tls_dispatch.c",
    from = [[        if (c->hs_in.len > 0 && c->version != TLS_VERSION_12)
            return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                            "application data inside a fragmented handshake message");]],
    to = [[        if (c->hs_in.len > 0)
            return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                            "application data inside a fragmented handshake message");]],
    specs = { { C, "delivers the data and answers the renegotiating ClientHello" } } },
}
