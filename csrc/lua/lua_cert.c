/* conn:info().peer_certificate: the fields a Lua user checks or logs,
 * as plain strings, read through libcrypto's accessors. */
#include "lua/lua_cert.h"

#include <stdio.h>
#include <string.h>
#include <lauxlib.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "pki/tls_x509.h"

/* Every field is peer text (or made from it): sanitised, whatever made it. */
static void set_string(lua_State *L, const char *field, const char *value)
{
    char clean[512];
    tls_sanitize(value, strlen(value), clean, sizeof clean);
    lua_pushstring(L, clean);
    lua_setfield(L, -2, field);
}

/* Runs under lua_pcall with the name list as a light userdata: a memory
 * error while the table is built cannot leak the list. */
static int push_names_protected(lua_State *L)
{
    const GENERAL_NAMES *sans = lua_touserdata(L, 1);
    lua_newtable(L);
    lua_Integer n = 0;
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); i++) {
        char one[256];
        if (tls_x509_general_name_text(sk_GENERAL_NAME_value(sans, i), one, sizeof one)) {
            lua_pushstring(L, one);
            lua_rawseti(L, -2, ++n);
        }
    }
    return 1;
}

static void push_names(lua_State *L, X509 *cert)
{
    GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    lua_pushcfunction(L, push_names_protected);
    lua_pushlightuserdata(L, sans);
    int rc = lua_pcall(L, 1, 1, 0);
    GENERAL_NAMES_free(sans);
    if (rc != LUA_OK)
        lua_error(L);
    lua_setfield(L, -2, "names");
}

static void serial_text(X509 *cert, char *out, size_t size)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
    snprintf(out, size, "%s", hex != NULL ? hex : "");
    OPENSSL_free(hex);
    BN_free(bn);
}

static void fingerprint_text(X509 *cert, char *out, size_t size)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    size_t used = 0;
    out[0] = '\0';
    if (!X509_digest(cert, EVP_sha256(), md, &len))
        return;
    for (unsigned int i = 0; i < len && used + 4 <= size; i++)
        used += (size_t)snprintf(out + used, size - used, i ? ":%02X" : "%02X", md[i]);
}

void tls_lua_push_cert(lua_State *L, X509 *cert)
{
    char text[512];
    lua_createtable(L, 0, 8);
    tls_x509_name_text(X509_get_subject_name(cert), text, sizeof text);
    set_string(L, "subject", text);
    tls_x509_name_text(X509_get_issuer_name(cert), text, sizeof text);
    set_string(L, "issuer", text);
    push_names(L, cert);
    tls_x509_time_text(X509_get0_notBefore(cert), text, sizeof text);
    set_string(L, "not_before", text);
    tls_x509_time_text(X509_get0_notAfter(cert), text, sizeof text);
    set_string(L, "not_after", text);
    serial_text(cert, text, sizeof text);
    set_string(L, "serial", text);
    fingerprint_text(cert, text, sizeof text);
    set_string(L, "sha256", text);
    tls_x509_key_text(X509_get0_pubkey(cert), text, sizeof text);
    set_string(L, "key", text);
    ERR_clear_error();
}
