/* The session encoding: a fixed field order, every field length-checked
 * on the way in, and a text wrapper (libcrypto's base64) for clients. */
#include "hs/tls_session.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#define NO_ALERT (-1)
/* "LTS" and the format number: a blob from another format is not misread.
 * Format 2 added auth_ms, peer_sigscheme and own_cert: a format 1 session
 * is not resumed (tls_session_decode says TLS_SESSION_OLD_FORMAT). */
#define FORMAT 2
static const uint8_t magic[4] = {'L', 'T', 'S', FORMAT};
#define TEXT_BEGIN "-----BEGIN LUATLS SESSION-----\n"
#define TEXT_END "-----END LUATLS SESSION-----\n"

void tls_session_init(tls_session *s)
{
    memset(s, 0, sizeof *s);
    tls_buf_init(&s->peer_cert);
    tls_buf_init(&s->ticket);
}

void tls_session_wipe(tls_session *s)
{
    tls_buf_free(&s->peer_cert);
    tls_buf_free(&s->ticket);
    OPENSSL_cleanse(s, sizeof *s);
    tls_buf_init(&s->peer_cert);
    tls_buf_init(&s->ticket);
}

int tls_session_encode(const tls_session *s, tls_buf *out, tls_error *err)
{
    size_t name_len = strlen(s->name);
    if (s->secret_len > sizeof s->secret || name_len > 255 || s->alpn_len > sizeof s->alpn
        || s->peer_cert.len > TLS_SESSION_MAX_PEER_CERT || s->ticket.len > TLS_SESSION_MAX_TICKET
        || s->session_id_len > sizeof s->session_id)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "session: a field is too large to encode");
    tls_buf_bytes(out, magic, sizeof magic);
    tls_buf_u8(out, (uint8_t)s->kind);
    tls_buf_u16(out, s->version);
    tls_buf_u16(out, s->suite);
    tls_buf_u8(out, (uint8_t)s->secret_len);
    tls_buf_bytes(out, s->secret, s->secret_len);
    tls_buf_u8(out, s->ems ? 1 : 0);
    tls_buf_u32(out, (uint32_t)(s->created_ms >> 32));
    tls_buf_u32(out, (uint32_t)s->created_ms);
    tls_buf_u32(out, s->lifetime_s);
    tls_buf_u32(out, s->age_add);
    tls_buf_u32(out, s->max_early_data);
    tls_buf_u8(out, (uint8_t)name_len);
    tls_buf_bytes(out, s->name, name_len);
    tls_buf_u8(out, (uint8_t)s->alpn_len);
    tls_buf_bytes(out, s->alpn, s->alpn_len);
    tls_buf_u8(out, s->peer_verified ? 1 : 0);
    tls_buf_u24(out, (uint32_t)s->peer_cert.len);
    tls_buf_bytes(out, s->peer_cert.data, s->peer_cert.len);
    if (s->kind == TLS_SESSION_CLIENT) {
        tls_buf_u16(out, (uint16_t)s->ticket.len);
        tls_buf_bytes(out, s->ticket.data, s->ticket.len);
        tls_buf_u8(out, (uint8_t)s->session_id_len);
        tls_buf_bytes(out, s->session_id, s->session_id_len);
    }
    tls_buf_u32(out, (uint32_t)(s->auth_ms >> 32));
    tls_buf_u32(out, (uint32_t)s->auth_ms);
    tls_buf_u16(out, s->peer_sigscheme);
    tls_buf_u8(out, s->has_own_cert ? (uint8_t)sizeof s->own_cert : 0);
    if (s->has_own_cert)
        tls_buf_bytes(out, s->own_cert, sizeof s->own_cert);
    /* Trailing, so a session encoded before it decodes: its length byte,
     * then the digest. */
    if (s->has_verify_digest) {
        tls_buf_u8(out, TLS_VERIFY_DIGEST_LEN);
        tls_buf_bytes(out, s->verify_digest, TLS_VERIFY_DIGEST_LEN);
        /* Always there (0: not known), so that a field a later version
         * adds after it is never taken for it. */
        tls_buf_u8(out, 8);
        tls_buf_u32(out, (uint32_t)(s->chain_not_after >> 32));
        tls_buf_u32(out, (uint32_t)s->chain_not_after);
    }
    if (!tls_buf_ok(out))
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    return 0;
}

