-- Mutations of verification the application controls: the verify
-- function's verdict, pins, CRL checking and signature_algorithms_cert.
-- Same form as mutate/mutations.lua.
local HS = "csrc/hs/tls_hs_common.c"
local PIN = "csrc/pki/tls_pin.c"
local X509 = "csrc/pki/tls_x509.c"
local VH = "spec/verify_hook_spec.lua"
local PS = "spec/pin_spec.lua"
local CS = "spec/crl_spec.lua"

return {
   { name = "cv_verify_hook_verdict_ignored", file = HS,
     from = [[if (accept != 1) {]],
     to = [[if (0 && accept != 1) {]],
     specs = { { VH, "rejects with its reason" } } },
   { name = "cv_verify_hook_truthy_accepts", file = "csrc/lua/lua_hook_verify.c",
     from = [[int accept = lua_type(L, -2) == LUA_TBOOLEAN && lua_toboolean(L, -2);]],
     to = [[int accept = lua_toboolean(L, -2);]],
     specs = { { VH, "rejects on false or nil without a reason" } } },
   { name = "cv_verify_hook_error_accepts", file = "csrc/lua/lua_hook_verify.c",
     from = [[        lua_pop(L, 1);
        return 0;
    }
    int accept]],
     to = [[        lua_pop(L, 1);
        return 1;
    }
    int accept]],
     specs = { { VH, "an error inside the function rejects" } } },
   { name = "cv_pin_compare_skipped", file = PIN,
     from = [[if (CRYPTO_memcmp(c->pins[i], md, TLS_PIN_LEN) == 0)]],
     to = [[if (1 || CRYPTO_memcmp(c->pins[i], md, TLS_PIN_LEN) == 0)]],
     specs = { { PS, "refuses a chain without a pinned key" } } },
   { name = "cv_pin_check_not_called", file = HS,
     from = [[int rc = tls_pin_check(c->cfg, verified, leaf, &c->err);]],
     to = [[int rc = 0;]],
     specs = { { PS, "refuses a chain without a pinned key" } } },
   { name = "cv_pin_sent_chain_counts", file = HS,
     from = [[int rc = tls_pin_check(c->cfg, verified, leaf, &c->err);]],
     to = [[int rc = tls_pin_check(c->cfg, c->peer_chain, leaf, &c->err);]],
     specs = { { PS, "ignores pinned certificates the server adds outside the verified path" } } },
   { name = "cv_pin_unverified_chain_counts", file = HS,
     from = [[int rc = tls_pin_check(c->cfg, verified, leaf, &c->err);]],
     to = [[int rc = tls_pin_check(c->cfg, verified ? verified : c->peer_chain, leaf, &c->err);]],
     specs = { { PS, "counts only the leaf" } } },
   { name = "cv_pin_b64_unchecked", file = PIN,
     from = [[        if (!is_b64((unsigned char)b64[i]))]],
     to = [[        if (0 && !is_b64((unsigned char)b64[i]))]],
     specs = { { PS, "malformed pins" } } },
   { name = "cv_crl_flag_dropped", file = X509,
     from = [[    if (crl_check != TLS_CRL_CHECK_NONE)
        X509_VERIFY_PARAM_set_flags]],
     to = [[    if (0)
        X509_VERIFY_PARAM_set_flags]],
     specs = { { CS, "refuses a revoked leaf with certificate_revoked" } } },
   { name = "cv_crl_check_all_ignored", file = X509,
     from = [[(crl_check == TLS_CRL_CHECK_ALL ? X509_V_FLAG_CRL_CHECK_ALL : 0)]],
     to = [[0]],
     specs = { { CS, "checks only the leaf unless crl_check_all" } } },
   { name = "cv_crl_without_verify_allowed", file = "lua/tls.lua",
     from = [[    if not verifying then
      return fail("option 'crl' needs verification]],
     to = [[    if false then
      return fail("option 'crl' needs verification]],
     specs = { { CS, "needs verification" } } },
   { name = "cv_sigalgs_cert_self_signed_judged", file = X509,
     from = [[if (i > 0 && self_signed(cert))]],
     to = [[if (0 && i > 0 && self_signed(cert))]],
     specs = { { "spec/certobj_spec.lua", "a self-signed root is not judged" } } },
   { name = "cv_sigalgs_cert_any_fits", file = X509,
     from = [[        if (!fits)
            return 0;]],
     to = [[        if (0 && !fits)
            return 0;]],
     specs = { { "spec/certobj_spec.lua", "ECDSA chains by digest" } } },
   { name = "cv_pin_curl_prefix_by_prefix_only", file = "csrc/pki/tls_pin.c",
     from = [[    if (len == 8 + PIN_B64_LEN && memcmp(pin, "sha256//", 8) == 0)]],
     to = [[    if (len >= 8 && memcmp(pin, "sha256//", 8) == 0)]],
     specs = { { "spec/pin_spec.lua", "takes a pin whose base64 starts with" } } },
}
