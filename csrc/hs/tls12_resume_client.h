/* TLS 1.2 resumption on the client (rfc5246#7.3, rfc5077#3.4, rfc7627#5.3):
 * whether the session handed to the connection is offered, the
 * SessionTicket extension, the server's answer, the NewSessionTicket
 * message and the session a TLS 1.2 handshake leaves behind
 * (c->new_session). The state machine (tls12_client.c) calls these. */
#ifndef TLS12_RESUME_CLIENT_H
#define TLS12_RESUME_CLIENT_H

#include "hs/tls_hello.h"

/* Default and longest lifetime of a TLS 1.2 session we keep: a server
 * that gives no lifetime hint (rfc5077#3.3: 0 means "unspecified") or
 * only a session id gets the usual server default; no hint is trusted
 * beyond 7 days (the TLS 1.3 bound, rfc8446#4.6.1). */
#define TLS12_SESSION_DEFAULT_LIFETIME 7200

/* Before the first ClientHello: when c->session is a TLS 1.2 session that
 * fits this connection, sets c->session_id (a random one when it has a
 * ticket, rfc5077#3.4; else its own); otherwise drops it. A TLS 1.3
 * session is left alone. */
int tls12_resume_client_offer(tls_conn *c);
/* ClientHello (when it offers TLS 1.2): the SessionTicket extension,
 * with the offered session's ticket or empty (asking for one). */
void tls12_resume_client_put_ticket(tls_conn *c, tls_buf *msg);
/* TLS 1.2 ServerHello, before anything else is judged: 1 when it
 * resumes the session we offered (our session id echoed), 0 for a full
 * handshake (the offered session is dropped), -1 on error. */
int tls12_resume_client_answer(tls_conn *c, const server_hello *sh);
/* TLS 1.2 ServerHello: notes its SessionTicket extension and session id
 * (for the session this handshake makes). */
int tls12_resume_client_server_hello(tls_conn *c, server_hello *sh);
/* The abbreviated handshake: the ServerHello fits the session (suite,
 * extended master secret), then the session's master secret, peer
 * certificate and verdict become the connection's. */
int tls12_resume_client_check(tls_conn *c, uint16_t suite);
int tls12_resume_client_begin(tls_conn *c);
/* A NewSessionTicket (rfc5077#3.3), before the server's ChangeCipherSpec. */
int tls12_resume_client_ticket(tls_conn *c, tls_reader *body);
/* The server's ChangeCipherSpec: the NewSessionTicket it promised came. */
int tls12_resume_client_before_ccs(tls_conn *c);
/* The handshake is complete: c->new_session from it (nothing to present,
 * no session). Fails only when the trace function does. */
int tls12_resume_client_keep(tls_conn *c);

#endif
