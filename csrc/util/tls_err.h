/* Errors carry the alert they map to and a reason in words.
 *
 * The code that detects a problem calls tls_fail with the alert and a
 * message a person can read; the first failure recorded wins. The engine is
 * the one place that turns a recorded error into a fatal alert on the wire. */
#ifndef TLS_ERR_H
#define TLS_ERR_H

#include <stdarg.h>

/* The longest reasons are lists (a server none of whose pairs fits names
 * its keys, the client's signatures and groups, four of each): at 320 a
 * client offering four signature schemes cut that sentence mid-word
 * (review41g). */
#define TLS_REASON_MAX 512

typedef struct tls_error {
    int set;            /* an error has been recorded */
    int alert;          /* TLS AlertDescription to send, or -1 for none */
    int from_peer;      /* the peer sent us this alert */
    char reason[TLS_REASON_MAX];
} tls_error;

void tls_error_clear(tls_error *e);
/* Records the error (unless one is already recorded) and returns -1 so that
 * callers can write `return tls_fail(err, ...)`. */
int tls_fail(tls_error *e, int alert, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int tls_failv(tls_error *e, int alert, const char *fmt, va_list ap);
/* Appends the reason of the most recent libcrypto error (ERR_get_error) to
 * the message and clears libcrypto's error queue. */
int tls_fail_crypto(tls_error *e, int alert, const char *what);
/* "handshake_failure", "bad_record_mac", ... or "unknown_alert". */
const char *tls_alert_name(int alert);

#endif
