/* The sans-I/O protocol engine: bytes from the peer go in, bytes for the
 * peer come out, application data is protected and unprotected, and the
 * status says what the engine needs next. It never touches a socket or the
 * clock; a driver (the Lua socket layer, an event loop, a test) moves the
 * bytes.
 *
 * A driver's loop:
 *   1. send everything tls_conn_output returns, then tls_conn_output_done;
 *   2. if what it waits for has happened (handshake done, app data
 *      available, closed, failed) stop;
 *   3. otherwise read from the peer and tls_conn_feed the bytes. */
#ifndef TLS_ENGINE_H
#define TLS_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/x509.h>

#include "pki/tls_config.h"
#include "util/tls_err.h"

typedef struct tls_conn tls_conn;

/* ---- Trace: every handshake message and key-schedule step ------------- */
#define TLS_TRACE_MAX_FIELDS 16
typedef struct tls_trace_field {
    const char *key;
    const char *value;
} tls_trace_field;

typedef struct tls_trace_event {
    const char *direction;   /* "send", "receive" or "key" */
    const char *message;     /* "ClientHello", ..., or for "key" the step:
                                "handshake traffic keys", ... */
    tls_trace_field fields[TLS_TRACE_MAX_FIELDS];
    int n_fields;
} tls_trace_event;

/* Returns 0 to go on; non-zero aborts the handshake with the reason that the
 * callback wrote to reason (a NUL-terminated string of at most reason_size). */
typedef int (*tls_trace_fn)(void *ud, const tls_trace_event *ev, char *reason,
                            size_t reason_size);

/* ---- Hooks: where the application decides -------------------------------
 * Each is optional (NULL: the engine's default). The engine calls them with
 * c->in_callback set, like the trace function, so the same API calls are
 * refused from inside them. `why` receives a reason (NUL-terminated, at most
 * why_size) when a hook fails the handshake. */

/* What a server's CertificateRequest asks for (client side). */
typedef struct tls_cert_request {
    const uint16_t *sigalgs;       /* the server's signature_algorithms, its order */
    size_t n_sigalgs;
    STACK_OF(X509_NAME) *ca_names; /* certificate_authorities (TLS 1.3) or the
                                      CA list (TLS 1.2); NULL when none sent */
    uint16_t version;              /* TLS_VERSION_13 or TLS_VERSION_12 */
} tls_cert_request;

typedef struct tls_hooks {
    /* Client, on CertificateRequest: the index into cfg->ids of the pair to
     * send, -1 to send none, -2 to fail the handshake (why). */
    int (*client_certificate)(void *ud, const tls_cert_request *req, char *why, size_t why_size);
    /* Server, once the ClientHello's server_name is known (name NULL when the
     * client sent none): 0 keeps the config, 1 switches to *cfg (a new
     * reference the engine takes over), -1 refuses the name
     * (unrecognized_name), -2 fails (why). */
    int (*servername)(void *ud, const char *name, tls_config **cfg, char *why, size_t why_size);
    /* Server: chooses from the client's ALPN protocol_name_list (the wire
     * bytes, rfc7301#3.1): 1 with *chosen, *chosen_len inside list, 0 for no
     * overlap (no_application_protocol), -1 to answer without ALPN (the
     * connection goes on without a protocol), -2 fails (why). */
    int (*alpn_select)(void *ud, const uint8_t *list, size_t len, const uint8_t **chosen,
                       size_t *chosen_len, char *why, size_t why_size);
    /* Either side, after libcrypto's verdict on the peer's chain (ok, and
     * reason when !ok; path: the path it verified, leaf to trust anchor, or
     * NULL): 1 accepts, 0 rejects (why). */
    int (*verify)(void *ud, STACK_OF(X509) *chain, STACK_OF(X509) *path, int ok, const char *reason,
                  char *why, size_t why_size);
    /* Server: the OCSP response (DER) to staple for leaf, the certificate
     * chosen (server_name: the client's SNI, or NULL): 1 with it appended to
     * out, 0 for none, -2 fails (why). One not about leaf is not stapled. */
    int (*ocsp_response)(void *ud, X509 *leaf, const char *server_name, tls_buf *out, char *why,
                         size_t why_size);
    /* A key-log line (NSS key log format, without the newline). */
    void (*keylog)(void *ud, const char *line);
    /* Server: the session store (TLS 1.2 session ids, 0-RTT anti-replay).
     * Blobs are sealed with the ticket keys before they get here. A store
     * that fails is a store that does not have the session: resumption is
     * an optimisation, so these never fail a handshake.
     * get: 1 with the blob appended to out, 0 when not found;
     * put: keeps blob under id for ttl_s seconds;
     * delete: 1 when id was there (and is now gone), 0 when it was not, -1
     * when the store failed. It must be atomic in the store: that makes a
     * 0-RTT ticket usable once across a whole fleet. */
    int (*session_get)(void *ud, const uint8_t *id, size_t id_len, tls_buf *out);
    void (*session_put)(void *ud, const uint8_t *id, size_t id_len, const uint8_t *blob, size_t len,
                        uint32_t ttl_s);
    int (*session_delete)(void *ud, const uint8_t *id, size_t id_len);
} tls_hooks;

