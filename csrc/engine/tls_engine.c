/* The public face of the engine: life cycle, bytes in and out, status.
 * This is also the one place where a recorded error becomes a fatal alert. */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "engine/tls_conn_int.h"
#include "pki/tls_x509.h"
#include "hs/tls_client_cert.h"
#include "hs/tls13_early.h"
#include "hs/tls12_resume_server.h"

tls_conn *tls_conn_new(tls_config *cfg)
{
    if (tls_crypto_init() != 0)
        return NULL;
    tls_conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    tls_config_ref(cfg);
    c->cfg = cfg;
    c->is_server = cfg->is_server;
    c->state = c->is_server ? ST_SERVER_WAIT_CH : ST_CLIENT_START;
    tls_error_clear(&c->err);
    tls_buf_init(&c->in);
    tls_buf_init(&c->out);
    tls_buf_init(&c->app_in);
    tls_buf_init(&c->hs_in);
    tls_buf_init(&c->hs_out);
    tls_buf_init(&c->cookie);
    tls_buf_init(&c->client_share);
    tls_transcript_init(&c->transcript);
    c->send_limit = TLS_MAX_PLAINTEXT;
    c->recv_limit = TLS_MAX_PLAINTEXT + 1;
    if (tls_policy_take(c) != 0) {
        tls_conn_free(c);
        return NULL;
    }
    return c;
}

int tls_policy_take(tls_conn *c)
{
    const tls_config *cfg = c->cfg;
    tls_policy *p = &c->pol;
    memcpy(p->suites, cfg->suites, sizeof p->suites);
    p->n_suites = cfg->n_suites;
    memcpy(p->groups, cfg->groups, sizeof p->groups);
    p->n_groups = cfg->n_groups;
    memcpy(p->sigalgs, cfg->sigalgs, sizeof p->sigalgs);
    p->n_sigalgs = cfg->n_sigalgs;
    p->min_version = cfg->min_version;
    p->max_version = cfg->max_version;
    p->verify = cfg->verify;
    p->verify_chain_only = cfg->verify_chain_only;
    p->require_ems = cfg->require_ems;
    p->security_level = cfg->security_level;
    p->crl_check = cfg->crl_check;
    p->ocsp = cfg->ocsp;
    p->psk_ke = cfg->psk_ke;
    p->record_size_limit = cfg->record_size_limit;
    p->key_update_after = cfg->key_update_after;
    p->sni_strict = cfg->sni_strict;
    p->tickets = cfg->tickets;
    p->ticket_lifetime = cfg->ticket_lifetime;
    p->early_data = cfg->early_data;
    p->max_early_data = cfg->max_early_data;
    memcpy(p->verify_fn_id, cfg->verify_fn_id, sizeof p->verify_fn_id);
    tls_buf_clear(&p->alpn);
    tls_buf_bytes(&p->alpn, cfg->alpn.data, cfg->alpn.len);
    if (!tls_buf_ok(&p->alpn))
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory copying the context's settings");
    return 0;
}

/* Releases what only the handshake needs, once it is over or has failed. */
static void wipe_handshake(tls_conn *c)
{
    if (c->handshake_wiped)
        return;
    c->handshake_wiped = 1;
    tls_hmac_keep_free(&c->hmac_keep);
    tls_kex_free(&c->kex);
    tls_transcript_free(&c->transcript);
    tls_buf_free(&c->cookie);
    tls_buf_free(&c->client_share);
    if (c->status & TLS_STATUS_HANDSHAKE_DONE)
        tls_export_keep(c);
    tls_buf_free(&c->ocsp_staple);
    tls12_state_wipe(c);
    tls_cert_req_free(c);
    /* Only the application traffic secrets live on, for KeyUpdate, and the
     * exporter master secret, for tls_conn_export (wiped at free). */
    OPENSSL_cleanse(c->keys.early, sizeof c->keys.early);
    OPENSSL_cleanse(c->keys.handshake, sizeof c->keys.handshake);
    OPENSSL_cleanse(c->keys.master, sizeof c->keys.master);
    OPENSSL_cleanse(c->keys.client_hs, sizeof c->keys.client_hs);
    OPENSSL_cleanse(c->keys.server_hs, sizeof c->keys.server_hs);
    /* review32b: both Finished are checked by now (post-handshake
     * authentication derives its own key from the traffic secret). */
    OPENSSL_cleanse(c->keys.client_finished_key, sizeof c->keys.client_finished_key);
    OPENSSL_cleanse(c->keys.server_finished_key, sizeof c->keys.server_finished_key);
    c->keys.have_client_finished_key = c->keys.have_server_finished_key = 0;
    /* A TLS 1.3 client keeps the resumption master secret: the server's
     * NewSessionTickets may come at any time (wiped at free). */
    if (c->is_server || c->version != TLS_VERSION_13 || !(c->status & TLS_STATUS_HANDSHAKE_DONE))
        OPENSSL_cleanse(c->keys.resumption, sizeof c->keys.resumption);
    OPENSSL_cleanse(c->keys.client_early, sizeof c->keys.client_early);
    /* A server keeps the early data it received until it is read. */
    if (!c->is_server)
        tls13_early_free(c);
}

