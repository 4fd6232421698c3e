/* TLS 1.3 server resumption: the ClientHello's pre_shared_key judged
 * (first usable ticket wins, anything we cannot use means a full
 * handshake), its binder checked, the resumed key schedule, and the
 * NewSessionTickets after a handshake. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "hs/tls13_early.h"
#include "hs/tls13_psk_server.h"
#include "crypto/tls_ticket.h"
#include "pki/tls_x509.h"
#include "util/tls_names.h"

/* ---- The offer ------------------------------------------------------------- */

/* rfc8446#4.2.11:
 *   struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; } PskIdentity;
 *   opaque PskBinderEntry<32..255>;
 *   struct { PskIdentity identities<7..2^16-1>; PskBinderEntry binders<33..2^16-1>; } OfferedPsks; */
static int parse_offer(tls_conn *c, const tls_reader *ext, tls_reader *ids, tls_reader *binders)
{
    tls_reader r = tls_rd_init(ext->p, ext->len);
    *ids = tls_rd_vec(&r, 2);
    *binders = tls_rd_vec(&r, 2);
    if (!tls_rd_end(&r) || ids->len == 0 || binders->len == 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello pre_shared_key is malformed");
    size_t n_ids = 0, n_binders = 0;
    tls_reader v = *ids;
    while (tls_rd_left(&v) > 0) {
        tls_reader id = tls_rd_vec(&v, 2);
        tls_rd_u32(&v);
        if (!tls_rd_ok(&v) || id.len == 0)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello pre_shared_key identity is malformed");
        n_ids++;
    }
    v = *binders;
    while (tls_rd_left(&v) > 0) {
        tls_reader b = tls_rd_vec(&v, 1);
        if (!tls_rd_ok(&v) || b.len < 32)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello pre_shared_key binder is malformed");
        n_binders++;
    }
    /* rfc8446#4.2.11: "Clients MUST NOT send ... binders ... for identities
     * ... the server MUST validate that ... there is one binder per
     * identity"; a mismatch is not a PSK we can judge. */
    if (n_ids != n_binders)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "ClientHello pre_shared_key has %zu identities and %zu binders", n_ids, n_binders);
    return 0;
}

/* rfc8446#4.2.9: PskKeyExchangeMode ke_modes<1..255>; unknown modes are ignored. */
static int parse_modes(tls_conn *c, const tls_reader *ext, int *dhe, int *ke)
{
    tls_reader r = tls_rd_init(ext->p, ext->len);
    tls_reader v = tls_rd_vec(&r, 1);
    if (!tls_rd_end(&r) || v.len == 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "ClientHello psk_key_exchange_modes is malformed");
    *dhe = *ke = 0;
    while (tls_rd_left(&v) > 0) {
        uint8_t mode = tls_rd_u8(&v);
        *dhe |= mode == TLS_PSK_DHE_KE;
        *ke |= mode == TLS_PSK_KE;
    }
    return 0;
}