/* ---- Status bits --------------------------------------------------------- */
#define TLS_STATUS_HANDSHAKE_DONE 0x01 /* application data may flow */
#define TLS_STATUS_PEER_CLOSED 0x02    /* close_notify received */
#define TLS_STATUS_CLOSED 0x04         /* we sent close_notify */
#define TLS_STATUS_FAILED 0x08         /* fatal error; see tls_conn_error */

/* ---- Life cycle ---------------------------------------------------------- */
/* Takes a reference on cfg. */
tls_conn *tls_conn_new(tls_config *cfg);
void tls_conn_free(tls_conn *c);
/* The config in use: the one given to tls_conn_new, or the one a
 * servername hook switched to. */
const tls_config *tls_conn_config(const tls_conn *c);
/* Client only, before tls_conn_start: the name to send as SNI (not sent for
 * IP literals) and to verify the certificate against. A name that cannot be
 * a host name or IP address ("", control characters, ...) is refused: -1,
 * with the reason in tls_conn_error. */
int tls_conn_set_server_name(tls_conn *c, const char *name);
void tls_conn_set_trace(tls_conn *c, tls_trace_fn fn, void *ud);
/* hooks must outlive the connection (or the next call); NULL removes them. */
void tls_conn_set_hooks(tls_conn *c, const tls_hooks *hooks, void *ud);
/* Client only, before tls_conn_start: a session to offer (the text
 * tls_conn_get_session gave, hs/tls_session.h). It is offered only when
 * it fits: not expired, made for the same server name, with a version and
 * suite this config allows; otherwise the handshake is a full one.
 * Returns 0, or -1 with why (a message) when the text is not a session. */
int tls_conn_set_session(tls_conn *c, const char *text, size_t len, char *why, size_t why_size);
/* Client: the latest session the server gave (TLS 1.3: the last
 * NewSessionTicket; TLS 1.2: the session once the handshake is done), as
 * text appended to out: 1, or 0 when there is none. */
int tls_conn_get_session(const tls_conn *c, tls_buf *out);

/* ---- 0-RTT early data (TLS 1.3, rfc8446#2.3; hs/tls13_early.c) ----------
 * Early data is replayable by the network: send only what is safe to
 * repeat (idempotent requests). Off unless the config has early_data. */
/* Client, before tls_conn_start, after tls_conn_set_session: data to send
 * with the ClientHello under the early traffic key (may be called several
 * times; at most the ticket's max_early_data in all). It goes only if the
 * session is offered (it fits); info.early_data then says 1 (accepted) or
 * -1 (declined). Unless it says 1 the data was NOT delivered: the
 * application sends it again after the handshake (the engine does not).
 * Returns 0, or -1 with why when refused (nothing queued). */
int tls_conn_write_early(tls_conn *c, const uint8_t *data, size_t len, char *why, size_t why_size);
/* Server: early data accepted and not yet taken (kept apart from the
 * 1-RTT data of tls_conn_app_data); none once the handshake failed. */
size_t tls_conn_early_data(tls_conn *c, const uint8_t **data);
void tls_conn_early_data_done(tls_conn *c, size_t n);
/* Server, when the application closes: the bytes of accepted early data
 * it never took, 0 when none (or already said); traced once ("decide"
 * "early data unread"), for the caller to warn. */
size_t tls_conn_early_unread_at_close(tls_conn *c);
/* Server: 1 when no more early data can come (EndOfEarlyData received,
 * early data declined or not offered, handshake over or failed). */
int tls_conn_early_data_complete(const tls_conn *c);
/* Server: 1 while the handshake is not complete but tls_conn_write may
 * already answer (0.5-RTT data, rfc8446#2.3): 0-RTT was accepted and our
 * flight went out under the application key. The client is not yet
 * authenticated by its Finished; only the holder of the session's key can
 * read the answer. */
int tls_conn_half_rtt_ok(const tls_conn *c);

/* Client: queues the ClientHello. Server: no-op. Returns 0 or -1. */
int tls_conn_start(tls_conn *c);

