-- Mutations for the lead's session 24 work (must-staple; spec/lead24_spec.lua).
-- Same form as mutate/mutations.lua.
local L = "spec/lead24_spec.lua"
local O = "csrc/hs/tls_ocsp_hs.c"

return {
  -- rfc7633: the TLS feature read and ignored
  { name = "lead24_must_staple_ignored", file = O,
    from = [[    int require = c->pol.ocsp == TLS_OCSP_REQUIRE || must_staple;]],
    to = [[    int require = c->pol.ocsp == TLS_OCSP_REQUIRE || (must_staple && 0);]],
    specs = { { L, "without a stapled response fails a client with ocsp = true" } } },
  -- the feature list searched for another extension number
  { name = "lead24_must_staple_wrong_feature", file = O,
    from = [[        found = ASN1_INTEGER_get(sk_ASN1_INTEGER_value(features, i)) == TLS_EXT_STATUS_REQUEST;]],
    to = [[        found = ASN1_INTEGER_get(sk_ASN1_INTEGER_value(features, i)) == 17;]],
    specs = { { L, "without a stapled response fails a client with ocsp = true" } } },
  -- every certificate taken as must-staple
  { name = "lead24_must_staple_everyone", file = O,
    from = [[    if (leaf == NULL || X509_get_ext_by_NID(leaf, NID_tlsfeature, -1) < 0)
        return 0;]],
    to = [[    if (leaf == NULL)
        return 0;
    if (X509_get_ext_by_NID(leaf, NID_tlsfeature, -1) < 0)
        return 1;]],
    specs = { { L, "(control) a certificate without the feature" } } },
}
