#include "util/tls_err.h"

#include <stdio.h>
#include <stdlib.h>
#include <openssl/err.h>

#include "util/tls_consts.h"

void tls_error_clear(tls_error *e)
{
    e->set = 0;
    e->alert = -1;
    e->from_peer = 0;
    e->reason = "";
}

void tls_error_release(tls_error *e)
{
    if (e->owned)
        free(e->buf);
    e->owned = 0;
    e->buf = NULL;
    tls_error_clear(e);
}

size_t tls_utf8_cut(const char *s, size_t len)
{
    size_t start = len;
    while (start > 0 && len - start < 3 && ((unsigned char)s[start - 1] & 0xc0) == 0x80)
        start--;
    if (start == 0)
        return len;
    unsigned char lead = (unsigned char)s[start - 1];
    size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    return len - (start - 1) < need ? start - 1 : len;
}

void tls_text_cut(char *out, size_t size, const char *fmt, ...)
{
    if (size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, size, fmt, ap);
    va_end(ap);
    if (n < 0)
        out[0] = '\0';
    else if ((size_t)n >= size)
        out[tls_utf8_cut(out, size - 1)] = '\0';
}

int tls_failv(tls_error *e, int alert, const char *fmt, va_list ap)
{
    if (e == NULL || e->set)
        return -1;
    e->set = 1;
    e->alert = alert;
    e->from_peer = 0;
    if (e->buf == NULL) {
        /* The first failure of a connection: the alert above is what the
         * peer sees, so it stands even without memory for the words. */
        e->buf = malloc(TLS_REASON_MAX);
        if (e->buf == NULL) {
            e->reason = TLS_REASON_NO_MEMORY;
            return -1;
        }
        e->owned = 1;
    }
    /* A reason cut at TLS_REASON_MAX may end inside a UTF-8 character of
     * the peer text it quotes (sanitised whole, then formatted): that
     * partial character goes, so that the reason stays UTF-8 (review44b). */
    if (vsnprintf(e->buf, TLS_REASON_MAX, fmt, ap) >= TLS_REASON_MAX)
        e->buf[tls_utf8_cut(e->buf, TLS_REASON_MAX - 1)] = '\0';
    e->reason = e->buf;
    return -1;
}

int tls_fail(tls_error *e, int alert, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tls_failv(e, alert, fmt, ap);
    va_end(ap);
    return -1;
}

int tls_fail_crypto(tls_error *e, int alert, const char *what)
{
    unsigned long code = ERR_get_error();
    char detail[200] = "no detail from libcrypto";
    if (code != 0)
        ERR_error_string_n(code, detail, sizeof detail);
    ERR_clear_error();
    return tls_fail(e, alert, "%s (%s)", what, detail);
}

const char *tls_alert_name(int alert)
{
    switch (alert) {
    case TLS_ALERT_CLOSE_NOTIFY: return "close_notify";
    case TLS_ALERT_UNEXPECTED_MESSAGE: return "unexpected_message";
    case TLS_ALERT_BAD_RECORD_MAC: return "bad_record_mac";
    case TLS_ALERT_RECORD_OVERFLOW: return "record_overflow";
    case TLS_ALERT_HANDSHAKE_FAILURE: return "handshake_failure";
    case TLS_ALERT_BAD_CERTIFICATE: return "bad_certificate";
    case TLS_ALERT_UNSUPPORTED_CERTIFICATE: return "unsupported_certificate";
    case TLS_ALERT_CERTIFICATE_REVOKED: return "certificate_revoked";
    case TLS_ALERT_CERTIFICATE_EXPIRED: return "certificate_expired";
    case TLS_ALERT_CERTIFICATE_UNKNOWN: return "certificate_unknown";
    case TLS_ALERT_ILLEGAL_PARAMETER: return "illegal_parameter";
    case TLS_ALERT_UNKNOWN_CA: return "unknown_ca";
    case TLS_ALERT_ACCESS_DENIED: return "access_denied";
    case TLS_ALERT_DECODE_ERROR: return "decode_error";
    case TLS_ALERT_DECRYPT_ERROR: return "decrypt_error";
    case TLS_ALERT_PROTOCOL_VERSION: return "protocol_version";
    case TLS_ALERT_INSUFFICIENT_SECURITY: return "insufficient_security";
    case TLS_ALERT_INTERNAL_ERROR: return "internal_error";
    case TLS_ALERT_INAPPROPRIATE_FALLBACK: return "inappropriate_fallback";
    case TLS_ALERT_USER_CANCELED: return "user_canceled";
    case TLS_ALERT_NO_RENEGOTIATION: return "no_renegotiation";
    case TLS_ALERT_MISSING_EXTENSION: return "missing_extension";
    case TLS_ALERT_UNSUPPORTED_EXTENSION: return "unsupported_extension";
    case TLS_ALERT_UNRECOGNIZED_NAME: return "unrecognized_name";
    case TLS_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE: return "bad_certificate_status_response";
    case TLS_ALERT_UNKNOWN_PSK_IDENTITY: return "unknown_psk_identity";
    case TLS_ALERT_CERTIFICATE_REQUIRED: return "certificate_required";
    case TLS_ALERT_NO_APPLICATION_PROTOCOL: return "no_application_protocol";
    default: return "unknown_alert";
    }
}
