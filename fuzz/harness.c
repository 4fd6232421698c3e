/* See harness.h. */
#include "harness.h"

#include <stdarg.h>
#include <stdio.h>

int harness_problems;

void harness_problem(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    harness_problems++;
}

int harness_is(const tls_conn *c, unsigned bit) { return (tls_conn_status(c) & bit) != 0; }

int harness_move(tls_conn *from, tls_conn *to)
{
    const uint8_t *data;
    size_t n = tls_conn_output(from, &data);
    if (n == 0)
        return 0;
    /* A failed side takes nothing more; its peer's bytes are dropped. */
    if (!harness_is(to, TLS_STATUS_FAILED))
        (void)tls_conn_feed(to, data, n);
    tls_conn_output_done(from, n);
    return 1;
}