static int trace_decision(tls_conn *c, const char *result, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int trace_decision(tls_conn *c, const char *result, const char *fmt, ...)
{
    if (!tls_tracing(c))
        return 0;
    char reason[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    tls_trace_builder tb;
    tls_trace_begin(&tb, "decide", "resumption");
    tls_trace_add(&tb, "result", "%s", result);
    tls_trace_add(&tb, "reason", "%s", reason);
    return tls_trace_emit(c, &tb);
}

/* The first of our suites the client offers with the hash of the
 * session's suite `made`; with a suite already chosen (second
 * ClientHello), that one if its hash is made's. A client sending early
 * data gets made itself when both of us have it on. */
static const tls_suite *suite_with_hash(const tls_conn *c, const client_hello *ch, const tls_suite *made)
{
    /* rfc8446#4.2.11: "the server MUST ensure that it selects a compatible
     * PSK (if any) and cipher suite": the PSK's hash is the suite's. */
    const EVP_MD *md = made->md;
    if (c->suite != NULL)
        return c->suite->md == md ? c->suite : NULL;
    /* review41a: rfc8446#4.2.10 accepts 0-RTT only under the session's
     * own suite; our first suite of that hash (AES-128 for a session made
     * under ChaCha20) declined the early data of every client whose
     * session our preference did not make. Without early data our order
     * stands: it is the operator's choice (speed of AES on this machine),
     * and a suite kept from old sessions would outlive a reordering. So
     * does it when we take no early data: it would be declined anyway
     * (review41g). */
    if (ch->early_data && c->pol.early_data)
        for (size_t i = 0; i < c->pol.n_suites; i++)
            if ((ch->suites & ((uint32_t)1 << i)) && c->pol.suites[i] == made->id)
                return made;
    for (size_t i = 0; i < c->pol.n_suites; i++)
        if (ch->suites & ((uint32_t)1 << i)) {
            const tls_suite *s = tls_suite_get(c->pol.suites[i]);
            if (s != NULL && s->version == TLS_VERSION_13 && s->md == md)
                return s;
        }
    return NULL;
}

/* rfc8446#4.2.11.1 and #8.3: the client's age of the ticket (its
 * obfuscated_ticket_age minus ticket_age_add, modulo 2^32) against ours. */
static int age_fits(const tls_session *s, uint32_t obfuscated, uint64_t now_ms)
{
    uint64_t client_age = (uint32_t)(obfuscated - s->age_add);
    uint64_t our_age = now_ms > s->created_ms ? now_ms - s->created_ms : 0;
    uint64_t allowance = TLS13_PSK_AGE_WINDOW_MS + our_age * TLS13_PSK_AGE_DRIFT_PERMILLE / 1000;
    return client_age <= our_age + allowance && client_age + allowance >= our_age;
}

/* Opens and judges one identity: 1 usable (s and choice filled), 0 not
 * (why says so), -1 fatal. */
static int judge(tls_conn *c, const client_hello *ch, const tls_reader *id, uint32_t obfuscated, int dhe,
                 int ke, tls_session *s, tls13_psk_choice *choice, char *why, size_t why_size)
{
    tls_config *cfg = c->cfg;
    TLS_ERROR_LOCAL(local);
    tls_error_clear(&local);
    tls_buf plain;
    tls_buf_init(&plain);
    int opened = tls_ticket_open(&cfg->ticket_keys, id->p, id->len, &plain, &local);
    int decoded = opened == 1 && tls_session_decode(s, plain.data, plain.len, &local) == 0;
    tls_buf_free(&plain); /* wipes the session's plaintext */
    if (opened != 1) {
        snprintf(why, why_size, "%s", opened == 0 ? "not a ticket of ours (unknown or dropped key, or altered)"
                                                  : local.reason);
        return 0;
    }
    if (!decoded) {
        snprintf(why, why_size, "ticket content is malformed (%s)", local.reason);
        return 0;
    }
    uint64_t now = tls_config_now_ms(cfg);
    const tls_suite *made = tls_suite_get(s->suite);
    if (s->kind != TLS_SESSION_SERVER || s->version != TLS_VERSION_13 || made == NULL ||
        made->version != TLS_VERSION_13 || s->secret_len != made->hash_len) {
        snprintf(why, why_size, "not a TLS 1.3 session of a server");
        return 0;
    }
    /* rfc8446#4.6.1: the ticket "MUST NOT" be used past ticket_lifetime.
     * A lifetime shortened since the ticket was issued applies to it too
     * (as in TLS 1.2), on connections made after the change: shortening it
     * is how an operator retires tickets. */
    if (s->lifetime_s > c->pol.ticket_lifetime)
        s->lifetime_s = c->pol.ticket_lifetime;
    if (tls_session_expired(s, now)) {
        snprintf(why, why_size, "ticket expired (lifetime %u s)", s->lifetime_s);
        return 0;
    }
    /* rfc8446#4.6.1: "place limits on the total lifetime of such keying
     * material": tickets issued on resumed connections inherit the time of
     * the full handshake's certificate check, which ticket_lifetime bounds
     * too, or one check would be carried for ever. */
    uint64_t auth_age = tls_resume_auth_age_ms(s, now);
    if (auth_age >= (uint64_t)c->pol.ticket_lifetime * 1000) {
        snprintf(why, why_size,
                 "the session's certificate check is older than ticket_lifetime (%u s): made %llu s ago by the "
                 "full handshake it was resumed from",
                 c->pol.ticket_lifetime, (unsigned long long)(auth_age / 1000));
        return 0;
    }
    /* rfc8446#8.3: a ticket whose age the client misstates may be a
     * replay: "only accept 0-RTT for such a ClientHello, otherwise falling
     * back to a 1-RTT handshake". The binder (checked next) and a fresh
     * handshake make the 1-RTT resumption safe, so it still resumes. */
    choice->age_off = !age_fits(s, obfuscated, now);
    if (choice->age_off)
        snprintf(why, why_size, "; the client's ticket age (%u ms) is not ours (%llu ms) within %d s: no 0-RTT",
                 (uint32_t)(obfuscated - s->age_add),
                 (unsigned long long)(now > s->created_ms ? now - s->created_ms : 0),
                 TLS13_PSK_AGE_WINDOW_MS / 1000);
    /* rfc8446#4.2.11 (and rfc6066#3 for the name): a session is resumed
     * only for the server name it was made for. */
    const char *name = c->server_name ? c->server_name : "";
    if (!tls_session_name_matches(s->name, name)) {
        char text[256], made_for[256];
        tls_sanitize(name, strlen(name), text, sizeof text);
        tls_sanitize(s->name, strlen(s->name), made_for, sizeof made_for);
        snprintf(why, why_size, "ticket made for server name '%s', not '%s'", made_for, text);
        return 0;
    }
    choice->suite = suite_with_hash(c, ch, made);
    if (choice->suite == NULL) {
        snprintf(why, why_size, "no cipher suite in common with the client has the session's hash (%s)",
                 EVP_MD_get0_name(made->md));
        return 0;
    }
    /* rfc8446#4.2.9: the mode must be one the client offers. psk_dhe_ke
     * also needs a group to agree on; psk_ke (no forward secrecy for this
     * connection's keys) only when configured. */
    if (c->pol.psk_ke && ke)
        choice->mode = TLS_PSK_KE;
    else if (dhe && ch->has_key_share && ch->groups != 0)
        choice->mode = TLS_PSK_DHE_KE;
    else {
        snprintf(why, why_size, "%s", dhe ? "psk_dhe_ke offered without a key exchange group we accept"
                                          : "the client offers only psk_ke, and psk_ke = false");
        return 0;
    }
    /* A server that requires client certificates resumes only sessions
     * whose client was verified. */
    if (c->pol.verify == TLS_VERIFY_REQUIRED && !s->peer_verified) {
        snprintf(why, why_size, "the session has no verified client certificate, and verify = \"required\"");
        return 0;
    }
    /* Pins hold for resumed connections too: a session made by a context
     * that shares our ticket keys but not our pins would skip them. */
    if (s->peer_cert.len > 0 && tls_resume_pin_misfit(cfg, s) != NULL) {
        snprintf(why, why_size, "the session's client certificate does not hold a pinned key");
        return 0;
    }
    /* Its client certificate was verified (or not) under the settings that
     * made the session; under others it is verified afresh. */
    const char *other = s->peer_cert.len > 0 ? tls_resume_settings_misfit(c, s) : NULL;
    if (other != NULL) {
        snprintf(why, why_size, "the session holds a client certificate, and %s", other);
        return 0;
    }
    if (s->peer_cert.len > 0 && tls_resume_sigscheme_misfit(c, s)) {
        snprintf(why, why_size, "the session's client signed with a scheme not in this config's sigalgs");
        return 0;
    }
    if (tls_resume_peer_expired(c, s, now)) {
        snprintf(why, why_size, "the client certificate kept in the session, or a certificate of its verified "
                                "chain, has expired (notAfter passed)");
        return 0;
    }
    return 1;
}

/* Transcript-Hash of the messages before this ClientHello and of its
 * first trunc_len bytes (rfc8446#4.2.11.2: up to the binders list; after
 * a HelloRetryRequest, "the transcript ... includes the initial
 * ClientHello and HelloRetryRequest"). */
static int truncated_hash(tls_conn *c, const EVP_MD *md, const uint8_t *msg, size_t trunc_len, uint8_t *out)
{
    const tls_transcript *t = &c->transcript;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL;
    if (ok && t->ctx != NULL)
        ok = t->md == md && EVP_MD_CTX_copy_ex(ctx, t->ctx) == 1;
    else if (ok)
        ok = EVP_DigestInit_ex2(ctx, md, NULL) == 1 &&
             EVP_DigestUpdate(ctx, t->pending.data, t->pending.len) == 1;
    ok = ok && EVP_DigestUpdate(ctx, msg, trunc_len) == 1 && EVP_DigestFinal_ex(ctx, out, NULL) == 1;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : tls_fail_crypto(&c->err, TLS_ALERT_INTERNAL_ERROR, "hashing the ClientHello for the binder");
}

/* rfc8446#4.2.11.2: the binder proves the client holds the PSK and binds
 * this ClientHello to it. */
static int check_binder(tls_conn *c, const tls_session *s, const EVP_MD *md, const tls_reader *binders,
                        uint16_t index, const uint8_t *msg, size_t len, tls13_psk_choice *choice)
{
    /* The binders list is the end of the message (pre_shared_key is the
     * last extension, rfc8446#4.2.11): what precedes its length field is
     * the truncated ClientHello. */
    if (binders->p < msg + 2 || binders->p + binders->len != msg + len)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "binders are not the end of the ClientHello");
    size_t trunc_len = (size_t)(binders->p - 2 - msg);
    tls_reader v = *binders;
    tls_reader binder = tls_rd_vec(&v, 1);
    for (uint16_t i = 0; i < index; i++)
        binder = tls_rd_vec(&v, 1);
    size_t hlen = (size_t)EVP_MD_get_size(md);
    tls13_keys k;
    uint8_t key[TLS_MAX_HASH_LEN], th[TLS_MAX_HASH_LEN], expected[TLS_MAX_HASH_LEN];
    int rc = -1;
    if (tls13_keys_init_psk(&k, md, s->secret, s->secret_len, &c->err) == 0 &&
        tls13_binder_key(&k, 0, key, &c->err) == 0 && truncated_hash(c, md, msg, trunc_len, th) == 0 &&
        tls13_finished(md, key, th, expected, &c->err) == 0) {
        /* rfc8446#4.2.11: "If this value does not validate, the server
         * MUST abort the handshake" with decrypt_error (rfc8446#6.2). */
        if (binder.len != hlen || CRYPTO_memcmp(expected, binder.p, hlen) != 0)
            tls_fail(&c->err, TLS_ALERT_DECRYPT_ERROR,
                     "the binder of PSK identity %u does not match: the client does not hold the ticket's key",
                     index);
        else
            rc = 0;
    }
    /* Kept for the key schedule of the resumed handshake (tls13_psk_server_resume). */
    if (rc == 0) {
        memcpy(choice->early, k.early, hlen);
        choice->early_md = md;
    }
    tls13_keys_wipe(&k);
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(expected, sizeof expected);
    return rc;
}

void tls13_psk_choice_free(tls13_psk_choice *choice)
{
    tls_resume_session_free(&choice->session);
    OPENSSL_cleanse(choice->early, sizeof choice->early);
    choice->early_md = NULL;
}

int tls13_psk_server_select(tls_conn *c, const client_hello *ch, const uint8_t *msg, size_t len,
                            tls13_psk_choice *choice)
{
    memset(choice, 0, sizeof *choice);
    const tls_reader *psk = tls_hs_find_ext((tls_ext_list *)&ch->exts, TLS_EXT_PRE_SHARED_KEY);
    const tls_reader *modes = tls_hs_find_ext((tls_ext_list *)&ch->exts, TLS_EXT_PSK_KEY_EXCHANGE_MODES);
    int dhe = 0, ke = 0;
    if (modes != NULL && parse_modes(c, modes, &dhe, &ke) != 0)
        return -1;
    /* rfc8446#4.2.9: the modes also restrict "those [PSKs] which the server
     * might supply via NewSessionTicket": no modes, or only psk_ke while
     * ours is off, and the client takes no ticket of ours. */
    c->no_ticket_mode = !dhe && !(ke && c->pol.psk_ke);
    if (psk == NULL)
        return 0;
    /* rfc8446#4.2.9: "If clients offer "pre_shared_key" without a
     * "psk_key_exchange_modes" extension, servers MUST abort the handshake." */
    if (modes == NULL)
        return tls_fail(&c->err, TLS_ALERT_MISSING_EXTENSION,
                        "ClientHello has pre_shared_key without psk_key_exchange_modes");
    tls_reader ids, binders;
    if (parse_offer(c, psk, &ids, &binders) != 0)
        return -1;
    if (c->pol.tickets == 0)
        return trace_decision(c, "full handshake", "tickets = 0: this server does not resume sessions");
    /* Rotation and expiry first, as for a TLS 1.2 ticket (open_session):
     * the keys of now, not of when the connection was made, open it, so
     * that a key past its time (tls_ticket_keys_expire) opens nothing. */
    TLS_ERROR_LOCAL(keys_err);
    tls_error_clear(&keys_err);
    if (tls_ticket_keys_prepare(&c->cfg->ticket_keys, tls_config_now_ms(c->cfg), &keys_err) != 0)
        return trace_decision(c, "full handshake", "the ticket keys cannot be brought up to date: %.200s",
                              keys_err.reason);
    if (tls_resume_session_new(&choice->session) != 0)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    char why[640] = "";
    for (uint16_t i = 0; tls_rd_left(&ids) > 0 && i < TLS13_PSK_MAX_TRIED; i++) {
        tls_reader id = tls_rd_vec(&ids, 2);
        uint32_t obfuscated = tls_rd_u32(&ids);
        tls_session_wipe(choice->session);
        choice->age_off = 0;
        int rc = judge(c, ch, &id, obfuscated, dhe, ke, choice->session, choice, why, sizeof why);
        if (rc < 0)
            break;
        if (rc == 1) {
            choice->identity = i;
            const EVP_MD *md = tls_suite_get(choice->session->suite)->md;
            if (check_binder(c, choice->session, md, &binders, i, msg, len, choice) != 0 ||
                trace_decision(c, "resumed", "ticket %u accepted (%s)%s", i,
                               choice->mode == TLS_PSK_KE ? "psk_ke: no ECDHE" : "psk_dhe_ke",
                               choice->age_off ? why : "") != 0) {
                tls13_psk_choice_free(choice);
                return -1;
            }
            return 0;
        }
        if (trace_decision(c, "full handshake", "ticket %u: %s", i, why) != 0) {
            tls13_psk_choice_free(choice);
            return -1;
        }
    }
    tls13_psk_choice_free(choice);
    return 0;
}

/* ---- The resumed handshake ------------------------------------------------------ */

int tls13_psk_server_resume(tls_conn *c, tls13_psk_choice *choice)
{
    tls_resume_session_free(&c->session);
    c->session = choice->session;
    choice->session = NULL;
    c->resumed = 1;
    c->psk_age_off = choice->age_off;
    /* rfc8446#4.2.10: early data is accepted only with "the first
     * identity"; the 0-RTT code reads the session's max_early_data. */
    if (choice->identity != 0)
        c->session->max_early_data = 0;
    /* The Early Secret now, so that 0-RTT keys can follow the ClientHello:
     * the binder's, when the suite has its hash (it always should). */
    int init = choice->early_md != NULL && choice->early_md == c->suite->md
                   ? tls13_keys_init_early(&c->keys, c->suite->md, choice->early, &c->err)
                   : tls13_keys_init_psk(&c->keys, c->suite->md, c->session->secret, c->session->secret_len,
                                         &c->err);
    OPENSSL_cleanse(choice->early, sizeof choice->early);
    choice->early_md = NULL;
    if (init != 0)
        return -1;
    /* The client proved itself when the session was made: its certificate
     * and verdict carry over (info().peer_certificate, peer_verified). */
    if (c->session->peer_cert.len > 0 &&
        tls_hs_push_peer_certificate(c, c->session->peer_cert.data, c->session->peer_cert.len) != 0)
        return -1;
    c->peer_verified = c->session->peer_verified;
    tls_resume_note_resumed(c, c->session);
    return 0;
}

int tls13_psk_server_handshake_secrets(tls_conn *c, const uint8_t *shared, size_t shared_len)
{
    uint8_t th[TLS_MAX_HASH_LEN];
    if (tls_transcript_hash(&c->transcript, th, &c->err) != 0 ||
        tls13_keys_handshake(&c->keys, shared, shared_len, th, &c->err) != 0)
        return -1;
    tls_keylog13_handshake(c);
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, "key", "handshake secret");
    tls_trace_add(&tb, "derived", "%s",
                  shared_len > 0 ? "early secret from the resumed session's PSK, handshake secret from it and "
                                   "the shared ECDHE secret; handshake traffic secrets through ServerHello"
                                 : "early secret from the resumed session's PSK, handshake secret from it "
                                   "alone (psk_ke: no ECDHE); handshake traffic secrets through ServerHello");
    tls_trace_add(&tb, "hash", "%s", EVP_MD_get0_name(c->suite->md));
    return tls_trace_emit(c, &tb);
}