/* review32b: once both close_notify have passed no record can follow,
 * so nothing keyed is kept until the connection is collected. */
static void forget_when_closed(tls_conn *c)
{
    unsigned both = TLS_STATUS_CLOSED | TLS_STATUS_PEER_CLOSED;
    if ((c->status & both) == both && !c->secrets_forgotten)
        tls_conn_forget_secrets(c);
}

void tls_conn_free(tls_conn *c)
{
    if (c == NULL)
        return;
    wipe_handshake(c);
    tls_aead_free(&c->rd);
    tls_aead_free(&c->wr);
    tls13_keys_wipe(&c->keys);
    tls_export_forget(c);
    tls_buf_free(&c->in);
    tls_buf_free(&c->hs_in);
    tls_buf_free(&c->hs_out);
    tls_buf_free(&c->out);
    tls_buf_free(&c->app_in);
    tls_buf_free(&c->pol.alpn);
    sk_X509_pop_free(c->peer_chain, X509_free);
    sk_X509_pop_free(c->peer_path, X509_free);
    EVP_PKEY_free(c->peer_key);
    X509_free(c->peer_issuer);
    OPENSSL_free(c->server_name);
    OPENSSL_free(c->alpn);
    OPENSSL_free(c->ocsp);
    tls_resume_forget(c);
    tls13_early_free(c);
    tls_error_release(&c->err);
    tls_config_unref(c->cfg);
    OPENSSL_cleanse(c, sizeof *c);
    free(c);
}

int tls_conn_set_server_name(tls_conn *c, const char *name)
{
    char why[200];
    if (c->is_server || c->state != ST_CLIENT_START)
        return -1;
    /* rfc6066#3: an empty or malformed HostName must not be sent; and an
     * empty name would clear the certificate's host check. */
    if (name != NULL && tls_server_name_problem(name, strlen(name), why, sizeof why) != 0)
        return tls_fail(&c->err, -1, "server name %s", why);
    OPENSSL_free(c->server_name);
    c->server_name = name ? OPENSSL_strdup(name) : NULL;
    return name && c->server_name == NULL ? -1 : 0;
}

void tls_conn_set_trace(tls_conn *c, tls_trace_fn fn, void *ud)
{
    c->trace = fn;
    c->trace_ud = ud;
}

void tls_conn_set_hooks(tls_conn *c, const tls_hooks *hooks, void *ud)
{
    c->hooks = hooks;
    c->hooks_ud = ud;
}

