/* Certificates in Lua: the summary table of conn:info().peer_certificate,
 * and the certificate objects of tls.certificate(), conn:peercertificate()
 * and the verify function, all read through libcrypto's accessors. */
#include "lua/lua_cert.h"
#include "lua/lua_tls.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <lauxlib.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "pki/tls_pin.h"
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

/* ---- Certificate objects ----------------------------------------------------
 * A userdata holding one reference to an X509. Every method reads the
 * certificate through libcrypto; text that comes from the certificate is
 * sanitised (tls_sanitize) like every other peer text. Tables are built
 * with libcrypto scratch objects boxed in userdata (collected if Lua raises
 * halfway), so a memory error cannot leak them. */

typedef struct lua_certobj {
    X509 *x; /* NULL only while being made */
} lua_certobj;

X509 *tls_lua_check_certobj(lua_State *L, int idx)
{
    lua_certobj *o = luaL_checkudata(L, idx, TLS_LUA_CERTIFICATE);
    if (o->x == NULL)
        luaL_argerror(L, idx, "empty certificate object");
    return o->x;
}

/* An empty object on the stack, to be given its X509 once made: any
 * allocation that can raise happens before libcrypto hands us anything. */
static lua_certobj *new_certobj(lua_State *L)
{
    lua_certobj *o = lua_newuserdatauv(L, sizeof *o, 0);
    o->x = NULL;
    luaL_setmetatable(L, TLS_LUA_CERTIFICATE);
    return o;
}

void tls_lua_push_certobj(lua_State *L, X509 *cert)
{
    lua_certobj *o = new_certobj(L);
    if (X509_up_ref(cert) != 1)
        luaL_error(L, "tls: cannot reference a certificate");
    o->x = cert;
}

void tls_lua_push_chain(lua_State *L, STACK_OF(X509) *chain)
{
    int n = chain != NULL ? sk_X509_num(chain) : 0;
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        tls_lua_push_certobj(L, sk_X509_value(chain, i));
        lua_rawseti(L, -2, i + 1);
    }
}

/* A boxed BIO: freed by the collector whatever happens. */
static BIO *push_bio(lua_State *L)
{
    BIO **box = lua_newuserdatauv(L, sizeof *box, 0);
    *box = NULL;
    luaL_setmetatable(L, "tls.certificate.bio");
    *box = BIO_new(BIO_s_mem());
    if (*box == NULL)
        luaL_error(L, "tls: out of memory");
    return *box;
}

static int bio_gc(lua_State *L)
{
    BIO **box = luaL_checkudata(L, 1, "tls.certificate.bio");
    BIO_free(*box);
    *box = NULL;
    return 0;
}

/* Pushes what the BIO holds, raw or sanitised. */
static void push_bio_text(lua_State *L, BIO *bio, int sanitize)
{
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    if (len <= 0) {
        lua_pushliteral(L, "");
        return;
    }
    if (!sanitize) {
        lua_pushlstring(L, data, (size_t)len);
        return;
    }
    /* Sanitised text is never longer than its source. */
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, (size_t)len + 1);
    size_t n = tls_sanitize(data, (size_t)len, out, (size_t)len + 1);
    luaL_pushresultsize(&b, n);
}

static int cert_pem(lua_State *L)
{
    X509 *x = tls_lua_check_certobj(L, 1);
    BIO *bio = push_bio(L);
    if (!PEM_write_bio_X509(bio, x)) {
        ERR_clear_error();
        return luaL_error(L, "tls: cannot encode the certificate");
    }
    push_bio_text(L, bio, 0);
    return 1;
}

static int cert_der(lua_State *L)
{
    X509 *x = tls_lua_check_certobj(L, 1);
    int len = i2d_X509(x, NULL);
    if (len <= 0) {
        ERR_clear_error();
        return luaL_error(L, "tls: cannot encode the certificate");
    }
    luaL_Buffer b;
    unsigned char *p = (unsigned char *)luaL_buffinitsize(L, &b, (size_t)len);
    i2d_X509(x, &p);
    luaL_pushresultsize(&b, (size_t)len);
    return 1;
}

