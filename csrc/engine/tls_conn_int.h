/* The connection's insides, shared by the engine's own files only
 * (record layer, handshake common code, client and server state machines).
 * Nothing outside the engine includes this. */
#ifndef TLS_CONN_INT_H
#define TLS_CONN_INT_H

#include <stdarg.h>
#include <stdint.h>
#include <openssl/x509.h>

#include "util/tls_buf.h"
#include "pki/tls_config.h"
#include "util/tls_consts.h"
#include "crypto/tls_crypto.h"
#include "crypto/tls12_crypto.h"
#include "engine/tls_engine.h"
#include "util/tls_err.h"
#include "hs/tls_ext.h"
#include "pki/tls_ocsp.h"
#include "hs/tls_session.h"

/* Limits on what a peer can make us hold or do. */
/* The largest handshake message accepted: a certificate chain of a few
 * certificates with large keys fits many times over. */
#define TLS_MAX_HANDSHAKE_MESSAGE (64 * 1024)
/* A ClientHello may be as large as its length fields allow (rfc8446#4.1.2):
 * legacy_version, random, legacy_session_id<0..32>,
 * cipher_suites<2..2^16-2>, legacy_compression_methods<1..2^8-1>,
 * extensions<8..2^16-1>. */
#define TLS_MAX_CLIENT_HELLO (2 + 32 + (1 + 32) + (2 + 65534) + (1 + 255) + (2 + 65535))
/* A NewSessionTicket to a client too (rfc8446#4.6.1): ticket_lifetime,
 * ticket_age_add, ticket_nonce<0..255>, ticket<1..2^16-1>,
 * extensions<0..2^16-2>; a TLS 1.2 one (rfc5077#3.3: lifetime hint,
 * ticket<0..2^16-1>) is smaller. A ticket that large is kept but not
 * offered (TLS_MAX_OFFERED_TICKET). */
#define TLS_MAX_NEW_SESSION_TICKET (4 + 4 + (1 + 255) + (2 + 65535) + (2 + 65534))
/* A Certificate message where one is expected: real chains pass 64 KiB
 * (a leaf naming 1500 hosts is 77 KB) and OpenSSL takes 100 KiB, so a
 * server whose chain libssl clients accept is not refused by ours; the
 * chain still counts at most TLS_MAX_CHAIN_LENGTH certificates. */
#define TLS_MAX_CERTIFICATE_MESSAGE (128 * 1024)
/* A CertificateRequest to a client where one may come: as large as its
 * length fields allow, which TLS 1.2's sets highest (rfc5246#7.4.4:
 * certificate_types<1..2^8-1>, supported_signature_algorithms<2..2^16-2>,
 * certificate_authorities<0..2^16-1>; TLS 1.3's, rfc8446#4.3.2, stops at
 * 65793 bytes). A server that trusts many CAs names them all, and OpenSSL
 * takes 100 KiB of it; at 64 KiB ours refused such a server (review42b). */
#define TLS_MAX_CERTIFICATE_REQUEST ((1 + 255) + (2 + 65534) + (2 + 65535))
/* An EncryptedExtensions to a client where one may come (rfc8446#4.3.1:
 * extensions<0..2^16-1>): one byte over TLS_MAX_HANDSHAKE_MESSAGE at its
 * largest, which a server sending its supported_groups (rfc8446#4.2.7)
 * may legally reach. */
#define TLS_MAX_ENCRYPTED_EXTENSIONS (2 + 65535)
/* Certificates in a peer's chain; real chains have 2 to 4. */
#define TLS_MAX_CHAIN_LENGTH 10
/* A peer that sends endless empty records, warnings or change_cipher_spec
 * records makes us spin without progress: cut it off after this many in a row. */
#define TLS_MAX_EMPTY_RECORDS 32
/* Bytes of CA names a server's CertificateRequest carries at most: past
 * this (a large bundle in 'ca') the list is left out and the client
 * chooses its certificate without it. */
#define TLS_MAX_CA_NAMES_BYTES (16 * 1024)
/* Entries of a peer's offered lists shown in a trace event. */
#define TLS_MAX_PEER_LIST 64
/* Decrypted application data held before we stop reading records: bounds
 * memory whatever the peer sends while the application is not reading. */
#define TLS_APP_IN_HIGH_WATER (64 * 1024)
/* Most unprocessed input tls_conn_input_room lets a caller fill in: four
 * records of the largest size. Past it the caller feeds its own buffer. */
#define TLS_INPUT_MAX (64 * 1024)
/* The largest record as it arrives: header and ciphertext. */
#define TLS_RECORD_WIRE_MAX (TLS_RECORD_HEADER_LEN + TLS_MAX_CIPHERTEXT)
/* Post-handshake messages accepted between two application-data records:
 * each KeyUpdate request costs key derivations and a queued reply, so a
 * peer could otherwise make our output grow without bound. */
