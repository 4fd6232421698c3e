-- Mutations for the lead's session 21 fixes, each killed by spec/lead21_spec.lua.
-- Same form as mutate/mutations.lua.
local S = "spec/lead21_spec.lua"

return {
  -- the OCSP CertID judged against any certificate of the peer's chain that
  -- bears the issuer's name, not the issuer the path was verified through
  { name = "lead21_ocsp_issuer_from_chain_sent", file = "csrc/pki/tls_ocsp.c",
    from = [[    if (verified_issuer != NULL)
        issuer = X509_up_ref(verified_issuer) ? verified_issuer : NULL;
    else
        issuer = find_issuer(store, chain, leaf);]],
    to = [[    (void)verified_issuer;
    issuer = find_issuer(store, chain, leaf);]],
    specs = { { S, "refuses a staple for the serial signed by another CA of the same name" } } },
  -- a wrapped tcp6 socket's IPv4-mapped peer address checked as a 16-byte
  -- address: the right certificate refused (fails closed, an interop defect)
  { name = "lead21_v4_mapped_kept", file = "csrc/lua/lua_conn.c",
    from = [[        servername = unmapped_v4(ip);]],
    to = [[        servername = unmapped_v4(ip) ? ip : ip;]],
    specs = { { S, "checks the certificate against the IPv4 address" } } },
  -- an RSA-PSS key restricted to one hash (RFC 4055) taken with a scheme of
  -- another: libcrypto then fails the check, internal_error, not illegal_parameter
  { name = "lead21_pss_restriction_ignored", file = "csrc/crypto/tls_sig.c",
    from = [[               && (f->pss_hash_bits == 0 || f->pss_hash_bits == s->hash_bits)
               && f->pss_min_salt <= s->hash_bits / 8;]],
    to = [[;]],
    specs = { { "spec/sigpss21_spec.lua", "refuses rsa_pss_pss_sha256 from a SHA-384-restricted RSA-PSS key" } } },
  -- a Redis reply line read without bound: a wrong service (or one in the
  -- middle) sending a line without end is held in memory for the timeout
  { name = "lead21_redis_line_unbounded", file = "lua/tls/store.lua",
    from = [[    if n > REDIS_MAX_LINE + 1 then]],
    to = [[    if false then]],
    specs = { { "spec/redis_resp21_spec.lua", "refuses a reply line longer than 4096 bytes" } } },
}