static int copy_vec(tls_reader *r, int prefix, void *dst, size_t room, size_t *len)
{
    tls_reader v = tls_rd_vec(r, prefix);
    if (!tls_rd_ok(&v) || v.len > room)
        return -1;
    memcpy(dst, v.p, v.len);
    *len = v.len;
    return 0;
}

int tls_session_decode(tls_session *s, const uint8_t *p, size_t len, tls_error *err)
{
    tls_session_init(s);
    tls_reader r = tls_rd_init(p, len);
    const uint8_t *m = tls_rd_bytes(&r, sizeof magic);
    if (m != NULL && memcmp(m, magic, 3) == 0 && m[3] < FORMAT) {
        tls_fail(err, NO_ALERT, "session: made by an older version of luatls (format %u): not resumed", m[3]);
        return TLS_SESSION_OLD_FORMAT;
    }
    if (m == NULL || memcmp(m, magic, sizeof magic) != 0)
        return tls_fail(err, NO_ALERT, "session: not a luatls session (or from another version of it)");
    s->kind = tls_rd_u8(&r);
    s->version = tls_rd_u16(&r);
    s->suite = tls_rd_u16(&r);
    size_t name_len = 0;
    int bad = copy_vec(&r, 1, s->secret, sizeof s->secret, &s->secret_len);
    s->ems = tls_rd_u8(&r);
    uint64_t hi = tls_rd_u32(&r);
    s->created_ms = hi << 32 | tls_rd_u32(&r);
    s->lifetime_s = tls_rd_u32(&r);
    s->age_add = tls_rd_u32(&r);
    s->max_early_data = tls_rd_u32(&r);
    bad = bad || copy_vec(&r, 1, s->name, sizeof s->name - 1, &name_len);
    bad = bad || copy_vec(&r, 1, s->alpn, sizeof s->alpn, &s->alpn_len);
    s->peer_verified = tls_rd_u8(&r);
    tls_reader cert = tls_rd_vec(&r, 3);
    if (!bad && tls_rd_ok(&cert) && cert.len <= TLS_SESSION_MAX_PEER_CERT)
        tls_buf_bytes(&s->peer_cert, cert.p, cert.len);
    else
        bad = 1;
    if (!bad && s->kind == TLS_SESSION_CLIENT) {
        tls_reader ticket = tls_rd_vec(&r, 2);
        tls_buf_bytes(&s->ticket, ticket.p, ticket.len);
        bad = copy_vec(&r, 1, s->session_id, sizeof s->session_id, &s->session_id_len);
    }
    hi = tls_rd_u32(&r);
    s->auth_ms = hi << 32 | tls_rd_u32(&r);
    s->peer_sigscheme = tls_rd_u16(&r);
    size_t own_len = 0;
    bad = bad || copy_vec(&r, 1, s->own_cert, sizeof s->own_cert, &own_len)
          || (own_len != 0 && own_len != sizeof s->own_cert);
    s->has_own_cert = own_len != 0;
    /* Optional trailing field: present when bytes are left. */
    if (!bad && tls_rd_ok(&r) && tls_rd_left(&r) > 0) {
        size_t digest_len = 0;
        bad = copy_vec(&r, 1, s->verify_digest, sizeof s->verify_digest, &digest_len)
              || digest_len != TLS_VERIFY_DIGEST_LEN;
        s->has_verify_digest = !bad;
    }
    if (!bad && tls_rd_ok(&r) && tls_rd_left(&r) > 0) {
        tls_reader t = tls_rd_vec(&r, 1);
        bad = !tls_rd_ok(&t) || t.len != 8;
        if (!bad) {
            uint64_t high = tls_rd_u32(&t);
            s->chain_not_after = high << 32 | tls_rd_u32(&t);
        }
    }
    /* Trailing fields a later version added (each a length byte, then its
     * bytes): this version cannot apply what they say, which may be a
     * limit, so the session is not resumed; nor is it malformed (a full
     * handshake, not an error, for a program that went back a version). */
    int newer = 0;
    while (!bad && tls_rd_ok(&r) && tls_rd_left(&r) > 0) {
        tls_reader unknown = tls_rd_vec(&r, 1);
        bad = !tls_rd_ok(&unknown);
        newer = 1;
    }
    if (bad || !tls_rd_end(&r) || (s->kind != TLS_SESSION_SERVER && s->kind != TLS_SESSION_CLIENT)
        || (s->version != TLS_VERSION_13 && s->version != TLS_VERSION_12) || s->secret_len == 0
        || s->ems > 1 || s->peer_verified > 1 || memchr(s->name, 0, name_len) != NULL
        || !tls_buf_ok(&s->peer_cert) || !tls_buf_ok(&s->ticket)) {
        tls_session_wipe(s);
        return tls_fail(err, NO_ALERT, "session: malformed");
    }
    if (newer) {
        tls_session_wipe(s);
        tls_fail(err, NO_ALERT, "session: made by a newer version of luatls (fields this one does not know): not "
                                "resumed");
        return TLS_SESSION_OLD_FORMAT;
    }
    s->name[name_len] = 0;
    return 0;
}