#define TLS_MAX_KEY_UPDATES_IN_ROW 32
/* rfc8446#4.6.1 sets no limit on tickets, and servers may be set to send
 * many (OpenSSL's num_tickets): past the first 32 in a row they are read
 * and dropped, since keeping each costs a derivation, a session and a copy
 * of the server's certificate. Only a stream that looks endless is cut off,
 * as it would keep us busy without progress. */
#define TLS_MAX_TICKETS_IN_ROW 32
#define TLS_MAX_TICKETS_IN_ROW_CUTOFF 1024
/* Ciphertext of rejected 0-RTT records a server skips (rfc8446#4.2.10). */
#define TLS_MAX_EARLY_DATA_SKIP (64 * 1024)

/* How a server that declined 0-RTT treats the client's early records. */
typedef enum tls_early_skip {
    TLS_EARLY_NONE,           /* nothing to skip */
    TLS_EARLY_SKIP_TRIAL,     /* protected records that fail to open under the
                                 client handshake key are skipped, up to the bound */
    TLS_EARLY_SKIP_PLAIN,     /* after HelloRetryRequest: application_data
                                 records before the second ClientHello are skipped */
} tls_early_skip;

typedef enum tls_state {
    ST_CLIENT_START,
    ST_CLIENT_WAIT_SH,
    ST_CLIENT_WAIT_EE,
    ST_CLIENT_WAIT_CERT_CR,
    ST_CLIENT_WAIT_CERT,
    ST_CLIENT_WAIT_CV,
    ST_CLIENT_WAIT_FINISHED,
    ST_SERVER_WAIT_CH,
    ST_SERVER_WAIT_CH2,       /* after HelloRetryRequest */
    ST_SERVER_WAIT_CERT,      /* mutual TLS: the client's Certificate (may be empty) */
    ST_SERVER_WAIT_CV,        /* mutual TLS: its CertificateVerify */
    ST_SERVER_WAIT_EOED,      /* 0-RTT accepted: early data, then EndOfEarlyData
                                 (hs/tls13_early.c) */
    ST_SERVER_WAIT_FINISHED,
    /* TLS 1.2 (rfc5246#7.3), after the shared hello phase */
    ST_CLIENT12_WAIT_CERT,
    ST_CLIENT12_WAIT_CERT_STATUS, /* rfc6066#8: CertificateStatus, which the server may omit */
    ST_CLIENT12_WAIT_SKE,     /* ECDHE: ServerKeyExchange */
    ST_CLIENT12_WAIT_SHD,     /* CertificateRequest or ServerHelloDone */
    ST_CLIENT12_WAIT_CCS,
    ST_CLIENT12_WAIT_FINISHED,
    ST_SERVER12_WAIT_CERT,    /* mutual TLS: the client's Certificate (may be empty) */
    ST_SERVER12_WAIT_CKE,     /* ClientKeyExchange */
    ST_SERVER12_WAIT_CV,      /* mutual TLS: CertificateVerify, after a non-empty Certificate */
    ST_SERVER12_WAIT_CCS,
    ST_SERVER12_WAIT_FINISHED,
    ST_CONNECTED,
    ST_CLOSED,
} tls_state;

/* What only a TLS 1.2 handshake needs (rfc5246, rfc7627, rfc5746):
 * allocated when TLS 1.2 is chosen, wiped and freed when the handshake
 * ends, so a TLS 1.3 connection and an established one carry none of it. */
typedef struct tls12_state {
    uint8_t server_random[TLS_RANDOM_LEN];
    uint8_t master[48];            /* the master secret */
    tls12_key_block key_block;     /* derived once from master for both directions
                                      (a PRF run costs as much as the rest of a
                                      resumed handshake); wiped with the rest */
    int key_block_ready;
    int ems;                       /* extended master secret negotiated (rfc7627) */
    int secure_renegotiation;      /* the peer signalled rfc5746 */
    uint16_t client_version;       /* ClientHello.client_version: goes in (client)
                                      and is checked in (server) an RSA premaster */
    int peer_sent_certificate;     /* room for mutual TLS */
    int ticket_promised;           /* server: our ServerHello's SessionTicket extension
                                      promises a NewSessionTicket (rfc5077#3.2) */
    uint8_t premaster[128];        /* client, ECDHE: the shared secret from the
                                      ServerKeyExchange until ClientKeyExchange is
                                      sent (EC groups only: at most 66 bytes) */
    size_t premaster_len;
    /* Client resumption (hs/tls12_resume_client.c) */
    uint8_t session_id[32];        /* the ServerHello's session id (a cache entry) */
    size_t session_id_len;
    int ticket_expected;           /* the ServerHello echoed SessionTicket (rfc5077#3.2) */
    int ticket_received;           /* its NewSessionTicket came */
    uint32_t ticket_lifetime_hint;
    tls_buf ticket;                /* the ticket received; empty: none */
} tls12_state;

