-- Mutations for session 21's OCSP fixes (ocsp21: review_next21 #8 and #2),
-- each killed by spec/ocsp21_spec.lua (or lead21's, which shares the case).
-- Same form as mutate/mutations.lua.
local S = "spec/ocsp21_spec.lua"
local CHECK = "csrc/pki/tls_ocsp.c"
local HS = "csrc/hs/tls_ocsp_hs.c"
local SERVER = "ocsp21: a server staples only a response about the certificate it sends (review_next21 #8) TLSv1.3 "
local AGE = "ocsp21: a response without nextUpdate is good for 7 days after its thisUpdate (review_next21 #2) "

return {
  -- the server staples whatever response it has, about any certificate
  { name = "ocsp21_server_staples_any_response", file = HS,
    from = [[about, sizeof about) == 0) {]],
    to = [[about, sizeof about) == 99) {]],
    specs = { { S, SERVER .. "does not staple another pair's response" },
              { S, SERVER .. "does not staple a stale response" } } },
  -- holding the issuer, the server compares only the serial and the issuer's name
  { name = "ocsp21_server_issuer_key_unchecked", file = CHECK,
    from = [[    OCSP_SINGLERESP *single = issuer != NULL ? find_single(bs, leaf, issuer) : find_single_by_name(bs, leaf);]],
    to = [[    OCSP_SINGLERESP *single = find_single_by_name(bs, leaf);]],
    specs = { { S, SERVER .. "checks the issuer's key when it holds the issuer" } } },
  -- without the issuer, the server compares the issuer's name only, not the serial
  { name = "ocsp21_server_serial_unchecked", file = CHECK,
    from = [[        if (ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(leaf)) == 0 &&]],
    to = [[        if (ASN1_INTEGER_cmp(serial, serial) == 0 &&]],
    specs = { { S, SERVER .. "does not staple another pair's response" } } },
  -- the server takes as issuer a certificate of its chain bearing the issuer's name and key id, whatever its key
  { name = "ocsp21_server_issuer_signature_unchecked", file = CHECK,
    from = [[if (X509_check_issued(cand, leaf) == X509_V_OK && key != NULL && X509_verify(leaf, key) == 1)]],
    to = [[if (X509_check_issued(cand, leaf) == X509_V_OK && key != NULL)]],
    specs = { { "spec/lead21_spec.lua", "accepts the real issuer's staple" } } },
  -- a response without nextUpdate is good for ever
  { name = "ocsp21_no_next_update_unbounded", file = CHECK,
    from = [[long maxsec = next_upd == NULL ? TLS_OCSP_MAX_AGE_NO_NEXT_UPDATE : -1;]],
    to = [[long maxsec = -1;]],
    specs = { { S, AGE .. "TLSv1.3: refuses one of 8 days" } } },
}