int tls_session_copy(tls_session *dst, const tls_session *src)
{
    *dst = *src;
    tls_buf_init(&dst->peer_cert);
    tls_buf_init(&dst->ticket);
    tls_buf_bytes(&dst->peer_cert, src->peer_cert.data, src->peer_cert.len);
    tls_buf_bytes(&dst->ticket, src->ticket.data, src->ticket.len);
    if (!tls_buf_ok(&dst->peer_cert) || !tls_buf_ok(&dst->ticket)) {
        tls_session_wipe(dst);
        return -1;
    }
    return 0;
}

int tls_session_expired(const tls_session *s, uint64_t now_ms)
{
    uint64_t end = s->created_ms + (uint64_t)s->lifetime_s * 1000;
    return now_ms >= end || now_ms + 60000 < s->created_ms; /* a clock far behind the issue time */
}

int tls_session_to_text(const tls_session *s, tls_buf *out, tls_error *err)
{
    tls_buf bin;
    tls_buf_init(&bin);
    if (tls_session_encode(s, &bin, err) != 0) {
        tls_buf_free(&bin);
        return -1;
    }
    time_t expires = (time_t)((s->created_ms / 1000) + s->lifetime_s);
    struct tm tm;
    char when[32] = "?";
    if (gmtime_r(&expires, &tm) != NULL)
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char head[512];
    int n = snprintf(head, sizeof head, TEXT_BEGIN "Server: %s\nVersion: %s\nExpires: %s\n\n",
                     s->name[0] ? s->name : "(no name)",
                     s->version == TLS_VERSION_13 ? "TLSv1.3" : "TLSv1.2", when);
    tls_buf_bytes(out, head, (size_t)n);
    /* EVP_EncodeBlock writes 4 characters per 3 bytes and a NUL; lines of 64. */
    for (size_t off = 0; off < bin.len; off += 48) {
        size_t chunk = bin.len - off < 48 ? bin.len - off : 48;
        uint8_t *line = tls_buf_extend(out, 65);
        if (line == NULL)
            break;
        int w = EVP_EncodeBlock(line, bin.data + off, (int)chunk);
        out->len -= 65 - (size_t)w;
        tls_buf_u8(out, '\n');
    }
    tls_buf_bytes(out, TEXT_END, strlen(TEXT_END));
    tls_buf_free(&bin);
    if (!tls_buf_ok(out))
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    return 0;
}

static int from_text_lf(tls_session *s, const char *text, size_t len, tls_error *err);

/* The first needle in the len bytes at hay, or NULL (memmem is not C11). */
static const char *find_in(const char *hay, size_t len, const char *needle, size_t n)
{
    for (const char *p = hay; n <= len && (size_t)(p - hay) <= len - n; p++) {
        p = memchr(p, needle[0], len - n + 1 - (size_t)(p - hay));
        if (p == NULL)
            return NULL;
        if (memcmp(p, needle, n) == 0)
            return p;
    }
    return NULL;
}