/* The settings of its context a connection negotiates and verifies with,
 * copied from c->cfg when the connection is made (and again when a
 * server's servername function switches contexts, before anything is
 * chosen). The context's setters may change the context at any time;
 * a connection keeps what it started with, so a client checks the
 * ServerHello against what its own ClientHello offered (rfc8446#4.1.3,
 * rfc5246#7.4.1.3), a server keeps one policy through a handshake, and
 * set_verify(false) weakens only connections made afterwards (like
 * OpenSSL's TLS library, which copies a context's settings into each new connection). */
typedef struct tls_policy {
    uint16_t suites[TLS_CONFIG_MAX_LIST];
    size_t n_suites;
    uint16_t groups[TLS_CONFIG_MAX_LIST];
    size_t n_groups;
    uint16_t sigalgs[TLS_CONFIG_MAX_LIST];
    size_t n_sigalgs;
    uint16_t min_version, max_version;
    int verify;               /* TLS_VERIFY_* */
    int verify_chain_only;
    int require_ems;
    int security_level;       /* for the peer's chain and our signature_algorithms_cert */
    int crl_check;            /* TLS_CRL_CHECK_* (the CRLs themselves stay in cfg->store) */
    int ocsp;                 /* client: TLS_OCSP_* */
    int psk_ke;               /* TLS 1.3 resumption without (EC)DHE offered (client) or accepted */
    tls_buf alpn;             /* a copy of cfg->alpn */
    uint16_t record_size_limit; /* rfc8449: the limit we advertise (0: none); a client
                                   enforces the one its ClientHello carried */
    uint64_t key_update_after;  /* records under one write key (0: the suite's limit) */
    int sni_strict;           /* server: an unknown server_name is unrecognized_name */
    unsigned tickets;         /* server: NewSessionTickets per full TLS 1.3 handshake; 0: no
                                 tickets in either version (the KEYS stay in cfg, shared, so
                                 that a rotation reaches connections already made) */
    uint32_t ticket_lifetime; /* server: seconds a session it issues or accepts lives */
    int early_data;           /* 0-RTT offered (client) or accepted (server) */
    uint32_t max_early_data;  /* server: early data bytes accepted */
    uint8_t verify_fn_id[TLS_VERIFY_DIGEST_LEN]; /* the identity of the verify function the
                                 binding copied into this connection's hooks with it: its
                                 sessions are stamped with the function that judged the peer,
                                 not whichever one the context holds by then (review41c) */
} tls_policy;

struct tls_conn {
    tls_config *cfg;
    tls_policy pol;           /* what this connection took from cfg */
    int is_server;
    tls_state state;
    unsigned status;
    tls_error err;
    tls_trace_fn trace;
    void *trace_ud;
    int in_callback;          /* inside the trace callback or a hook: the API refuses calls */
    const tls_hooks *hooks;   /* NULL: none */
    void *hooks_ud;
    int handshake_wiped;
    int secrets_forgotten;    /* tls_conn_forget_secrets: export refuses */
    tls_hmac_keep *hmac_keep; /* HMAC contexts between calls, until handshake_wiped
                                 (NULL: none kept; allocated while needed) */
    tls_buf client_share;     /* client: our key share's public value */
    char *server_name;        /* client: asked for; server: SNI received */

    /* Record layer */
    tls_buf in;               /* bytes from the peer not yet processed */
    tls_buf out;              /* records waiting to be sent */
    tls_buf app_in;           /* decrypted application data */
    size_t app_in_read;       /* of which the head: already read by the
                               * application, dropped when the next record
                               * is opened or all is read (one move per
                               * record, not one per line the caller takes) */
    size_t app_in_open;       /* of which the tail: the record being handled,
                               * opened but not (yet) data to read */
    tls_buf hs_in;            /* handshake bytes not yet a whole message */
    tls_buf hs_out;           /* handshake messages of this flight, not yet a record */
    int hs_batching;          /* inside tls_record_batch_begin/end */
    int record_per_message;   /* no batching: the fuzz harness steps through a
                                 flight one message (so one record) at a time */
    /* A TLS 1.3 server's ServerHello (and compatibility CCS) are written in
     * the clear before its handshake write key exists: out's length before
     * them, so that a failure in between (key derivation, a trace hook, out
     * of memory) takes them back and answers with a plaintext alert alone.
     * After a ServerHello the client believes no plaintext alert. */
    size_t sh_out_mark;
    int sh_out_marked;
    uint32_t in_room;         /* room tls_conn_input_room gave, until committed */
    tls_aead rd, wr;
    int rd_protected, wr_protected;
    unsigned rd_epoch;        /* counts read key changes */
    unsigned empty_records;   /* consecutive records without progress */
    unsigned ccs_records;
    int first_record_sent;
    int ccs_sent;             /* our compatibility change_cipher_spec */
    int ccs_ignorable;        /* TLS 1.3: the handshake layer opened the window in
                                 which one change_cipher_spec is dropped (rfc8446#5) */
    int ccs_expected;         /* TLS 1.2: the peer's ChangeCipherSpec is the next
                                 message, passed to tls_hs_change_cipher_spec */
    uint32_t in_off;          /* in's head already processed: records are taken
                                 from the front by moving this, and the rest moves
                                 to the front only when the room at the end runs
                                 short (tls_conn_input_room). Below TLS_INPUT_MAX,
                                 and in padding: idle connections stay as small */
    unsigned long records_read; /* records handed to the engine so far */
    size_t send_limit;        /* most plaintext content we put in one protected
                                 record (the peer's record_size_limit, rfc8449) */
    size_t recv_limit;        /* most inner plaintext (content + type + padding)
                                 we accept in one protected record */
    tls_early_skip early_skip;
    size_t early_skipped;     /* ciphertext bytes skipped so far */
    unsigned key_updates_in_row; /* KeyUpdates since the last application data */
    int own_key_update;          /* the write key is from our KeyUpdate */
    int key_update_answered;     /* ... one that answered the peer's request */
    int key_update_asked;        /* our KeyUpdate asked the peer for one, which
                                    has not come yet */
    unsigned tickets_in_row;     /* NewSessionTickets since the last application data */
    uint64_t key_update_after;   /* records under the current write key before we
                                    update it: set with each write key (tls_record.c) */