/* The single place that turns a failure into a fatal alert. */
static int fail(tls_conn *c)
{
    if (c->status & TLS_STATUS_FAILED)
        return -1;
    if (!c->err.set)
        tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "internal error");
    c->status |= TLS_STATUS_FAILED;
    if (c->sh_out_marked && !c->wr_protected && c->sh_out_mark <= c->out.len) {
        tls_buf_clear(&c->hs_out);
        c->out.len = c->sh_out_mark;
    }
    /* What was written before the failure goes out first, as it did when
     * every message was its own record. */
    (void)tls_record_flush_handshake(c);
    tls_buf_free(&c->hs_out);
    /* A client whose first ClientHello was never written (too long for its
     * length fields, or no memory to build it): no alert, as for a start
     * problem (review32c F2), or it would be the first bytes the server
     * sees, of a connection it knows nothing of (review42f). */
    if (!c->is_server && c->state == ST_CLIENT_START && c->out.len == 0)
        c->err.alert = -1;
    if (!c->err.from_peer && c->err.alert >= 0 && !(c->status & TLS_STATUS_CLOSED)) {
        /* Whatever was not processed is dropped; the alert is the last record. */
        tls_record_send_alert(c, TLS_ALERT_LEVEL_FATAL, (uint8_t)c->err.alert);
    }
    c->status |= TLS_STATUS_CLOSED;
    c->state = ST_CLOSED;
    wipe_handshake(c);
    tls_conn_forget_secrets(c);
    /* rfc5246#7.2.2: "any connection terminated with a fatal alert MUST NOT
     * be resumed"; rfc8446#6: its tickets' PSKs "SHOULD be discarded". A
     * client hands out no session from here on; a TLS 1.2 server deletes
     * the one its store holds (tickets it sent cannot be taken back). */
    tls_resume_forget(c);
    if (c->is_server)
        tls12_resume_server_unstore(c);
    tls_buf_free(&c->in);
    c->in_off = 0;
    c->in_room = 0; /* a room given before points into the freed buffer */
    tls_buf_free(&c->hs_in);
    return -1;
}

const tls_config *tls_conn_config(const tls_conn *c)
{
    return c->cfg;
}

const char *tls_conn_start_problem(const tls_conn *c)
{
    if (c->is_server)
        return NULL;
    if (c->pol.n_groups == 0 || c->pol.n_suites == 0 || c->pol.n_sigalgs == 0)
        return "no cipher suite, group or signature algorithm configured";
    if (c->pol.verify && c->server_name == NULL)
        return "certificate verification needs a server name (or turn verify off)";
    return NULL;
}

int tls_config_check_hello(tls_config *cfg, tls_error *err)
{
    if (cfg->is_server)
        return 0;
    /* Built for real, not estimated: the hello's size follows every
     * setting (versions, lists, the first group's key share, OCSP). */
    tls_conn *c = tls_conn_new(cfg);
    if (c == NULL)
        return tls_fail(err, -1, "out of memory trying the ClientHello"), -2;
    c->pol.verify = TLS_VERIFY_NONE; /* no name is needed to build it */
    int rc = tls_conn_start(c);
    if (rc != 0) {
        tls_fail(err, -1, "%s", c->err.set ? c->err.reason : "the ClientHello cannot be built");
        /* Only its length condemns the settings: a hello not built for
         * want of memory (or a key) says nothing about the list (review42f). */
        if (!c->hello_too_long)
            rc = -2;
    }
    tls_conn_free(c);
    return rc;
}

static int start(tls_conn *c)
{
    if ((c->status & TLS_STATUS_FAILED) || c->in_callback)
        return -1;
    if (c->is_server)
        return 0;
    const char *problem = tls_conn_start_problem(c);
    if (problem != NULL) {
        /* No alert (review32c F2): no hello went out, so the peer knows of
         * no connection, and the mistake is ours. */
        tls_fail(&c->err, -1, "%s", problem);
        return fail(c);
    }
    return tls_client_start(c) == 0 ? 0 : fail(c);
}

/* Moves the unprocessed input to the front of its buffer. */
static void compact_input(tls_conn *c)
{
    if (c->in_off == 0)
        return;
    tls_buf_drop(&c->in, c->in_off);
    c->in_off = 0;
}

/* Input that feed would neither store nor process. */
static int input_refused(const tls_conn *c)
{
    return (c->status & TLS_STATUS_FAILED) || c->in_callback ||
           ((c->status & TLS_STATUS_CLOSED) && !(c->status & TLS_STATUS_HANDSHAKE_DONE)) ||
           (!c->is_server && c->state == ST_CLIENT_START);
}