/* A text that went through a Windows editor, a CRLF-converting transfer
 * or an HTTP header has "\r\n" line ends: read as "\n" (a session text
 * holds no other '\r'). */
int tls_session_from_text(tls_session *s, const char *text, size_t len, tls_error *err)
{
    if (memchr(text, '\r', len) == NULL)
        return from_text_lf(s, text, len, err);
    tls_buf lf;
    tls_buf_init(&lf);
    tls_buf_reserve(&lf, len);
    for (size_t i = 0; i < len; i++)
        if (!(text[i] == '\r' && i + 1 < len && text[i + 1] == '\n'))
            tls_buf_u8(&lf, (uint8_t)text[i]);
    int rc;
    if (!tls_buf_ok(&lf)) {
        tls_session_init(s);
        rc = tls_fail(err, NO_ALERT, "session: out of memory");
    } else {
        rc = from_text_lf(s, (const char *)lf.data, lf.len, err);
    }
    tls_buf_free(&lf);
    return rc;
}

static int from_text_lf(tls_session *s, const char *text, size_t len, tls_error *err)
{
    tls_session_init(s);
    /* Searched within len: text[len] need not be a NUL (review39i F1:
     * strstr read past a buffer that had none). */
    const char *limit = text + len;
    const char *begin = memchr(text, 0, len) != NULL ? NULL : find_in(text, len, TEXT_BEGIN, strlen(TEXT_BEGIN));
    if (begin == NULL)
        return tls_fail(err, NO_ALERT, "session: not a luatls session (no \"BEGIN LUATLS SESSION\" line)");
    const char *body = find_in(begin, (size_t)(limit - begin), "\n\n", 2);
    const char *end = body ? find_in(body, (size_t)(limit - body), TEXT_END, strlen(TEXT_END)) : NULL;
    if (end == NULL)
        return tls_fail(err, NO_ALERT, "session: truncated (no END line)");
    body += 2;
    tls_buf b64, bin;
    tls_buf_init(&b64);
    tls_buf_init(&bin);
    /* Line by line (a byte at a time was most of the cost of an offer). */
    tls_buf_reserve(&b64, (size_t)(end - body));
    for (const char *q = body; q < end;) {
        const char *eol = memchr(q, '\n', (size_t)(end - q));
        const char *stop = eol != NULL ? eol : end;
        size_t n = (size_t)(stop - q);
        if (n > 0 && q[n - 1] == '\r')
            n--;
        if (memchr(q, '\r', n) != NULL) {
            for (size_t i = 0; i < n; i++)
                if (q[i] != '\r')
                    tls_buf_u8(&b64, (uint8_t)q[i]);
        } else {
            tls_buf_bytes(&b64, q, n);
        }
        q = eol != NULL ? eol + 1 : end;
    }
    int rc = -1;
    if (tls_buf_ok(&b64) && b64.len % 4 == 0 && b64.len > 0) {
        uint8_t *raw = tls_buf_extend(&bin, b64.len / 4 * 3);
        int n = raw ? EVP_DecodeBlock(raw, b64.data, (int)b64.len) : -1;
        if (n >= 0) {
            size_t pad = (b64.data[b64.len - 1] == '=') + (b64.data[b64.len - 2] == '=');
            rc = tls_session_decode(s, raw, (size_t)n - pad, err);
        }
    }
    if (rc != 0 && !err->set)
        tls_fail(err, NO_ALERT, "session: malformed base64");
    tls_buf_free(&b64);
    tls_buf_free(&bin);
    return rc;
}

static unsigned char ascii_lower(unsigned char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch - 'A' + 'a') : ch;
}

int tls_session_name_matches(const char *made_for, const char *name)
{
    const unsigned char *a = (const unsigned char *)made_for, *b = (const unsigned char *)name;
    for (; *a != '\0' && *b != '\0'; a++, b++)
        if (ascii_lower(*a) != ascii_lower(*b))
            return 0;
    return *a == *b;
}
