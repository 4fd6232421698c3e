/* Bounded reading of peer bytes and growable writing of our own.
 *
 * Every byte that comes from a peer is read through a tls_reader. A
 * length-prefixed vector becomes a sub-reader that the caller must consume
 * exactly (tls_rd_end). Reads past the end never touch memory: they mark the
 * reader failed and return zero/NULL, and the failure is sticky, so a parser
 * can read a whole structure and check once. */
#ifndef TLS_BUF_H
#define TLS_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct tls_reader {
    const uint8_t *p;
    size_t len;
    size_t pos;
    int failed;
} tls_reader;

tls_reader tls_rd_init(const uint8_t *p, size_t len);
uint8_t tls_rd_u8(tls_reader *r);
uint16_t tls_rd_u16(tls_reader *r);
uint32_t tls_rd_u24(tls_reader *r);
uint32_t tls_rd_u32(tls_reader *r);
/* Pointer to the next n bytes, or NULL (and failed) if fewer remain. */
const uint8_t *tls_rd_bytes(tls_reader *r, size_t n);
/* Sub-reader over a vector with a 1, 2 or 3 byte length prefix. If the
 * vector overruns its parent, both the parent and the result are failed. */
tls_reader tls_rd_vec(tls_reader *r, int prefix_bytes);
size_t tls_rd_left(const tls_reader *r);
/* True when nothing failed so far. */
int tls_rd_ok(const tls_reader *r);
/* True when nothing failed and every byte was consumed; otherwise marks the
 * reader failed (trailing bytes are a decode_error in TLS). */
int tls_rd_end(tls_reader *r);

/* A growable byte buffer. Allocation failure is sticky (oom) and checked
 * once by the caller with tls_buf_ok. */
typedef struct tls_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    int oom; /* 0, 1 (out of memory) or TLS_BUF_TOO_LONG */
} tls_buf;

/* tls_buf.oom when a block's content was too long for its length prefix. */
#define TLS_BUF_TOO_LONG 2

void tls_buf_init(tls_buf *b);
/* Frees the storage after wiping it with OPENSSL_cleanse. */
void tls_buf_free(tls_buf *b);
int tls_buf_ok(const tls_buf *b);
/* Makes room for at least extra more bytes; returns 0 on success. */
int tls_buf_reserve(tls_buf *b, size_t extra);
/* The same, growing to exactly len + extra where tls_buf_reserve doubles:
 * for a buffer whose size is a bound kept between calls (the engine's input). */
int tls_buf_reserve_exact(tls_buf *b, size_t extra);
void tls_buf_u8(tls_buf *b, uint8_t v);
void tls_buf_u16(tls_buf *b, uint16_t v);
void tls_buf_u24(tls_buf *b, uint32_t v);
void tls_buf_u32(tls_buf *b, uint32_t v);
void tls_buf_bytes(tls_buf *b, const void *p, size_t n);
/* Appends n bytes of room and returns a pointer to them (NULL on oom). */
uint8_t *tls_buf_extend(tls_buf *b, size_t n);
/* Opens a length-prefixed block: writes a placeholder of prefix_bytes and
 * returns its offset, to be passed to tls_buf_close_block once the block's
 * content is written. Nesting is allowed. */
size_t tls_buf_open_block(tls_buf *b, int prefix_bytes);
/* Patches the placeholder; marks the buffer failed (oom) if the content is
 * too long for the prefix. */
void tls_buf_close_block(tls_buf *b, size_t offset, int prefix_bytes);
/* Drops n bytes from the front. */
void tls_buf_consume(tls_buf *b, size_t n);
/* Empties the buffer, wiping the old content, keeping the storage. */
void tls_buf_clear(tls_buf *b);
/* Releases the storage when the buffer is empty, to keep idle connections
 * small, without wiping: secret bytes were wiped when consumed or cleared
 * (tls_buf_consume, tls_buf_clear); tls_buf_drop is for the others. */
void tls_buf_release_if_empty(tls_buf *b);
/* Drops n bytes from the front without wiping: for bytes that are not
 * secret to us (records on the wire, application data the caller has read). */
void tls_buf_drop(tls_buf *b, size_t n);

#endif
