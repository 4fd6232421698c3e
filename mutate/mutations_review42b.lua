-- Session 42, review42b: a CertificateRequest as large as its length fields allow. Same form as
-- mutate/mutations.lua.
local S = "spec/review42b_spec.lua"
return {
  -- The finding: a CertificateRequest over 64 KiB (a server naming many CAs) was refused.
  { name = "review42b_cr_limit_64k", file = "csrc/engine/tls_conn_int.h",
    from = "#define TLS_MAX_CERTIFICATE_REQUEST ((1 + 255) + (2 + 65534) + (2 + 65535))",
    to = "#define TLS_MAX_CERTIFICATE_REQUEST (64 * 1024)",
    specs = { { S, "65535 bytes of CA names and 20 schemes" } } },
  -- The limit is still a limit, at the length fields' maximum.
  { name = "review42b_cr_limit_unbounded", file = "csrc/engine/tls_conn_int.h",
    from = "#define TLS_MAX_CERTIFICATE_REQUEST ((1 + 255) + (2 + 65534) + (2 + 65535))",
    to = "#define TLS_MAX_CERTIFICATE_REQUEST (16 * 1024 * 1024)",
    specs = { { S, "is refused past what its length fields allow" } } },
  -- Only where a CertificateRequest may come: elsewhere a peer could make us
  -- hold 128 KiB of a message we refuse anyway.
  { name = "review42b_cr_limit_any_state", file = "csrc/hs/tls_hs_common.c",
    from = "    if (type == TLS_HS_CERTIFICATE_REQUEST &&\n        (c->state == ST_CLIENT_WAIT_CERT_CR",
    to = "    if (type == TLS_HS_CERTIFICATE_REQUEST && (1 ||\n        c->state == ST_CLIENT_WAIT_CERT_CR",
    specs = { { S, "out of place keeps the 64 KiB limit" } } },
  -- Each state where one may come: TLS 1.3's ...
  { name = "review42b_cr_limit_not_tls13", file = "csrc/hs/tls_hs_common.c",
    from = "        (c->state == ST_CLIENT_WAIT_CERT_CR || c->state == ST_CLIENT12_WAIT_SHD ||",
    to = "        (c->state == ST_CLIENT12_WAIT_SHD ||",
    specs = { { S, "certificate_authorities filling the extensions block" } } },
  -- ... TLS 1.2's after ServerKeyExchange (or the Certificate, with RSA key transport) ...
  { name = "review42b_cr_limit_not_tls12", file = "csrc/hs/tls_hs_common.c",
    from = "        (c->state == ST_CLIENT_WAIT_CERT_CR || c->state == ST_CLIENT12_WAIT_SHD ||",
    to = "        (c->state == ST_CLIENT_WAIT_CERT_CR ||",
    specs = { { S, "65535 bytes of CA names and 20 schemes" } } },
  -- ... and TLS 1.2's after a Certificate whose CertificateStatus the server left out.
  { name = "review42b_cr_limit_not_after_status", file = "csrc/hs/tls_hs_common.c",
    from = "         c->state == ST_CLIENT12_WAIT_CERT_STATUS))\n        return TLS_MAX_CERTIFICATE_REQUEST;",
    to = "         0))\n        return TLS_MAX_CERTIFICATE_REQUEST;",
    specs = { { S, "status_request and no CertificateStatus" } } },
}
