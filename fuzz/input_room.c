/* tls_conn_input_room / tls_conn_input_commit (review43e): the Lua binding
 * receives from its socket straight into the engine's input buffer. This
 * program (built beside the fuzz replay programs, with AddressSanitizer and
 * UBSan; spec/review43e_spec.lua) checks the engine's side of that bargain,
 * looking inside the connection where the API shows nothing:
 * - records delivered in pieces of 1 to 7 bytes, then in the binding's
 *   reads, give the data byte for byte and the peer's close_notify; the
 *   buffer never grows past TLS_INPUT_MAX (moving its unprocessed bytes to
 *   the front instead), the room never lets unprocessed input pass it,
 *   and once all is processed the buffer is released (idle connections
 *   keep none);
 * - committing 0 on an empty buffer releases it;
 * - while the application does not read, input fed in one go past the
 *   limit is taken in (tls_conn_feed) but the room is refused, and as the
 *   application reads, the room never lets unprocessed input pass it;
 * - committing more than the room fails the connection, with the reason;
 * - where tls_conn_feed would store nothing (failed, a client not started,
 *   a cancelled handshake) there is no room;
 * - a record altered midway, in pieces, fails at its end with
 *   bad_record_mac, as tls_conn_feed does.
 * Prints one line per case and "input_room: N problem(s)"; exits 1 if any. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "harness.h"

/* The binding's read size (csrc/lua/lua_conn.c RECV_CHUNK). */
#define BINDING_MIN (TLS_MAX_CIPHERTEXT + TLS_RECORD_HEADER_LEN + 1024)

static const char *case_name = "";

static void problem(const char *what) { harness_problem("input_room: %s: %s", case_name, what); }

/* What must hold after every call. */
static void check_bounds(const tls_conn *c, size_t room, int fed_by_room_only)
{
    size_t held = c->in.len - c->in_off;
    if (c->in_off > c->in.len || (c->in.len > 0 && c->in_off == c->in.len))
        problem("the offset is past the unprocessed input, or left on an empty buffer");
    if (c->in_off > TLS_INPUT_MAX)
        problem("the offset passed TLS_INPUT_MAX");
    if (room > 0 && held + room > TLS_INPUT_MAX)
        problem("the room lets unprocessed input pass TLS_INPUT_MAX");
    if (fed_by_room_only && c->in.cap > TLS_INPUT_MAX)
        problem("the room grew the buffer past TLS_INPUT_MAX");
}

static size_t drain(tls_conn *c, uint8_t *into, size_t cap)
{
    const uint8_t *data;
    size_t n, got = 0;
    while ((n = tls_conn_app_data(c, &data)) > 0) {
        if (into != NULL && got + n <= cap)
            memcpy(into + got, data, n);
        got += n;
        tls_conn_app_data_done(c, n);
    }
    return got;
}

static int connect_pair(tls_config *ccfg, tls_conn **client, tls_conn **server)
{
    fuzz_rng_reset();
    *client = tls_conn_new(ccfg);
    *server = tls_conn_new(fuzz_server_config(FUZZ_KEY_EC));
    if (*client == NULL || *server == NULL || tls_conn_set_server_name(*client, "localhost") != 0
        || tls_conn_start(*client) != 0) {
        problem("could not start a connection");
        return -1;
    }
    for (int round = 0; round < 12 && (harness_move(*client, *server) | harness_move(*server, *client)); round++) {
        drain(*client, NULL, 0);
        drain(*server, NULL, 0);
    }
    if (!harness_is(*client, TLS_STATUS_HANDSHAKE_DONE) || !harness_is(*server, TLS_STATUS_HANDSHAKE_DONE)) {
        problem("the handshake did not complete");
        return -1;
    }
    return 0;
}

/* Delivers n bytes to c through the room, in pieces (piece 0: the largest
 * the room allows); returns -1 as soon as a commit does. */