static int feed(tls_conn *c, const uint8_t *data, size_t len)
{
    c->in_room = 0; /* a room given before is no longer what it was */
    if ((c->status & TLS_STATUS_FAILED) || c->in_callback)
        return -1;
    /* A handshake we cancelled takes no more input. */
    if ((c->status & TLS_STATUS_CLOSED) && !(c->status & TLS_STATUS_HANDSHAKE_DONE))
        return 0;
    if (!c->is_server && c->state == ST_CLIENT_START)
        /* No alert: no hello was sent, so the peer knows of no connection.
         * The Lua binding refuses this before it gets here. */
        return tls_fail(&c->err, -1, "bytes fed to a client before its handshake was started"), fail(c);
    if (len > 0 && c->in.len == 0 && c->rd_protected) {
        /* Nothing buffered: open whole records straight from the caller's bytes. */
        size_t used = 0;
        if (tls_engine_process_direct(c, data, len, &used) != 0)
            return fail(c);
        data += used;
        len -= used;
        if (c->status & TLS_STATUS_PEER_CLOSED)
            len = 0;
    }
    if (len > 0) {
        compact_input(c);
        tls_buf_bytes(&c->in, data, len);
        if (!tls_buf_ok(&c->in)) {
            tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
            return fail(c);
        }
    }
    if (tls_engine_process(c) != 0)
        return fail(c);
    /* A close_notify before the handshake completed ends it as a cancel
     * does: its secrets go now, not when the connection is freed. */
    if (c->status & (TLS_STATUS_HANDSHAKE_DONE | TLS_STATUS_PEER_CLOSED))
        wipe_handshake(c);
    forget_when_closed(c);
    return 0;
}

/* A batch ends with the call that began it: nothing stays unsent between
 * calls into the engine. */
static int end_batch(tls_conn *c, int rc)
{
    if (tls_record_batch_end(c) != 0 && rc == 0)
        rc = fail(c);
    return rc;
}

/* One scope of kept HMAC contexts per call, kept by the connection until
 * its handshake is over: a flight keys many. One batch of handshake
 * records per call: a flight is written in one. */
int tls_conn_start(tls_conn *c)
{
    tls_hmac_scope_enter_from(c->hmac_keep);
    tls_record_batch_begin(c);
    int rc = end_batch(c, start(c));
    tls_hmac_scope_leave_to(c->handshake_wiped ? NULL : &c->hmac_keep);
    return rc;
}

int tls_conn_feed(tls_conn *c, const uint8_t *data, size_t len)
{
    tls_hmac_scope_enter_from(c->hmac_keep);
    tls_record_batch_begin(c);
    int rc = end_batch(c, feed(c, data, len));
    tls_hmac_scope_leave_to(c->handshake_wiped ? NULL : &c->hmac_keep);
    return rc;
}

uint8_t *tls_conn_input_room(tls_conn *c, size_t min, size_t max, size_t *len)
{
    *len = 0;
    c->in_room = 0;
    size_t held = c->in.len - c->in_off;
    if (input_refused(c) || min == 0 || max < min || held > TLS_INPUT_MAX || min > TLS_INPUT_MAX - held)
        return NULL;
    /* The move is of at most the part of a record not yet whole, where a
     * feed from the caller's buffer copied every byte and moved that part
     * at each read. Room short of a read but not of min is filled first:
     * with the buffer sized below, two reads of records of 16 KiB then
     * fill it, and what moves is the 1.5 KiB past the two records, where
     * moving before each read moved half a record on average (review44d). */
    if (c->in.cap - c->in.len < min)
        compact_input(c);
    /* Grown to a size, not doubled: the buffer stays between calls while a
     * record is unfinished, and doubling made that 64 KiB for a 16 KiB
     * record (review44d). Empty, it takes one read (a small message leaves
     * it empty, released); holding part of a record, the largest record
     * and one read, so that it is not grown again as records arrive. */
    if (c->in.cap - c->in.len < min) {
        size_t size = held == 0 ? 0 : held < TLS_RECORD_WIRE_MAX ? TLS_RECORD_WIRE_MAX : held;
        size_t want = max < TLS_INPUT_MAX - size ? size + max : TLS_INPUT_MAX;
        if (tls_buf_reserve_exact(&c->in, want - c->in.len) != 0) {
            c->in.oom = 0; /* the feed the caller falls back to says it */
            return NULL;
        }
    }
    size_t room = c->in.cap - c->in.len;
    if (room > max)
        room = max;
    if (room > TLS_INPUT_MAX - held)
        room = TLS_INPUT_MAX - held;
    c->in_room = (uint32_t)room;
    *len = room;
    return c->in.data + c->in.len;
}

