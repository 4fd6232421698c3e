-- TLS 1.2 record protection (csrc/crypto/tls_aead.c, csrc/record/tls_protect12.c).
local K12 = "spec/kat_tls12_record_spec.lua"
local AEAD = "csrc/crypto/tls_aead.c"
return {
   { name = "tls12_aad_without_sequence_number", file = AEAD,
     from = [[aad[i] = (uint8_t)(seq >> (56 - 8 * i));]], to = [[aad[i] = 0;]],
     specs = { K12 } },
   { name = "tls12_aad_without_content_type", file = AEAD,
     from = [[aad[8] = type;]], to = [[aad[8] = 23;]],
     specs = { K12 } },
   { name = "tls12_read_sequence_not_incremented", file = AEAD,
     from = "    a->seq++;\n    *pt_len = ct_len;", to = "    *pt_len = ct_len;",
     specs = { "spec/tls12_pairs_spec.lua" } },
   { name = "tls12_bad_record_mac_ignored", file = AEAD,
     from = [[int authentic = EVP_CipherFinal_ex(a->ctx, out + outl, &finl) == 1;]],
     to = [[int authentic = EVP_CipherFinal_ex(a->ctx, out + outl, &finl) == 1 || 1;]],
     specs = { K12 } },
   { name = "tls12_plaintext_length_unchecked", file = "csrc/record/tls_protect12.c",
     from = [[if (n > TLS_MAX_PLAINTEXT) {]], to = [[if (0 && n > TLS_MAX_PLAINTEXT) {]],
     specs = { "spec/malformed12_spec.lua" } },
}
