/* The TLS 1.2 client after the shared hello phase (rfc5246#7.3). */
#include <string.h>

#include "hs/tls_hello.h"
#include "util/tls_names.h"

int tls12_client_server_hello(tls_conn *c, server_hello *sh, const uint8_t *msg, size_t len)
{
    (void)sh, (void)msg, (void)len;
    return tls_fail(&c->err, TLS_ALERT_PROTOCOL_VERSION, "TLS 1.2 client: not implemented yet");
}

int tls12_client_handle(tls_conn *c, uint8_t type, tls_reader *body, const uint8_t *msg, size_t len)
{
    (void)type, (void)body, (void)msg, (void)len;
    return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "TLS 1.2 client: not implemented yet");
}

int tls12_client_change_cipher_spec(tls_conn *c)
{
    return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "TLS 1.2 client: not implemented yet");
}