/* Buffers larger than this are trimmed when the caller's turn ends with
 * few bytes in them: an idle connection's whole footprint is about as much. */
#define INPUT_TRIM_ABOVE 4096

/* A read that got nothing ends the caller's turn, and the connection may
 * now wait for as long as its peer likes: the part of a record it holds
 * moves to a buffer its size. The room of a whole read (32 KiB, for a
 * peer's 3 bytes) was held until the record's end came (review44a). Once
 * per turn that ends mid-record, where feeding moved that part at each
 * read. Out of memory, the larger buffer stays. */
static void trim_input(tls_conn *c)
{
    size_t held = c->in.len - c->in_off;
    if (c->in.cap <= INPUT_TRIM_ABOVE || held > c->in.cap / 4)
        return;
    tls_buf small;
    tls_buf_init(&small);
    tls_buf_bytes(&small, c->in.data + c->in_off, held);
    if (!tls_buf_ok(&small)) {
        tls_buf_free(&small);
        return;
    }
    tls_buf_free(&c->in);
    c->in = small;
    c->in_off = 0;
}

int tls_conn_input_commit(tls_conn *c, size_t n)
{
    /* From a callback, the records being processed are in the buffer a
     * commit of 0 may trim: refused as feed is there (no room is given
     * there either, so this is a caller's mistake, not a read). */
    if (c->in_callback) {
        c->in_room = 0;
        return -1;
    }
    if (n > c->in_room) {
        c->in_room = 0;
        if (c->status & TLS_STATUS_FAILED)
            return -1;
        tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "more input committed than the room given");
        return fail(c);
    }
    c->in_room = 0;
    if (n == 0) {
        if (c->in.len == 0)
            tls_buf_release_if_empty(&c->in);
        else
            trim_input(c);
        return (c->status & TLS_STATUS_FAILED) ? -1 : 0;
    }
    c->in.len += n;
    /* The bytes are in place: processed as feed processes what it stored. */
    return tls_conn_feed(c, NULL, 0);
}

size_t tls_conn_output(tls_conn *c, const uint8_t **data)
{
    *data = c->out.data;
    return c->out.len;
}

void tls_conn_output_done(tls_conn *c, size_t n)
{
    if (c->in_callback)
        return;
    c->sh_out_marked = 0; /* what the peer may have seen cannot be taken back */
    tls_buf_drop(&c->out, n);
    tls_buf_release_if_empty(&c->out);
}

int tls_conn_write(tls_conn *c, const uint8_t *data, size_t len)
{
    if ((c->status & TLS_STATUS_FAILED) || c->in_callback)
        return -1;
    if ((!(c->status & TLS_STATUS_HANDSHAKE_DONE) && !tls_conn_half_rtt_ok(c)) || (c->status & TLS_STATUS_CLOSED))
        return -1;
    if (len == 0)
        return 0;
    /* The KeyUpdate cap is against a peer that makes us rekey and reply
     * while no data flows; a peer that updates between our writes (a
     * client reading a long download, rfc8446#4.6.3) is not flooding. */
    c->key_updates_in_row = 0;
    /* Room for every record of this write at once: grown record by record,
     * the buffer was copied and wiped at each doubling, which cost more
     * than the encryption for a 64 KiB send. Header, TLS 1.2's explicit
     * nonce, the content type byte and the tag: at most 5 + 8 + 1 + 16. */
    size_t records = len / c->send_limit + (len % c->send_limit != 0);
    if (records <= (SIZE_MAX - len) / 32)
        (void)tls_buf_reserve(&c->out, len + records * 32); /* out of memory shows in the record write */
    do {
        /* rfc8446#5.5: "Implementations SHOULD do a key update as
         * described in Section 4.6.3 prior to reaching these limits."
         * Checked before each record of data: a handshake message or an
         * alert never waits for a key update. TLS 1.2 has no key update
         * and we refuse renegotiation: its keys serve the whole connection,
         * past this margin if it carries that much (README, Limits). */
        size_t n = len;
        if (c->version == TLS_VERSION_13) {
            if (c->wr.seq >= c->key_update_after && tls13_key_update(c, 0) != 0)
                return fail(c);
            /* As much as fits in the records left under this key (the
             * record layer cuts it into records of send_limit). */
            uint64_t records_left = c->key_update_after - c->wr.seq;
            uint64_t records_needed = len / c->send_limit + (len % c->send_limit != 0);
            if (records_left < records_needed)
                n = (size_t)records_left * c->send_limit;
        }
        if (tls_record_write(c, TLS_CT_APPLICATION_DATA, data, n) != 0)
            return fail(c);
        data += n;
        len -= n;
    } while (len > 0);
    return 0;
}

