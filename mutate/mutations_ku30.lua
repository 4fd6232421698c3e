-- Mutations for session 30's keyUsage checks on our own certificates
-- (spec/keyusage30_spec.lua). Same form as mutate/mutations.lua.
local S = "spec/keyusage30_spec.lua"

return {
  -- a leaf without digitalSignature taken as one that may sign
  { name = "ku30_can_sign_always", file = "csrc/pki/tls_config.c",
    from = [[    id->can_sign = any || (usage & KU_DIGITAL_SIGNATURE) != 0;]],
    to = [[    id->can_sign = 1;]],
    specs = { { S, "serves RSA key transport only" } } },
  -- TLS 1.2 ECDHE signed with it
  { name = "ku30_ecdhe_ignores_usage", file = "csrc/hs/tls12_server.c",
    from = [[    if (s->kx == TLS_KX_RSA ? !id->can_encipher : !id->can_sign)]],
    to = [[    if (s->kx == TLS_KX_RSA ? !id->can_encipher : 0)]],
    specs = { { S, "gives way to a pair that may sign" } } },
  -- the ECDHE client not told why
  { name = "ku30_ecdhe_reason_lost", file = "csrc/hs/tls12_server.c",
    from = [[            sign_usage_only |= s->kx != TLS_KX_RSA && !c->own->can_sign && tls12_key_fits_suite(c->own->key, s);]],
    to = [[            (void)0;]],
    specs = { { S, "serves RSA key transport only" } } },
  -- TLS 1.3 pair choice by key alone
  { name = "ku30_sni_ignores_usage", file = "csrc/hs/tls_sni.c",
    from = [[        return id->can_sign &&]],
    to = [[        return 1 &&]],
    specs = { { S, "gives way to a pair that may sign" } } },
  -- TLS 1.3 signed with a pair the name chose
  { name = "ku30_tls13_signs_without_usage", file = "csrc/hs/tls13_server.c",
    from = [[        if (!c->own->can_sign)]],
    to = [[        if (0)]],
    specs = { { S, "is not used to sign TLS 1.3 when the client's name chose it" } } },
  -- TLS 1.3 spoken with no pair that may sign
  { name = "ku30_can13_ignores_usage", file = "csrc/pki/tls_config.c",
    from = [[            if (c->ids[i].can_sign && tls_sig_scheme_fits_key(c->ids[i].key, sigalgs[j]))]],
    to = [[            if (tls_sig_scheme_fits_key(c->ids[i].key, sigalgs[j]))]],
    specs = { { S, "serves RSA key transport only" }, { S, "is refused by tls.context when nothing else" } } },
  -- the context's reason for TLS 1.3 lost
  { name = "ku30_why_not13_usage", file = "csrc/pki/tls_config.c",
    from = [[    if (!any_signs)]],
    to = [[    if (!any_signs && 0)]],
    specs = { { S, "is refused by tls.context when nothing else" } } },
  -- the context check counting ECDHE suites a pair may not sign for
  { name = "ku30_ctxcheck_sign_usage", file = "csrc/pki/tls_config.c",
    from = [[            if (s->kx == TLS_KX_RSA ? !c->ids[i].can_encipher : !c->ids[i].can_sign) {]],
    to = [[            if (s->kx == TLS_KX_RSA ? !c->ids[i].can_encipher : 0) {]],
    specs = { { S, "is refused by tls.context when nothing else" } } },
  -- a client certificate that may not sign kept
  { name = "ku30_client_pair_kept", file = "csrc/pki/tls_config.c",
    from = [[        if (id->can_sign || (c->is_server && rsa && id->can_encipher && rsa_kx))]],
    to = [[        if (id->can_sign || (rsa && id->can_encipher && rsa_kx))]],
    specs = { { S, "is refused for a client when it lacks digitalSignature" } } },
  -- review30a F5: an encipher-only pair kept with RSA key transport off
  { name = "ku30_encipher_pair_without_rsa_kx", file = "csrc/pki/tls_config.c",
    from = [[    int rsa_kx = has_rsa_kx_suite(c);]],
    to = [[    int rsa_kx = has_rsa_kx_suite(c) || 1;]],
    specs = { { S, "may only encipher and RSA key transport is off" } } },
  { name = "ku30_rsa_kx_with_min13", file = "csrc/pki/tls_config.c",
    from = [[            return c->min_version <= TLS_VERSION_12;]],
    to = [[            return 1;]],
    specs = { { S, "may only encipher and RSA key transport is off" } } },
  -- review30a F1: pair choice by key alone: RSA key transport from an
  -- encipher-only default where another pair gave the ECDHE we prefer
  { name = "ku30_pair_choice_kx_ignored", file = "csrc/hs/tls_sni.c",
    from = [[    return rank >= 0 && (!prefer || kx_at(c, rank) == best_kx12(c, ch));]],
    to = [[    return rank >= 0 && (!prefer || 1 || kx_at(c, rank) == best_kx12(c, ch));]],
    specs = { { S, "gives way to a pair that may sign" } } },
  { name = "ku30_best_kx_from_worst_suite", file = "csrc/hs/tls_sni.c",
    from = [[        if (rank >= 0 && (best < 0 || rank < best))]],
    to = [[        if (rank >= 0 && (best < 0 || rank > best))]],
    specs = { { S, "gives way to a pair that may sign" } } },
  -- keyEncipherment taken as a use of an EC key
  { name = "ku30_ec_encipher_kept", file = "csrc/pki/tls_config.c",
    from = [[        if (id->can_sign || (c->is_server && rsa && id->can_encipher && rsa_kx))]],
    to = [[        if (id->can_sign || (c->is_server && id->can_encipher && rsa_kx))]],
    specs = { { S, "is refused for a server when it allows neither" } } },
  -- a server pair nothing can use kept
  { name = "ku30_server_pair_kept", file = "csrc/pki/tls_config.c",
    from = [[        if (id->can_sign || (c->is_server && rsa && id->can_encipher && rsa_kx))]],
    to = [[        if (id->can_sign || (c->is_server && (rsa_kx || 1)))]],
    specs = { { S, "is refused for a server when it allows neither" } } },
  -- review30a F3: the client certificate's keyUsage blamed on its EKU
  { name = "ku30_client_purpose_blames_eku", file = "csrc/pki/tls_x509.c",
    from = [[    if ((flags & EXFLAG_XKUSAGE) && !(X509_get_extended_key_usage(cert) & want)) {]],
    to = [[    if (want != 0) {]],
    specs = { { S, "is refused by our server, which names the keyUsage" } } },
  { name = "ku30_client_purpose_usage_unnamed", file = "csrc/pki/tls_x509.c",
    from = [[    if (depth == 0 && (flags & EXFLAG_KUSAGE) && peer_is_client &&]],
    to = [[    if (0 && depth == 0 && (flags & EXFLAG_KUSAGE) && peer_is_client &&]],
    specs = { { S, "is refused by our server, which names the keyUsage" } } },
  -- review30a F4: the TLS 1.3-only client not told why
  { name = "ku30_tls13_only_reason_lost", file = "csrc/hs/tls_hello_server.c",
    from = [[        if (no13 != NULL)
            return tls_fail(&c->err, TLS_ALERT_PROTOCOL_VERSION,]],
    to = [[        if (0 && no13 != NULL)
            return tls_fail(&c->err, TLS_ALERT_PROTOCOL_VERSION,]],
    specs = { { S, "tells a TLS 1.3-only client why TLS 1.3 is out" } } },
  { name = "ku30_rsa_kx_hint_lost", file = "csrc/pki/tls_config.c",
    from = [[        rsa_encipher |= c->ids[i].can_encipher && tls_key_kind_of(key, NULL) == TLS_KEY_RSA;]],
    to = [[        (void)0;]],
    specs = { { S, "is refused by tls.context when nothing else" } } },
}
