/* The shared hello phase: ClientHello and ServerHello decoded into plain
 * structs before any policy, the version chosen, then the hand-off to the
 * version's own state machine. */
#ifndef TLS_HELLO_H
#define TLS_HELLO_H

#include "engine/tls_conn_int.h"

/* What we keep of a ClientHello. The client's lists may be as long as the
 * protocol allows: each is read once, values we do not implement are
 * skipped, and what is left is a bit per entry of our configured lists
 * (bit i: c->pol.suites[i], c->pol.groups[i], the connection's own copy of its
 * context's lists), so our choices are never lost
 * behind unknown entries and nothing is quadratic. */
typedef struct client_hello {
    uint16_t legacy_version;
    const uint8_t *random;
    tls_reader session_id;
    tls_reader compression;
    tls_reader suites_raw, versions_raw, groups_raw, sigalgs_raw, shares_raw; /* for the trace */
    uint32_t suites;          /* ours the client offers */
    uint32_t groups;          /* ours in supported_groups */
    uint32_t shares;          /* ours with a key share */
    tls_reader share[TLS_CONFIG_MAX_LIST];
    size_t n_shares;          /* every share, usable or not */
    int has_supported_versions;
    int offers_13, offers_12; /* the versions the client offers that we speak */
    uint16_t best_version;    /* the highest it offers, for messages */
    int has_groups;
    int has_key_share;
    int has_sigalgs;
    int early_data;
    uint16_t record_size_limit; /* 0: not sent */
    tls_reader server_name;   /* host_name, if sent: over server_name_lower */
    /* The name in lower case: DNS names are compared without case
     * (rfc4343), and the servername function, the per-name contexts and
     * info().servername see one spelling (review38d F3). A client_hello is
     * never copied, so server_name may point into it. */
    uint8_t server_name_lower[255];
    int has_server_name;
    int fallback_scsv;        /* rfc7507 TLS_FALLBACK_SCSV */
    int renegotiation_scsv;   /* rfc5746 TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
    int ems;                  /* rfc7627 extended_master_secret */
    tls_reader *renegotiation_info; /* rfc5746 extension body, or NULL */
    tls_reader *point_formats;      /* rfc8422 ec_point_formats body, or NULL */
    tls_reader *session_ticket;     /* rfc5077 SessionTicket body (the ticket, may be
                                       empty), or NULL */
    tls_ext_list exts;
} client_hello;

_Static_assert(TLS_CONFIG_MAX_LIST <= 32, "configured lists are kept as 32-bit masks");

/* Server: continue with the chosen version. msg is the whole ClientHello. */
int tls13_server_client_hello(tls_conn *c, client_hello *ch, const uint8_t *msg, size_t len);
int tls12_server_client_hello(tls_conn *c, client_hello *ch, const uint8_t *msg, size_t len);

typedef struct server_hello {
    uint16_t legacy_version;
    const uint8_t *random;
    tls_reader session_id;
    uint16_t suite;
    uint8_t compression;
    int is_retry;             /* the HelloRetryRequest random */
    tls_ext_list exts;
} server_hello;

/* Client: continue with the version the server chose. */
int tls13_client_server_hello(tls_conn *c, server_hello *sh, const uint8_t *msg, size_t len);
int tls12_client_server_hello(tls_conn *c, server_hello *sh, const uint8_t *msg, size_t len);

/* ---- ALPN, rfc7301 (tls_alpn.c) ---- */
/* Client: the server's answer (EncryptedExtensions or the TLS 1.2
 * ServerHello; body NULL when it sent none): exactly one protocol, one we
 * offered, into c->alpn. `where` names the message in errors. */
int tls_alpn_client_answer(tls_conn *c, tls_reader *body, const char *where);
/* Server: decides c->alpn from the ClientHello's extension body (NULL:
 * none), with the alpn_select hook or our list; no overlap with our list
 * is no_application_protocol. */
int tls_alpn_server_choose(tls_conn *c, tls_reader *body);
/* Server: appends the ALPN extension answering with c->alpn, if any. */
void tls_alpn_put_answer(const tls_conn *c, tls_buf *msg);

/* ---- The certificate a server sends (tls_sni.c) ---- */
/* Chooses c->own for a ClientHello that negotiates `version`: among the
 * pairs whose leaf matches the client's server_name, one whose key the
 * client can verify; else the default pair (ids[0]) if it fits, else the
 * first that fits; with sni_strict, a name no pair matches is
 * unrecognized_name. */
int tls_sni_choose_identity(tls_conn *c, const client_hello *ch, uint16_t version);
/* Negotiation found that the client can verify none of our keys: when the
 * choice weighed several pairs (c->unfit_pairs), fails with one sentence on
 * what the client accepts and what keys we have, and returns -1; else 0,
 * and the caller says what is wrong with the one pair. */
int tls_sni_fail_no_pair(tls_conn *c, const client_hello *ch, uint16_t version);
/* TLS 1.2 (tls12_server.c): the position in our suite order of the first
 * suite the client offers that the pair could authenticate (what
 * negotiation would choose with it), or -1 if none. kind_only: whether
 * ECDHE has a group and signature scheme is not asked. */
/* review32d F1: the client names a host all of whose pairs cannot sign
 * (keyUsage for RSA key transport only): for that name, whatever else the
 * client offers, we do not speak TLS 1.3. 0 without a name or a pair for it. */
int tls_sni_name_never_signs(const tls_conn *c, const client_hello *ch);

int tls12_server_key_rank(const tls_conn *c, const client_hello *ch, const tls_identity *id, int kind_only);

/* The ClientHello again (after HelloRetryRequest). */
int tls_hello_send_client_hello(tls_conn *c);
/* Server refusals: up to three of the suites the client offers for
 * `version` (TLS 1.3's 0x13xx, or for TLS 1.2 the others), by name or in
 * hex, comma-separated into names[size]; signalling values and GREASE left
 * out. Returns how many were written; *offered counts them all. */
size_t tls_hello_offered_suite_names(const client_hello *ch, uint16_t version, char *names, size_t size,
                                     size_t *offered);
/* True if v is in list[0..n). */
int tls_hello_offered(const uint16_t *list, size_t n, uint16_t v);
/* Server: whether cfg can negotiate TLS 1.3 (max_version allows it,
 * `ciphers` names a TLS 1.3 suite and `sigalgs` a scheme one of our keys
 * signs with in TLS 1.3: tls_config_can13); only then is TLS 1.2 a
 * downgrade. */
int tls_hello_server_speaks13(const tls_config *cfg);
/* The same for the settings connection c took from its context (c->pol). */
int tls_hello_conn_speaks13(const tls_conn *c);

/* rfc8446#4.1.3: the last 8 bytes of a server random that negotiates an
 * older version while able to do TLS 1.3: "DOWNGRD" then 01 (TLS 1.2) or
 * 00 (TLS 1.1 and below). */
extern const uint8_t tls_downgrade_tls12[8];
extern const uint8_t tls_downgrade_tls11[8];

#endif
