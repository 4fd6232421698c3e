/* Shared by the fuzz targets, their replay program and the seed recorder:
 * a deterministic random generator, cached configurations, and drivers that
 * move a real client/server engine pair to a chosen handshake state.
 *
 * Determinism is what makes the seeds useful: a flight recorded by
 * fuzz/record_seeds.c with the same generator replays through Finished in
 * the target, so the fuzzer starts from inputs that reach every state. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "engine/tls_conn_int.h"

/* ---- Random numbers ------------------------------------------------------ */
/* Client and server draw from separate streams, so that what one side gets
 * does not depend on how the driver interleaves the two. */
enum fuzz_role { FUZZ_CLIENT = 0, FUZZ_SERVER = 1 };
/* Restarts both streams, and the session store stub (below); every input
 * starts with this. */
void fuzz_rng_reset(void);

/* ---- The clock ------------------------------------------------------------ */
/* What CLOCK_REALTIME reads in the fuzz builds (2026-12-01 00:00:00 UTC):
 * tickets made at set-up or record time stay fresh for ever. */
#define FUZZ_CLOCK_S 1796083200

/* ---- Session store stub ----------------------------------------------------- */
/* Every server connection of fuzz_conn_new has a session store (the
 * tls_hooks session_get/put/delete): a few slots in memory, reset for each
 * input to what set-up's handshakes put there. Entries held now: */
size_t fuzz_store_count(void);

/* ---- Set-up, once per process ------------------------------------------- */
/* Installs the generator and builds the configurations. Aborts on failure:
 * a target that cannot set up must not report "no findings". */
void fuzz_setup(void);
/* Frees the configurations (for leak checkers at exit). */
void fuzz_teardown(void);

enum fuzz_key { FUZZ_KEY_EC, FUZZ_KEY_RSA, FUZZ_KEY_ED25519, FUZZ_N_KEYS };
#define FUZZ_N_SUITES 3
/* Server with all defaults and the given certificate, but no tickets. */
tls_config *fuzz_server_config(enum fuzz_key key);
/* Server that accepts only secp256r1: a default client (x25519 share)
 * gets a HelloRetryRequest. No tickets either. */
tls_config *fuzz_server_hrr_config(void);
/* Client verifying against the fixed certificates; suite -1 offers all
 * suites, 0..2 only that one (AES-128-GCM, AES-256-GCM, ChaCha20). */
tls_config *fuzz_client_config(int suite);
/* The same limited to TLS 1.2: suite -1 offers every TLS 1.2 suite, 0..2
 * only ECDHE_ECDSA with AES-128-GCM, AES-256-GCM or ChaCha20. */
tls_config *fuzz_client_config12(int suite);
/* The configurations of issue 9's features, which the fuzz_server and
 * fuzz_client targets use (the others keep the plain ones above, so that
 * their states stay what they were):
 * - server: the EC pair, then the RSA pair (chosen by the client's
 *   signature algorithms); asks for a client certificate, optional
 *   (CertificateRequest naming the fixed certificates as CAs); ALPN "h2",
 *   "http/1.1"; staples fuzz_ocsp.h's response for the EC certificate;
 *   issue 10's resumption: tickets (the default 2, sealed under a fixed
 *   key), early_data on, and the session store stub;
 * - client: as fuzz_client_config, with the EC then the RSA pair to answer
 *   a CertificateRequest, ALPN "h2", "http/1.1", and status_request (OCSP
 *   asked for and judged, not required). */
tls_config *fuzz_server_full_config(void);
tls_config *fuzz_client_full_config(int suite);
tls_config *fuzz_client_full_config12(int suite);

/* ---- Sessions to resume ------------------------------------------------------ */
/* Made once by fuzz_setup from real handshakes with the fixed clock, keys
 * and random streams, so the same in every run. */