/* RFC 2253 (XN_FLAG_RFC2253), with UTF-8 left readable, as tls_x509_name_text. */
static int push_name(lua_State *L, const X509_NAME *name)
{
    const unsigned long flags = (XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) |
                                ASN1_STRFLGS_UTF8_CONVERT;
    BIO *bio = push_bio(L);
    if (X509_NAME_print_ex(bio, name, 0, flags) < 0)
        ERR_clear_error();
    push_bio_text(L, bio, 1);
    return 1;
}

static int cert_subject(lua_State *L)
{
    return push_name(L, X509_get_subject_name(tls_lua_check_certobj(L, 1)));
}

static int cert_issuer(lua_State *L)
{
    return push_name(L, X509_get_issuer_name(tls_lua_check_certobj(L, 1)));
}

static int cert_serial(lua_State *L)
{
    char text[256];
    serial_text(tls_lua_check_certobj(L, 1), text, sizeof text);
    ERR_clear_error();
    lua_pushstring(L, text);
    return 1;
}

static int push_time(lua_State *L, const ASN1_TIME *t)
{
    struct tm tm;
    if (t == NULL || !ASN1_TIME_to_tm(t, &tm)) {
        ERR_clear_error();
        lua_pushnil(L);
        return 1;
    }
    lua_pushinteger(L, (lua_Integer)timegm(&tm));
    return 1;
}

static int cert_notbefore(lua_State *L)
{
    return push_time(L, X509_get0_notBefore(tls_lua_check_certobj(L, 1)));
}

static int cert_notafter(lua_State *L)
{
    return push_time(L, X509_get0_notAfter(tls_lua_check_certobj(L, 1)));
}

static void push_hex(lua_State *L, const unsigned char *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, 2 * n);
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    luaL_pushresultsize(&b, 2 * n);
}

/* cert:digest([alg]) -> lowercase hex of the digest of the DER certificate
 * | nil, message for a digest libcrypto does not know. */
static int cert_digest(lua_State *L)
{
    X509 *x = tls_lua_check_certobj(L, 1);
    size_t alg_len;
    const char *alg = luaL_optlstring(L, 2, "sha256", &alg_len);
    /* libcrypto takes the name as a C string: "sha256\0sha1" gave SHA-256's
     * digest as that algorithm's (review40e F2). */
    if (memchr(alg, '\0', alg_len) != NULL) {
        lua_pushnil(L);
        lua_pushliteral(L, "digest: the algorithm name holds a zero byte");
        return 2;
    }
    EVP_MD *md = EVP_MD_fetch(NULL, alg, NULL);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    int ok = md != NULL && EVP_MD_get_size(md) > 0 && X509_digest(x, md, out, &len);
    EVP_MD_free(md);
    ERR_clear_error();
    if (!ok) {
        lua_pushnil(L);
        lua_pushfstring(L, "digest: unknown digest algorithm '%s'", alg);
        return 2;
    }
    push_hex(L, out, len);
    return 1;
}

/* SHA-256 of the DER SubjectPublicKeyInfo, base64: the pin of rfc7469#2.4
 * and curl's --pinnedpubkey. */
static int push_spki_sha256(lua_State *L, X509 *x)
{
    unsigned char md[TLS_PIN_LEN], b64[48];
    if (tls_spki_sha256(x, md) != 0)
        return 0;
    int n = EVP_EncodeBlock(b64, md, (int)sizeof md);
    lua_pushlstring(L, (const char *)b64, (size_t)n);
    return 1;
}