    /* Handshake */
    tls_transcript transcript;
    tls13_keys keys;
    const tls_suite *suite;
    uint16_t version;
    uint16_t group;
    uint16_t sigscheme;
    int hello_retry;
    int name_without13;       /* server: TLS 1.2 because the pair for the name the
                                 client asked for cannot sign (no downgrade
                                 sentinel: for this name we do not speak 1.3) */
    uint32_t retry_suites;    /* server: which of our suites the first ClientHello
                                 offered (client_hello.suites), kept by the second */
    tls_kex kex;
    uint8_t client_random[TLS_RANDOM_LEN];
    uint8_t session_id[32];
    size_t session_id_len;
    tls_buf cookie;           /* client: cookie from a HelloRetryRequest */
    int cert_requested;       /* client: the server sent CertificateRequest */
    const tls_identity *own;  /* the certificate and key we send: server, chosen
                                 with the ClientHello; client, chosen on
                                 CertificateRequest (NULL: none) */
    size_t unfit_pairs;       /* server: how many pairs the choice weighed when
                                 the client could verify none (0: one fit) */
    int unfit_by_name;        /* those were the pairs for the client's SNI */
    uint8_t *alpn;            /* the ALPN protocol agreed (rfc7301), alpn_len bytes */
    uint8_t alpn_len;         /* 0: none */
    uint8_t hello_too_long;   /* client: the ClientHello failed for its length fields, not
                                 for memory (tls_config_check_hello tells the two apart) */
    uint16_t client_sigscheme; /* client: the scheme of our CertificateVerify */
    struct tls_cert_req *cert_req; /* client: the server's CertificateRequest until
                                      we answer it (hs/tls_client_cert.h) */
    STACK_OF(X509) *peer_chain;
    EVP_PKEY *peer_key;       /* the leaf's public key, for CertificateVerify */
    X509 *peer_issuer;        /* the leaf's issuer on the path libcrypto verified
                                 (NULL: not verified), for its OCSP CertID */
    int peer_verified;        /* the peer's chain passed tls_x509_verify */
    STACK_OF(X509) *peer_path; /* the path libcrypto built and verified, leaf to
                                  trust anchor, when peer_verified was set by
                                  this handshake (NULL: none, or resumed) */
    uint8_t peer_settings[TLS_VERIFY_DIGEST_LEN]; /* the verification settings the peer
                               * was judged under (tls_resume_note_*), set once it is */
    int has_peer_settings;
    uint64_t auth_ms;         /* when the peer was authenticated by a certificate:
                               * this handshake, or the resumed session's (0: not yet) */
    uint64_t chain_not_after; /* the earliest notAfter of the peer's verified path,
                               * seconds (tls_session's; 0: not known) */
    uint16_t peer_sigscheme;  /* the scheme the peer's handshake signature used (0: none) */
    uint16_t session_sigscheme; /* resumed: the session's peer_sigscheme */
    uint16_t peer_sigalgs[TLS_CONFIG_MAX_LIST]; /* server: ours the client offered, our order */
    size_t n_peer_sigalgs;
    uint64_t ext_sent;        /* client: tls_ext_bit of each extension in our ClientHello */
    uint16_t offered_min, offered_max; /* client: the versions our ClientHello offers:
                                          the configured range, narrowed to the
                                          versions our suites exist for */
    tls12_state *t12;         /* TLS 1.2, during the handshake only */
    int extended_master_secret; /* TLS 1.2: kept from t12->ems for info() */
    /* The verify_data of the last Finished we sent and of the last one the
     * peer sent that we verified (rfc8446#4.4.4, rfc5246#7.4.9): what
     * LuaSec's getfinished/getpeerfinished give, for tls-unique channel
     * binding (rfc5929) and the like. Lengths 0 until then. */
    uint8_t finished_sent[TLS_MAX_HASH_LEN], finished_peer[TLS_MAX_HASH_LEN];
    uint8_t finished_sent_len, finished_peer_len;
    /* TLS 1.2 exporter (rfc5705), kept from t12 when the handshake ends and
     * wiped at free or failure; TLS 1.3 keeps keys.exporter instead. */
    struct tls_export12 {
        uint8_t master[48];
        uint8_t server_random[TLS_RANDOM_LEN];
    } *export12;              /* heap: only TLS 1.2 connections keep it */
    /* OCSP stapling (rfc6066#8, hs/tls_ocsp_hs.c) */
    int ocsp_asked;           /* server: the ClientHello asked for an OCSP response;
                                 client: ours did */
    int ocsp_acked;           /* client, TLS 1.2: the ServerHello answered it */
    int ocsp_done;            /* server: ocsp_staple holds this handshake's answer;
                                 client: the verdict is in c->ocsp */
    tls_buf ocsp_staple;      /* server: the response we staple; client: the one
                                 received, until judged */
    tls_ocsp_result *ocsp;    /* client that asked: the verdict, for info() (heap:
                                 most connections never ask) */
    /* Resumption (hs/tls_session.h): heap, only when used */
    tls_session *session;     /* client: the session offered (tls_conn_set_session);
                                 server: the session being resumed */
    tls_session *new_session; /* client: the latest session received, for
                                 tls_conn_get_session */
    int resumed;              /* this handshake resumed c->session */
    int session_in_store;     /* TLS 1.2 server: c->session_id names an entry of
                                 the session store (put, or resumed from it) */
    int early_data;           /* info().early_data: 0, 1 accepted, -1 declined */
    struct tls_early *early;  /* 0-RTT state (hs/tls13_early.h), heap, only when used */
    unsigned tickets_sent;    /* server: NewSessionTickets sent so far */
    int no_ticket_mode;       /* server: the ClientHello's psk_key_exchange_modes
                                 (or their absence) allow no mode we resume
                                 with: no NewSessionTicket (rfc8446#4.2.9) */
    int psk_age_off;          /* server: the resumed ticket's age is outside
                                 the window: resumed, but no 0-RTT (rfc8446#8.3) */
};