enum fuzz_session {
    FUZZ_SESSION_13,    /* TLS 1.3 ticket: fuzz_client_full_config <-> fuzz_server_full_config */
    FUZZ_SESSION_12,    /* TLS 1.2 rfc5077 ticket: fuzz_client_full_config12 <-> the same server */
    FUZZ_SESSION_12_ID, /* TLS 1.2 session id, in the store: fuzz_client_full_config12 <->
                           fuzz_server_ids_config */
    FUZZ_SESSION_13_EARLY, /* the TLS 1.3 session, offered by a client with early_data on */
    FUZZ_N_SESSIONS
};
extern const char *const fuzz_session_names[FUZZ_N_SESSIONS];
/* The session's text (tls_conn_get_session), or NULL when set-up got none. */
const tls_buf *fuzz_session(enum fuzz_session which);
/* The client configuration that offers it. */
tls_config *fuzz_session_client_config(enum fuzz_session which);
/* fuzz_server_full_config without tickets: TLS 1.2 sessions by id, through
 * the store. */
tls_config *fuzz_server_ids_config(void);
/* tls_conn_set_session on a client of fuzz_session_client_config(which),
 * and for FUZZ_SESSION_13_EARLY a line of early data (tls_conn_write_early):
 * 0, or -1 when there is no such session. */
int fuzz_offer_session(tls_conn *c, enum fuzz_session which);

/* ---- Connections ----------------------------------------------------------- */
/* New connection with a trace callback that reads every field (so hostile
 * values go through the trace formatting too); clients ask for "localhost". */
tls_conn *fuzz_conn_new(tls_config *cfg);
/* Gives a server connection made without fuzz_conn_new the session store
 * stub (its 0-RTT replay check needs one). */
void fuzz_use_store(tls_conn *c);
/* tls_conn_start / tls_conn_feed with the connection's random stream selected. */
int fuzz_start(tls_conn *c);
int fuzz_feed(tls_conn *c, const uint8_t *data, size_t len);
/* Moves everything from's output into to. */
void fuzz_pump(tls_conn *from, tls_conn *to);
/* Moves from's output records one at a time into to until to reaches state
 * want (checked before each record). Returns 0 when reached. */
int fuzz_feed_until(tls_conn *from, tls_conn *to, tls_state want);
/* Length of the first whole record in p[0..n), or 0. */
size_t fuzz_record_len(const uint8_t *p, size_t n);
/* The harness's other engine calls that may write, with the same checks:
 * tls_hs_handle (a message handed over directly), tls_conn_write,
 * tls_conn_close, tls_conn_app_data_done (it processes records held back). */
int fuzz_hs_handle(tls_conn *c, const uint8_t *msg, size_t len);
int fuzz_write(tls_conn *c, const uint8_t *data, size_t len);
void fuzz_close(tls_conn *c);
void fuzz_app_data_done(tls_conn *c, size_t n);
/* The harness sealed a record with c's own write key (fuzz_record's
 * forged sender): c's TLS 1.2 write sequence number moved on unseen. */
void fuzz_track_sealed(const tls_conn *c);
/* Every call above checks what every call into the engine must leave
 * behind, whatever the input and with or without record batching (they
 * abort otherwise, which the fuzzer reports): nothing batched left unsent
 * (a batch ends with the call that began it), and the output the call
 * added is whole records, each of a known content type, version 0x0303
 * (0x0301 allowed on a client's first record only: the initial
 * ClientHello), and a length the peer accepts (rfc8446#5.1, 5.2; rfc5246
 * #6.2.1); a change_cipher_spec is the one byte 1; in TLS 1.3, no
 * unprotected handshake or alert record after a protected one, in this
 * call or an earlier one, no handshake message but a hello in the clear,
 * every application_data record long enough to be protected (type byte
 * and tag) with room for what the caller wrote; in TLS 1.2, every record after the connection's
 * own change_cipher_spec protected: its length is the suite's overhead
 * (AES-GCM: explicit nonce and tag; ChaCha20-Poly1305: the tag only, no
 * explicit nonce, rfc7905) plus its known plaintext (an alert's 2 bytes,
 * the one Finished's 16, the application data the caller wrote), and with
 * AES-GCM the explicit nonce is the sequence number. These span calls:
 * fuzz_rng_reset forgets the connections, and fuzz_conn_new makes each one
 * known (as many as an input makes). */
