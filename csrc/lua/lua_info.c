/* The info() table shared by connections and engines. */
#include <stdio.h>
#include <string.h>

#include "lua/lua_cert.h"
#include "lua/lua_tls.h"
#include "util/tls_names.h"
#include "pki/tls_x509.h"
#include "pki/tls_ocsp.h"
#include "hs/tls_session.h"

/* Names the field, or the number in hex when we have no name for it. */
static void set_name(lua_State *L, const char *field, const char *name, uint16_t id)
{
    if (id == 0)
        return;
    if (name)
        lua_pushstring(L, name);
    else
        lua_pushfstring(L, "0x%04x", (unsigned)id);
    lua_setfield(L, -2, field);
}

void tls_lua_push_info(lua_State *L, const tls_conn *c)
{
    tls_conn_info info;
    tls_conn_get_info(c, &info);
    lua_createtable(L, 0, 12);
    set_name(L, "version", tls_version_name(info.version), info.version);
    set_name(L, "cipher", tls_suite_name(info.suite), info.suite);
    set_name(L, "group", tls_group_name(info.group), info.group);
    set_name(L, "signature", tls_sigscheme_name(info.sigscheme), info.sigscheme);
    lua_pushboolean(L, info.hello_retry);
    lua_setfield(L, -2, "hello_retry");
    lua_pushboolean(L, info.resumed);
    lua_setfield(L, -2, "resumed");
    if (info.early_data != 0) {
        lua_pushstring(L, info.early_data > 0 ? "accepted" : "rejected");
        lua_setfield(L, -2, "early_data");
    }
    if (info.key_exchange) {
        lua_pushstring(L, info.key_exchange);
        lua_setfield(L, -2, "key_exchange");
    }
    if (info.version == 0x0303) {
        lua_pushboolean(L, info.extended_master_secret);
        lua_setfield(L, -2, "extended_master_secret");
    }
    if (info.server_name) {
        /* On a server, the client's SNI: peer text (it may hold anything
         * but NUL). */
        char name[256 * 4];
        tls_sanitize(info.server_name, strlen(info.server_name), name, sizeof name);
        lua_pushstring(L, name);
        lua_setfield(L, -2, "servername");
    }
    if (info.alpn_len > 0) {
        lua_pushlstring(L, (const char *)info.alpn, info.alpn_len);
        lua_setfield(L, -2, "alpn");
    }
    int n = info.peer_chain ? sk_X509_num(info.peer_chain) : 0;
    if (n > 0) {
        tls_lua_push_cert(L, sk_X509_value(info.peer_chain, 0));
        lua_setfield(L, -2, "peer_certificate");
    }
    lua_pushinteger(L, n);
    lua_setfield(L, -2, "peer_chain_length");
    /* On a server: the client sent a chain that passed verification (with
     * verify = "optional", false for a client that sent none). */
    lua_pushboolean(L, n > 0 && info.peer_verified);
    lua_setfield(L, -2, "peer_verified");
    if (info.client_certificate) {
        /* Client: the certificate we answered a CertificateRequest with. */
        char subject[1024];
        tls_x509_name_text(X509_get_subject_name(info.client_certificate), subject, sizeof subject);
        lua_pushstring(L, subject);
        lua_setfield(L, -2, "client_certificate");
    }
    if (info.ocsp) {
        /* { status =, this_update =, next_update =, revocation_time =, reason = } */
        lua_createtable(L, 0, 5);
        lua_pushstring(L, tls_ocsp_status_name(info.ocsp->status));
        lua_setfield(L, -2, "status");
        if (info.ocsp->this_update) {
            lua_pushinteger(L, (lua_Integer)info.ocsp->this_update);
            lua_setfield(L, -2, "this_update");
        }
        if (info.ocsp->next_update) {
            lua_pushinteger(L, (lua_Integer)info.ocsp->next_update);
            lua_setfield(L, -2, "next_update");
        }
        if (info.ocsp->status == TLS_OCSP_STATUS_REVOKED) {
            lua_pushinteger(L, (lua_Integer)info.ocsp->revocation_time);
            lua_setfield(L, -2, "revocation_time");
        }
        if (info.ocsp->reason[0]) {
            lua_pushstring(L, info.ocsp->reason);
            lua_setfield(L, -2, "reason");
        }
        lua_setfield(L, -2, "ocsp");
    }
    unsigned status = tls_conn_status(c);
    lua_pushboolean(L, (status & TLS_STATUS_HANDSHAKE_DONE) != 0);
    lua_setfield(L, -2, "handshake_done");
    lua_pushboolean(L, (status & TLS_STATUS_PEER_CLOSED) != 0);
    lua_setfield(L, -2, "close_notify");
}