size_t tls_conn_app_data(tls_conn *c, const uint8_t **data)
{
    /* An empty buffer has no storage: NULL plus 0 is undefined in C. */
    *data = c->app_in.data != NULL ? c->app_in.data + c->app_in_read : NULL;
    return tls_conn_unread(c);
}

void tls_conn_app_data_done(tls_conn *c, size_t n)
{
    if (c->in_callback)
        return;
    /* Keys and secrets are wiped; application data read by the application
     * is not: the caller holds its own copy (a Lua string nobody can wipe),
     * and wiping ours cost 5% of bulk throughput for no protection. libssl,
     * BoringSSL and rustls do the same. Unauthenticated plaintext is still
     * wiped where a record fails to open. */
    size_t unread = tls_conn_unread(c);
    c->app_in_read += n < unread ? n : unread;
    if (c->app_in_read == c->app_in.len) {
        tls_buf_drop(&c->app_in, c->app_in.len);
        c->app_in_read = 0;
        tls_buf_release_if_empty(&c->app_in);
    }
    /* Records held back while the application was not reading. */
    if (c->in.len > 0 && c->app_in.len - c->app_in_read < TLS_APP_IN_HIGH_WATER) {
        if (tls_engine_process(c) != 0)
            fail(c);
        else
            forget_when_closed(c); /* a close_notify held back (review32d F2) */
    }
}

const char *tls_conn_key_update_refusal(const tls_conn *c)
{
    if (c->in_callback)
        return "cannot update keys from the trace callback";
    if (c->status & TLS_STATUS_FAILED)
        return c->err.set && c->err.reason[0] ? c->err.reason : "connection failed";
    if (c->status & TLS_STATUS_CLOSED)
        return "closed";
    if (!(c->status & TLS_STATUS_HANDSHAKE_DONE))
        return "cannot update keys before the handshake is complete";
    if (c->version != TLS_VERSION_13)
        return "key updates exist only in TLS 1.3 (this connection is TLS 1.2)";
    return NULL;
}

int tls_conn_key_update(tls_conn *c, int request_peer)
{
    /* A refusal leaves the connection as it was: the caller's mistake is
     * not the peer's business. */
    if (tls_conn_key_update_refusal(c) != NULL)
        return -1;
    /* Nothing was written under the key our last KeyUpdate installed: a
     * new one would protect nothing more, and each counts against the
     * peer's limit of KeyUpdates without data in between (ours cuts off
     * the 33rd), which a program rekeying an idle connection on a timer
     * would reach (review29c I1). Asking the peer to update is likewise
     * moot while our last request is unanswered, or while the peer has
     * sent nothing under its current key; a reader asking a writer on a
     * timer still gets an update each time (review29d). */
    int nothing_written = c->own_key_update && c->wr.seq == 0;
    int peer_key_fresh = c->key_update_asked || c->rd.seq == 0;
    if (nothing_written && (!request_peer || peer_key_fresh))
        return 0;
    return tls13_key_update(c, request_peer != 0) == 0 ? 0 : fail(c);
}

