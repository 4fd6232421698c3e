/* TLS 1.2 server resumption: rfc5077 session tickets and rfc5246 session
 * ids kept in the session store, both holding the same sealed session
 * (hs/tls_session.h sealed with crypto/tls_ticket.h), and rfc7627#5.3's
 * rules for the extended master secret. The flights themselves are
 * tls12_server.c's. */
#ifndef TLS12_RESUME_SERVER_H
#define TLS12_RESUME_SERVER_H

#include "hs/tls_hello.h"

/* Decides, once the ClientHello is checked and c->server_name is known,
 * how this handshake goes:
 *  1: abbreviated (rfc5246#7.3): c->session is the session resumed (its
 *     peer certificate in c->peer_chain), c->suite its suite,
 *     c->t12->master and ems its secrets, c->session_id the id to echo,
 *     c->t12->ticket_promised whether a renewed ticket follows;
 *  0: full: c->session_id is the new session id (or none), and
 *     c->t12->ticket_promised whether ServerHello promises a ticket;
 * -1: the handshake fails (rfc7627#5.3: a session made with the extended
 *     master secret offered without it). */
int tls12_resume_server_decide(tls_conn *c, const client_hello *ch);
/* rfc5077#3.3: the NewSessionTicket promised in ServerHello: after a full
 * handshake a ticket of the new session, after an abbreviated one the
 * resumed session sealed under the current key. */
int tls12_resume_server_send_ticket(tls_conn *c);
/* After a full handshake that issued a session id: the sealed session goes
 * to the session store under it. A store that fails is not our failure:
 * -1 only when the trace callback fails. */
int tls12_resume_server_store(tls_conn *c);
/* A connection failing with a fatal alert: its session, if the session
 * store holds it, is deleted there. */
void tls12_resume_server_unstore(tls_conn *c);

#endif
