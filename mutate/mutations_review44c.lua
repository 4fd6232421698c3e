-- Session 44 (review44c): a TLS 1.2 CertificateRequest with no CA names is
-- legal (rfc5246#7.4.4: <0..2^16-1>) and answered with our certificate;
-- a client refusing it (as TLS 1.3's <3..2^16-1> would) is a planted bug.
local C12 = "csrc/hs/tls12_client.c"
local S = "spec/review44c_spec.lua"
return {
  { name = "review44c_tls12_empty_ca_names_refused", file = C12,
    from = [[    if (tls_cert_req_sigalgs(c, &sigalgs, "CertificateRequest") != 0 ||
        tls_cert_req_ca_names(c, &cas, "CertificateRequest certificate_authorities") != 0)]],
    to = [[    if (tls_cert_req_sigalgs(c, &sigalgs, "CertificateRequest") != 0 || cas.len == 0 ||
        tls_cert_req_ca_names(c, &cas, "CertificateRequest certificate_authorities") != 0)]],
    specs = { { S, "no CA names" } } },
}
