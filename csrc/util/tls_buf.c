#include "util/tls_buf.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

tls_reader tls_rd_init(const uint8_t *p, size_t len)
{
    tls_reader r = { p, len, 0, 0 };
    return r;
}

size_t tls_rd_left(const tls_reader *r)
{
    return r->failed ? 0 : r->len - r->pos;
}

const uint8_t *tls_rd_bytes(tls_reader *r, size_t n)
{
    if (r->failed || n > r->len - r->pos) {
        r->failed = 1;
        return NULL;
    }
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}

static uint32_t read_be(tls_reader *r, size_t n)
{
    const uint8_t *p = tls_rd_bytes(r, n);
    uint32_t v = 0;
    if (p == NULL)
        return 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

uint8_t tls_rd_u8(tls_reader *r) { return (uint8_t)read_be(r, 1); }
uint16_t tls_rd_u16(tls_reader *r) { return (uint16_t)read_be(r, 2); }
uint32_t tls_rd_u24(tls_reader *r) { return read_be(r, 3); }
uint32_t tls_rd_u32(tls_reader *r) { return read_be(r, 4); }

tls_reader tls_rd_vec(tls_reader *r, int prefix_bytes)
{
    tls_reader sub = { NULL, 0, 0, 1 };
    size_t n = read_be(r, (size_t)prefix_bytes);
    const uint8_t *p = tls_rd_bytes(r, n);
    if (p == NULL)
        return sub;
    sub.p = p;
    sub.len = n;
    sub.failed = 0;
    return sub;
}

int tls_rd_ok(const tls_reader *r) { return !r->failed; }

int tls_rd_end(tls_reader *r)
{
    if (!r->failed && r->pos != r->len)
        r->failed = 1;
    return !r->failed;
}

void tls_buf_init(tls_buf *b) { memset(b, 0, sizeof *b); }

void tls_buf_free(tls_buf *b)
{
    if (b->data != NULL) {
        OPENSSL_cleanse(b->data, b->cap);
        free(b->data);
    }
    memset(b, 0, sizeof *b);
}

int tls_buf_ok(const tls_buf *b) { return !b->oom; }

static int grow(tls_buf *b, size_t extra, int exact)
{
    if (b->oom)
        return -1;
    if (extra <= b->cap - b->len)
        return 0;
    if (extra > SIZE_MAX / 2 - b->len) {
        b->oom = 1;
        return -1;
    }
    size_t need = b->len + extra;
    size_t cap = exact ? need : b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    /* Not realloc: the old block may hold secrets and must be wiped. */
    uint8_t *p = malloc(cap);
    if (p == NULL) {
        b->oom = 1;
        return -1;
    }
    if (b->data != NULL) {
        memcpy(p, b->data, b->len);
        OPENSSL_cleanse(b->data, b->cap);
        free(b->data);
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int tls_buf_reserve(tls_buf *b, size_t extra) { return grow(b, extra, 0); }

int tls_buf_reserve_exact(tls_buf *b, size_t extra) { return grow(b, extra, 1); }

uint8_t *tls_buf_extend(tls_buf *b, size_t n)
{
    /* Even n == 0 needs storage to point into: on an empty buffer data is
     * NULL, NULL + 0 is undefined behaviour, and NULL here means oom (an
     * empty protected record was reported as "out of memory"). */
    if (tls_buf_reserve(b, n > 0 ? n : 1) != 0)
        return NULL;
    uint8_t *p = b->data + b->len;
    b->len += n;
    return p;
}

static void write_be(tls_buf *b, uint32_t v, size_t n)
{
    uint8_t *p = tls_buf_extend(b, n);
    if (p == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

void tls_buf_u8(tls_buf *b, uint8_t v) { write_be(b, v, 1); }
void tls_buf_u16(tls_buf *b, uint16_t v) { write_be(b, v, 2); }
void tls_buf_u24(tls_buf *b, uint32_t v) { write_be(b, v, 3); }
void tls_buf_u32(tls_buf *b, uint32_t v) { write_be(b, v, 4); }

void tls_buf_bytes(tls_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    uint8_t *dst = tls_buf_extend(b, n);
    if (dst != NULL)
        memcpy(dst, p, n);
}

size_t tls_buf_open_block(tls_buf *b, int prefix_bytes)
{
    size_t off = b->len;
    write_be(b, 0, (size_t)prefix_bytes);
    return off;
}

void tls_buf_close_block(tls_buf *b, size_t offset, int prefix_bytes)
{
    if (b->oom)
        return;
    size_t n = b->len - offset - (size_t)prefix_bytes;
    if (prefix_bytes < 4 && n >= ((size_t)1 << (8 * prefix_bytes))) {
        b->oom = TLS_BUF_TOO_LONG;
        return;
    }
    for (int i = 0; i < prefix_bytes; i++)
        b->data[offset + (size_t)i] = (uint8_t)(n >> (8 * (prefix_bytes - 1 - i)));
}

void tls_buf_consume(tls_buf *b, size_t n)
{
    if (n >= b->len) {
        tls_buf_clear(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    OPENSSL_cleanse(b->data + b->len - n, n);
    b->len -= n;
}

void tls_buf_clear(tls_buf *b)
{
    if (b->data != NULL)
        OPENSSL_cleanse(b->data, b->len);
    b->len = 0;
}

void tls_buf_release_if_empty(tls_buf *b)
{
    /* Empty means wiped already: consume and clear wipe what they drop,
     * and nothing is ever left past len. */
    if (b->len == 0 && b->data != NULL) {
        free(b->data);
        b->data = NULL;
        b->cap = 0;
    }
}

void tls_buf_drop(tls_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}
