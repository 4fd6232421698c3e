-- Session 40, review40g: the message of a server none of whose several pairs fits. Same form as
-- mutate/mutations.lua.
local R = "spec/review40g_spec.lua"
return {
  { name = "review40g_no_pair_blames_keys_for_our_sigalgs", file = "csrc/hs/tls_sni.c",
    from = "    int some_off = ch->has_sigalgs && strcmp(left_out, \"none\") != 0;",
    to = "    int some_off = 0;",
    specs = { { R, "TLS 1.3 says our 'sigalgs' leave out the scheme the client accepts" },
              { R, "TLS 1.2 does not say our RSA key cannot sign rsa_pss_rsae_sha384" } } },
  { name = "review40g_no_pair_left_out_names_sha1", file = "csrc/hs/tls_sni.c",
    from = "(tls_hello_offered(off, n_off, id) || !tls_config_sigalg_implemented(id))",
    to = "tls_hello_offered(off, n_off, id)",
    specs = { { "spec/lead31_spec.lua", "is told what its suites' pair lacks: sigalgs rsa_pkcs1_sha1 only" } } },
}