/* The alert could not be written (out of memory): the peer will see the
 * connection end without close_notify, a truncation, so ours says so too
 * instead of reporting a clean close. */
static void close_failed(tls_conn *c)
{
    if (!c->err.set || c->err.reason[0] == '\0')
        tls_fail(&c->err, -1, "out of memory writing close_notify");
    c->err.alert = -1; /* no memory to write one either */
    (void)fail(c);
}

void tls_conn_close(tls_conn *c)
{
    if ((c->status & (TLS_STATUS_CLOSED | TLS_STATUS_FAILED)) || c->in_callback)
        return;
    /* review32c I4: a client that never sent its hello has no connection
     * to cancel: alerts would be the first bytes the peer sees. */
    if (!c->is_server && c->state == ST_CLIENT_START) {
        c->status |= TLS_STATUS_CLOSED;
        c->state = ST_CLOSED;
        wipe_handshake(c);
        return;
    }
    if (!(c->status & TLS_STATUS_HANDSHAKE_DONE)) {
        /* rfc8446#6.1: user_canceled cancels a handshake "for some reason
         * unrelated to a protocol failure" and SHOULD be followed by close_notify. */
        if (tls_record_send_alert(c, TLS_ALERT_LEVEL_WARNING, TLS_ALERT_USER_CANCELED) != 0) {
            close_failed(c);
            return;
        }
        c->state = ST_CLOSED;
        wipe_handshake(c);
    }
    if (tls_record_send_alert(c, TLS_ALERT_LEVEL_WARNING, TLS_ALERT_CLOSE_NOTIFY) != 0) {
        close_failed(c);
        return;
    }
    c->status |= TLS_STATUS_CLOSED;
    forget_when_closed(c);
}

void tls_conn_forget_secrets(tls_conn *c)
{
    c->secrets_forgotten = 1;
    tls13_keys_wipe(&c->keys);
    tls_export_forget(c);
    /* review32b: the ciphers' key schedules too; a record sealed or opened
     * after this is refused ("no write key"), never sent in the clear. */
    tls_aead_free(&c->rd);
    tls_aead_free(&c->wr);
}

int tls_engine_answer_close(tls_conn *c)
{
    /* Our close_notify went already: nothing may follow it. */
    if (c->status & TLS_STATUS_CLOSED)
        return 0;
    /* "discarding any pending writes": tls_conn_write refuses from now on.
     * What is already queued goes out ahead of the close_notify: records
     * the caller was told are sent (dropping them would mean sealing the
     * close_notify again under their sequence number, a nonce that may
     * have been used on bytes the caller took but did not acknowledge),
     * and handshake messages still batched, which are flushed into records
     * before the alert as they would have been without batching (a TLS 1.2
     * server's Finished answering a client that closes right after its own
     * Finished). */
    if (!(c->status & TLS_STATUS_HANDSHAKE_DONE))
        c->state = ST_CLOSED;
    c->status |= TLS_STATUS_CLOSED;
    return tls_record_send_alert(c, TLS_ALERT_LEVEL_WARNING, TLS_ALERT_CLOSE_NOTIFY);
}

int tls_conn_in_callback(const tls_conn *c) { return c->in_callback > 0; }

unsigned tls_conn_status(const tls_conn *c) { return c->status; }

/* A handshake we cancelled (tls_conn_close before it completed) ignores
 * what comes after. */
static int cancelled(const tls_conn *c)
{
    return (c->status & TLS_STATUS_CLOSED) && !(c->status & TLS_STATUS_HANDSHAKE_DONE);
}

int tls_conn_wants_read(const tls_conn *c)
{
    if (c->status & (TLS_STATUS_FAILED | TLS_STATUS_PEER_CLOSED))
        return 0;
    /* After our close_notify the peer may still send (rfc8446#6.1: "Each
     * party MUST send a "close_notify" alert before closing its write side
     * of the connection"), and its data and close_notify are read. */
    return !cancelled(c);
}