/* Client: why tls_conn_start would refuse to begin (a configuration no
 * handshake can work with), or NULL; so a binding can refuse at creation. */
const char *tls_conn_start_problem(const tls_conn *c);

/* Client config: 0 when its ClientHello can be built at all, -1 (err set)
 * when even the smallest one (no server name, session or cookie) would not
 * fit its length fields, as with an alpn list of 65 KB; so a binding can
 * refuse the context instead of failing every connection's start. -2 (err
 * set) when it could not be tried (out of memory, a key share not made):
 * nothing is known about the settings. */
int tls_config_check_hello(tls_config *cfg, tls_error *err);

/* ---- Bytes in and out ------------------------------------------------------ */
/* Takes bytes received from the peer and processes every complete record.
 * Returns 0, or -1 on a fatal error (the alert is then queued as output,
 * and the status has TLS_STATUS_FAILED). */
int tls_conn_feed(tls_conn *c, const uint8_t *data, size_t len);
/* Feeding without a copy, for a caller that reads a socket: room at the
 * end of the engine's input buffer to receive into, between min and max
 * bytes (*len says how much, never more than the engine's limit on
 * unprocessed input); then tls_conn_input_commit with how many were
 * written, which processes them as tls_conn_feed does. No other call on c
 * between the two: one that processes input or fails the connection (a
 * read freeing held-back records, a feed) may move or free the buffer, and
 * takes the room back, so that a commit of more than 0 then fails. The
 * buffer holds at most one record of the largest size and max bytes (or
 * the unprocessed input and max, where more than a record waits
 * unprocessed): max is the caller's read, min the least room it finds
 * worth a read. NULL where tls_conn_feed would not store bytes (failed,
 * inside a callback, a cancelled handshake, a client not started), past
 * the limit, with min 0 or above max, or out of memory: the caller then
 * reads into its own buffer and feeds it, and tls_conn_feed answers.
 * Committing 0 (nothing was read) releases the buffer if it holds nothing,
 * and moves a few bytes held (part of a record) to a buffer their size, so
 * that an idle connection keeps none, or little. Returns as tls_conn_feed;
 * -1 also when n is more than the room given (the connection then fails:
 * the caller wrote past it), and from inside one of the engine's callbacks
 * (nothing taken, the connection goes on). */
uint8_t *tls_conn_input_room(tls_conn *c, size_t min, size_t max, size_t *len);
int tls_conn_input_commit(tls_conn *c, size_t n);
/* Bytes waiting to be sent to the peer (may be 0). */
size_t tls_conn_output(tls_conn *c, const uint8_t **data);
void tls_conn_output_done(tls_conn *c, size_t n);

/* ---- Application data ------------------------------------------------------- */
/* Protects data into records (split at 2^14). Only after the handshake and
 * before close. Returns 0 or -1. */
int tls_conn_write(tls_conn *c, const uint8_t *data, size_t len);
/* Decrypted application data waiting to be read. */
size_t tls_conn_app_data(tls_conn *c, const uint8_t **data);
void tls_conn_app_data_done(tls_conn *c, size_t n);

/* TLS 1.3: queues a KeyUpdate and moves our sending direction to the next
 * traffic secret; with request_peer the peer is asked to update its own
 * (it answers with a KeyUpdate that moves our reading direction). Returns
 * 0, or -1 when refused or failed: refused (tls_conn_key_update_refusal
 * says why; nothing changed, nothing is sent) before the handshake is
 * done, after close or from the trace callback; failed (the status has
 * TLS_STATUS_FAILED) otherwise.
 * The engine also updates its sending keys by itself, well before the
 * cipher's safe limit of records under one key (rfc8446#5.5), or after the
 * context's key_update_after records if that is lower. */
int tls_conn_key_update(tls_conn *c, int request_peer);
/* Why tls_conn_key_update would refuse now (a message a person can read),
 * or NULL if it would not. */
const char *tls_conn_key_update_refusal(const tls_conn *c);

/* Queues close_notify. Idempotent. Before the handshake completed, it
 * cancels the handshake (user_canceled, then close_notify) and later input
 * is ignored. */
void tls_conn_close(tls_conn *c);

/* Wipes the key schedule's secrets that outlive the handshake (traffic,
 * exporter and resumption secrets; the record layer's cipher contexts
 * keep their keys until tls_conn_free) for a binding whose transport is
 * gone: nothing can be read or sent any more, and tls_conn_export refuses
 * ("closed") instead of answering until the connection is freed. */
void tls_conn_forget_secrets(tls_conn *c);
/* True while the trace callback runs. The engine is then in the middle of
 * processing: feed, write, start, close and the *_done calls are refused
 * (they return -1 or do nothing), and tls_conn_free must not be called. */
