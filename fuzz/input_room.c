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
 *   keep none); the room is between the least read and the read asked
 *   for, and the buffer never holds more than one record of the largest
 *   size and one read (review44d), a record partly received included;
 * - committing 0 on an empty buffer releases it;
 * - while the application does not read, input fed in one go past the
 *   limit is taken in (tls_conn_feed) but the room is refused, and as the
 *   application reads, the room never lets unprocessed input pass it;
 * - committing more than the room fails the connection, with the reason;
 * - where tls_conn_feed would store nothing (failed, a client not started,
 *   a cancelled handshake) there is no room;
 * - a record altered midway, in pieces, fails at its end with
 *   bad_record_mac, as tls_conn_feed does;
 * - a room that a read (records held back, then processed: the buffer
 *   freed) or a failure took back cannot be committed into (review44a);
 * - whole conversations through the room, both ways, in pieces of 1 to 7
 *   bytes and in the binding's reads: the handshake (plaintext records and
 *   the first protected ones in one buffer), a HelloRetryRequest, TLS 1.2,
 *   client certificates and OCSP, resumption, 0-RTT data with its key
 *   change at EndOfEarlyData, a KeyUpdate with data on both sides of it,
 *   and both close_notify (review44a);
 * - a turn ending mid-record (nothing more to read) keeps a buffer the
 *   size of the bytes held, not of a whole read (review44a).
 * Prints one line per case and "input_room: N problem(s)"; exits 1 if any. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "harness.h"

/* The binding's read size and the least room it reads into
 * (csrc/lua/lua_conn.c RECV_CHUNK, RECV_MIN). */
#define BINDING_READ (TLS_MAX_CIPHERTEXT + TLS_RECORD_HEADER_LEN + 1024)
#define BINDING_MIN 4096
/* What the input buffer may hold while records arrive (review44d): one
 * record of the largest size and one read. */
#define HELD_BOUND (TLS_RECORD_WIRE_MAX + BINDING_READ)

static const char *case_name = "";

static void problem(const char *what) { harness_problem("input_room: %s: %s", case_name, what); }

/* Most the input buffer held in any case so far. */
static size_t most_held;