/* ---- NewSessionTicket (rfc8446#4.6.1) -------------------------------------------- */

/* The session every ticket of this connection shares (PSK and age_add
 * differ per ticket). */
static int base_session(tls_conn *c, tls_session *s, uint64_t now)
{
    s->kind = TLS_SESSION_SERVER;
    s->version = TLS_VERSION_13;
    s->suite = c->suite->id;
    s->secret_len = c->suite->hash_len;
    s->created_ms = now;
    s->lifetime_s = c->pol.ticket_lifetime < TLS_MAX_TICKET_LIFETIME ? c->pol.ticket_lifetime
                                                                     : TLS_MAX_TICKET_LIFETIME;
    s->max_early_data = c->pol.early_data ? c->pol.max_early_data : 0;
    tls_resume_stamp(c, s);
    /* A ticket of a resumed connection lives no longer than what is left
     * of the certificate check it carries (judge refuses it after). After
     * a full handshake the check was just made: the whole lifetime, not
     * one second less for the milliseconds since. */
    uint64_t auth_age = tls_resume_auth_age_ms(s, now);
    uint64_t left_s = auth_age < (uint64_t)c->pol.ticket_lifetime * 1000
                          ? ((uint64_t)c->pol.ticket_lifetime * 1000 - auth_age) / 1000
                          : 0;
    if (c->resumed && left_s < s->lifetime_s)
        s->lifetime_s = (uint32_t)left_s;
    if (c->server_name != NULL)
        snprintf(s->name, sizeof s->name, "%s", c->server_name);
    if (c->alpn_len > 0)
        memcpy(s->alpn, c->alpn, c->alpn_len);
    s->alpn_len = c->alpn_len;
    X509 *leaf = c->peer_chain != NULL && sk_X509_num(c->peer_chain) > 0 ? sk_X509_value(c->peer_chain, 0) : NULL;
    int der_len = leaf ? i2d_X509(leaf, NULL) : 0;
    /* A leaf too large to keep leaves the session unauthenticated. */
    if (der_len > 0 && der_len <= TLS_SESSION_MAX_PEER_CERT) {
        uint8_t *p = tls_buf_extend(&s->peer_cert, (size_t)der_len);
        if (p == NULL || i2d_X509(leaf, &p) != der_len)
            return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
        s->peer_verified = c->peer_verified;
    }
    return 0;
}

