-- Mutations for session 15's mends of session 14's known gaps (mend15),
-- each killed by the spec named. Same form as mutate/mutations.lua.
local CONFIG, TLS, COPAS = "csrc/pki/tls_config.c", "lua/tls.lua", "lua/tls/copas.lua"
local DIGEST = "spec/mend15_trust_digest_spec.lua"
local OPTIONS = "spec/mend15_options_spec.lua"
local CLOSE = "spec/mend15_copas_close_spec.lua"
local P521 = "spec/mend15_p521_tls12_spec.lua"

return {
  -- 1. the verification digest: an implicitly fetched SHA-256 again ...
  { name = "mend15_verify_digest_implicit_fetch", file = CONFIG,
    from = [[    if (EVP_Digest(in, n, out, NULL, tls_crypto_sha(256), NULL) != 1)]],
    to = [[    if (EVP_Digest(in, n, out, NULL, EVP_sha256(), NULL) != 1)]],
    specs = { { DIGEST, "no implicit fetch per call" } } },
  { name = "mend15_trust_feed_implicit_fetch", file = CONFIG,
    from = [[    const EVP_MD *sha256 = tls_crypto_sha(256);]],
    to = [[    const EVP_MD *sha256 = EVP_sha256();]],
    specs = { { DIGEST, "no implicit fetch per call" } } },
  { name = "mend15_pin_digest_implicit_fetch", file = "csrc/pki/tls_pin.c",
    from = [[EVP_Digest(der, (size_t)len, out, &md_len, tls_crypto_sha(256), NULL)]],
    to = [[EVP_Digest(der, (size_t)len, out, &md_len, EVP_sha256(), NULL)]],
    specs = { { DIGEST, "computed for each handshake of a context with pins" } } },
  -- ... and a trust file read a second time (libcrypto's read after ours)
  { name = "mend15_ca_file_read_twice", file = CONFIG,
    from = [[    int added = add_pem_bundle(c, (const char *)data.data, data.len, &crls);]],
    to = [[    tls_buf again;
    tls_buf_init(&again);
    (void)read_trust_file("ca", path, len, &again, err);
    int added = add_pem_bundle(c, (const char *)again.data, again.len, &crls);]],
    specs = { { DIGEST, "takes .ca. from a pipe" } } },
  { name = "mend15_crl_file_read_twice", file = CONFIG,
    from = [[    BIO *bio = open_source("crl", data, len, 0, NULL, NULL, err);]],
    to = [[    BIO *bio = open_source("crl", is_file ? name : data, is_file ? strlen(name) : len, is_file, &(tls_buf){0}, NULL, err);]],
    specs = { { DIGEST, "takes a PEM .crl. from a pipe" } } },
  { name = "mend15_crl_der_from_memory_skipped", file = CONFIG,
    from = [[    if (added == 0 && is_file && len <= LONG_MAX) {]],
    to = [[    if (0 && added == 0 && is_file && len <= LONG_MAX) {]],
    specs = { { DIGEST, "takes a DER .crl. from a pipe" } } },
  -- 2. a server's early_data / psk_ke = true with tickets = 0 accepted again
  { name = "mend15_tickets0_early_data_accepted", file = TLS,
    from = [=[    for _, name in ipairs { "early_data", "psk_ke" } do]=],
    to = [=[    for _, name in ipairs { "psk_ke" } do]=],
    specs = { { OPTIONS, "refuses early_data" } } },
  { name = "mend15_tickets0_psk_ke_accepted", file = TLS,
    from = [=[    for _, name in ipairs { "early_data", "psk_ke" } do]=],
    to = [=[    for _, name in ipairs { "early_data" } do]=],
    specs = { { OPTIONS, "refuses psk_ke" } } },
  -- 3. 'ocsp' of the other side: "require" read as a file again, the
  -- booleans and a server's values refused as bad types
  { name = "mend15_server_ocsp_require_read_as_file", file = TLS,
    from = [=[    if server and (v == "require" or type(v) == "boolean") then]=],
    to = [=[    if server and type(v) == "boolean" then]=],
    specs = { { OPTIONS, "is named as a client.s setting, not read as a file" } } },
  { name = "mend15_server_ocsp_boolean_unnamed", file = TLS,
    from = [=[    if server and (v == "require" or type(v) == "boolean") then]=],
    to = [=[    if server and v == "require" then]=],
    specs = { { OPTIONS, "true and false are named" } } },
  { name = "mend15_client_ocsp_server_value_unnamed", file = TLS,
    from = [=[    if not server and v ~= true and v ~= false and v ~= "require" and (type(v) == "function"]=],
    to = [=[    if false and v ~= true and v ~= false and v ~= "require" and (type(v) == "function"]=],
    specs = { { OPTIONS, "are named as a server.s setting" } } },
  -- 4. tls.copas: a closed connection's waiter left without a descriptor
  -- (woken by copas 1.x's 120 s watchdog only), or not dirty
  { name = "mend15_copas_closed_waiter_no_fd", file = COPAS,
    from = [=[  if fd < 0 then return waker_fd() end]=],
    to = [=[  if false then return waker_fd() end]=],
    specs = { { CLOSE, "waiting to read within a second" }, { CLOSE, "waiting to write within a second" } } },
  { name = "mend15_copas_closed_waiter_not_dirty", file = COPAS,
    from = [=[function Waiter:dirty() return self.conn:getfd() < 0 end]=],
    to = [=[function Waiter:dirty() return false end]=],
    specs = { { CLOSE, "waiting to read within a second" } } },
  -- 5. secp521r1 not offered by default again
  { name = "mend15_p521_not_offered_by_default", file = CONFIG,
    from = [[    TLS_GROUP_SECP384R1,
    TLS_GROUP_SECP521R1,
};]],
    to = [[    TLS_GROUP_SECP384R1,
};]],
    specs = { { P521, "our default client connects to openssl s_server" },
              { P521, "in the ClientHello.s supported_groups" } } },
}
