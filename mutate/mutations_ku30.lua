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
    from = [[        if (id->can_sign || (c->is_server && rsa && id->can_encipher))]],
    to = [[        if (id->can_sign || (rsa && id->can_encipher))]],
    specs = { { S, "is refused for a client when it lacks digitalSignature" } } },
  -- keyEncipherment taken as a use of an EC key
  { name = "ku30_ec_encipher_kept", file = "csrc/pki/tls_config.c",
    from = [[        if (id->can_sign || (c->is_server && rsa && id->can_encipher))]],
    to = [[        if (id->can_sign || (c->is_server && id->can_encipher))]],
    specs = { { S, "is refused for a server when it allows neither" } } },
  -- a server pair nothing can use kept
  { name = "ku30_server_pair_kept", file = "csrc/pki/tls_config.c",
    from = [[        if (id->can_sign || (c->is_server && rsa && id->can_encipher))]],
    to = [[        if (id->can_sign || c->is_server)]],
    specs = { { S, "is refused for a server when it allows neither" } } },
}
