#include <stdio.h>
#include <string.h>

#include "engine/tls_conn_int.h"
#include "pki/tls_x509.h"

void tls_trace_begin(tls_trace_builder *tb, const char *direction, const char *message)
{
    tb->ev.direction = direction;
    tb->ev.message = message;
    tb->ev.n_fields = 0;
    tb->used = 0;
}

/* Values live in the builder's own store for the duration of one callback;
 * when it is full the field is dropped rather than truncated mid-word.
 * Values may carry peer text (the client's server name, certificate
 * names): every one is sanitised, whatever the caller formatted. */
static char *store_vformat(tls_trace_builder *tb, const char *fmt, va_list ap)
{
    size_t room = sizeof tb->store - tb->used;
    char *dst = tb->store + tb->used;
    int n = vsnprintf(dst, room, fmt, ap);
    if (n < 0 || (size_t)n >= room)
        return NULL;
    tb->used += tls_sanitize(dst, (size_t)n, dst, room) + 1;
    return dst;
}

static void add_field(tls_trace_builder *tb, const char *key, const char *value)
{
    if (value == NULL || tb->ev.n_fields >= TLS_TRACE_MAX_FIELDS)
        return;
    tb->ev.fields[tb->ev.n_fields].key = key;
    tb->ev.fields[tb->ev.n_fields].value = value;
    tb->ev.n_fields++;
}

void tls_trace_add(tls_trace_builder *tb, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *value = store_vformat(tb, fmt, ap);
    va_end(ap);
    add_field(tb, key, value);
}

void tls_trace_add_list(tls_trace_builder *tb, const char *key, const uint16_t *ids, size_t n,
                        const char *(*name)(uint16_t))
{
    size_t start = tb->used;
    size_t room = sizeof tb->store - tb->used;
    char *dst = tb->store + start;
    size_t len = 0;
    if (room == 0)
        return;
    dst[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *nm = name(ids[i]);
        char unknown[16];
        if (nm == NULL) {
            snprintf(unknown, sizeof unknown, "0x%04x", ids[i]);
            nm = unknown;
        }
        int w = snprintf(dst + len, room - len, "%s%s", i ? ", " : "", nm);
        if (w < 0 || (size_t)w >= room - len)
            return;
        len += (size_t)w;
    }
    tb->used += tls_sanitize(dst, len, dst, room) + 1;
    add_field(tb, key, dst);
}

int tls_trace_emit(tls_conn *c, tls_trace_builder *tb)
{
    char reason[TLS_REASON_MAX];
    if (c->trace == NULL)
        return 0;
    reason[0] = '\0';
    c->in_callback++;
    int stop = c->trace(c->trace_ud, &tb->ev, reason, sizeof reason);
    c->in_callback--;
    if (stop != 0)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "%s",
                        reason[0] ? reason : "handshake aborted by the trace callback");
    return 0;
}

void tls_trace_add_hex(tls_trace_builder *tb, const char *key, const uint8_t *bytes, size_t n)
{
    char hex[2 * 64 + 1];
    if (n > 64)
        n = 64;
    for (size_t i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
    hex[2 * n] = '\0';
    tls_trace_add(tb, key, "%s", hex);
}