int tls_lua_push_peer(lua_State *L, const tls_conn *c, int whole_chain)
{
    tls_conn_info info;
    if (c == NULL)
        return luaL_error(L, "tls: already collected");
    tls_conn_get_info(c, &info);
    if (!(tls_conn_status(c) & TLS_STATUS_HANDSHAKE_DONE) || info.peer_chain == NULL ||
        sk_X509_num(info.peer_chain) == 0) {
        lua_pushnil(L);
        return 1;
    }
    if (whole_chain)
        tls_lua_push_chain(L, info.peer_chain);
    else
        tls_lua_push_certobj(L, sk_X509_value(info.peer_chain, 0));
    return 1;
}

#define TEXT_OF_(n) #n
#define TEXT_OF(n) TEXT_OF_(n)
#define MAX_KEPT TEXT_OF(TLS_SESSION_MAX_PEER_CERT)

int tls_lua_push_verified(lua_State *L, const tls_conn *c)
{
    tls_conn_info info;
    if (c == NULL)
        return luaL_error(L, "tls: already collected");
    tls_conn_get_info(c, &info);
    const char *why = NULL;
    if (!(tls_conn_status(c) & TLS_STATUS_HANDSHAKE_DONE))
        why = "the handshake has not completed";
    else if (info.peer_path != NULL)
        why = NULL;
    else if ((info.peer_chain == NULL || sk_X509_num(info.peer_chain) == 0) && info.resumed && info.version == 0x0303)
        /* A TLS 1.2 server makes no session when the client's certificate
         * is too large to keep (tls12_resume_server.c), nor does a client
         * when the server's is (review42c): so none was sent. */
        why = "the session was resumed, and the peer sent no certificate when it was made: this connection "
              "received no chain and verified none";
    else if ((info.peer_chain == NULL || sk_X509_num(info.peer_chain) == 0) && info.resumed)
        /* review41a: a resumed connection shows the peer's leaf kept in
         * the session, and a TLS 1.3 server keeps a session without a
         * client certificate too large for it (TLS_SESSION_MAX_PEER_CERT;
         * a client keeps no session then): "the peer sent no certificate"
         * could be untrue. Which of the two it was is not kept. */
        why = "the session was resumed, and it holds no certificate of the peer (none was sent when the session "
              "was made, or one too large to keep in it, over " MAX_KEPT " bytes): this connection received no "
              "chain and verified none";
    else if (info.peer_chain == NULL || sk_X509_num(info.peer_chain) == 0)
        why = "the peer sent no certificate";
    else if (info.resumed)
        why = "the session was resumed: the chain was verified when the session was made, and its path "
              "is not kept";
    else if (!info.verifying)
        why = "verification is off (verify = false)";
    else
        why = "the chain did not verify (the verify function accepted it)";
    if (why != NULL) {
        lua_pushnil(L);
        lua_pushstring(L, why);
        return 2;
    }
    tls_lua_push_chain(L, info.peer_path);
    return 1;
}

void tls_lua_warn_unread_early(lua_State *L, tls_conn *c, const char *how)
{
    size_t n = tls_conn_early_unread_at_close(c);
    if (n == 0)
        return;
    char msg[256];
    snprintf(msg, sizeof msg, "tls: closed with %zu bytes of accepted 0-RTT data never read (%s): the client "
             "was told they were delivered",
             n, how);
    lua_warning(L, msg, 0);
}

const char *tls_lua_failure_reason(const tls_conn *c)
{
    const tls_error *err = tls_conn_error(c);
    if (!err || !err->set || !err->reason[0])
        return "connection failed";
    return err->reason;
}
