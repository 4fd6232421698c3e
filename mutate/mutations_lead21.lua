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
}
