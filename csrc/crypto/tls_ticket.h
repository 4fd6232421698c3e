/* Ticket keys: the server's secret for sealing session state into tickets
 * (TLS 1.3 NewSessionTicket, rfc5077 tickets) and into the blobs a session
 * store holds, so neither a client nor a store ever sees a secret in the
 * clear. Keys are named (rfc5077#4's key_name): a set has one current key
 * that seals and older keys that still open, and several servers given
 * the same keys open each other's tickets. */
#ifndef TLS_TICKET_H
#define TLS_TICKET_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/types.h>

#include "util/tls_buf.h"
#include "util/tls_err.h"

#define TLS_TICKET_KEY_NAME_LEN 16
#define TLS_TICKET_KEY_SECRET_LEN 32 /* AES-256-GCM */
/* One key as tls.ticketkeys.generate() returns it: name, then secret. */
#define TLS_TICKET_KEY_LEN (TLS_TICKET_KEY_NAME_LEN + TLS_TICKET_KEY_SECRET_LEN)
/* A key's secret with fewer different byte values is refused as a placeholder. */
#define TLS_TICKET_SECRET_MIN_VALUES 8
#define TLS_MAX_TICKET_KEYS 8
#define TLS_TICKET_NONCE_LEN 12
#define TLS_TICKET_TAG_LEN 16
/* What sealing adds to the plaintext: name, nonce, tag. */
#define TLS_TICKET_OVERHEAD (TLS_TICKET_KEY_NAME_LEN + TLS_TICKET_NONCE_LEN + TLS_TICKET_TAG_LEN)

typedef struct tls_ticket_key {
    uint8_t name[TLS_TICKET_KEY_NAME_LEN];
    uint8_t secret[TLS_TICKET_KEY_SECRET_LEN];
    uint64_t created_ms;       /* when this process took or made it */
    EVP_CIPHER_CTX *ctx;       /* AES-256-GCM keyed with secret, made on first
                                  use and given a fresh nonce for each ticket
                                  (keying costs more than sealing a ticket);
                                  freed, with its key schedule wiped, when the
                                  key is dropped. Used from the config's one
                                  thread at a time, as the config is */
} tls_ticket_key;

typedef struct tls_ticket_keys {
    tls_ticket_key keys[TLS_MAX_TICKET_KEYS]; /* keys[0] seals; all open */
    size_t n;                  /* 0: none yet (a server makes one on first use) */
    uint64_t rotate_ms;        /* > 0: keys[0] is replaced by a fresh random key
                                  once this old, and a key is dropped once
                                  twice this old; 0: keys change only when set */
} tls_ticket_keys;

/* A fresh random key (name and secret) in TLS_TICKET_KEY_LEN bytes. */
int tls_ticket_key_generate(uint8_t out[TLS_TICKET_KEY_LEN], tls_error *err);
/* Replaces the set by these keys (each TLS_TICKET_KEY_LEN bytes, current
 * first; 1 to TLS_MAX_TICKET_KEYS, no name twice); the old keys are wiped.
 * Fails (no alert, a message) and changes nothing otherwise. */
int tls_ticket_keys_set(tls_ticket_keys *ks, const uint8_t *const *keys, size_t n, uint64_t now_ms,
                        tls_error *err);
/* Wipes every key (and frees each key's cipher context). */
void tls_ticket_keys_wipe(tls_ticket_keys *ks);
/* Makes the set ready to seal at now_ms: a first random key if it has none,
 * automatic rotation if rotate_ms is set (a fresh keys[0] once the current
 * one is rotate_ms old), then tls_ticket_keys_expire. A server calls it
 * before opening a ticket too, so that a key past its time cannot open
 * one (the Lua binding also calls it as each connection is accepted). */
int tls_ticket_keys_prepare(tls_ticket_keys *ks, uint64_t now_ms, tls_error *err);
/* With rotate_ms set: drops and wipes every key but keys[0] that is
 * 2 * rotate_ms old (it sealed for rotate_ms, then opened for as long). A
 * clock that went back counts as no time passed. */
void tls_ticket_keys_expire(tls_ticket_keys *ks, uint64_t now_ms);
/* Seals plain under keys[0] (after tls_ticket_keys_prepare): appends name ||
 * nonce || ciphertext || tag to out. */
int tls_ticket_seal(tls_ticket_keys *ks, const uint8_t *plain, size_t len, tls_buf *out,
                    tls_error *err);
/* The same with the caller's nonce (TLS_TICKET_NONCE_LEN fresh random bytes,
 * never used before under this key): a server issuing several tickets draws
 * the randomness of all of them at once. */
int tls_ticket_seal_nonce(tls_ticket_keys *ks, const uint8_t *nonce, const uint8_t *plain,
                          size_t len, tls_buf *out, tls_error *err);
/* Opens a sealed blob: 1 with the plaintext appended to plain; 0 when it is
 * not one of ours (unknown or dropped key name, too short, failed tag: the
 * caller falls back to a full handshake); -1 on an internal error. */
int tls_ticket_open(tls_ticket_keys *ks, const uint8_t *sealed, size_t len, tls_buf *plain,
                    tls_error *err);

#endif
