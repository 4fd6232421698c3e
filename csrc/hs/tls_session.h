/* A session to resume: what a full handshake leaves behind for the next
 * one (rfc8446#2.2, rfc5077#4, rfc5246#7.3), in one struct for both
 * versions and both sides, with one encoding.
 *
 * - A server seals the encoding (kind TLS_SESSION_SERVER) under its ticket
 *   keys (crypto/tls_ticket.h): that is the ticket (TLS 1.3, rfc5077) and
 *   the blob a session store keeps under a TLS 1.2 session id.
 * - A client keeps the encoding (kind TLS_SESSION_CLIENT, with the ticket
 *   or session id to present) as text: what conn:session() returns and
 *   tls_conn_set_session takes back. It holds the session's secret: store
 *   it like a private key. */
#ifndef TLS_SESSION_H
#define TLS_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "util/tls_buf.h"
#include "util/tls_consts.h"
#include "util/tls_err.h"

#define TLS_SESSION_SERVER 1
#define TLS_SESSION_CLIENT 2
/* rfc8446#4.6.1: servers MUST NOT use any value greater than 604800
 * seconds (7 days) as ticket_lifetime. */
#define TLS_MAX_TICKET_LIFETIME 604800
/* A peer certificate kept in a session at most this large (the leaf only). */
#define TLS_SESSION_MAX_PEER_CERT 16384
/* A ticket we keep as a client: rfc8446 allows up to 2^16-1 bytes. */
#define TLS_SESSION_MAX_TICKET 65535
/* Tickets larger than this are kept but not offered, in TLS 1.3 as in
 * TLS 1.2: with the rest of a ClientHello they would not fit its
 * extensions block (2^16-1 bytes). Real tickets are a few hundred bytes,
 * a few KiB with a client certificate in them. */
#define TLS_MAX_OFFERED_TICKET 49152

typedef struct tls_session {
    int kind;                  /* TLS_SESSION_SERVER or _CLIENT */
    uint16_t version;          /* TLS_VERSION_13 or TLS_VERSION_12 */
    uint16_t suite;            /* the suite of the handshake that made it */
    uint8_t secret[TLS_MAX_HASH_LEN]; /* TLS 1.3: the PSK (tls13_ticket_psk);
                                         TLS 1.2: the master secret (48 bytes) */
    size_t secret_len;
    int ems;                   /* TLS 1.2: made with extended master secret (rfc7627) */
    uint64_t created_ms;       /* issue time, by the issuer's clock (server) or
                                  when received (client) */
    uint32_t lifetime_s;       /* usable until created + lifetime */
    uint32_t age_add;          /* TLS 1.3 ticket_age_add */
    uint32_t max_early_data;   /* TLS 1.3: 0 means no 0-RTT with this ticket */
    char name[256];            /* the server name (SNI) it was made for; "" none */
    uint8_t alpn[255];         /* the ALPN protocol agreed; alpn_len 0: none */
    size_t alpn_len;
    int peer_verified;         /* the peer's chain was verified then */
    tls_buf peer_cert;         /* the peer's leaf (DER), or empty */
    /* When the peer was last authenticated by a certificate: the time of
     * the full handshake, which every session resumed from it inherits, so
     * that chained tickets cannot carry one check for ever (rfc8446#4.6.1:
     * "place limits on the total lifetime of such keying material"). */
    uint64_t auth_ms;
    /* The peer's handshake signature scheme (0: none, as with RSA key
     * transport or no client certificate), judged against `sigalgs` again
     * by a client offering it and a server resuming a client certificate. */
    uint16_t peer_sigscheme;
    /* Client: SHA-256 of the leaf we authenticated with (has_own_cert 0:
     * none sent); the session is offered only by a context holding it. */
    uint8_t own_cert[32];
    int has_own_cert;
    /* The verification settings of the config that made it
     * (tls_config_verify_digest): a trailing field of the encoding, absent
     * from sessions encoded before it was added (has_verify_digest 0:
     * made under settings we cannot know). */
    uint8_t verify_digest[TLS_VERIFY_DIGEST_LEN];
    int has_verify_digest;
    /* The earliest notAfter along the peer's verified path, seconds since
     * the epoch (0: not known, as in a session encoded before it was
     * added, or a chain a verify function accepted): the leaf is kept, its
     * intermediates and trust anchor are not, yet a full handshake would
     * refuse any of them once expired. A second trailing field, after
     * verify_digest, written whenever it is (0 too). */
    uint64_t chain_not_after;
    /* Client only: what to present. */
    tls_buf ticket;            /* TLS 1.3 PSK identity or rfc5077 ticket; empty: none */
    uint8_t session_id[32];    /* TLS 1.2 session id (session-store resumption) */
    size_t session_id_len;
    /* Client, TLS 1.3, never encoded: what the key schedule derives from
     * the PSK alone (tls13_psk_client_keep_psk_keys); psk_md NULL: not
     * derived. */
    const void *psk_md;        /* the EVP_MD they were derived with */
    uint8_t psk_early[TLS_MAX_HASH_LEN];      /* Early Secret */
    uint8_t psk_binder_fk[TLS_MAX_HASH_LEN];  /* finished_key of the binder key */
} tls_session;

void tls_session_init(tls_session *s);
/* Wipes the secret and frees the buffers. */
void tls_session_wipe(tls_session *s);
/* Appends the binary encoding to out. */
int tls_session_encode(const tls_session *s, tls_buf *out, tls_error *err);
/* Decodes (s is initialised here); 0, or -1 when malformed (err gets why,
 * no alert: a bad blob from a store or a ticket just means no resumption),
 * or TLS_SESSION_OLD_FORMAT for a well-labelled session of an older
 * format, or of this one with trailing fields a newer version added: not
 * misread, only not resumed. */
#define TLS_SESSION_OLD_FORMAT (-2)
int tls_session_decode(tls_session *s, const uint8_t *p, size_t len, tls_error *err);
/* The text form a client stores: a header naming the server, version and
 * expiry (UTC), then the encoding in base64. */
int tls_session_to_text(const tls_session *s, tls_buf *out, tls_error *err);
int tls_session_from_text(tls_session *s, const char *text, size_t len, tls_error *err);
/* A deep copy of src into dst (initialised here); -1 when out of memory. */
int tls_session_copy(tls_session *dst, const tls_session *src);
/* True when now_ms is past the session's lifetime. */
int tls_session_expired(const tls_session *s, uint64_t now_ms);
/* A session's server name (s->name) against the one a ClientHello names
 * ("" for none): DNS names compare without regard to ASCII case
 * (rfc4343#3; rfc6066#3 sends host names as DNS names). Only A-Z and a-z
 * fold: other bytes must be equal. */
int tls_session_name_matches(const char *made_for, const char *name);

#endif