int tls_conn_in_callback(const tls_conn *c);
unsigned tls_conn_status(const tls_conn *c);
/* True whenever the engine would use more bytes from the peer, during the
 * handshake and after it (whatever else it waits for as well); false once
 * the peer has closed, the connection failed, or we cancelled the handshake
 * (later input is ignored then). */
int tls_conn_wants_read(const tls_conn *c);

/* What the engine waits for, one answer, in the order a driver acts on it:
 * records to send (tls_conn_output), decrypted data to read
 * (tls_conn_app_data), failed, closed (the peer closed, or our cancelled
 * handshake: nothing more will come), else bytes from the peer. An event
 * loop sleeps on the socket only when the answer is TLS_WANT_INPUT. */
typedef enum tls_want {
    TLS_WANT_OUTPUT,
    TLS_WANT_DATA,
    TLS_WANT_FAILED,
    TLS_WANT_CLOSED,
    TLS_WANT_INPUT,
} tls_want;
tls_want tls_conn_want(const tls_conn *c);
/* "output", "data", "failed", "closed", "input". */
const char *tls_want_name(tls_want w);
const tls_error *tls_conn_error(const tls_conn *c);

/* ---- What was negotiated --------------------------------------------------- */
typedef struct tls_conn_info {
    uint16_t version;          /* 0 until known */
    uint16_t suite;
    uint16_t group;
    uint16_t sigscheme;        /* the peer's CertificateVerify scheme (client)
                                  or ours (server) */
    int hello_retry;           /* a HelloRetryRequest happened */
    const char *key_exchange;  /* "ECDHE", "DHE" or (TLS 1.2) "RSA"; NULL until known */
    int extended_master_secret;/* TLS 1.2: rfc7627 was used */
    const char *server_name;   /* client: the name we asked for; server: SNI received */
    STACK_OF(X509) *peer_chain;/* owned by the connection; NULL if none */
    const uint8_t *alpn;       /* the ALPN protocol agreed (rfc7301), alpn_len bytes */
    size_t alpn_len;           /* 0: none */
    int peer_verified;         /* peer_chain was verified against the trust store */
    STACK_OF(X509) *peer_path; /* the path libcrypto verified, leaf to trust anchor
                                  (owned by the connection); NULL when this
                                  handshake verified none */
    int verifying;             /* the peer's chain is checked (verify is not off) */
    X509 *client_certificate;  /* client: the leaf we sent on a CertificateRequest
                                  (owned by the config); NULL if none */
    const struct tls_ocsp_result *ocsp; /* client that asked for OCSP stapling,
                                  once the server's certificate is judged: the
                                  verdict (pki/tls_ocsp.h); else NULL */
    int resumed;               /* the handshake resumed a session (PSK or
                                  TLS 1.2 abbreviated handshake) */
    int early_data;            /* 0-RTT: 0 not offered, 1 accepted, -1 offered
                                  and declined */
} tls_conn_info;

void tls_conn_get_info(const tls_conn *c, tls_conn_info *info);

/* ---- Keying-material exporter and key log ---------------------------------- */
/* rfc8446#7.5 (TLS 1.3) or rfc5705 (TLS 1.2): out_len bytes for label and
 * context into out. has_context tells a missing context from an empty one
 * (the same in TLS 1.3, not in TLS 1.2). Only once the handshake is done
 * and until the connection fails. Returns 0, or -1 with why (a message a
 * person can read; the connection is unchanged). */
int tls_conn_export(const tls_conn *c, const char *label, size_t label_len, const uint8_t *context,
                    size_t context_len, int has_context, uint8_t *out, size_t out_len, char *why,
                    size_t why_size);
/* The verify_data of the last Finished this side sent (peer 0) or the
 * peer sent and we verified (peer 1): its length, 0 (and *data NULL)
 * before there is one, or when tls_conn_finished_refusal says why not. */
size_t tls_conn_finished(const tls_conn *c, int peer, const uint8_t **data);
/* Why this connection gives no Finished values for channel binding (it
 * failed, or TLS 1.2 without the extended master secret), or NULL. */
const char *tls_conn_finished_refusal(const tls_conn *c);
/* Sets the NSS key log file of cfg (path NULL: none; len is its length,
 * util/tls_file.h checks the name): created if missing with mode 0600,
 * opened now and kept open to append each line (closed with the config or
 * the next call). Fails (a message in err) when it cannot be opened, or is
 * not a regular file of ours closed to group and others
 * (tls_file_open_private); the previous file is then kept. */
int tls_keylog_set_file(tls_config *cfg, const char *path, size_t len, tls_error *err);

#endif
