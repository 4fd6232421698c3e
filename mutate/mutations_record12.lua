-- TLS 1.2 record protection (csrc/crypto/tls_aead.c, csrc/record/tls_protect12.c).
local K12 = "spec/kat_tls12_record_spec.lua"
local AEAD = "csrc/crypto/tls_aead.c"
return {
   { name = "tls12_aad_without_sequence_number", file = AEAD,
     from = [[aad[i] = (uint8_t)(seq >> (56 - 8 * i));]], to = [[aad[i] = (uint8_t)(seq & 0);]],
     specs = { K12 } },
   { name = "tls12_aad_without_content_type", file = AEAD,
     from = [[aad[8] = type;]], to = [[aad[8] = (uint8_t)((type & 0) | 23);]],
     specs = { K12 } },
   { name = "tls12_read_sequence_not_incremented", file = AEAD,
     from = "    a->seq++;\n    *pt_len = ct_len;", to = "    *pt_len = ct_len;",
     specs = { "spec/tls12_pairs_spec.lua" } },
   { name = "tls12_bad_record_mac_ignored", file = AEAD,
     from = [[int authentic = EVP_CipherFinal_ex(a->ctx, out + outl, &finl) == 1;]],
     to = [[int authentic = EVP_CipherFinal_ex(a->ctx, out + outl, &finl) == 1 || 1;]],
     specs = { K12 } },
   { name = "tls12_plaintext_length_unchecked", file = "csrc/record/tls_protect12.c",
     from = [[if (n > most) {]], to = [[if (0 && n > most) {]],
     specs = { { "spec/malformed12_spec.lua", "our TLS 1.2 server refuses a record with more than 2" } } },
   { name = "key_usage_signing_always_required", file = "csrc/pki/tls_x509.c",
     from = [[unsigned long need = key_encipherment ? KU_KEY_ENCIPHERMENT : KU_DIGITAL_SIGNATURE;]],
     to = [[unsigned long need = key_encipherment ? KU_DIGITAL_SIGNATURE : KU_DIGITAL_SIGNATURE;]],
     specs = { { "spec/tls12_pairs_spec.lua", "takes RSA key transport to a certificate that may only encrypt" } } },
   { name = "tls12_rsa_kx_key_usage_as_signing", file = "csrc/hs/tls_hs_common.c",
     from = [[!c->is_server && c->version == TLS_VERSION_12 && c->suite != NULL &&
                                          c->suite->kx == TLS_KX_RSA,]],
     to = [[0,]],
     specs = { { "spec/tls12_pairs_spec.lua", "refuses RSA key transport to a certificate that may only sign" } } },
   { name = "tls12_keyupdate_allowed", file = "csrc/engine/tls_engine.c",
     from = [[if (c->version != TLS_VERSION_13)
        return "key updates exist only in TLS 1.3 (this connection is TLS 1.2)";]],
     to = [[if (0 && c->version != TLS_VERSION_13)
        return "key updates exist only in TLS 1.3 (this connection is TLS 1.2)";]],
     specs = { { "spec/tls12_pairs_spec.lua", "refuses keyupdate on a TLS 1.2 connection" } } },
   { name = "tls12_record_version_unchecked", file = "csrc/record/tls_record.c",
     from = [[if (c->version == TLS_VERSION_12 && version != TLS_VERSION_12)]],
     to = [[if (0 && c->version == TLS_VERSION_12 && version != TLS_VERSION_12)]],
     specs = { { "spec/malformed12_spec.lua", "refuses a record whose version is not TLS 1.2" } } },
}
