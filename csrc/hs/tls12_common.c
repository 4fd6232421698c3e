/* TLS 1.2 pieces both sides share: what follows the handshake
 * (renegotiation refused, rfc5746) and the wiping of the TLS 1.2 state. */
#include <string.h>
#include <openssl/crypto.h>

#include "engine/tls_conn_int.h"
#include "util/tls_names.h"

void tls12_state_wipe(tls_conn *c)
{
    c->extended_master_secret |= c->t12.ems;
    OPENSSL_cleanse(&c->t12, sizeof c->t12);
}

int tls12_post_handshake(tls_conn *c, uint8_t type, tls_reader *body)
{
    (void)body;
    /* rfc5246#7.4.1.1 and rfc5746#4.2/#4.4: a HelloRequest to a client, or a
     * new ClientHello to a server, asks to renegotiate. We never do: the
     * answer is a warning no_renegotiation, and the connection goes on
     * (rfc5246#7.2.2: "the recipient ... may continue"). */
    int asks_renegotiation = (!c->is_server && type == TLS_HS_HELLO_REQUEST) ||
                             (c->is_server && type == TLS_HS_CLIENT_HELLO);
    if (!asks_renegotiation) {
        const char *name = tls_handshake_name(type);
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "unexpected %s message after the handshake",
                        name ? name : "handshake");
    }
    /* Each refusal costs an alert: a peer asking without end is cut off
     * like a KeyUpdate flood. */
    if (++c->key_updates_in_row > TLS_MAX_KEY_UPDATES_IN_ROW)
        return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE,
                        "peer asked to renegotiate more than %d times without application data in between",
                        TLS_MAX_KEY_UPDATES_IN_ROW);
    if (tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "receive", tls_handshake_name(type));
        tls_trace_add(&tb, "meaning", "the peer asks to renegotiate; refused (no_renegotiation), the "
                                      "connection goes on");
        if (tls_trace_emit(c, &tb) != 0)
            return -1;
    }
    if (c->status & TLS_STATUS_CLOSED)
        return 0;
    return tls_record_send_alert(c, TLS_ALERT_LEVEL_WARNING, TLS_ALERT_NO_RENEGOTIATION);
}
