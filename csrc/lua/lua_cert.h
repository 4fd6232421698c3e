/* A certificate as a Lua table, for conn:info().peer_certificate. */
#ifndef TLS_LUA_CERT_H
#define TLS_LUA_CERT_H

#include <lua.h>
#include <openssl/x509.h>

/* Pushes { subject=, issuer=, names={...}, not_before=, not_after=,
 * serial= (hex), sha256= ("AB:CD:..."), key= ("EC P-256", "RSA 2048",
 * "Ed25519") }. Does not take ownership of cert. */
void tls_lua_push_cert(lua_State *L, X509 *cert);

#endif
