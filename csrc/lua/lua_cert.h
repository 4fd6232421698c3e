/* A certificate as a Lua table, for conn:info().peer_certificate. */
#ifndef TLS_LUA_CERT_H
#define TLS_LUA_CERT_H

#include <lua.h>
#include <openssl/x509.h>

/* Pushes { subject=, issuer=, names={...}, not_before=, not_after=,
 * serial= (hex), sha256= ("AB:CD:..."), key= ("EC P-256", "RSA 2048",
 * "Ed25519") }. Does not take ownership of cert. */
void tls_lua_push_cert(lua_State *L, X509 *cert);

/* ---- Certificate objects (metatable TLS_LUA_CERTIFICATE) ----
 * Methods: pem, der, subject, issuer, names, serial, notbefore, notafter,
 * digest, pubkey, extensions, issued, signature_algorithm; __tostring,
 * __eq (same DER). */
#define TLS_LUA_CERTIFICATE "tls.certificate"
/* Pushes an object holding a new reference to cert (may raise). */
void tls_lua_push_certobj(lua_State *L, X509 *cert);
/* Pushes a list of objects, one per certificate of chain (NULL: empty). */
void tls_lua_push_chain(lua_State *L, STACK_OF(X509) *chain);
/* The X509 of the certificate object at idx (raises for anything else). */
X509 *tls_lua_check_certobj(lua_State *L, int idx);
/* ca:issued(cert, ...) and cert:signature_algorithm() (lua_cert_issued.c) */
int tls_lua_cert_issued(lua_State *L);
int tls_lua_cert_signature_algorithm(lua_State *L);
/* tls.certificate(pem_or_der), tls.certificates(pem) */
int tls_lua_certificate_load(lua_State *L);
int tls_lua_certificates_load(lua_State *L);
void tls_lua_cert_register(lua_State *L);

#endif