/* Exercises what a driver does after feeding: drains output, reads and
 * acknowledges application data, answers and closes once connected (with
 * fuzz_app_data_done, fuzz_write and fuzz_close: checked as above). */
void fuzz_after_feed(tls_conn *c);

/* ---- What an input did ------------------------------------------------------ */
/* Each target notes, once its input is consumed and before it closes
 * anything, where the connections it drove ended up: "ROLE: connected" (",
 * resumed", ", hello retry", ", peer closed" as they apply; or "handshaking
 * in state N"), "failed ALERT[ from peer]: REASON", then the
 * count of read keys installed and of decrypted bytes held. The replay
 * program prints the notes per input when FUZZ_STATUS is set, so that
 * spec/fuzz_regress_spec.lua can tell a seed that still completes its
 * handshake from one the engine now refuses. */
void fuzz_status_reset(void);
void fuzz_note(const char *role, const tls_conn *c);
/* For a message handed to tls_hs_handle directly, which records its error
 * without failing the connection: "ROLE: rejected ALERT: REASON". */
void fuzz_note_rejected(const char *role, const tls_conn *c);
const char *fuzz_status(void);

/* ---- The handshake-message target's states ------------------------------ */
enum fuzz_hs_state {
    FUZZ_HS_CLIENT_WAIT_SH,
    FUZZ_HS_CLIENT_WAIT_SH_AFTER_HRR,
    FUZZ_HS_CLIENT_WAIT_EE,
    FUZZ_HS_CLIENT_WAIT_CERT_CR,
    FUZZ_HS_CLIENT_WAIT_CERT,      /* after a CertificateRequest */
    FUZZ_HS_CLIENT_WAIT_CV,
    FUZZ_HS_CLIENT_WAIT_FINISHED,
    FUZZ_HS_CLIENT_CONNECTED,
    FUZZ_HS_SERVER_WAIT_CH,
    FUZZ_HS_SERVER_WAIT_CH2,
    FUZZ_HS_SERVER_WAIT_FINISHED,
    FUZZ_HS_SERVER_CONNECTED,
    /* Between the full configurations (mutual TLS, ALPN, OCSP). */
    FUZZ_HS_CLIENT_MTLS_WAIT_CERT_CR,   /* its real next: CertificateRequest */
    FUZZ_HS_CLIENT_MTLS_WAIT_CERT,      /* after the real CertificateRequest */
    FUZZ_HS_CLIENT12_WAIT_CERT_STATUS,  /* TLS 1.2: CertificateStatus */
    FUZZ_HS_CLIENT12_WAIT_SHD,          /* TLS 1.2: CertificateRequest */
    FUZZ_HS_SERVER_WAIT_CERT,           /* the client's Certificate */
    FUZZ_HS_SERVER_WAIT_CV,             /* its CertificateVerify */
    FUZZ_HS_SERVER12_WAIT_CERT,         /* TLS 1.2: the client's Certificate */
    FUZZ_HS_SERVER12_WAIT_CV,           /* TLS 1.2: its CertificateVerify */
    /* Resumption, between a client offering one of set-up's sessions
     * (fuzz_session) and fuzz_server_full_config; the suite bits do not
     * apply (the session fixes the suite), except in the two *_TICKET
     * states, which are full handshakes. */
    FUZZ_HS_CLIENT_RESUME_WAIT_SH,      /* TLS 1.3 PSK offered: ServerHello with pre_shared_key */
    FUZZ_HS_CLIENT_RESUME_WAIT_EE,      /* resumed: EncryptedExtensions */
    FUZZ_HS_CLIENT_EARLY_WAIT_EE,       /* 0-RTT sent: EncryptedExtensions with early_data */
    FUZZ_HS_CLIENT_RESUME_WAIT_FINISHED,/* resumed: the server's Finished, no certificate */
    FUZZ_HS_CLIENT_WAIT_TICKET,         /* full handshake done: the server's real NewSessionTicket */
    FUZZ_HS_SERVER_RESUME_WAIT_CH,      /* a ClientHello with pre_shared_key */
    FUZZ_HS_SERVER_EARLY_WAIT_CH,       /* the same with early_data, early data following */
    FUZZ_HS_SERVER_WAIT_EOED,           /* 0-RTT accepted: EndOfEarlyData */
    FUZZ_HS_SERVER_RESUME_WAIT_FINISHED,/* resumed: the client's Finished */
    FUZZ_HS_CLIENT12_WAIT_TICKET,       /* TLS 1.2 full handshake: NewSessionTicket before CCS */
    FUZZ_HS_CLIENT12_RESUME_WAIT_SH,    /* TLS 1.2 ticket offered: ServerHello */
    FUZZ_HS_SERVER12_RESUME_WAIT_CH,    /* TLS 1.2: a ClientHello with a ticket */
    FUZZ_HS_SERVER12_ID_WAIT_CH,        /* TLS 1.2: a ClientHello with a session id in the store */
    FUZZ_HS_N_STATES
};
/* Byte 0 of a fuzz_hsmsg input: the state's bits 0-3, 4 and 5 in bits
 * 0-3, 6 and 7; the suite in bits 4-5. */
