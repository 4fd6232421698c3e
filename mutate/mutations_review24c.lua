-- Mutations for review24c's gaps (security checks that worked but that no
-- spec tested), each killed by spec/review24c_spec.lua. Same form as
-- mutate/mutations.lua.
local S = "spec/review24c_spec.lua"

return {
  -- F1: the TLS 1.2 Finished's length unchecked: 11 bytes hand a NULL to
  -- CRYPTO_memcmp (a crash), 13 bytes starting with the right verify_data pass
  { name = "review24c_tls12_server_finished_length_unchecked", file = "csrc/hs/tls12_server.c",
    from = [[    if (got == NULL || !tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "Finished has the wrong length");]],
    to = [[    if (0 && (got == NULL || !tls_rd_end(body)))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "Finished has the wrong length");]],
    specs = { { S, "to our TLS 1.2 server: 11 bytes refused with decode_error" } } },
  { name = "review24c_tls12_server_finished_trailing_accepted", file = "csrc/hs/tls12_server.c",
    from = [[    if (got == NULL || !tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "Finished has the wrong length");]],
    to = [[    if (got == NULL)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "Finished has the wrong length");]],
    specs = { { S, "to our TLS 1.2 server: 13 bytes refused with decode_error" } } },
  { name = "review24c_tls12_client_finished_length_unchecked", file = "csrc/hs/tls12_client.c",
    from = [[    if (got == NULL || !tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "Finished is malformed");]],
    to = [[    if (0 && (got == NULL || !tls_rd_end(body)))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "Finished is malformed");]],
    specs = { { S, "to our TLS 1.2 client: 11 bytes refused with decode_error" } } },
  { name = "review24c_tls12_client_finished_trailing_accepted", file = "csrc/hs/tls12_client.c",
    from = [[    if (got == NULL || !tls_rd_end(body))
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "Finished is malformed");]],
    to = [[    if (got == NULL)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "Finished is malformed");]],
    specs = { { S, "to our TLS 1.2 client: 13 bytes refused with decode_error" } } },
  -- F2: a TLS 1.2 ServerHello's compression method taken as it comes
  -- (mutations.lua's sh_compression_unchecked is the TLS 1.3 client's)
  { name = "review24c_tls12_client_compression_unchecked", file = "csrc/hs/tls12_client.c",
    from = [[if (sh->compression != 0)]], to = [[if (0 && sh->compression != 0)]],
    specs = { { S, "refuses a ServerHello that chose compression method 1" } } },
  -- F3: the peer's ciphertext copied at the modulus' length whatever its own:
  -- a read past a short one (the result is masked away, so only the read shows)
  { name = "review24c_rsa_ciphertext_length_unguarded", file = "csrc/crypto/tls12_rsa_kx.c",
    from = [[    if (enc_len == mod_len)
        memcpy(ct, enc, mod_len);]],
    to = [[    if (1 || enc_len == mod_len)
        memcpy(ct, enc, mod_len);]],
    specs = { { S, "reads no byte past a ciphertext shorter than the modulus" } } },
  -- F4: the record sequence number wraps, or stops one record early
  { name = "review24c_seq_exhaustion_unchecked", file = "csrc/crypto/tls_aead.c",
    from = [[if (a->seq == UINT64_MAX)]], to = [[if (0 && a->seq == UINT64_MAX)]],
    specs = { { S, "TLS 1.2: 2^64-2 is sealed and opened, 2^64-1 refused" },
              { S, "TLS 1.3: 2^64-2 is sealed and opened, 2^64-1 refused" } } },
  { name = "review24c_seq_exhaustion_one_early", file = "csrc/crypto/tls_aead.c",
    from = [[if (a->seq == UINT64_MAX)]], to = [[if (a->seq >= UINT64_MAX - 1)]],
    specs = { { S, "TLS 1.2: 2^64-2 is sealed and opened, 2^64-1 refused" },
              { S, "TLS 1.3: 2^64-2 is sealed and opened, 2^64-1 refused" } } },
}