/* What must hold after every call. */
static void check_bounds(const tls_conn *c, size_t room, int fed_by_room_only)
{
    if (c->in.cap > most_held)
        most_held = c->in.cap;
    size_t held = c->in.len - c->in_off;
    if (c->in_off > c->in.len || (c->in.len > 0 && c->in_off == c->in.len))
        problem("the offset is past the unprocessed input, or left on an empty buffer");
    if (c->in_off > TLS_INPUT_MAX)
        problem("the offset passed TLS_INPUT_MAX");
    if (c->in.len > 0 && c->in.data == NULL)
        problem("the buffer counts bytes it has no storage for");
    if (room > 0 && held + room > TLS_INPUT_MAX)
        problem("the room lets unprocessed input pass TLS_INPUT_MAX");
    if (fed_by_room_only && c->in.cap > TLS_INPUT_MAX)
        problem("the room grew the buffer past TLS_INPUT_MAX");
    if (room > BINDING_READ)
        problem("the room is larger than the read asked for");
    /* Records are processed as they complete: less than one waits. */
    if (fed_by_room_only && c->in.cap > HELD_BOUND)
        problem("the buffer holds more than one record of the largest size and one read");
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

/* A client and a server not started, the same random bytes in every run. */
static int new_pair(tls_config *ccfg, tls_config *scfg, tls_conn **client, tls_conn **server)
{
    fuzz_rng_reset();
    *client = tls_conn_new(ccfg);
    *server = tls_conn_new(scfg);
    if (*client == NULL || *server == NULL || tls_conn_set_server_name(*client, "localhost") != 0) {
        problem("could not make the connections");
        return -1;
    }
    return 0;
}

static int connect_pair(tls_config *ccfg, tls_conn **client, tls_conn **server)
{
    if (new_pair(ccfg, fuzz_server_config(FUZZ_KEY_EC), client, server) != 0)
        return -1;
    if (tls_conn_start(*client) != 0) {
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

/* A connected pair whose client has written len bytes of data: in one
 * write, or in two split at `split` (records of two sizes). */
static int connect_and_write(tls_config *ccfg, tls_conn **client, tls_conn **server, const uint8_t *data,
                             size_t len, size_t split)
{
    if (connect_pair(ccfg, client, server) != 0)
        return -1;
    if ((split > 0 && tls_conn_write(*client, data, split) != 0) ||
        tls_conn_write(*client, data + split, len - split) != 0) {
        problem("the write failed");
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
        uint8_t *dst = tls_conn_input_room(c, min, BINDING_READ, &room);
        if (dst == NULL || room < min) {
            problem("no room where the connection takes input");
            return -1;
        }
        check_bounds(c, room, 1);
        size_t k = piece ? 1 + turn++ % piece : BINDING_READ;
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
    if (data == NULL || plain == NULL)
        goto out;
    for (size_t i = 0; i < len; i++)
        data[i] = (uint8_t)(i * 7 + i / 251);
    /* Several writes: records of different sizes, then the close. */
    if (connect_and_write(ccfg, &client, &server, data, len, 1000) != 0)
        goto out;
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

/* A record of the largest size partly received, after a whole one, in the
 * binding's reads (review44d): between calls the buffer holds at most that
 * record and one read, where doubling made it 64 KiB. Then the next read's
 * room, asked for with min bytes at least (min as the binding's read: the
 * buffer must grow, to that bound and no more). */
static void half_record_case(tls_config *ccfg, const char *name, size_t part, size_t min)
{
    case_name = name;
    tls_conn *client = NULL, *server = NULL;
    size_t len = 2 * TLS_MAX_PLAINTEXT;
    uint8_t *data = calloc(1, len), *plain = malloc(len);
    if (data == NULL || plain == NULL || connect_and_write(ccfg, &client, &server, data, len, 0) != 0)
        goto out;
    most_held = 0;
    const uint8_t *wire;
    size_t n = tls_conn_output(client, &wire);
    size_t record = n / 2, got = 0; /* two records of the largest size */
    if (part >= record) {
        problem("the part is not less than a record");
        goto out;
    }
    if (deliver(server, wire, record + part, min, 0, plain, len, &got) != 0)
        problem("a commit failed");
    tls_conn_output_done(client, n);
    size_t room = 0;
    if (tls_conn_input_room(server, min, BINDING_READ, &room) == NULL || room < min)
        problem("no room for the next read");
    check_bounds(server, room, 1);
    if (tls_conn_input_commit(server, 0) != 0)
        problem("committing nothing failed");
    if (got != TLS_MAX_PLAINTEXT || server->in.len - server->in_off != part)
        problem("not one record delivered and the part of the next held");
    printf("input_room: %-34s %zu of %zu held in at most %zu bytes (bound %d)\n", name, part, record, most_held,
           HELD_BOUND);
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
    if (data == NULL || connect_and_write(ccfg, &client, &server, data, len, 0) != 0)
        goto out;
    const uint8_t *wire;
    size_t n = tls_conn_output(client, &wire);
    if (tls_conn_feed(server, wire, n) != 0)
        problem("the feed failed");
    tls_conn_output_done(client, n);
    size_t room = 1;
    if (tls_conn_input_room(server, 1, BINDING_READ, &room) != NULL || room != 0)
        problem("room given with more than TLS_INPUT_MAX unprocessed");
    size_t got = 0, refused = 0, given = 0;
    const uint8_t *p;
    while ((n = tls_conn_app_data(server, &p)) > 0) {
        size_t take = n < 5000 ? n : 5000;
        tls_conn_app_data_done(server, take);
        got += take;
        check_bounds(server, 0, 0);
        uint8_t *dst = tls_conn_input_room(server, 1, BINDING_READ, &room);
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
    if (server == NULL || tls_conn_input_room(server, BINDING_MIN, BINDING_READ, &room) == NULL
        || room != BINDING_READ || server->in.cap != BINDING_READ)
        problem("a fresh server's room is not one read");
    if (tls_conn_input_commit(server, 0) != 0 || server->in.data != NULL || server->in.cap != 0)
        problem("committing nothing kept the empty buffer");
    if (tls_conn_input_room(server, TLS_INPUT_MAX + 1, TLS_INPUT_MAX + 1, &room) != NULL)
        problem("room past TLS_INPUT_MAX given");
    if (tls_conn_input_room(server, 0, BINDING_READ, &room) != NULL)
        problem("room for nothing given");
    if (tls_conn_input_room(server, 10, 9, &room) != NULL)
        problem("room given with min above max");
    if (tls_conn_input_commit(server, 1) != -1 || !harness_is(server, TLS_STATUS_FAILED))
        problem("a commit with no room given did not fail");
    tls_conn_free(server);

    case_name = "over-commit";
    server = tls_conn_new(fuzz_server_config(FUZZ_KEY_EC));
    uint8_t *dst = server ? tls_conn_input_room(server, 10, 10, &room) : NULL;
    if (dst == NULL) {
        problem("no room on a fresh server");
    } else {
        if (tls_conn_input_commit(server, room + 1) != -1 || !harness_is(server, TLS_STATUS_FAILED))
            problem("committing more than the room did not fail");
        const tls_error *e = tls_conn_error(server);
        if (e == NULL || !e->set || strstr(e->reason, "more input committed than the room given") == NULL)
            problem("the failure does not say why");
        if (tls_conn_input_room(server, 10, 10, &room) != NULL || room != 0)
            problem("room given on a failed connection");
        if (tls_conn_input_commit(server, 0) != -1)
            problem("a failed connection's commit did not say so");
    }
    tls_conn_free(server);

    case_name = "refused";
    client = tls_conn_new(ccfg);
    if (client == NULL || tls_conn_input_room(client, 10, 10, &room) != NULL)
        problem("room given to a client not started");
    tls_conn_free(client);
    client = tls_conn_new(ccfg);
    if (client == NULL || tls_conn_set_server_name(client, "localhost") != 0 || tls_conn_start(client) != 0)
        problem("could not start a client");
    else {
        tls_conn_close(client); /* a cancelled handshake takes no more input */
        if (tls_conn_input_room(client, 10, 10, &room) != NULL)
            problem("room given in a cancelled handshake");
    }
    tls_conn_free(client);
    printf("input_room: %-34s checked\n", "idle, over-commit, refused");
}

static void altered_case(tls_config *ccfg)
{
    case_name = "altered";
    tls_conn *client = NULL, *server = NULL;
    uint8_t data[2 * 3000]; /* two records of the same size */
    memset(data, 'z', sizeof data);
    if (connect_and_write(ccfg, &client, &server, data, sizeof data, sizeof data / 2) != 0)
        goto out;
    const uint8_t *wire;
    size_t n = tls_conn_output(client, &wire);
    uint8_t *copy = malloc(n);
    if (copy == NULL)
        goto out;
    memcpy(copy, wire, n);
    size_t second = n / 2;
    copy[second + 1000] ^= 1;
    size_t got = 0;
    uint8_t plain[sizeof data];
    int rc = deliver(server, copy, n, 1, 5, plain, sizeof plain, &got);
    free(copy);
    const tls_error *e = tls_conn_error(server);
    if (rc != -1 || !harness_is(server, TLS_STATUS_FAILED) || e == NULL || e->alert != TLS_ALERT_BAD_RECORD_MAC)
        problem("the altered record did not fail with bad_record_mac");
    if (got != sizeof data / 2)
        problem("the record before the altered one was not delivered whole");
    size_t room = 0;
    if (tls_conn_input_room(server, 1, 1, &room) != NULL)
        problem("room given after the failure");
    if (server->in.data != NULL)
        problem("the failed connection kept its input buffer");
    printf("input_room: %-34s failed after %zu bytes\n", case_name, got);
out:
    tls_conn_free(client);
    tls_conn_free(server);
}

/* A room taken back before its commit: records held back (the
 * application not reading) are processed when it reads, which frees the
 * buffer the room was in; a record failing there frees it too. The commit
 * must fail, not count bytes that were never stored (the test writes
 * nothing into the stale room: a caller that did wrote into freed memory). */
static int refuse_all(void *ud, const tls_trace_event *ev, char *reason, size_t size)
{
    (void)ud;
    (void)ev;
    snprintf(reason, size, "refused by the test");
    return 1;
}

/* A room taken back by a failure outside reading: the KeyUpdate's trace
 * event refused, which fails the connection and frees its buffers. */
static void stale_fail_case(tls_config *ccfg)
{
    case_name = "stale room, key update failing";
    tls_conn *client = NULL, *server = NULL;
    if (connect_pair(ccfg, &client, &server) != 0)
        goto out;
    size_t room = 0;
    if (tls_conn_input_room(server, 1, BINDING_READ, &room) == NULL) {
        problem("no room on a connected server");
        goto out;
    }
    tls_conn_set_trace(server, refuse_all, NULL);
    if (tls_conn_key_update(server, 0) != -1 || !harness_is(server, TLS_STATUS_FAILED)) {
        problem("the refused KeyUpdate did not fail the connection");
        goto out;
    }
    if (tls_conn_input_commit(server, 1) != -1)
        problem("a commit into a room taken back did not fail");
    check_bounds(server, 0, 0);
    if (server->in.len != 0 || server->in.data != NULL)
        problem("a commit into a room taken back was counted");
    printf("input_room: %-34s checked\n", case_name);
out:
    tls_conn_free(client);
    tls_conn_free(server);
}

static void stale_case(tls_config *ccfg, int altered)
{
    case_name = altered ? "stale room, held record failing" : "stale room, buffer freed";
    tls_conn *client = NULL, *server = NULL;
    size_t len = 5 * TLS_MAX_PLAINTEXT; /* four fill the plaintext buffer, one is held back */
    uint8_t *data = calloc(1, len);
    if (data == NULL || connect_and_write(ccfg, &client, &server, data, len, 0) != 0)
        goto out;
    const uint8_t *wire;
    size_t n = tls_conn_output(client, &wire);
    uint8_t *copy = malloc(n);
    if (copy == NULL)
        goto out;
    memcpy(copy, wire, n);
    tls_conn_output_done(client, n);
    if (altered)
        copy[n - 100] ^= 1; /* inside the last record, the one held back */
    int rc = tls_conn_feed(server, copy, n);
    free(copy);
    if (rc != 0 || server->in.len == 0) {
        problem("no record was held back");
        goto out;
    }
    size_t room = 0;
    if (tls_conn_input_room(server, 1, BINDING_READ, &room) == NULL) {
        problem("no room with a record held back");
        goto out;
    }
    drain(server, NULL, 0); /* processes the held record: frees the buffer, or fails */
    check_bounds(server, 0, 0);
    if (altered != harness_is(server, TLS_STATUS_FAILED))
        problem(altered ? "the altered record did not fail" : "the connection failed");
    if (server->in.data != NULL)
        problem("the buffer was kept after its records were processed");
    if (tls_conn_input_commit(server, 1) != -1 || !harness_is(server, TLS_STATUS_FAILED))
        problem("a commit into a room taken back did not fail");
    check_bounds(server, 0, 0);
    if (server->in.len != 0 || server->in.data != NULL)
        problem("a commit into a room taken back was counted");
    printf("input_room: %-34s checked\n", case_name);
out:
    free(data);
    tls_conn_free(client);
    tls_conn_free(server);
}

/* A turn that ends mid-record (the read would block): the few bytes held
 * keep a buffer their size, not the room of a whole read, for as long as
 * the peer waits (review44a: 32 KiB for a peer's 3 bytes). */
static void idle_partial_case(tls_config *ccfg)
{
    case_name = "idle with 3 bytes of a record";
    tls_conn *client = NULL, *server = NULL;
    uint8_t data[2000], plain[sizeof data];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 11);
    if (connect_and_write(ccfg, &client, &server, data, sizeof data, 1000) != 0)
        goto out;
    const uint8_t *wire;
    size_t n = tls_conn_output(client, &wire), got = 0;
    /* The first record and 3 bytes of the second, in one read: the 3 are
     * past the offset of the record processed. */
    size_t first = n / 2 + 3;
    if (deliver(server, wire, first, BINDING_MIN, 0, plain, sizeof plain, &got) != 0 || got != 1000)
        problem("the first record did not come through");
    size_t room = 0;
    if (tls_conn_input_room(server, BINDING_MIN, BINDING_READ, &room) == NULL) {
        problem("no room with a partial record");
        goto out;
    }
    if (tls_conn_input_commit(server, 0) != 0) /* the read would block */
        problem("committing nothing failed");
    check_bounds(server, 0, 0);
    size_t held = server->in.cap;
    if (server->in.len - server->in_off != 3 || held > 4096)
        problem("an idle connection keeps more than 4 KiB for 3 bytes of a record");
    if (deliver(server, wire + first, n - first, BINDING_MIN, 0, plain, sizeof plain, &got) != 0 || got != sizeof data ||
        memcmp(plain, data, sizeof data) != 0)
        problem("the record did not come through whole after the wait");
    tls_conn_output_done(client, n);
    printf("input_room: %-34s %zu bytes held\n", case_name, held);
out:
    tls_conn_free(client);
    tls_conn_free(server);
}

/* A commit from inside the engine's own callback: the records being
 * processed live in the buffer a commit of 0 may trim (free), so it is
 * refused like every input call there (review44g). */
typedef struct {
    tls_conn *c;
    int called, rc;
    const uint8_t *data_before, *data_after;
} inside_commit;

static int commit_inside(void *ud, const tls_trace_event *ev, char *reason, size_t size)
{
    (void)reason;
    (void)size;
    inside_commit *t = ud;
    if (strcmp(ev->direction, "receive") != 0 || strcmp(ev->message, "KeyUpdate") != 0)
        return 0;
    t->called++;
    t->data_before = t->c->in.data;
    t->rc = tls_conn_input_commit(t->c, 0);
    t->data_after = t->c->in.data;
    return 0;
}

static void callback_commit_case(tls_config *ccfg)
{
    case_name = "commit inside a callback";
    tls_conn *client = NULL, *server = NULL;
    uint8_t data[1000] = { 0 }, plain[2 * sizeof data];
    if (connect_pair(ccfg, &client, &server) != 0)
        goto out;
    if (tls_conn_write(client, data, sizeof data) != 0 || tls_conn_key_update(client, 0) != 0 ||
        tls_conn_write(client, data, sizeof data) != 0) {
        problem("the writes failed");
        goto out;
    }
    const uint8_t *wire;
    size_t n = tls_conn_output(client, &wire), got = 0;
    inside_commit t = { server, 0, 0, NULL, NULL };
    tls_conn_set_trace(server, commit_inside, &t);
    /* Everything but the last 3 bytes in one read: the KeyUpdate is
     * processed with a small part of a record behind it. */
    if (deliver(server, wire, n - 3, BINDING_MIN, 0, plain, sizeof plain, &got) != 0)
        problem("the records did not come through");
    if (t.called != 1)
        problem("the KeyUpdate's trace event did not come");
    else if (t.rc != -1 || t.data_after != t.data_before)
        problem("a commit inside a callback was taken (and could free the records being processed)");
    tls_conn_set_trace(server, NULL, NULL);
    if (deliver(server, wire + n - 3, 3, BINDING_MIN, 0, plain, sizeof plain, &got) != 0 || got != sizeof plain)
        problem("the data did not come through whole");
    tls_conn_output_done(client, n);
    printf("input_room: %-34s checked\n", case_name);
out:
    tls_conn_free(client);
    tls_conn_free(server);
}

/* What a conversation's side has received: its 0-RTT data, then its data. */
typedef struct {
    uint8_t *data;
    size_t len, cap;
} received;

static void take_all(tls_conn *c, received *r)
{
    const uint8_t *data;
    size_t n;
    while ((n = tls_conn_early_data(c, &data)) > 0) {
        if (r->len + n <= r->cap)
            memcpy(r->data + r->len, data, n);
        r->len += n;
        tls_conn_early_data_done(c, n);
    }
    while ((n = tls_conn_app_data(c, &data)) > 0) {
        if (r->len + n <= r->cap)
            memcpy(r->data + r->len, data, n);
        r->len += n;
        tls_conn_app_data_done(c, n);
    }
}

/* from's output into to through the room, in pieces of 1..piece bytes (0:
 * the binding's reads), taking what to decrypts as it comes; 1 if there
 * was any. */
static int move_room(tls_conn *from, tls_conn *to, size_t piece, received *r)
{
    const uint8_t *wire;
    size_t n = tls_conn_output(from, &wire);
    if (n == 0 || harness_is(to, TLS_STATUS_FAILED))
        return 0;
    size_t pos = 0, turn = 0;
    while (pos < n && !harness_is(to, TLS_STATUS_FAILED)) {
        size_t room = 0;
        uint8_t *dst = tls_conn_input_room(to, piece ? 1 : BINDING_MIN, BINDING_READ, &room);
        if (dst == NULL) {
            problem("no room where the connection takes input");
            break;
        }
        check_bounds(to, room, 1);
        size_t k = piece ? 1 + turn++ % piece : BINDING_MIN;
        if (k > room)
            k = room;
        if (k > n - pos)
            k = n - pos;
        memcpy(dst, wire + pos, k);
        pos += k;
        if (tls_conn_input_commit(to, k) != 0)
            problem("a commit failed");
        check_bounds(to, 0, 1);
        take_all(to, r);
    }
    tls_conn_output_done(from, n);
    return 1;
}

static void exchange_room(tls_conn *a, tls_conn *b, size_t piece, received *ra, received *rb)
{
    for (int round = 0; round < 16; round++)
        if (!(move_room(a, b, piece, rb) | move_room(b, a, piece, ra)))
            break;
}

typedef struct {
    const char *name;
    tls_config *(*client)(void);
    tls_config *(*server)(void);
    int session; /* enum fuzz_session, or -1 */
} conversation;

static tls_config *client13(void) { return fuzz_client_config(0); }
static tls_config *client12(void) { return fuzz_client_config12(0); }
static tls_config *client_full13(void) { return fuzz_client_full_config(0); }
static tls_config *client_full12(void) { return fuzz_client_full_config12(0); }
static tls_config *client_resume13(void) { return fuzz_session_client_config(FUZZ_SESSION_13); }
static tls_config *client_resume12(void) { return fuzz_session_client_config(FUZZ_SESSION_12); }
static tls_config *client_early13(void) { return fuzz_session_client_config(FUZZ_SESSION_13_EARLY); }
static tls_config *server_ec(void) { return fuzz_server_config(FUZZ_KEY_EC); }

static const conversation conversations[] = {
    { "tls13", client13, server_ec, -1 },
    { "tls13 hello retry", client13, fuzz_server_hrr_config, -1 },
    { "tls12", client12, server_ec, -1 },
    { "tls13 client cert, ocsp, tickets", client_full13, fuzz_server_full_config, -1 },
    { "tls12 client cert, ocsp, ticket", client_full12, fuzz_server_full_config, -1 },
    { "tls13 resumed", client_resume13, fuzz_server_full_config, FUZZ_SESSION_13 },
    { "tls12 resumed", client_resume12, fuzz_server_full_config, FUZZ_SESSION_12 },
    { "tls13 0-rtt", client_early13, fuzz_server_full_config, FUZZ_SESSION_13_EARLY },
};

static void conversation_case(const conversation *cv, size_t piece)
{
    char name[80];
    snprintf(name, sizeof name, "%s, pieces of %s", cv->name, piece ? "1..7" : "binding's size");
    case_name = name;
    static const char early[] = "GET /early HTTP/1.0\r\n\r\n";
    size_t big = 2 * TLS_MAX_PLAINTEXT + 777; /* on each side of the KeyUpdate */
    size_t want_len = sizeof early - 1 + 2 * big;
    uint8_t *want = malloc(want_len), *got_s = malloc(want_len), *got_c = malloc(want_len);
    received rs = { got_s, 0, want_len }, rc = { got_c, 0, want_len };
    tls_conn *client = NULL, *server = NULL;
    char why[256];
    if (want == NULL || got_s == NULL || got_c == NULL)
        goto out;
    if (new_pair(cv->client(), cv->server(), &client, &server) != 0)
        goto out;
    fuzz_use_store(server);
    size_t early_len = 0;
    if (cv->session >= 0) {
        const tls_buf *text = fuzz_session((enum fuzz_session)cv->session);
        if (text == NULL ||
            tls_conn_set_session(client, (const char *)text->data, text->len, why, sizeof why) != 0) {
            problem("no session to offer");
            goto out;
        }
        if (cv->session == FUZZ_SESSION_13_EARLY) {
            if (tls_conn_write_early(client, (const uint8_t *)early, sizeof early - 1, why, sizeof why) != 0) {
                problem("the early data was refused");
                goto out;
            }
            early_len = sizeof early - 1;
        }
    }
    memcpy(want, early, early_len);
    for (size_t i = 0; i < 2 * big; i++)
        want[early_len + i] = (uint8_t)(i * 13 + i / 509);
    size_t total = early_len + 2 * big;
    if (tls_conn_start(client) != 0) {
        problem("the client did not start");
        goto out;
    }
    exchange_room(client, server, piece, &rc, &rs);
    if (!harness_is(client, TLS_STATUS_HANDSHAKE_DONE) || !harness_is(server, TLS_STATUS_HANDSHAKE_DONE)) {
        problem("the handshake did not complete");
        goto out;
    }
    /* The kept HMAC contexts and their keys' notes go with the handshake,
     * and the keep's room with them: an idle connection holds none
     * (review45e). */
    if (client->hmac_keep != NULL || server->hmac_keep != NULL)
        problem("an HMAC keep is held after the handshake");
    if (cv->session >= 0 && !client->resumed)
        problem("the session was not resumed");
    if (early_len > 0 && server->early_data != 1)
        problem("the early data was not accepted");
    /* Data on both sides of a KeyUpdate each way (the server answers the
     * request), the records of both keys delivered in the same pieces. */
    const uint8_t *data = want + early_len;
    int v13 = client->version == TLS_VERSION_13;
    unsigned epoch_c = client->rd_epoch, epoch_s = server->rd_epoch;
    if (tls_conn_write(client, data, big) != 0 || (v13 && tls_conn_key_update(client, 1) != 0) ||
        tls_conn_write(client, data + big, big) != 0 || tls_conn_write(server, data, big) != 0) {
        problem("a write or the KeyUpdate failed");
        goto out;
    }
    exchange_room(client, server, piece, &rc, &rs);
    if (v13 && (client->rd_epoch != epoch_c + 1 || server->rd_epoch != epoch_s + 1))
        problem("the KeyUpdate and its answer did not each change the reader's keys once");
    if (tls_conn_write(server, data + big, big) != 0) {
        problem("the server's write after the KeyUpdate failed");
        goto out;
    }
    tls_conn_close(client);
    exchange_room(client, server, piece, &rc, &rs);
    tls_conn_close(server);
    exchange_room(client, server, piece, &rc, &rs);
    if (rs.len != total || memcmp(got_s, want, total) != 0)
        problem("the server did not receive the data byte for byte");
    if (rc.len != 2 * big || memcmp(got_c, data, 2 * big) != 0)
        problem("the client did not receive the data byte for byte");
    if (!harness_is(client, TLS_STATUS_PEER_CLOSED) || !harness_is(server, TLS_STATUS_PEER_CLOSED) ||
        harness_is(client, TLS_STATUS_FAILED) || harness_is(server, TLS_STATUS_FAILED))
        problem("the conversation did not end with both close_notify");
    if (client->in.data != NULL || server->in.data != NULL)
        problem("an input buffer is kept with nothing in it");
    printf("input_room: %-48s %zu and %zu bytes\n", name, rs.len, rc.len);
out:
    free(want);
    free(got_s);
    free(got_c);
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
    half_record_case(fuzz_client_config(0), "tls13 half a record", TLS_MAX_PLAINTEXT / 2, BINDING_MIN);
    half_record_case(fuzz_client_config(0), "tls13 a record but its last byte", TLS_MAX_PLAINTEXT + 21, BINDING_MIN);
    half_record_case(fuzz_client_config(0), "tls13 the same, whole reads", TLS_MAX_PLAINTEXT + 21, BINDING_READ);
    half_record_case(fuzz_client_config12(0), "tls12 the same, whole reads", TLS_MAX_PLAINTEXT + 28, BINDING_READ);
    backlog_case(fuzz_client_config(0));
    misuse_cases(fuzz_client_config(0));
    altered_case(fuzz_client_config(0));
    stale_case(fuzz_client_config(0), 0);
    stale_case(fuzz_client_config(0), 1);
    stale_fail_case(fuzz_client_config(0));
    idle_partial_case(fuzz_client_config(0));
    callback_commit_case(fuzz_client_config(0));
    for (size_t i = 0; i < sizeof conversations / sizeof conversations[0]; i++) {
        conversation_case(&conversations[i], 7);
        conversation_case(&conversations[i], 0);
    }
    printf("input_room: %d problem(s)\n", harness_problems);
    return harness_problems ? 1 : 0;
}