/* Copies the policy fields of c->cfg into c->pol (tls_engine.c): 0, or -1
 * with c->err set when memory runs out. */
int tls_policy_take(tls_conn *c);

/* ---- Record layer (tls_record.c) ---- */
/* A record from the peer, opened, as the record layer hands it over. */
typedef struct tls_record_in {
    uint8_t type;             /* content type (TLS 1.3: the inner one) */
    const uint8_t *data;
    size_t len;
    size_t opened;            /* >0: decrypted into app_in's tail, that many bytes */
} tls_record_in;
/* Reads the next record from base[0..avail): 1 with *rec, 0 when more bytes
 * are needed, -1 on error; *used gets the bytes consumed. Declined 0-RTT
 * records are skipped here. */
int tls_record_next(tls_conn *c, const uint8_t *base, size_t avail, size_t *used, tls_record_in *rec);
/* Done with rec: keep makes its content application data in app_in;
 * otherwise decrypted bytes are wiped. */
void tls_record_release(tls_conn *c, tls_record_in *rec, int keep);
/* Writes data as records of the given content type, protected when the
 * write direction has keys. */
int tls_record_write(tls_conn *c, uint8_t type, const uint8_t *data, size_t len);
int tls_record_send_alert(tls_conn *c, uint8_t level, uint8_t desc);
int tls_record_send_ccs(tls_conn *c);
/* Between these, handshake messages written under one write key share
 * records (rfc8446#5.1), instead of a record each: a TLS 1.3 server's
 * EncryptedExtensions to Finished become one record, sealed once. Any other
 * record, a change_cipher_spec or a new write key first sends what is
 * batched, so the order on the wire is the order of the writes and no
 * message spans a key change. batch_end sends the rest; its -1 is an out
 * of memory, with c->err set. */
void tls_record_batch_begin(tls_conn *c);
int tls_record_batch_end(tls_conn *c);
/* Sends the batched handshake messages now (before a fatal alert). */
int tls_record_flush_handshake(tls_conn *c);
/* Switches a direction to a new traffic secret (and traces it). */
int tls_record_set_read_key(tls_conn *c, const uint8_t *secret, const char *name);
int tls_record_set_write_key(tls_conn *c, const uint8_t *secret, const char *name);
/* The same without the trace, for KeyUpdate. */
int tls_record_install_write_key(tls_conn *c, const uint8_t *secret);
/* TLS 1.2: keys one direction (write or read) from the key block. */
int tls12_record_set_keys(tls_conn *c, int write, const uint8_t *key, const uint8_t *fixed_iv,
                          const char *name);