static const char *curve_name(const char *group)
{
    return strcmp(group, "prime256v1") == 0   ? "P-256"
           : strcmp(group, "secp384r1") == 0  ? "P-384"
           : strcmp(group, "secp521r1") == 0  ? "P-521"
           : strcmp(group, "prime192v1") == 0 ? "P-192"
           : strcmp(group, "secp224r1") == 0  ? "P-224"
                                              : group;
}

/* cert:pubkey() -> { kind=, bits=, curve= (EC), spki_sha256=, pem= } */
static int cert_pubkey(lua_State *L)
{
    X509 *x = tls_lua_check_certobj(L, 1);
    EVP_PKEY *key = X509_get0_pubkey(x);
    lua_createtable(L, 0, 5);
    if (key == NULL) {
        ERR_clear_error();
        lua_pushliteral(L, "unknown");
        lua_setfield(L, -2, "kind");
        return 1;
    }
    const char *kind = EVP_PKEY_is_a(key, "EC")        ? "EC"
                       : EVP_PKEY_is_a(key, "RSA")     ? "RSA"
                       : EVP_PKEY_is_a(key, "RSA-PSS") ? "RSA-PSS"
                       : EVP_PKEY_is_a(key, "ED25519") ? "Ed25519"
                       : EVP_PKEY_is_a(key, "ED448")   ? "Ed448"
                       : EVP_PKEY_is_a(key, "DSA")     ? "DSA"
                                                       : EVP_PKEY_get0_type_name(key);
    lua_pushstring(L, kind != NULL ? kind : "unknown");
    lua_setfield(L, -2, "kind");
    lua_pushinteger(L, EVP_PKEY_get_bits(key));
    lua_setfield(L, -2, "bits");
    if (EVP_PKEY_is_a(key, "EC")) {
        char group[64] = "";
        size_t glen = 0;
        if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                           &glen)) {
            lua_pushstring(L, curve_name(group));
            lua_setfield(L, -2, "curve");
        }
    }
    if (push_spki_sha256(L, x))
        lua_setfield(L, -2, "spki_sha256");
    BIO *bio = push_bio(L);
    if (PEM_write_bio_PUBKEY(bio, key)) {
        push_bio_text(L, bio, 0);
        lua_setfield(L, -3, "pem");
    }
    lua_pop(L, 1);
    ERR_clear_error();
    return 1;
}

/* A boxed GENERAL_NAMES. */
static int names_gc(lua_State *L)
{
    GENERAL_NAMES **box = luaL_checkudata(L, 1, "tls.certificate.names");
    GENERAL_NAMES_free(*box);
    *box = NULL;
    return 0;
}

static void push_clean(lua_State *L, const void *p, size_t len)
{
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, len + 1);
    luaL_pushresultsize(&b, tls_sanitize(p, len, out, len + 1));
}

/* cert:names() -> { {type="DNS"|"IP"|"email"|"URI", value=}, ... } in the
 * certificate's order; other kinds of subjectAltName are left out. */
