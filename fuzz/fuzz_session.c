/* The session text a client program stores and gives back
 * (tls_conn_get_session / tls_conn_set_session, hs/tls_session.c): the
 * input is such a text, held in a buffer of exactly its length (no NUL
 * after it: review39i F1 found strstr reading past one).
 * - tls_session_from_text reads it; when it succeeds, tls_session_to_text
 *   writes it again and that text must read back to the same encoding;
 * - tls_session_decode reads the input as the binary encoding too;
 * - a client (fuzz_client_full_config, or its TLS 1.2 one for a TLS 1.2
 *   session) is offered the text and runs a
 *   handshake with fuzz_server_full_config: a session that reads well
 *   but says anything (suite, version, ticket, name, lifetimes) must give
 *   a resumption or a full handshake, never a failure of the engine.
 * The seeds are set-up's real sessions (fuzz_session, fuzz_extra_session),
 * one of them with CRLF line ends, and the binary encodings under the
 * first ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "hs/tls_session.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    return 0;
}

static void must(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_session: %s\n", what);
        abort();
    }
}

/* from_text, then to_text and from_text again: the same encoding.
 * Returns the session's version, or 0 when the text is not one. */
static uint16_t round_trip(const char *text, size_t len)
{
    tls_session s, again;
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    int rc = tls_session_from_text(&s, text, len, &err);
    must(rc == 0 || err.set, "from_text failed without a reason");
    fuzz_note_text("text: %s", rc == 0 ? "read" : err.reason);
    if (rc != 0)
        return 0;
    uint16_t version = s.version;
    tls_buf out, enc1, enc2;
    tls_buf_init(&out);
    tls_buf_init(&enc1);
    tls_buf_init(&enc2);
    tls_error_clear(&err);
    must(tls_session_to_text(&s, &out, &err) == 0, "to_text failed on a session from_text read");
    tls_error_clear(&err);
    must(tls_session_from_text(&again, (const char *)out.data, out.len, &err) == 0,
         "from_text refused what to_text wrote");
    must(tls_session_encode(&s, &enc1, &err) == 0 && tls_session_encode(&again, &enc2, &err) == 0,
         "encode failed");
    must(enc1.len == enc2.len && memcmp(enc1.data, enc2.data, enc1.len) == 0,
         "to_text then from_text changed the session");
    tls_buf_free(&out);
    tls_buf_free(&enc1);
    tls_buf_free(&enc2);
    tls_session_wipe(&s);
    tls_session_wipe(&again);
    return version;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_rng_reset();
    /* A heap copy of exactly size bytes: a read past it is ASan's. */
    char *text = malloc(size ? size : 1);
    if (text == NULL)
        return 0;
    if (size > 0)
        memcpy(text, data, size);
    uint16_t version = round_trip(text, size);

    tls_session bin;
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    int rc = tls_session_decode(&bin, data, size, &err);
    must(rc == 0 || err.set, "decode failed without a reason");
    if (rc == 0) {
        fuzz_note_text("; binary: read");
        tls_session_wipe(&bin);
    }

    fuzz_pair p;
    /* The client of set-up's sessions of that version, so that a real
     * one resumes. */
    p.client = fuzz_conn_new(version == TLS_VERSION_12 ? fuzz_client_full_config12(-1)
                                                       : fuzz_client_full_config(-1));
    p.server = fuzz_conn_new(fuzz_server_full_config());
    char why[256];
    if (tls_conn_set_session(p.client, text, size, why, sizeof why) == 0) {
        if (fuzz_start(p.client) == 0)
            for (int i = 0; i < 4; i++) {
                fuzz_pump(p.client, p.server);
                fuzz_pump(p.server, p.client);
            }
        fuzz_note("client", p.client);
        fuzz_note("server", p.server);
        fuzz_after_feed(p.client);
        fuzz_after_feed(p.server);
    }
    tls_conn_free(p.client);
    tls_conn_free(p.server);
    free(text);
    return 0;
}