/* ---- Engine (tls_dispatch.c): records in, to the layers above ---- */
int tls_engine_process(tls_conn *c);
/* Processes whole records from data (never written to); *used gets the bytes consumed. */
int tls_engine_process_direct(tls_conn *c, const uint8_t *data, size_t len, size_t *used);
/* TLS 1.2 (rfc5246#7.2.1): the peer's close_notify closes both directions.
 * Queues our close_notify unless we sent one, and refuses later writes
 * (tls_engine.c). */
int tls_engine_answer_close(tls_conn *c);

/* ---- Handshake, both sides and versions (tls_hs_common.c) ---- */
/* Dispatches one whole handshake message (with its header) to the state machine. */
int tls_hs_handle(tls_conn *c, const uint8_t *msg, size_t len);
/* TLS 1.2: the peer's ChangeCipherSpec arrived while c->ccs_expected. */
int tls_hs_change_cipher_spec(tls_conn *c);
/* The peer's chain is in c->peer_chain: takes the leaf's key, traces it and
 * verifies chain and name as configured. Both versions. */
int tls_hs_accept_peer_chain(tls_conn *c);
/* Appends one certificate (DER) of the peer's chain to c->peer_chain
 * (created on first use), at most TLS_MAX_CHAIN_LENGTH of them. */
int tls_hs_push_peer_certificate(tls_conn *c, const uint8_t *der, size_t len);
/* Traces the Certificate we sent (empty: none). */
int tls_hs_trace_own_certificate(tls_conn *c, int empty);
/* Sends a server's CertificateRequest msg built with the CA names in names
 * (n_names of them; both buffers are freed) and traces it; the field and
 * value are what the version's message has of its own. */
int tls_hs_send_certificate_request(tls_conn *c, tls_buf *msg, tls_buf *names, size_t n_names,
                                    const char *field, const char *value);
/* A server's answer to a client's empty Certificate, in both versions:
 * traced, then refused with `alert` when verify = "required", else
 * accepted (the client goes on unauthenticated). */
int tls_hs_client_sent_no_certificate(tls_conn *c, uint8_t alert);
/* Appends a message to the transcript and writes it as handshake records. */
int tls_hs_send(tls_conn *c, tls_buf *msg);
/* Fails c for a message of this type that could not be built (msg's oom):
 * out of memory, or a block too long for its length prefix, said so. */
int tls_hs_build_failed(tls_conn *c, const tls_buf *msg, uint8_t type);
/* Starts a message: type and a 3-byte length placeholder; returns the offset
 * to pass to tls_hs_end_message. */
size_t tls_hs_begin_message(tls_buf *msg, uint8_t type);
void tls_hs_end_message(tls_buf *msg, size_t off);

/* Extension blocks: tls_hs_parse_extensions, tls_hs_find_ext, tls_ext_check (tls_ext.h). */

/* ---- TLS 1.3 pieces both sides share (tls13_common.c) ---- */
int tls_hs_send_certificate(tls_conn *c, const uint8_t *context, size_t context_len, int empty);
int tls_hs_parse_certificate(tls_conn *c, tls_reader *body);
int tls_hs_send_certificate_verify(tls_conn *c);
int tls_hs_check_certificate_verify(tls_conn *c, tls_reader *body);
int tls_hs_send_finished(tls_conn *c, const uint8_t *base_secret);
int tls_hs_check_finished(tls_conn *c, tls_reader *body, const uint8_t *base_secret);
/* Records verify_data of a Finished sent (peer 0) or verified (peer 1), for
 * tls_conn_finished. */
void tls_hs_note_finished(tls_conn *c, int peer, const uint8_t *verify_data, size_t len);
/* The rest of the key schedule after the (EC)DHE secret is known. */
int tls_hs_derive_handshake_secrets(tls_conn *c, const uint8_t *shared, size_t shared_len);
int tls_hs_derive_application_secrets(tls_conn *c);
/* Post-handshake messages: NewSessionTicket, KeyUpdate. */
int tls_hs_post_handshake(tls_conn *c, uint8_t type, tls_reader *body);
/* rfc8446#4.6.3: writes a KeyUpdate under the current write key, then moves
 * the write direction to our next application traffic secret. Only once
 * the application traffic secrets exist. */
int tls13_key_update(tls_conn *c, int request_peer);

extern const uint8_t tls_hrr_random[TLS_RANDOM_LEN];

/* ---- The state machines: a shared hello phase, then one per version and
 * side (tls_hello_client.c, tls_hello_server.c, tls13_client.c,
 * tls13_server.c, tls12_client.c, tls12_server.c; hs/tls_hello.h) ---- */