static int deliver(tls_conn *c, const uint8_t *p, size_t n, size_t min, size_t piece, uint8_t *plain, size_t cap,
                   size_t *got)
{
    size_t turn = 0;
    while (n > 0) {
        size_t room = 0;
        uint8_t *dst = tls_conn_input_room(c, min, &room);
        if (dst == NULL || room < min) {
            problem("no room where the connection takes input");
            return -1;
        }
        check_bounds(c, room, 1);
        size_t k = piece ? 1 + turn++ % piece : BINDING_MIN;
        if (k > room)
            k = room;
        if (k > n)
            k = n;
        memcpy(dst, p, k);
        int rc = tls_conn_input_commit(c, k);
        check_bounds(c, 0, 1);
        p += k;
        n -= k;
        *got += drain(c, plain + *got, cap - *got);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static void pieces_case(const char *name, tls_config *ccfg, size_t min, size_t piece)
{
    case_name = name;
    tls_conn *client = NULL, *server = NULL;
    size_t len = 3 * TLS_MAX_PLAINTEXT + 4321;
    uint8_t *data = malloc(len), *plain = malloc(len);
    if (data == NULL || plain == NULL || connect_pair(ccfg, &client, &server) != 0)
        goto out;
    for (size_t i = 0; i < len; i++)
        data[i] = (uint8_t)(i * 7 + i / 251);
    /* Several writes: records of different sizes, then the close. */
    if (tls_conn_write(client, data, 1000) != 0 || tls_conn_write(client, data + 1000, len - 1000) != 0) {
        problem("the write failed");
        goto out;
    }
    tls_conn_close(client);
    const uint8_t *wire;
    size_t n = tls_conn_output(client, &wire);
    size_t got = 0;
    if (deliver(server, wire, n, min, piece, plain, len, &got) != 0)
        problem("a commit failed");
    tls_conn_output_done(client, n);
    if (got != len || memcmp(plain, data, len) != 0)
        problem("the data did not come through byte for byte");
    if (!harness_is(server, TLS_STATUS_PEER_CLOSED))
        problem("the close_notify was not seen");
    if (server->in.data != NULL || server->in.len != 0 || server->in_off != 0)
        problem("the input buffer is kept with nothing in it");
    printf("input_room: %-34s %zu bytes in, %zu out\n", name, n, got);
out:
    free(data);
    free(plain);
    tls_conn_free(client);
    tls_conn_free(server);
}

/* Input past the limit, fed while the application does not read; then the
 * application reads it record by record. */
static void backlog_case(tls_config *ccfg)
{
    case_name = "backlog";
    tls_conn *client = NULL, *server = NULL;
    size_t len = 12 * TLS_MAX_PLAINTEXT;
    uint8_t *data = calloc(1, len);
    if (data == NULL || connect_pair(ccfg, &client, &server) != 0)
        goto out;
    if (tls_conn_write(client, data, len) != 0) {
        problem("the write failed");
        goto out;
    }
    const uint8_t *wire;
    size_t n = tls_conn_output(client, &wire);
    if (tls_conn_feed(server, wire, n) != 0)
        problem("the feed failed");
    tls_conn_output_done(client, n);
    size_t room = 1;
    if (tls_conn_input_room(server, 1, &room) != NULL || room != 0)
        problem("room given with more than TLS_INPUT_MAX unprocessed");
    size_t got = 0, refused = 0, given = 0;
    const uint8_t *p;
    while ((n = tls_conn_app_data(server, &p)) > 0) {
        size_t take = n < 5000 ? n : 5000;
        tls_conn_app_data_done(server, take);
        got += take;
        check_bounds(server, 0, 0);
        uint8_t *dst = tls_conn_input_room(server, 1, &room);
        check_bounds(server, room, 0);
        if (dst == NULL) {
            refused++;
        } else {
            given++;
            if (tls_conn_input_commit(server, 0) != 0)
                problem("committing nothing failed");
        }
    }
    if (got != len)
        problem("the data did not all come through");
    if (refused == 0 || given == 0)
        problem("the room was never refused, or never given, as the backlog went down");
    if (server->in.data != NULL)
        problem("the input buffer is kept with nothing in it");
    printf("input_room: %-34s refused %zu times, given %zu\n", case_name, refused, given);
out:
    free(data);
    tls_conn_free(client);
    tls_conn_free(server);
}

static void misuse_cases(tls_config *ccfg)
{
    tls_conn *client = NULL, *server = NULL;
    size_t room = 0;

    case_name = "idle";
    server = tls_conn_new(fuzz_server_config(FUZZ_KEY_EC));
    if (server == NULL || tls_conn_input_room(server, BINDING_MIN, &room) == NULL || room < BINDING_MIN)
        problem("no room on a fresh server");
    if (tls_conn_input_commit(server, 0) != 0 || server->in.data != NULL || server->in.cap != 0)
        problem("committing nothing kept the empty buffer");
    if (tls_conn_input_room(server, TLS_INPUT_MAX + 1, &room) != NULL)
        problem("room past TLS_INPUT_MAX given");
    if (tls_conn_input_room(server, 0, &room) != NULL)
        problem("room for nothing given");
    if (tls_conn_input_commit(server, 1) != -1 || !harness_is(server, TLS_STATUS_FAILED))
        problem("a commit with no room given did not fail");
    tls_conn_free(server);

    case_name = "over-commit";
    server = tls_conn_new(fuzz_server_config(FUZZ_KEY_EC));
    uint8_t *dst = server ? tls_conn_input_room(server, 10, &room) : NULL;
    if (dst == NULL) {
        problem("no room on a fresh server");
    } else {
        if (tls_conn_input_commit(server, room + 1) != -1 || !harness_is(server, TLS_STATUS_FAILED))
            problem("committing more than the room did not fail");
        const tls_error *e = tls_conn_error(server);
        if (e == NULL || !e->set || strstr(e->reason, "more input committed than the room given") == NULL)
            problem("the failure does not say why");
        if (tls_conn_input_room(server, 10, &room) != NULL || room != 0)
            problem("room given on a failed connection");
        if (tls_conn_input_commit(server, 0) != -1)
            problem("a failed connection's commit did not say so");
    }
    tls_conn_free(server);

    case_name = "refused";
    client = tls_conn_new(ccfg);
    if (client == NULL || tls_conn_input_room(client, 10, &room) != NULL)
        problem("room given to a client not started");
    tls_conn_free(client);
    client = tls_conn_new(ccfg);
    if (client == NULL || tls_conn_set_server_name(client, "localhost") != 0 || tls_conn_start(client) != 0)
        problem("could not start a client");
    else {
        tls_conn_close(client); /* a cancelled handshake takes no more input */
        if (tls_conn_input_room(client, 10, &room) != NULL)
            problem("room given in a cancelled handshake");
    }
    tls_conn_free(client);
    printf("input_room: %-34s checked\n", "idle, over-commit, refused");
}

static void altered_case(tls_config *ccfg)
{
    case_name = "altered";
    tls_conn *client = NULL, *server = NULL;
    uint8_t data[3000];
    memset(data, 'z', sizeof data);
    if (connect_pair(ccfg, &client, &server) != 0)
        goto out;
    if (tls_conn_write(client, data, sizeof data) != 0 || tls_conn_write(client, data, sizeof data) != 0) {
        problem("the write failed");
        goto out;
    }
    const uint8_t *wire;
    size_t n = tls_conn_output(client, &wire);
    uint8_t *copy = malloc(n);
    if (copy == NULL)
        goto out;
    memcpy(copy, wire, n);
    size_t second = n / 2; /* two records of the same size */
    copy[second + 1000] ^= 1;
    size_t got = 0;
    uint8_t plain[2 * sizeof data];
    int rc = deliver(server, copy, n, 1, 5, plain, sizeof plain, &got);
    free(copy);
    const tls_error *e = tls_conn_error(server);
    if (rc != -1 || !harness_is(server, TLS_STATUS_FAILED) || e == NULL || e->alert != TLS_ALERT_BAD_RECORD_MAC)
        problem("the altered record did not fail with bad_record_mac");
    if (got != sizeof data)
        problem("the record before the altered one was not delivered whole");
    size_t room = 0;
    if (tls_conn_input_room(server, 1, &room) != NULL)
        problem("room given after the failure");
    if (server->in.data != NULL)
        problem("the failed connection kept its input buffer");
    printf("input_room: %-34s failed after %zu bytes\n", case_name, got);
out:
    tls_conn_free(client);
    tls_conn_free(server);
}

int main(void)
{
    fuzz_setup();
    pieces_case("tls13 pieces of 1..7 bytes", fuzz_client_config(0), 1, 7);
    pieces_case("tls13 reads as the binding's", fuzz_client_config(0), BINDING_MIN, 0);
    pieces_case("tls13 pieces of 1..3000 bytes", fuzz_client_config(2), BINDING_MIN, 3000);
    pieces_case("tls12 pieces of 1..7 bytes", fuzz_client_config12(0), 1, 7);
    pieces_case("tls12 reads as the binding's", fuzz_client_config12(0), BINDING_MIN, 0);
    backlog_case(fuzz_client_config(0));
    misuse_cases(fuzz_client_config(0));
    altered_case(fuzz_client_config(0));
    printf("input_room: %d problem(s)\n", harness_problems);
    return harness_problems ? 1 : 0;
}
