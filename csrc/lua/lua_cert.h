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
 * digest, pubkey, extensions; __tostring, __eq (same DER). */
#define TLS_LUA_CERTIFICATE "tls.certificate"
/* Pushes an object holding a new reference to cert (may raise). */
void tls_lua_push_certobj(lua_State *L, X509 *cert);
/* Pushes a list of objects, one per certificate of chain (NULL: empty). */
void tls_lua_push_chain(lua_State *L, STACK_OF(X509) *chain);
/* tls.certificate(pem_or_der), tls.certificates(pem) */
int tls_lua_certificate_load(lua_State *L);
int tls_lua_certificates_load(lua_State *L);
void tls_lua_cert_register(lua_State *L);

#endif