/* The random bytes of one ticket: its ticket_age_add, then the nonce that
 * seals it under the ticket key. */
#define TICKET_RANDOM_LEN (4 + TLS_TICKET_NONCE_LEN)
/* Tickets whose random bytes are drawn in one call: each RAND_bytes costs
 * a DRBG generate and (OpenSSL 3.0's fork check) a getpid system call, and
 * the default 2 tickets took 4 of them. */
#define TICKETS_PER_DRAW 4

static int send_ticket(tls_conn *c, tls_session *s, const uint8_t *rnd)
{
    tls_config *cfg = c->cfg;
    /* rfc8446#4.6.1: "a per-ticket value that is unique across all
     * tickets issued on this connection". */
    uint8_t nonce[8];
    const uint8_t *age_add = rnd, *seal_nonce = rnd + 4;
    for (int i = 0; i < 8; i++)
        nonce[i] = (uint8_t)((uint64_t)c->tickets_sent >> (56 - 8 * i));
    if (tls13_ticket_psk(c->suite->md, c->keys.resumption, nonce, sizeof nonce, s->secret, &c->err) != 0)
        return -1;
    s->age_add = (uint32_t)age_add[0] << 24 | (uint32_t)age_add[1] << 16 | (uint32_t)age_add[2] << 8 | age_add[3];
    tls_buf plain, msg;
    tls_buf_init(&plain);
    tls_buf_init(&msg);
    size_t off = tls_hs_begin_message(&msg, TLS_HS_NEW_SESSION_TICKET);
    tls_buf_u32(&msg, s->lifetime_s);
    tls_buf_u32(&msg, s->age_add);
    size_t nb = tls_buf_open_block(&msg, 1);
    tls_buf_bytes(&msg, nonce, sizeof nonce);
    tls_buf_close_block(&msg, nb, 1);
    size_t tb_off = tls_buf_open_block(&msg, 2);
    size_t ticket_start = msg.len;
    int rc = -1;
    if (tls_session_encode(s, &plain, &c->err) == 0 &&
        tls_ticket_seal_nonce(&cfg->ticket_keys, seal_nonce, plain.data, plain.len, &msg, &c->err) == 0) {
        size_t ticket_len = msg.len - ticket_start;
        tls_buf_close_block(&msg, tb_off, 2);
        size_t ext = tls_buf_open_block(&msg, 2);
        /* rfc8446#4.2.10: early_data in a NewSessionTicket carries
         * max_early_data_size: the ticket may be used for 0-RTT. */
        if (s->max_early_data > 0) {
            tls_buf_u16(&msg, TLS_EXT_EARLY_DATA);
            tls_buf_u16(&msg, 4);
            tls_buf_u32(&msg, s->max_early_data);
        }
        tls_buf_close_block(&msg, ext, 2);
        tls_hs_end_message(&msg, off);
        if (ticket_len > 0xffff || !tls_buf_ok(&msg))
            tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "ticket too large");
        else
            rc = tls_record_write(c, TLS_CT_HANDSHAKE, msg.data, msg.len);
        if (rc == 0)
            c->tickets_sent++;
        /* rfc8446#8: registered for the single use of its 0-RTT. */
        if (rc == 0 && s->max_early_data > 0)
            tls13_early_ticket_issued(c, msg.data + ticket_start, ticket_len, s->lifetime_s);
        if (rc == 0 && tls_tracing(c)) {
            tls_trace_builder tb;
            tls_trace_begin(&tb, "send", "NewSessionTicket");
            tls_trace_add(&tb, "lifetime", "%u s", s->lifetime_s);
            tls_trace_add(&tb, "ticket_bytes", "%zu", ticket_len);
            tls_trace_add(&tb, "early_data", "%s", s->max_early_data > 0 ? "allowed" : "no");
            if (s->max_early_data > 0)
                tls_trace_add(&tb, "max_early_data", "%u", s->max_early_data);
            tls_trace_add(&tb, "meaning", "the client may resume this session with the ticket (its state, "
                                          "sealed under our ticket key)");
            rc = tls_trace_emit(c, &tb);
        }
    }
    tls_buf_free(&plain); /* wipes the encoded session (its PSK) */
    tls_buf_free(&msg);
    return rc;
}

