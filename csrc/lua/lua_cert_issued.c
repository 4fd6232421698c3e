/* Certificate object methods that look at a certificate's signature:
 * ca:issued(cert, ...) verifies cert under ca with libcrypto's
 * X509_verify_cert (as LuaSec's cert:issued does), and
 * cert:signature_algorithm() names the algorithm its issuer signed it with. */
#include <lauxlib.h>
#include <openssl/objects.h>
#include <openssl/x509_vfy.h>

#include "lua/lua_cert.h"
#include "lua/lua_tls.h"

/* ca:issued(cert [, intermediate, ...]) -> true | nil, reason: whether
 * cert's chain, built from the intermediates given, verifies with ca as
 * the only trust anchor, now, for no particular purpose. */
int tls_lua_cert_issued(lua_State *L)
{
    /* Every argument is checked (and may raise) before anything is made. */
    X509 *ca = tls_lua_check_certobj(L, 1);
    X509 *cert = tls_lua_check_certobj(L, 2);
    int top = lua_gettop(L);
    for (int i = 3; i <= top; i++)
        tls_lua_check_certobj(L, i);
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    int ok = store != NULL && ctx != NULL && untrusted != NULL && X509_STORE_add_cert(store, ca) == 1;
    for (int i = 3; ok && i <= top; i++)
        ok = sk_X509_push(untrusted, tls_lua_check_certobj(L, i)) > 0;
    int verified = -1, err = X509_V_ERR_UNSPECIFIED;
    if (ok && X509_STORE_CTX_init(ctx, store, cert, untrusted) == 1) {
        verified = X509_verify_cert(ctx);
        err = X509_STORE_CTX_get_error(ctx);
    }
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted); /* the certificates stay the objects' */
    X509_STORE_free(store);
    if (verified == 1) {
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushnil(L);
    if (verified < 0 && !ok)
        lua_pushliteral(L, "out of memory");
    else
        lua_pushstring(L, X509_verify_cert_error_string(err));
    return 2;
}

/* cert:signature_algorithm([form]) -> libcrypto's long name of the
 * algorithm of the issuer's signature ("ecdsa-with-SHA256",
 * "sha256WithRSAEncryption", "rsassaPss", "ED25519"), or with form
 * "short" its short name ("RSA-SHA256", "RSASSA-PSS"), which is what
 * LuaSec's getsignaturename gives. */
int tls_lua_cert_signature_algorithm(lua_State *L)
{
    X509 *cert = tls_lua_check_certobj(L, 1);
    static const char *const forms[] = {"long", "short", NULL};
    int form = tls_lua_check_option(L, 2, "long", forms);
    int nid = X509_get_signature_nid(cert);
    const char *name = form == 1 ? OBJ_nid2sn(nid) : OBJ_nid2ln(nid);
    lua_pushstring(L, name != NULL ? name : "unknown");
    return 1;
}
