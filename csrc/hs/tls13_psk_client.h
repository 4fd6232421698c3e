/* TLS 1.3 client resumption (rfc8446#2.2, #4.2.9, #4.2.11, #4.6.1):
 * which session is offered, the psk_key_exchange_modes and pre_shared_key
 * extensions with their binder, the server's answer, and the sessions
 * NewSessionTicket messages give. c->session set and of version TLS 1.3
 * once the ClientHello is built means a PSK is offered in it. */
#ifndef TLS13_PSK_CLIENT_H
#define TLS13_PSK_CLIENT_H

#include "engine/tls_conn_int.h"

/* Before the first ClientHello (c->offered_min/max known): a TLS 1.3
 * c->session that does not fit (expired, made for another name, a version
 * or suite the config no longer allows, an unverified peer while we
 * verify) is dropped, with a trace event saying why: a full handshake. */
int tls13_psk_client_prepare(tls_conn *c);
/* A TLS 1.3 client session just decoded from its text: derives what the
 * key schedule takes from the PSK alone (Early Secret, the binder's
 * finished_key) into s, so that every offer of it skips those steps. */
int tls13_psk_client_keep_psk_keys(tls_session *s, tls_error *err);
/* Puts psk_key_exchange_modes into a TLS 1.3 ClientHello's extensions
 * (every one, whether a session is offered or not). */
void tls13_psk_client_put_modes(tls_conn *c, tls_buf *msg);
/* Appends pre_shared_key (rfc8446#4.2.11: the last extension) to a ClientHello in msg whose extension block (ext_off)
 * and message (msg_off, from tls_hs_begin_message) are already closed;
 * re-closes both and fills in the binder over the truncated hello. After
 * a HelloRetryRequest whose suite has another hash, the PSK is dropped
 * instead. Nothing when no PSK is offered. */
int tls13_psk_client_put(tls_conn *c, tls_buf *msg, size_t msg_off, size_t ext_off);
/* A ServerHello (not a HelloRetryRequest) with suite c->suite: judges its
 * pre_shared_key (psk: the body, NULL when absent). Accepted: c->resumed,
 * the peer's certificate and verdict from the session. */
int tls13_psk_client_server_hello(tls_conn *c, tls_reader *psk);
/* The psk_ke mode (no key_share in the ServerHello) is acceptable. */
int tls13_psk_client_psk_ke_ok(const tls_conn *c);
/* A NewSessionTicket, decoded and checked: becomes c->new_session (the
 * previous one wiped). lifetime 0 discards it (rfc8446#4.6.1). */
int tls13_psk_client_new_ticket(tls_conn *c, uint32_t lifetime, uint32_t age_add, const tls_reader *nonce,
                                const tls_reader *ticket, uint32_t max_early_data);

#endif
