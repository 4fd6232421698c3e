-- Session 45, review45c (conformance round, spec/review45c_spec.lua): 0-RTT
-- with real peers. Both sides of our engine share these lines, so engine
-- pairs agree with themselves whatever they say; GnuTLS does not.
local S = "spec/review45c_spec.lua"
return {
  { name = "review45c_early_secret_label", file = "csrc/crypto/tls_keysched.c",
    from = [[derive_secret(k, k->early, "c e traffic", th, k->client_early)]],
    to = [[derive_secret(k, k->early, "c e trafic", th, k->client_early)]],
    specs = { { S, "earlydata accepts our early data" } } },
  { name = "review45c_end_of_early_data_not_sent", file = "csrc/hs/tls13_early.c",
    from = [[    int rc = tls_hs_send(c, &msg);
    tls_buf_free(&msg);
    if (rc != 0 || trace_early(c, "send", "EndOfEarlyData",]],
    to = [[    int rc = 0;
    tls_buf_free(&msg);
    if (rc != 0 || trace_early(c, "send", "EndOfEarlyData",]],
    specs = { { S, "earlydata accepts our early data" } } },
  { name = "review45c_early_offered_after_retry", file = "csrc/hs/tls13_early.c",
    from = [[    if (c->hello_retry || !c->pol.early_data || s == NULL || s->version != TLS_VERSION_13 ||]],
    to = [[    if (!c->pol.early_data || s == NULL || s->version != TLS_VERSION_13 ||]],
    specs = { { S, "our early data rejected, resumed" } } },
}
