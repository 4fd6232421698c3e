/* Errors carry the alert they map to and a reason in words.
 *
 * The code that detects a problem calls tls_fail with the alert and a
 * message a person can read; the first failure recorded wins. The engine is
 * the one place that turns a recorded error into a fatal alert on the wire. */
#ifndef TLS_ERR_H
#define TLS_ERR_H

#include <stdarg.h>
#include <stddef.h>

/* The longest reasons are lists (a server none of whose pairs fits names
 * its keys, the client's signatures and groups, four of each): at 320 a
 * client offering four signature schemes cut that sentence mid-word
 * (review41g). */
#define TLS_REASON_MAX 512

/* The reason's text lives outside the struct, so that the error every
 * connection carries costs a few words until the connection fails (review41h:
 * 512 inline bytes were a tenth of an idle connection). Two kinds:
 *
 * - a temporary on the stack, declared with TLS_ERROR_LOCAL(name), writes
 *   into a buffer declared beside it: no allocation, nothing to free;
 * - a tls_error in zeroed heap memory (the connection's c->err) is given
 *   TLS_REASON_MAX bytes by malloc at its first failure, and its owner calls
 *   tls_error_release when it goes. If that allocation fails, the error is
 *   still recorded (set, alert) with a fixed text.
 *
 * A bare `tls_error x;` on the stack has no buffer and garbage pointers:
 * never declare one (spec/review41h_spec.lua looks for them). Copying a
 * tls_error by value shares its buffer: don't. */
typedef struct tls_error {
    int set;            /* an error has been recorded */
    int alert;          /* TLS AlertDescription to send, or -1 for none */
    int from_peer;      /* the peer sent us this alert */
    int owned;          /* buf came from malloc: tls_error_release frees it */
    char *buf;          /* TLS_REASON_MAX bytes for the text, or NULL until the first failure */
    const char *reason; /* the text: "" until an error is recorded; never NULL after tls_error_clear */
} tls_error;

#define TLS_ERROR_LOCAL(name) \
    char name##_text_[TLS_REASON_MAX]; \
    tls_error name = { 0, -1, 0, 0, name##_text_, "" }

/* What reason reads when the buffer for it could not be allocated. */
#define TLS_REASON_NO_MEMORY "out of memory (while recording why the connection failed)"

/* Forgets the recorded error and keeps the buffer for the next one. Also
 * makes a zeroed tls_error (calloc) ready. */
void tls_error_clear(tls_error *e);
/* Frees a buffer tls_failv allocated (a stack buffer is left alone); the
 * tls_error reads as cleared afterwards. */
void tls_error_release(tls_error *e);
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
/* Where to cut the first len bytes of UTF-8 text so that no character is
 * split: len, or less by the bytes of a last character that does not end
 * within them. Reads s[0..len) only, so it serves text already cut short
 * (vsnprintf's) as well as text to be cut. Reasons and the lists they quote
 * are sanitised peer text, UTF-8 that must stay UTF-8 when it does not fit. */
size_t tls_utf8_cut(const char *s, size_t len);
/* snprintf into out, except that text cut at size ends before a character
 * it would split (tls_utf8_cut): a Lua function's message quoted in a
 * reason stays UTF-8 (review46b). */
void tls_text_cut(char *out, size_t size, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* "handshake_failure", "bad_record_mac", ... or "unknown_alert". */
const char *tls_alert_name(int alert);

#endif
