/* Extension blocks: parsed once, in one pass, into the extensions we use,
 * and judged against one table of where each extension may appear
 * (rfc8446#4.2). Included by tls_conn_int.h. */
#ifndef TLS_EXT_H
#define TLS_EXT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/tls_buf.h"
#include "engine/tls_engine.h"

/* The messages that carry extensions (rfc8446#4.2's CH, SH, HRR, EE, CT,
 * CR, NST), as bits of the table. */
typedef enum tls_ext_msg {
    TLS_EXT_IN_CH = 1 << 0,
    TLS_EXT_IN_SH = 1 << 1,
    TLS_EXT_IN_HRR = 1 << 2,
    TLS_EXT_IN_EE = 1 << 3,
    TLS_EXT_IN_CT = 1 << 4,
    TLS_EXT_IN_CR = 1 << 5,
    TLS_EXT_IN_NST = 1 << 6,
    TLS_EXT_IN_SH12 = 1 << 7,   /* a TLS 1.2 ServerHello (rfc5246#7.4.1.4) */
} tls_ext_msg;

/* Every extension type the table knows is below this, so a type is its own
 * slot and a block's known extensions fit one 64-bit mask; the one known
 * type above (renegotiation_info, 0xff01) takes a free slot. */
#define TLS_EXT_TABLE_SIZE 64
#define TLS_EXT_SLOT_RENEGOTIATION_INFO 62

/* The bit of a known extension type in tls_ext_list.present and in
 * tls_conn.ext_sent; 0 for a type the table does not know. */
uint64_t tls_ext_bit(uint16_t type);

/* One extension block. Unknown extensions are counted, checked for
 * duplicates, and not kept. */
typedef struct tls_ext_list {
    uint64_t present;                        /* tls_ext_bit of each known one */
    tls_reader body[TLS_EXT_TABLE_SIZE];     /* valid where present */
    size_t n;                                /* extensions in the block */
    size_t n_unknown;
    uint16_t first_unknown;
    uint16_t last_type;                      /* type of the block's last extension */
} tls_ext_list;

/* Parses an extensions block (the reader is the vector's content), of any
 * length and count, in linear time: malformed is decode_error, a duplicate
 * illegal_parameter (rfc8446#4.2). `where` names the message in errors. */
int tls_hs_parse_extensions(tls_conn *c, tls_reader *block, tls_ext_list *list, const char *where);
/* The extension's body, or NULL. */
tls_reader *tls_hs_find_ext(tls_ext_list *list, uint16_t type);
/* Applies rfc8446#4.2 to a parsed block received in message `msg`:
 *  - a known extension the table does not allow in msg: illegal_parameter;
 *  - in SH, HRR, EE and Certificate (responses), an unknown extension, or a
 *    known one we did not send (c->ext_sent; cookie excepted in HRR):
 *    unsupported_extension;
 *  - elsewhere (ClientHello, CertificateRequest, NewSessionTicket) unknown
 *    extensions are ignored;
 *  - in ClientHello, pre_shared_key that is not last: illegal_parameter. */
int tls_ext_check(tls_conn *c, const tls_ext_list *list, tls_ext_msg msg);

/* rfc8449#4: the record_size_limit extension's body, read for the message
 * named by `where`; below 64 is illegal_parameter. */
int tls_ext_read_record_size_limit(tls_conn *c, tls_reader *body, const char *where, uint16_t *limit);
/* rfc8449#4: the most content we put in one protected record for a peer
 * that advertised `limit` (less the content type byte, and never beyond
 * TLS 1.3's own limit). */
size_t tls_ext_send_limit(uint16_t limit);

/* A set of 16-bit protocol values (groups, extension types): membership and
 * duplicates in constant time per value, so lists of any length the
 * protocol allows cost linear time. 8 KiB: lives on the stack. */
typedef struct tls_u16_set {
    uint64_t w[65536 / 64];
} tls_u16_set;

static inline void tls_u16_set_clear(tls_u16_set *s) { memset(s, 0, sizeof *s); }

static inline int tls_u16_set_has(const tls_u16_set *s, uint16_t v)
{
    return (int)((s->w[v >> 6] >> (v & 63)) & 1);
}

/* Adds v; returns 1 if it was already there. */
static inline int tls_u16_set_add(tls_u16_set *s, uint16_t v)
{
    uint64_t bit = (uint64_t)1 << (v & 63);
    int had = (s->w[v >> 6] & bit) != 0;
    s->w[v >> 6] |= bit;
    return had;
}

#endif