#define FUZZ_HS_STATE_BYTE(state, suite_bits)                                                         \
    ((uint8_t)(((state) & 0x0f) | ((state) & 0x30) << 2 | (suite_bits) << 4))
#define FUZZ_HS_STATE_OF(byte) ((((byte) & 0x0f) | ((byte) & 0xc0) >> 2) % FUZZ_HS_N_STATES)
extern const char *const fuzz_hs_state_names[FUZZ_HS_N_STATES];

typedef struct fuzz_pair {
    tls_conn *client;
    tls_conn *server;
    tls_conn *target; /* the one driven to the state: client or server */
    tls_conn *peer;
} fuzz_pair;

/* Drives a real pair so that target is in the given state, ready for the
 * next handshake message; suite -1 or 0..2 as fuzz_client_config (or
 * fuzz_client_full_config12 for the TLS 1.2 states). The
 * peer's output holds the records target has not been fed yet (for the
 * recorder). Returns 0, or -1 (pair freed) if the state was not reached. */
int fuzz_hs_drive(fuzz_pair *p, enum fuzz_hs_state state, int suite);
void fuzz_pair_free(fuzz_pair *p);

/* A whole handshake; returns 0 when both sides are connected. */
int fuzz_pair_connect(fuzz_pair *p, tls_config *client_cfg, tls_config *server_cfg);

/* ---- Record batching (fuzz_client, fuzz_server) ------------------------------ */
/* fuzz_conn_new gives every connection a record per handshake message
 * (record_per_message), because fuzz_hs_drive's states lie between the
 * messages of a flight. A library user's connection instead puts a
 * flight's messages in shared records (tls_record_batch_begin), flushed
 * before a change_cipher_spec, a new write key, an alert and at the end of
 * each tls_conn_start/tls_conn_feed call. An input of fuzz_client or
 * fuzz_server whose first byte is FUZZ_BATCH_BYTE + k (k below
 * FUZZ_N_BATCH_PAIRS) runs the connection under test that way, against a
 * real peer of ours (pair k):
 *   k = 0      fuzz_client_full_config <-> fuzz_server_full_config
 *   k = 1..4   a client offering set-up's session k - 1 (enum fuzz_session,
 *              as fuzz_client's own first byte 1..4) <-> the server that
 *              made it (fuzz_server_full_config, or fuzz_server_ids_config)
 *   k = 5      fuzz_client_full_config12 <-> fuzz_server_full_config
 *   k = 6      fuzz_client_full_config <-> fuzz_server_hrr_config: a
 *              HelloRetryRequest, then the second ClientHello, under
 *              batching on both sides of the pair; here the input must
 *              begin with the peer's first two flights (the keys depend
 *              on the second) for the check below
 * A client under test batches from its first flight on (tls_conn_start).
 * The rest of the input is the flight fed to the connection under test.
 * When it begins with the peer's own first flight (the peer's answer to
 * the ClientHello, or the ClientHello itself), the two transcripts agree,
 * and what the connection under test wrote is handed to the peer, which
 * must be able to read it: when the connection under test failed with an
 * alert of its own, the peer must end failed by that alert (or closed by
 * the peer); otherwise the peer must not fail, and must have finished its
 * handshake when the connection under test did. A message batched across
 * a key change, a flush missing before an alert or a change_cipher_spec,
 * or a batched message lost or sent twice fails that. */