int tls_client_start(tls_conn *c);
int tls_client_handle(tls_conn *c, uint8_t type, tls_reader *body, const uint8_t *msg, size_t len);
int tls_server_handle(tls_conn *c, uint8_t type, tls_reader *body, const uint8_t *msg, size_t len);
int tls13_client_handle(tls_conn *c, uint8_t type, tls_reader *body, const uint8_t *msg, size_t len);
int tls13_server_handle(tls_conn *c, uint8_t type, tls_reader *body, const uint8_t *msg, size_t len);
int tls12_client_handle(tls_conn *c, uint8_t type, tls_reader *body, const uint8_t *msg, size_t len);
/* An empty HelloRequest during a client's handshake: ignored, at most
 * TLS_MAX_KEY_UPDATES_IN_ROW of them (rfc5246#7.4.1.1). */
int tls12_client_ignore_hello_request(tls_conn *c, tls_reader *body);
int tls12_server_handle(tls_conn *c, uint8_t type, tls_reader *body, const uint8_t *msg, size_t len);
int tls12_client_change_cipher_spec(tls_conn *c);
int tls12_server_change_cipher_spec(tls_conn *c);
/* TLS 1.2 after the handshake: renegotiation is refused (rfc5746). */
int tls12_post_handshake(tls_conn *c, uint8_t type, tls_reader *body);
/* TLS 1.2 Certificate (rfc5246#7.4.2), both sides (tls12_client.c for now):
 * send ours (or an empty one); parse the peer's into c->peer_chain and
 * accept it unless empty (*empty). */
int tls12_send_certificate(tls_conn *c, int empty);
int tls12_parse_certificate(tls_conn *c, tls_reader *body, int *empty);
/* Allocates c->t12 (the hand-off to TLS 1.2 does); tls12_state_wipe
 * wipes and frees it. */
int tls12_state_new(tls_conn *c);
void tls12_state_wipe(tls_conn *c);
/* The largest body of a handshake message of this type that c accepts now:
 * TLS_MAX_CLIENT_HELLO for a ClientHello to a server,
 * TLS_MAX_NEW_SESSION_TICKET for a NewSessionTicket to a client,
 * TLS_MAX_CERTIFICATE_MESSAGE for a Certificate where one is expected,
 * TLS_MAX_CERTIFICATE_REQUEST for a CertificateRequest to a client where one
 * may come, TLS_MAX_ENCRYPTED_EXTENSIONS for a TLS 1.3 client's
 * EncryptedExtensions, else TLS_MAX_HANDSHAKE_MESSAGE. */
size_t tls_hs_max_message(const tls_conn *c, uint8_t type);

/* ---- Key log (tls_keylog.c): NSS key log lines for the context's file
 * and the keylog hook; nothing happens when neither is set, and nothing
 * that happens there changes the handshake. ---- */
/* TLS 1.3: after the handshake traffic secrets, then after the
 * application traffic and exporter secrets. */
void tls_keylog13_handshake(tls_conn *c);
void tls_keylog13_application(tls_conn *c);
/* TLS 1.3 0-RTT: once client_early_traffic_secret (hlen bytes) is derived. */
void tls_keylog13_early(tls_conn *c, size_t hlen);
/* TLS 1.2: once c->t12->master is derived. */
void tls_keylog12_master(tls_conn *c);

/* ---- Exporter (tls_export.c) ---- */
/* TLS 1.2: copies what the exporter needs out of c->t12 before it goes
 * (the handshake has completed); forget wipes it. */
void tls_export_keep(tls_conn *c);
void tls_export_forget(tls_conn *c);
/* ---- OCSP stapling (tls_ocsp_hs.c) ---- */
/* Client: the status_request extension of our ClientHello, when asked for. */
void tls_ocsp_put_status_request(tls_conn *c, tls_buf *msg);
/* Server: a ClientHello's status_request (its body). */
int tls_ocsp_read_status_request(tls_conn *c, tls_reader *body);
/* Server: gets the response to staple (the ocsp_response hook, else the
 * config's for its first pair) into c->ocsp_staple, once per handshake. */
int tls_ocsp_server_prepare(tls_conn *c);
/* Server, TLS 1.3: our certificate_list entries, the leaf's with the
 * status_request extension when we staple. */
void tls13_ocsp_put_cert_entries(tls_conn *c, tls_buf *msg);
/* Server, TLS 1.2: the CertificateStatus message, when we staple. */
int tls12_ocsp_send_certificate_status(tls_conn *c);
/* Client, TLS 1.2: the ServerHello's answer to status_request. */
int tls12_ocsp_server_hello(tls_conn *c, tls_ext_list *exts);
/* Client, TLS 1.2: after the server's Certificate; c->state is the state
 * that follows without a CertificateStatus. */
int tls12_ocsp_after_certificate(tls_conn *c);
/* Client, TLS 1.2: in ST_CLIENT12_WAIT_CERT_STATUS. */
int tls12_ocsp_handle(tls_conn *c, uint8_t type, tls_reader *body, const uint8_t *msg, size_t len);
/* Client: a CertificateStatus structure (the TLS 1.2 message body, or the
 * TLS 1.3 leaf entry's status_request extension) into c->ocsp_staple. */