int tls13_psk_server_send_tickets(tls_conn *c)
{
    tls_config *cfg = c->cfg;
    if (c->pol.tickets == 0)
        return 0;
    /* rfc8446#4.2.9: "Servers SHOULD NOT send NewSessionTicket with
     * tickets that are not compatible with the advertised modes". */
    if (c->no_ticket_mode) {
        if (!tls_tracing(c))
            return 0;
        tls_trace_builder tb;
        tls_trace_begin(&tb, "decide", "tickets");
        tls_trace_add(&tb, "result", "none sent");
        tls_trace_add(&tb, "reason", "%s",
                      c->pol.psk_ke ? "the client's psk_key_exchange_modes offer no mode it resumes with"
                                    : "the client's psk_key_exchange_modes offer no psk_dhe_ke (psk_ke = false)");
        return tls_trace_emit(c, &tb);
    }
    uint8_t th[TLS_MAX_HASH_LEN];
    uint64_t now = tls_config_now_ms(cfg);
    if (tls_transcript_hash(&c->transcript, th, &c->err) != 0 ||
        tls13_keys_resumption(&c->keys, th, &c->err) != 0 ||
        tls_ticket_keys_prepare(&cfg->ticket_keys, now, &c->err) != 0)
        return -1;
    tls_session s;
    tls_session_init(&s);
    int rc = base_session(c, &s, now);
    /* After a resumed handshake one ticket replaces the one just used, as
     * libssl does: the client already holds the rest of the full
     * handshake's tickets, and each ticket costs a key derivation and a
     * sealing on both sides. A full handshake still issues c->pol.tickets. */
    unsigned count = c->resumed ? 1 : c->pol.tickets;
    if (rc == 0 && s.lifetime_s == 0) {
        count = 0;
        if (tls_tracing(c)) {
            tls_trace_builder tb;
            tls_trace_begin(&tb, "decide", "tickets");
            tls_trace_add(&tb, "result", "none sent");
            tls_trace_add(&tb, "reason", "the session's certificate check is as old as ticket_lifetime (%u s): "
                                         "nothing is left of it for a new ticket",
                          c->pol.ticket_lifetime);
            rc = tls_trace_emit(c, &tb);
        }
    }
    uint8_t rnd[TICKETS_PER_DRAW * TICKET_RANDOM_LEN];
    for (unsigned i = 0; rc == 0 && i < count; i++) {
        unsigned slot = i % TICKETS_PER_DRAW;
        if (slot == 0) {
            unsigned left = count - i;
            size_t need = (size_t)(left < TICKETS_PER_DRAW ? left : TICKETS_PER_DRAW) * TICKET_RANDOM_LEN;
            rc = tls_random(rnd, need, &c->err);
        }
        if (rc == 0)
            rc = send_ticket(c, &s, rnd + (size_t)slot * TICKET_RANDOM_LEN);
    }
    OPENSSL_cleanse(rnd, sizeof rnd);
    tls_session_wipe(&s);
    return rc;
}