#define FUZZ_BATCH_BYTE 0x20
#define FUZZ_N_BATCH_PAIRS 7
#define FUZZ_BATCH_FULL13 0
#define FUZZ_BATCH_FULL12 5
#define FUZZ_BATCH_HRR 6
/* Notes "ROLE: ..." for the connection under test, then "peer: ..." when
 * the input began with the peer's flight (the check above ran) or
 * "unmatched peer: ..." when it did not. */
void fuzz_batch_run(int target_is_server, int k, const uint8_t *data, size_t size);
/* The check above, on a pair whose transcripts agree, once peer has been
 * fed everything target wrote (fuzz_batch_run; fuzz_record's batching
 * mode). Aborts when it fails. */
void fuzz_check_peer_read(const tls_conn *target, const tls_conn *peer);
/* The pair k as fuzz_batch_run makes it (client and server new, the
 * session offered, nothing started; record_per_message still 1). 0, or -1
 * (pair freed) when the session cannot be offered. */
int fuzz_batch_pair_new(fuzz_pair *p, int k, int target_is_server);

/* ---- Configurations no other target enables (fuzz_extra) ------------------ */
/* One server, fuzz_extra_server_config: the EC then the RSA pair, every
 * default suite and TLS 1.2 RSA key transport (TLS_RSA_WITH_*, opt-in),
 * only secp256r1 (a default client's x25519 share gets a
 * HelloRetryRequest), record_size_limit 64 (rfc8449's least: every
 * protected record it gets is cut small), a client certificate required
 * (TLS_VERIFY_REQUIRED), tickets. Its clients, pair k:
 *   RSA_KX12     TLS 1.2, TLS_RSA_WITH_AES_128_GCM_SHA256 only, its own
 *                record_size_limit 512
 *   RSL13        TLS 1.3 with secp256r1 only (no HelloRetryRequest),
 *                record_size_limit 64
 *   RESUME_HRR   TLS 1.3, default groups, offering a session of this
 *                server: PSK resumption through a HelloRetryRequest
 *   RSA_KX12_RESUME  RSA_KX12's client offering a TLS 1.2 ticket made
 *                with RSA key transport
 * Every client holds the EC and RSA pairs and verifies the server. */
enum { FUZZ_EXTRA_RSA_KX12, FUZZ_EXTRA_RSL13, FUZZ_EXTRA_RESUME_HRR, FUZZ_EXTRA_RSA_KX12_RESUME, FUZZ_N_EXTRA };
extern const char *const fuzz_extra_names[FUZZ_N_EXTRA];
/* Builds them (once; after fuzz_setup) and makes the pairs' sessions;
 * fuzz_teardown frees them. */
void fuzz_extra_setup(void);
tls_config *fuzz_extra_server_config(void);
tls_config *fuzz_extra_client_config(int k);
/* The session pair k's client offers (NULL: none). */
const tls_buf *fuzz_extra_session(int k);
/* A client of pair k, made with fuzz_conn_new, its session offered:
 * NULL when that session is missing (set-up failed to make it). */
tls_conn *fuzz_extra_client(int k);

/* Appends free text to what an input did (fuzz_status), for targets
 * that drive no connection (fuzz_session, fuzz_ocsp). */
void fuzz_note_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