static int cert_names(lua_State *L)
{
    X509 *x = tls_lua_check_certobj(L, 1);
    GENERAL_NAMES **box = lua_newuserdatauv(L, sizeof *box, 0);
    *box = NULL;
    luaL_setmetatable(L, "tls.certificate.names");
    *box = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    ERR_clear_error();
    lua_newtable(L);
    lua_Integer n = 0;
    for (int i = 0; i < sk_GENERAL_NAME_num(*box); i++) {
        const GENERAL_NAME *gn = sk_GENERAL_NAME_value(*box, i);
        const char *type = NULL;
        const ASN1_STRING *s = NULL;
        switch (gn->type) {
        case GEN_DNS: type = "DNS", s = gn->d.dNSName; break;
        case GEN_EMAIL: type = "email", s = gn->d.rfc822Name; break;
        case GEN_URI: type = "URI", s = gn->d.uniformResourceIdentifier; break;
        case GEN_IPADD: type = "IP"; break;
        default: continue;
        }
        lua_createtable(L, 0, 2);
        lua_pushstring(L, type);
        lua_setfield(L, -2, "type");
        if (s != NULL) {
            push_clean(L, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
        } else {
            char text[64];
            tls_x509_general_name_text(gn, text, sizeof text);
            lua_pushstring(L, text);
        }
        lua_setfield(L, -2, "value");
        lua_rawseti(L, -2, ++n);
    }
    return 1;
}

/* cert:extensions() -> { {oid=, name=, critical=, value=}, ... }: value is
 * libcrypto's text (X509V3_EXT_print), or the hex of the DER value for
 * extensions it cannot print. */
static int cert_extensions(lua_State *L)
{
    X509 *x = tls_lua_check_certobj(L, 1);
    int n = X509_get_ext_count(x);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        X509_EXTENSION *ext = X509_get_ext(x, i);
        ASN1_OBJECT *obj = X509_EXTENSION_get_object(ext);
        char oid[128];
        OBJ_obj2txt(oid, sizeof oid, obj, 1);
        int nid = OBJ_obj2nid(obj);
        lua_createtable(L, 0, 4);
        lua_pushstring(L, oid);
        lua_setfield(L, -2, "oid");
        lua_pushstring(L, nid != NID_undef ? OBJ_nid2sn(nid) : oid);
        lua_setfield(L, -2, "name");
        lua_pushboolean(L, X509_EXTENSION_get_critical(ext));
        lua_setfield(L, -2, "critical");
        BIO *bio = push_bio(L);
        if (X509V3_EXT_print(bio, ext, 0, 0) == 1) {
            push_bio_text(L, bio, 1);
        } else {
            const ASN1_OCTET_STRING *data = X509_EXTENSION_get_data(ext);
            push_hex(L, ASN1_STRING_get0_data(data), (size_t)ASN1_STRING_length(data));
        }
        ERR_clear_error();
        lua_setfield(L, -3, "value");
        lua_pop(L, 1); /* the BIO */
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static int cert_tostring(lua_State *L)
{
    lua_certobj *o = luaL_checkudata(L, 1, TLS_LUA_CERTIFICATE);
    if (o->x == NULL) {
        lua_pushliteral(L, "tls.certificate: (empty)");
        return 1;
    }
    lua_pushliteral(L, "tls.certificate: ");
    push_name(L, X509_get_subject_name(o->x));
    lua_remove(L, -2); /* the BIO */
    lua_concat(L, 2);
    return 1;
}

/* Equal when the DER encodings are (X509_cmp: hash, then the bytes). */
static int cert_eq(lua_State *L)
{
    lua_certobj *a = luaL_testudata(L, 1, TLS_LUA_CERTIFICATE);
    lua_certobj *b = luaL_testudata(L, 2, TLS_LUA_CERTIFICATE);
    lua_pushboolean(L, a != NULL && b != NULL && a->x != NULL && b->x != NULL &&
                           X509_cmp(a->x, b->x) == 0);
    return 1;
}

static int cert_gc(lua_State *L)
{
    lua_certobj *o = luaL_checkudata(L, 1, TLS_LUA_CERTIFICATE);
    X509_free(o->x);
    o->x = NULL;
    return 0;
}

/* ---- Loading: tls.certificate(text), tls.certificates(pem) ------------------ */

static int load_failure(lua_State *L, const char *fn, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;
    ERR_clear_error();
    lua_pushnil(L);
    if (r != NULL)
        lua_pushfstring(L, "%s: %s (%s)", fn, what, r);
    else
        lua_pushfstring(L, "%s: %s", fn, what);
    return 2;
}

/* Reads PEM certificates from text into the table on the top of the stack
 * (at most `max`); returns how many, or -1 on bad PEM. */
static int read_pem(lua_State *L, const char *text, size_t len, int max)
{
    BIO **box = lua_newuserdatauv(L, sizeof *box, 0);
    *box = NULL;
    luaL_setmetatable(L, "tls.certificate.bio");
    *box = BIO_new_mem_buf(text, (int)len);
    if (*box == NULL)
        luaL_error(L, "tls: out of memory");
    int n = 0;
    ERR_clear_error();
    while (n < max) {
        lua_certobj *o = new_certobj(L);
        o->x = PEM_read_bio_X509(*box, NULL, NULL, NULL);
        if (o->x == NULL) {
            lua_pop(L, 1);
            unsigned long e = ERR_peek_last_error();
            if (n > 0 && ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
                ERR_clear_error(); /* the end of the text */
            else
                n = -1;
            break;
        }
        lua_rawseti(L, -3, ++n);
    }
    lua_pop(L, 1); /* the BIO */
    return n;
}

static int is_pem_text(const char *s, size_t len)
{
    const char *mark = "-----BEGIN";
    size_t m = strlen(mark);
    for (size_t i = 0; i + m <= len; i++)
        if (memcmp(s + i, mark, m) == 0)
            return 1;
    return 0;
}

/* tls.certificate(pem_or_der) -> certificate | nil, message. PEM text gives
 * its first certificate; DER must be exactly one certificate. */
int tls_lua_certificate_load(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    if (len == 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "tls.certificate: empty input (give PEM text or DER bytes)");
        return 2;
    }
    if (len > INT_MAX)
        return load_failure(L, "tls.certificate", "input too large");
    if (is_pem_text(text, len)) {
        lua_createtable(L, 1, 0);
        if (read_pem(L, text, len, 1) != 1)
            return load_failure(L, "tls.certificate", "bad PEM: no certificate could be read");
        lua_rawgeti(L, -1, 1);
        return 1;
    }
    lua_certobj *o = new_certobj(L);
    const unsigned char *p = (const unsigned char *)text;
    ERR_clear_error();
    o->x = d2i_X509(NULL, &p, (long)len);
    if (o->x == NULL)
        return load_failure(L, "tls.certificate", "not a certificate (neither PEM text nor DER)");
    if ((size_t)(p - (const unsigned char *)text) != len)
        return load_failure(L, "tls.certificate",
                            "DER certificate followed by extra bytes");
    return 1;
}

/* tls.certificates(pem) -> { certificate, ... } | nil, message */
int tls_lua_certificates_load(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    if (len > INT_MAX)
        return load_failure(L, "tls.certificates", "input too large");
    if (!is_pem_text(text, len)) {
        lua_pushnil(L);
        lua_pushliteral(L, "tls.certificates: no PEM certificate in the text");
        return 2;
    }
    lua_newtable(L);
    if (read_pem(L, text, len, INT_MAX) < 1)
        return load_failure(L, "tls.certificates", "bad PEM");
    return 1;
}

void tls_lua_cert_register(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"pem", cert_pem},           {"der", cert_der},
        {"subject", cert_subject},   {"issuer", cert_issuer},
        {"names", cert_names},       {"serial", cert_serial},
        {"notbefore", cert_notbefore}, {"notafter", cert_notafter},
        {"digest", cert_digest},     {"pubkey", cert_pubkey},
        {"extensions", cert_extensions},
        {"issued", tls_lua_cert_issued},
        {"signature_algorithm", tls_lua_cert_signature_algorithm},
        {NULL, NULL},
    };
    static const luaL_Reg meta[] = {
        {"__gc", cert_gc},
        {"__eq", cert_eq},
        {"__tostring", cert_tostring},
        {NULL, NULL},
    };
    luaL_newmetatable(L, TLS_LUA_CERTIFICATE);
    luaL_setfuncs(L, meta, 0);
    tls_lua_seal_metatable(L);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    luaL_newmetatable(L, "tls.certificate.bio");
    lua_pushcfunction(L, bio_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    luaL_newmetatable(L, "tls.certificate.names");
    lua_pushcfunction(L, names_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
}
