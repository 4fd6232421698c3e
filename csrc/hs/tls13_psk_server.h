/* TLS 1.3 server resumption (rfc8446#2.2, #4.2.9, #4.2.11, #4.6.1):
 * tickets out after a handshake, a ticket's PSK accepted in a ClientHello.
 * A ticket is our sealed session (crypto/tls_ticket.h, hs/tls_session.h),
 * so the server keeps no state per ticket. */
#ifndef TLS13_PSK_SERVER_H
#define TLS13_PSK_SERVER_H

#include "hs/tls_hello.h"

/* rfc8446#4.2.9 PskKeyExchangeMode values. */
#define TLS_PSK_KE 0
#define TLS_PSK_DHE_KE 1
/* Identities of a pre_shared_key we try to open at most: each costs an
 * AEAD open; more are parsed (their count must match the binders') but
 * not tried. */
#define TLS13_PSK_MAX_TRIED 8
/* rfc8446#8.3: for 0-RTT, the client's view of a ticket's age
 * (obfuscated_ticket_age minus ticket_age_add) must be within this of ours
 * (now - issue time),
 * plus TLS13_PSK_AGE_DRIFT_PERMILLE of our age for clocks running at
 * different rates. The client starts counting when it receives the
 * ticket, a round trip after we issued it, so its age is a little less
 * than ours; a few seconds cover slow networks. A ticket outside the
 * window still resumes (1-RTT, binder checked): rfc8446#8.3 uses the age
 * to decide only whether to "accept 0-RTT ... otherwise falling back to a
 * 1-RTT handshake", as OpenSSL does. */
#define TLS13_PSK_AGE_WINDOW_MS 10000
#define TLS13_PSK_AGE_DRIFT_PERMILLE 10

/* What a ClientHello's PSK offer came to. */
typedef struct tls13_psk_choice {
    tls_session *session;        /* the accepted session (heap), NULL: full handshake */
    uint16_t identity;           /* its index, for ServerHello.selected_identity */
    int mode;                    /* TLS_PSK_DHE_KE or TLS_PSK_KE */
    const tls_suite *suite;      /* ours, offered by the client, with the PSK's hash */
    uint8_t early[TLS_MAX_HASH_LEN]; /* the Early Secret the binder was checked with */
    const EVP_MD *early_md;          /* its hash; NULL: none */
    int age_off;                     /* the client's ticket age is outside the window: no 0-RTT */
} tls13_psk_choice;

/* Reads the ClientHello's pre_shared_key and psk_key_exchange_modes (msg:
 * the whole message, which ends with pre_shared_key) before msg enters the
 * transcript. A malformed offer fails (decode_error, illegal_parameter,
 * missing_extension); a ticket we cannot use leaves choice->session NULL
 * (with a "decide" trace event saying why); an accepted one whose binder
 * is wrong is decrypt_error. */
int tls13_psk_server_select(tls_conn *c, const client_hello *ch, const uint8_t *msg, size_t len,
                            tls13_psk_choice *choice);
void tls13_psk_choice_free(tls13_psk_choice *choice);
/* The Early Secret from the resumed session's PSK, then the handshake
 * secrets (shared_len 0: psk_ke). Replaces tls_hs_derive_handshake_secrets. */
int tls13_psk_server_handshake_secrets(tls_conn *c, const uint8_t *shared, size_t shared_len);
/* Takes the accepted session into c->session: peer certificate and its
 * verification carry over, c->resumed is set. */
int tls13_psk_server_resume(tls_conn *c, tls13_psk_choice *choice);
/* After the client's Finished (in the transcript): the resumption master
 * secret, then c->pol.tickets NewSessionTickets. */
int tls13_psk_server_send_tickets(tls_conn *c);

#endif
