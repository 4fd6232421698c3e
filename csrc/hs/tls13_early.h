/* TLS 1.3 0-RTT early data (rfc8446#2.3, #4.2.10, #4.5, #8), both sides.
 * The handshake state machines call in here at a few fixed points; what
 * early data is, when it may be sent or accepted, and the anti-replay rule
 * live only in tls13_early.c. */
#ifndef TLS13_EARLY_H
#define TLS13_EARLY_H

#include "hs/tls_hello.h"

/* Per-connection 0-RTT state, on the heap: only connections that offer or
 * accept early data carry it. */
typedef struct tls_early {
    tls_buf data;             /* client: the early data to send (kept until the
                                 server answers); server: early data received
                                 and not yet read by the application */
    size_t count;             /* server: early data bytes received so far
                                 (rfc8446#4.2.10 counts application data only) */
    uint32_t limit;           /* client: the ticket's max_early_data_size;
                                 server: the one we accept on this connection */
    int offered;              /* client: our ClientHello carries early_data */
    int sent;                 /* client: the early records went out */
    int complete;             /* server: EndOfEarlyData received */
    int unread_told;          /* server: closed with data never read, said once */
    tls_state next_state;     /* server: the state after EndOfEarlyData */
    size_t recv_limit;        /* server: the record size limit to restore
                                 after EndOfEarlyData (rfc8449) */
} tls_early;

/* rfc8446#4.2.10 anti-replay: the key under which a ticket that allows
 * 0-RTT is registered in the session store (a hash of the ticket). */
#define TLS_EARLY_TICKET_ID_LEN 32

/* ---- Server ---- */
/* After the PSK decision and before the ServerHello: accepts the client's
 * early data (c->early_data = 1, the read key becomes
 * client_early_traffic_secret once the flight is sent) or declines it
 * (c->early_data = -1; its records are skipped). selected is the index of
 * the PSK identity accepted, -1 when none. */
int tls13_early_server_decide(tls_conn *c, const client_hello *ch, int selected);
/* A HelloRetryRequest answers a ClientHello: its early data, if any, is
 * declined (c->early_data = -1, traced). */
int tls13_early_server_retry(tls_conn *c, const client_hello *ch);
/* Appends the early_data extension to EncryptedExtensions when accepted. */
void tls13_early_server_put_ee(const tls_conn *c, tls_buf *msg);
/* After our Finished, instead of reading under the client handshake key:
 * with early data accepted, reads under the early key until
 * EndOfEarlyData, then goes to c->state (the state after the flight). */
int tls13_early_server_after_flight(tls_conn *c);
/* A record of application data under the early key. */
int tls13_early_server_data(tls_conn *c, const uint8_t *data, size_t len);
/* In ST_SERVER_WAIT_EOED: a handshake message. */
int tls13_early_server_handle(tls_conn *c, uint8_t type, tls_reader *body, const uint8_t *msg, size_t len);
/* A NewSessionTicket that allows 0-RTT was made (sealed ticket bytes):
 * registers it in the session store for the anti-replay check. */
void tls13_early_ticket_issued(tls_conn *c, const uint8_t *ticket, size_t len, uint32_t lifetime_s);

/* ---- Client ---- */
/* Whether our (first) ClientHello offers early data: early_data on, a
 * session whose ticket allows it, data queued. Set before the hello is
 * built; the extension goes right before pre_shared_key. */
void tls13_early_client_put_ext(tls_conn *c, tls_buf *msg);
/* After the first ClientHello went out: the compatibility
 * change_cipher_spec and the early data under client_early_traffic_secret. */
int tls13_early_client_send(tls_conn *c);
/* A HelloRetryRequest came: the early data was not accepted, and the
 * second ClientHello goes unprotected. */
int tls13_early_client_retry(tls_conn *c);
/* ServerHello: 1 when the write direction stays under the early key until
 * EncryptedExtensions answers (early data offered). */
int tls13_early_client_keeps_write_key(const tls_conn *c);
/* rfc8446#D.3: a TLS 1.2 ServerHello after our 0-RTT data fails the
 * connection (protocol_version, sent in the clear); the early data is dropped. */
int tls13_early_client_refuse_tls12(tls_conn *c);
/* EncryptedExtensions' early_data (NULL: absent); selected_identity is the
 * ServerHello's pre_shared_key choice (-1 none). Switches our write key to
 * the handshake key when declined. */
int tls13_early_client_answer(tls_conn *c, tls_reader *ext, int selected_identity);
/* Before our Certificate/Finished: EndOfEarlyData under the early key when
 * accepted, then the client handshake key. */
int tls13_early_client_finish(tls_conn *c);

/* Frees c->early (wiped). */
void tls13_early_free(tls_conn *c);

#endif