int tls_ocsp_read_certificate_status(tls_conn *c, tls_reader *body, const char *where);
/* Client: judges c->ocsp_staple (or its absence) once the peer's chain is
 * accepted, records the verdict and fails as configured. */
int tls_ocsp_client_decide(tls_conn *c);

/* ---- Resumption (tls_resume.c) ---- */
/* Frees c->session and c->new_session (wiped). */
void tls_resume_forget(tls_conn *c);
/* A new empty session on the heap (tls_session_init); -1 on oom. */
int tls_resume_session_new(tls_session **s);
/* Wipes and frees *s, sets it to NULL. */
void tls_resume_session_free(tls_session **s);
/* Client, both versions: pins hold for resumed connections too, where only
 * the session's leaf is known: why a session may not be offered under
 * cfg's pins, or NULL when it may (or there are none). */
const char *tls_resume_pin_misfit(tls_config *cfg, const tls_session *s);
/* A resumed handshake carries no certificate: the verdict of the one that
 * made the session stands, so it stands only under the same verification
 * settings (tls_config_verify_digest of those c took from its config,
 * c->pol, and whether c has a verify hook). tls_resume_stamp records them in a new session;
 * tls_resume_settings_misfit says why a session was made under others
 * (or records none), NULL when they are the same. */
void tls_resume_stamp(const tls_conn *c, tls_session *s);
const char *tls_resume_settings_misfit(const tls_conn *c, const tls_session *s);
/* The settings the peer is judged under, noted when that happens: as its
 * chain is verified (the anchors and CRLs are the context's and may grow
 * afterwards), or as a session is resumed (those of the session). A
 * session stamped later (a TLS 1.3 ticket may come long after the
 * handshake) records these, not the ones of that moment. */
void tls_resume_note_verified(tls_conn *c);
void tls_resume_note_resumed(tls_conn *c, const tls_session *s);
/* The authentication a session carries (tls_resume_auth.c): stamped into
 * each new session by tls_resume_stamp, taken over from a resumed one by
 * tls_resume_note_resumed. tls_resume_auth_misfit (client, both versions)
 * says why a session may not be offered: its certificate check is older
 * than TLS_MAX_TICKET_LIFETIME, its server leaf has expired (when
 * verifying), its peer's signature scheme is not in sigalgs, or it
 * authenticated us with a certificate c's config does not hold; NULL when
 * it fits. tls_resume_auth_age_ms: how long ago the check was. */
void tls_resume_stamp_auth(const tls_conn *c, tls_session *s);
void tls_resume_note_auth(tls_conn *c, const tls_session *s);
const char *tls_resume_auth_misfit(const tls_conn *c, const tls_session *s, uint64_t now_ms);
uint64_t tls_resume_auth_age_ms(const tls_session *s, uint64_t now_ms);
/* Whether the peer signed the handshake that made s with a scheme outside
 * c's sigalgs (a client's sigalgs restrict the server's signatures, a
 * server's the client's): such a session is not resumed, as a full
 * handshake would fail. */
int tls_resume_sigscheme_misfit(const tls_conn *c, const tls_session *s);
/* Whether c verifies its peer and the peer's leaf kept in s is past its
 * notAfter at now_ms (or cannot be decoded): such a session is not resumed
 * (client and server alike), as a full handshake would refuse the leaf. */
int tls_resume_peer_expired(const tls_conn *c, const tls_session *s, uint64_t now_ms);
/* The earliest notAfter along a verified path in seconds since the epoch;
 * 0 when a date cannot be read (or the path is empty). */
uint64_t tls_resume_chain_not_after(STACK_OF(X509) *verified);

/* ---- Trace (tls_trace.c) ---- */
typedef struct tls_trace_builder {
    tls_trace_event ev;
    char store[2048];
    size_t used;
} tls_trace_builder;

void tls_trace_begin(tls_trace_builder *tb, const char *direction, const char *message);
void tls_trace_add(tls_trace_builder *tb, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Appends a list of names ("x25519, secp256r1") from ids via a name function. */
void tls_trace_add_list(tls_trace_builder *tb, const char *key, const uint16_t *ids, size_t n,
                        const char *(*name)(uint16_t));
/* Appends bytes (at most 64) in hex. */
void tls_trace_add_hex(tls_trace_builder *tb, const char *key, const uint8_t *bytes, size_t n);
/* Calls the user's trace function; a non-zero return fails the connection. */
int tls_trace_emit(tls_conn *c, tls_trace_builder *tb);
static inline int tls_tracing(const tls_conn *c) { return c->trace != NULL; }

/* Decrypted application data the application has not read yet. */
static inline size_t tls_conn_unread(const tls_conn *c)
{
    return c->app_in.len - c->app_in_read - c->app_in_open;
}

#endif