tls_want tls_conn_want(const tls_conn *c)
{
    if (c->out.len > 0)
        return TLS_WANT_OUTPUT; /* a fatal alert too, before "failed" */
    if (tls_conn_unread(c) > 0)
        return TLS_WANT_DATA;
    if (c->status & TLS_STATUS_FAILED)
        return TLS_WANT_FAILED;
    if ((c->status & TLS_STATUS_PEER_CLOSED) || cancelled(c))
        return TLS_WANT_CLOSED;
    return TLS_WANT_INPUT;
}

const char *tls_want_name(tls_want w)
{
    switch (w) {
    case TLS_WANT_OUTPUT:
        return "output";
    case TLS_WANT_DATA:
        return "data";
    case TLS_WANT_FAILED:
        return "failed";
    case TLS_WANT_CLOSED:
        return "closed";
    case TLS_WANT_INPUT:
        break;
    }
    return "input";
}

const tls_error *tls_conn_error(const tls_conn *c) { return &c->err; }

void tls_hs_note_finished(tls_conn *c, int peer, const uint8_t *verify_data, size_t len)
{
    uint8_t *to = peer ? c->finished_peer : c->finished_sent;
    if (len > TLS_MAX_HASH_LEN)
        len = 0;
    memcpy(to, verify_data, len);
    if (peer)
        c->finished_peer_len = (uint8_t)len;
    else
        c->finished_sent_len = (uint8_t)len;
}

const char *tls_conn_finished_refusal(const tls_conn *c)
{
    /* A failed connection authenticated nothing: its Finished values bind
     * no channel (ours may have gone out before the peer's failed). */
    if (c->status & TLS_STATUS_FAILED)
        return "no Finished values: the connection failed";
    /* rfc7627#5.4: without the extended master secret the parties "MUST NOT
     * use the current handshake's "verify_data" for application-level
     * authentication. In particular, the client MUST disable ... any use of
     * the "tls-unique" channel binding" (resumed); a full handshake's master
     * secret must not serve application-level authentication either. */
    if (c->version == TLS_VERSION_12 && !c->extended_master_secret && !(c->t12 != NULL && c->t12->ems))
        return "no Finished values for channel binding: this TLS 1.2 connection has no extended master secret "
               "(RFC 7627 5.4: a peer in the middle could share them)";
    return NULL;
}

size_t tls_conn_finished(const tls_conn *c, int peer, const uint8_t **data)
{
    if (tls_conn_finished_refusal(c) != NULL) {
        *data = NULL;
        return 0;
    }
    size_t len = peer ? c->finished_peer_len : c->finished_sent_len;
    *data = len == 0 ? NULL : peer ? c->finished_peer : c->finished_sent;
    return len;
}

void tls_conn_get_info(const tls_conn *c, tls_conn_info *info)
{
    memset(info, 0, sizeof *info);
    info->version = c->version;
    info->suite = c->suite ? c->suite->id : 0;
    info->group = c->group;
    info->sigscheme = c->sigscheme;
    info->hello_retry = c->hello_retry;
    if (c->suite != NULL && c->version != 0)
        /* Resumed without a group: TLS 1.3 psk_ke, or a TLS 1.2 abbreviated
         * handshake: keys from the session's secret alone, no exchange at
         * all (not "ECDHE", which a program may read as fresh keys). */
        info->key_exchange = c->resumed && c->group == 0 ? "PSK"
                             : c->suite->kx == TLS_KX_RSA ? "RSA"
                             : tls_group_is_ffdhe(c->group) ? "DHE" : "ECDHE";
    info->extended_master_secret = c->extended_master_secret || (c->t12 != NULL && c->t12->ems);
    info->server_name = c->server_name;
    info->peer_chain = c->peer_chain;
    info->alpn = c->alpn;
    info->alpn_len = c->alpn_len;
    info->peer_verified = c->peer_verified;
    info->peer_path = c->peer_path;
    info->verifying = c->pol.verify != TLS_VERIFY_NONE;
    if (!c->is_server && c->own != NULL)
        info->client_certificate = sk_X509_value(c->own->chain, 0);
    info->ocsp = !c->is_server && c->ocsp_done ? c->ocsp : NULL;
    info->resumed = c->resumed;
    info->early_data = c->early_data;
}
