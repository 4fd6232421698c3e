/* The TLS 1.3 server after the shared hello phase: one state, one
 * expected message (rfc8446#A.2). */
#include <string.h>

#include "hs/tls_hello.h"
#include "hs/tls13_early.h"
#include "hs/tls13_psk_server.h"
#include "pki/tls_x509.h"
#include "util/tls_names.h"

static int unexpected(tls_conn *c, uint8_t type, const char *wanted)
{
    const char *name = tls_handshake_name(type);
    return tls_fail(&c->err, TLS_ALERT_UNEXPECTED_MESSAGE, "expected %s, got %s", wanted,
                    name ? name : "an unknown handshake message");
}

/* rfc8446 rules for a ClientHello that negotiates TLS 1.3. */
static int check_client_hello13(tls_conn *c, const client_hello *ch)
{
    /* rfc8446#4.1.2: legacy_compression_methods is exactly one zero byte in TLS 1.3. */
    if (ch->compression.len != 1 || ch->compression.p[0] != 0)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "ClientHello offers compression");
    /* rfc8446#9.2: "If containing a "supported_groups" extension, it MUST
     * also contain a "key_share" extension, and vice versa." */
    if (ch->has_groups != ch->has_key_share)
        return tls_fail(&c->err, TLS_ALERT_MISSING_EXTENSION,
                        "ClientHello lacks supported_groups or key_share");
    return 0;
}

/* rfc8446#9.2: "If not containing a "pre_shared_key" extension, it MUST
 * contain both a "signature_algorithms" extension and a
 * "supported_groups" extension." A PSK we do not resume is as good as
 * none: the full handshake needs them. */
static int check_full_handshake_extensions(tls_conn *c, const client_hello *ch)
{
    if (!ch->has_sigalgs)
        return tls_fail(&c->err, TLS_ALERT_MISSING_EXTENSION, "ClientHello has no signature_algorithms");
    /* check_client_hello13 already made key_share go with supported_groups. */
    if (!ch->has_groups)
        return tls_fail(&c->err, TLS_ALERT_MISSING_EXTENSION,
                        "ClientHello lacks supported_groups or key_share");
    return 0;
}

static void put_server_hello_start(tls_conn *c, tls_buf *msg, const client_hello *ch,
                                   const uint8_t *random, size_t *off, size_t *ext)
{
    *off = tls_hs_begin_message(msg, TLS_HS_SERVER_HELLO);
    tls_buf_u16(msg, TLS_VERSION_12);
    tls_buf_bytes(msg, random, TLS_RANDOM_LEN);
    size_t sid = tls_buf_open_block(msg, 1);
    tls_buf_bytes(msg, ch->session_id.p, ch->session_id.len);
    tls_buf_close_block(msg, sid, 1);
    tls_buf_u16(msg, c->suite->id);
    tls_buf_u8(msg, 0);
    *ext = tls_buf_open_block(msg, 2);
    tls_buf_u16(msg, TLS_EXT_SUPPORTED_VERSIONS);
    tls_buf_u16(msg, 2);
    tls_buf_u16(msg, TLS_VERSION_13);
}

static int send_hello_retry(tls_conn *c, const client_hello *ch)
{
    tls_buf msg;
    size_t off, ext;
    tls_buf_init(&msg);
    put_server_hello_start(c, &msg, ch, tls_hrr_random, &off, &ext);
    tls_buf_u16(&msg, TLS_EXT_KEY_SHARE);
    tls_buf_u16(&msg, 2);
    tls_buf_u16(&msg, c->group);
    tls_buf_close_block(&msg, ext, 2);
    tls_hs_end_message(&msg, off);
    /* The second ClientHello must carry the same legacy_session_id
     * (rfc8446#4.1.2): kept here, unused otherwise by a TLS 1.3 server. */
    memcpy(c->session_id, ch->session_id.p, ch->session_id.len);
    c->session_id_len = ch->session_id.len;
    int rc = -1;
    if (tls_transcript_set_hash(&c->transcript, c->suite->md, &c->err) == 0 &&
        tls_transcript_hrr_rewrite(&c->transcript, &c->err) == 0)
        rc = tls_hs_send(c, &msg);
    tls_buf_free(&msg);
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "HelloRetryRequest");
        tls_trace_add(&tb, "cipher", "%s", c->suite->name);
        tls_trace_add(&tb, "group", "%s", tls_group_name(c->group));
        tls_trace_add(&tb, "meaning", "no key share for a group we accept: please send one for this group");
        rc = tls_trace_emit(c, &tb);
    }
    /* rfc8446#D.4: in compatibility mode the server's dummy
     * change_cipher_spec follows its first handshake message. */
    if (rc == 0 && ch->session_id.len > 0) {
        rc = tls_record_send_ccs(c);
        c->ccs_sent = 1;
    }
    return rc;
}

/* peer_share NULL: psk_ke, no key exchange. psk: the accepted PSK, or NULL. */
static int send_server_hello(tls_conn *c, const client_hello *ch, const tls_reader *peer_share,
                             const tls13_psk_choice *psk)
{
    uint8_t random[TLS_RANDOM_LEN], shared[TLS_MAX_SHARED_SECRET];
    size_t shared_len = 0, off, ext;
    tls_buf msg, share;
    tls_buf_init(&msg);
    tls_buf_init(&share);
    int rc = -1;
    if (tls_random(random, sizeof random, &c->err) == 0 &&
        (peer_share == NULL ||
         (tls_kex_check_share(c->group, peer_share->p, peer_share->len, &c->err) == 0 &&
          tls_kex_generate(&c->kex, c->group, &share, &c->err) == 0 &&
          tls_kex_derive(&c->kex, peer_share->p, peer_share->len, shared, sizeof shared, &shared_len,
                         &c->err) == 0))) {
        put_server_hello_start(c, &msg, ch, random, &off, &ext);
        if (peer_share != NULL) {
            tls_buf_u16(&msg, TLS_EXT_KEY_SHARE);
            size_t ks = tls_buf_open_block(&msg, 2);
            tls_buf_u16(&msg, c->group);
            size_t kx = tls_buf_open_block(&msg, 2);
            tls_buf_bytes(&msg, share.data, share.len);
            tls_buf_close_block(&msg, kx, 2);
            tls_buf_close_block(&msg, ks, 2);
        }
        /* rfc8446#4.2.11: the server's pre_shared_key names the identity
         * it selected. */
        if (psk != NULL) {
            tls_buf_u16(&msg, TLS_EXT_PRE_SHARED_KEY);
            tls_buf_u16(&msg, 2);
            tls_buf_u16(&msg, psk->identity);
        }
        tls_buf_close_block(&msg, ext, 2);
        tls_hs_end_message(&msg, off);
        if (tls_transcript_set_hash(&c->transcript, c->suite->md, &c->err) == 0 &&
            tls_record_flush_handshake(c) == 0) {
            c->sh_out_mark = c->out.len;
            c->sh_out_marked = 1;
            rc = tls_hs_send(c, &msg);
        }
    }
    tls_kex_free(&c->kex);
    tls_buf_free(&msg);
    tls_buf_free(&share);
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "ServerHello");
        tls_trace_add(&tb, "version", "TLSv1.3");
        tls_trace_add(&tb, "cipher", "%s", c->suite->name);
        if (peer_share != NULL) {
            tls_trace_add(&tb, "group", "%s", tls_group_name(c->group));
            tls_trace_add(&tb, "key_exchange", "%s%s: both sides now share a secret", psk ? "PSK with " : "",
                          tls_group_is_ffdhe(c->group) ? "DHE" : "ECDHE");
        } else {
            tls_trace_add(&tb, "key_exchange", "PSK only (psk_ke): the keys come from the resumed session alone");
        }
        if (psk != NULL)
            tls_trace_add(&tb, "pre_shared_key", "identity %u: resuming a session", psk->identity);
        rc = tls_trace_emit(c, &tb);
    }
    if (rc == 0 && ch->session_id.len > 0 && !c->ccs_sent) {
        rc = tls_record_send_ccs(c);
        c->ccs_sent = 1;
    }
    if (rc == 0)
        rc = psk != NULL ? tls13_psk_server_handshake_secrets(c, shared, shared_len)
                         : tls_hs_derive_handshake_secrets(c, shared, shared_len);
    OPENSSL_cleanse(shared, sizeof shared);
    return rc;
}

static int send_encrypted_extensions(tls_conn *c, const client_hello *ch)
{
    /* rfc8449#4: the limit we advertise, sent only in answer to the client's. */
    uint16_t limit = c->pol.record_size_limit ? c->pol.record_size_limit : TLS_RECORD_SIZE_LIMIT_MAX;
    tls_buf msg;
    tls_buf_init(&msg);
    size_t off = tls_hs_begin_message(&msg, TLS_HS_ENCRYPTED_EXTENSIONS);
    size_t ext = tls_buf_open_block(&msg, 2);
    /* rfc6066#3: an empty server_name tells the client we used its SNI. */
    if (c->server_name != NULL) {
        tls_buf_u16(&msg, TLS_EXT_SERVER_NAME);
        tls_buf_u16(&msg, 0);
    }
    if (ch->record_size_limit != 0) {
        tls_buf_u16(&msg, TLS_EXT_RECORD_SIZE_LIMIT);
        tls_buf_u16(&msg, 2);
        tls_buf_u16(&msg, limit);
    }
    tls_alpn_put_answer(c, &msg);
    tls13_early_server_put_ee(c, &msg);
    tls_buf_close_block(&msg, ext, 2);
    tls_hs_end_message(&msg, off);
    int rc = tls_hs_send(c, &msg);
    tls_buf_free(&msg);
    /* The client keeps to it in what it protects after reading this. */
    if (ch->record_size_limit != 0)
        c->recv_limit = limit;
    if (rc == 0 && tls_tracing(c)) {
        tls_trace_builder tb;
        tls_trace_begin(&tb, "send", "EncryptedExtensions");
        if (ch->record_size_limit != 0)
            tls_trace_add(&tb, "record_size_limit", "%u", limit);
        tls_trace_add(&tb, "note", "first message under the handshake key: everything from here is encrypted");
        rc = tls_trace_emit(c, &tb);
    }
    return rc;
}

/* rfc8446#4.3.2: asks for the client's certificate, with an empty
 * certificate_request_context (this is the handshake's request, not a
 * post-handshake one), the signature schemes we verify, and the names of
 * the CAs we trust for clients (rfc8446#4.2.4). */
static int send_certificate_request(tls_conn *c)
{
    const tls_config *cfg = c->cfg;
    tls_buf msg, names;
    tls_buf_init(&msg);
    tls_buf_init(&names);
    size_t n_names = tls_x509_ca_names(cfg, &names, TLS_MAX_CA_NAMES_BYTES);
    size_t off = tls_hs_begin_message(&msg, TLS_HS_CERTIFICATE_REQUEST);
    tls_buf_u8(&msg, 0);
    size_t ext = tls_buf_open_block(&msg, 2);
    tls_buf_u16(&msg, TLS_EXT_SIGNATURE_ALGORITHMS);
    size_t sa = tls_buf_open_block(&msg, 2);
    size_t sa_list = tls_buf_open_block(&msg, 2);
    for (size_t i = 0; i < c->pol.n_sigalgs; i++)
        tls_buf_u16(&msg, c->pol.sigalgs[i]);
    tls_buf_close_block(&msg, sa_list, 2);
    tls_buf_close_block(&msg, sa, 2);
    /* rfc8446#4.2.3: what we accept in the client's chain, which is not
     * what we accept for its CertificateVerify (rsa_pkcs1_* among others):
     * without it, signature_algorithms would apply to the chain too. */
    uint16_t cert_sigalgs[TLS_CONFIG_MAX_LIST + 8];
    size_t n_cert_sigalgs = tls_sigalgs_cert(c->pol.security_level, cert_sigalgs,
                                             sizeof cert_sigalgs / sizeof cert_sigalgs[0]);
    tls_buf_u16(&msg, TLS_EXT_SIGNATURE_ALGORITHMS_CERT);
    size_t sac = tls_buf_open_block(&msg, 2);
    size_t sac_list = tls_buf_open_block(&msg, 2);
    for (size_t i = 0; i < n_cert_sigalgs; i++)
        tls_buf_u16(&msg, cert_sigalgs[i]);
    tls_buf_close_block(&msg, sac_list, 2);
    tls_buf_close_block(&msg, sac, 2);
    if (n_names > 0) {
        tls_buf_u16(&msg, TLS_EXT_CERTIFICATE_AUTHORITIES);
        size_t ca = tls_buf_open_block(&msg, 2);
        size_t ca_list = tls_buf_open_block(&msg, 2);
        tls_buf_bytes(&msg, names.data, names.len);
        tls_buf_close_block(&msg, ca_list, 2);
        tls_buf_close_block(&msg, ca, 2);
    }
    tls_buf_close_block(&msg, ext, 2);
    tls_hs_end_message(&msg, off);
    return tls_hs_send_certificate_request(c, &msg, &names, n_names, "context", "empty (during the handshake)");
}

/* Picks suite, signature scheme and group; *share is the client's share
 * for the group, or NULL when a HelloRetryRequest is needed. Our
 * preference order decides among what both sides support. */
/* rfc8446#4.2.7: "Values within "obsolete_RESERVED" ranges are used in
 * previous versions of TLS and MUST NOT be offered or negotiated by TLS 1.3
 * implementations." A hello listing nothing else breaks that rule (and is
 * refused as tlsfuzzer expects); one listing them beside a group we share
 * is taken, as clients falling back to TLS 1.2 send such lists. Returns the
 * first group when all are obsolete, else 0. */
static uint16_t only_obsolete_groups(const client_hello *ch)
{
    if (!ch->has_groups)
        return 0;
    tls_reader raw = ch->groups_raw;
    uint16_t first = 0;
    while (tls_rd_left(&raw) >= 2) {
        uint16_t g = tls_rd_u16(&raw);
        int obsolete = (g >= 0x0001 && g <= 0x0016) || (g >= 0x001a && g <= 0x001c) || g == 0xff01 || g == 0xff02;
        if (!obsolete)
            return 0;
        if (first == 0)
            first = g;
    }
    return first;
}

/* A client whose only TLS 1.3 suites are ones we lack (the CCM ones) may
 * share TLS 1.2 suites with us; "no cipher suite in common" would then send
 * its operator looking at the wrong list, so name the TLS 1.3 ones. */
static int fail_no_suite(tls_conn *c, const client_hello *ch)
{
    char names[160];
    size_t offered = 0;
    size_t listed = tls_hello_offered_suite_names(ch, TLS_VERSION_13, names, sizeof names, &offered);
    if (offered == 0)
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "the client offers TLS 1.3 but no TLS 1.3 cipher suite");
    return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                    "no TLS 1.3 cipher suite in common with the client (it offers %s%s)", names,
                    offered > listed ? ", ..." : "");
}

/* Whether the ClientHello lists `suite` (ch->suites has a bit per suite of
 * our policy, in its order). */
static int hello_offers(const tls_conn *c, const client_hello *ch, const tls_suite *suite)
{
    for (size_t i = 0; i < c->pol.n_suites; i++)
        if (c->pol.suites[i] == suite->id)
            return (ch->suites & ((uint32_t)1 << i)) != 0;
    return 0;
}

static int negotiate(tls_conn *c, const client_hello *ch, const tls_reader **share, const tls13_psk_choice *psk)
{
    *share = NULL;
    /* rfc8446#4.1.2: the second ClientHello keeps the suites; the one the
     * HelloRetryRequest named must still be there, PSK or not. */
    if (c->suite != NULL && !hello_offers(c, ch, c->suite))
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "second ClientHello changes the cipher suites (it no longer offers %s, which the "
                        "HelloRetryRequest chose)", c->suite->name);
    if (c->suite != NULL && ch->suites != c->retry_suites)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "second ClientHello changes the cipher suites");
    /* rfc8446#4.1.4: after a HelloRetryRequest the suite stays the one it
     * named, even when a PSK that chose it is no longer taken. The PSK path
     * keeps it too (suite_with_hash). */
    const tls_suite *suite = c->suite != NULL ? c->suite : psk ? psk->suite : NULL;
    for (size_t i = 0; i < c->pol.n_suites && suite == NULL; i++)
        if (ch->suites & ((uint32_t)1 << i)) {
            const tls_suite *s = tls_suite_get(c->pol.suites[i]);
            if (s != NULL && s->version == TLS_VERSION_13)
                suite = s;
        }
    if (suite == NULL)
        return fail_no_suite(c, ch);
    c->suite = suite;
    /* rfc8446#2.2: a resumed handshake is authenticated by the PSK: no
     * certificate, no signature. psk_ke has no key exchange either. */
    if (psk != NULL && psk->mode == TLS_PSK_KE) {
        c->group = 0;
        return 0;
    }
    if (psk == NULL) {
        /* rfc8446#4.4.2.2: "the digitalSignature bit MUST be set if the
         * Key Usage extension is present". Reached when the name chose a
         * pair that may not sign while another may. */
        if (!c->own->can_sign && tls_sni_fail_no_pair(c, ch, TLS_VERSION_13) != 0)
            return -1;
        if (!c->own->can_sign)
            return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                            "our certificate for this name has a keyUsage without digitalSignature, which "
                            "TLS 1.3 needs to sign the handshake (RFC 8446 4.4.2.2)");
        c->sigscheme = tls_sig_choose(c->own->key, c->pol.sigalgs, c->pol.n_sigalgs, c->peer_sigalgs,
                                      c->n_peer_sigalgs);
        if (c->sigscheme == 0 && tls_sni_fail_no_pair(c, ch, TLS_VERSION_13) != 0)
            return -1;
        if (c->sigscheme == 0)
            return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                            "no signature algorithm in common with the client for our certificate");
    }
    for (size_t i = 0; i < c->pol.n_groups; i++)
        if (ch->shares & ((uint32_t)1 << i)) {
            c->group = c->pol.groups[i];
            *share = &ch->share[i];
            return 0;
        }
    /* rfc8446#4.1.1: no usable share, but a group both support: ask for it. */
    for (size_t i = 0; i < c->pol.n_groups; i++)
        if (ch->groups & ((uint32_t)1 << i)) {
            c->group = c->pol.groups[i];
            return 0;
        }
    uint16_t obsolete = only_obsolete_groups(ch);
    if (obsolete != 0)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "the client offers only obsolete groups (0x%04x...), which RFC 8446 4.2.7 says TLS 1.3 "
                        "must not offer", obsolete);
    return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE, "no key exchange group in common with the client");
}

/* After the hello: the server's flight, full or resumed (rfc8446#2.2: no
 * CertificateRequest, Certificate or CertificateVerify with a PSK). */
static int send_flight(tls_conn *c, client_hello *chp, const tls_reader *share, tls13_psk_choice *psk)
{
    int resumed = psk->session != NULL;
    if (resumed && tls13_psk_server_resume(c, psk) != 0)
        return -1;
    int ask_cert = c->pol.verify && !resumed;
    if (tls13_early_server_decide(c, chp, resumed ? psk->identity : -1) != 0 ||
        send_server_hello(c, chp, share, resumed ? psk : NULL) != 0 ||
        tls_record_set_write_key(c, c->keys.server_hs, "server_handshake_traffic_secret") != 0 ||
        (c->early_data != 1 &&
         tls_record_set_read_key(c, c->keys.client_hs, "client_handshake_traffic_secret") != 0) ||
        send_encrypted_extensions(c, chp) != 0 || (ask_cert && send_certificate_request(c) != 0) ||
        (!resumed && (tls_hs_send_certificate(c, NULL, 0, 0) != 0 || tls_hs_send_certificate_verify(c) != 0)) ||
        tls_hs_send_finished(c, c->keys.server_hs) != 0 || tls_hs_derive_application_secrets(c) != 0 ||
        tls_record_set_write_key(c, c->keys.server_ap, "server_application_traffic_secret_0") != 0)
        return -1;
    c->state = ask_cert ? ST_SERVER_WAIT_CERT : ST_SERVER_WAIT_FINISHED;
    return tls13_early_server_after_flight(c);
}

int tls13_server_client_hello(tls_conn *c, client_hello *chp, const uint8_t *msg, size_t len)
{
    const tls_reader *share;
    int second = c->state == ST_SERVER_WAIT_CH2;
    uint16_t retry_group = c->group;
    /* The second ClientHello ends the records sent as early data. */
    if (second)
        c->early_skip = TLS_EARLY_NONE;
    if (check_client_hello13(c, chp) != 0)
        return -1;
    memcpy(c->client_random, chp->random, TLS_RANDOM_LEN); /* for the key log */
    /* rfc8446#5: the compatibility change_cipher_spec may come from now on. */
    c->ccs_ignorable = 1;
    /* rfc8446#4.1.2: the second ClientHello removes early_data, "Early data
     * is not permitted after a HelloRetryRequest". */
    if (second && chp->early_data)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER, "second ClientHello offers early data again");
    if (chp->has_server_name && c->server_name == NULL) {
        c->server_name = OPENSSL_strndup((const char *)chp->server_name.p, chp->server_name.len);
        if (c->server_name == NULL)
            return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    }
    /* The binder covers the transcript before this hello, and the hello
     * up to the binders: judged before the hello joins the transcript. */
    tls13_psk_choice psk;
    if (tls13_psk_server_select(c, chp, msg, len, &psk) != 0)
        return -1;
    int rc = -1;
    if ((psk.session == NULL && check_full_handshake_extensions(c, chp) != 0) ||
        tls_transcript_add(&c->transcript, msg, len, &c->err) != 0 || negotiate(c, chp, &share, psk.session ? &psk : NULL) != 0)
        goto done;
    int psk_ke = psk.session != NULL && psk.mode == TLS_PSK_KE;
    if (second && !psk_ke) {
        /* rfc8446#4.1.2: the second ClientHello carries one share, for the group we asked for. */
        if (share == NULL || c->group != retry_group) {
            tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                     "second ClientHello does not carry a key share for %s", tls_group_name(retry_group));
            goto done;
        }
        if (chp->n_shares != 1) {
            tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                     "second ClientHello carries %zu key shares (after a HelloRetryRequest only one, for %s)",
                     chp->n_shares, tls_group_name(retry_group));
            goto done;
        }
    } else if (share == NULL && !psk_ke) {
        c->hello_retry = 1;
        c->retry_suites = chp->suites;
        c->state = ST_SERVER_WAIT_CH2;
        /* rfc8446#4.2.10: after a HelloRetryRequest "the server then
         * ignores early data by skipping all records with an external
         * content type of "application_data"" until the second ClientHello. */
        if (chp->early_data)
            c->early_skip = TLS_EARLY_SKIP_PLAIN;
        if (tls13_early_server_retry(c, chp) != 0)
            goto done;
        /* The second ClientHello's PSK is judged again, with its own binder. */
        rc = send_hello_retry(c, chp);
        goto done;
    }
    c->version = TLS_VERSION_13;
    if (chp->record_size_limit != 0)
        c->send_limit = tls_ext_send_limit(chp->record_size_limit);
    if (send_flight(c, chp, psk_ke ? NULL : share, &psk) != 0)
        goto done;
    /* rfc8446#4.2.10: we accept no early data (our EncryptedExtensions has
     * no early_data), so we skip "past early data by attempting to
     * deprotect received records using the handshake traffic key,
     * discarding records which fail deprotection". */
    if (chp->early_data && c->early_data != 1)
        c->early_skip = TLS_EARLY_SKIP_TRIAL;
    rc = 0;
done:
    tls13_psk_choice_free(&psk);
    return rc;
}

/* rfc8446#4.4.2: the client's answer to our CertificateRequest. */
static int handle_client_certificate(tls_conn *c, tls_reader *body, const uint8_t *msg, size_t len)
{
    if (tls_hs_parse_certificate(c, body) != 0 || tls_transcript_add(&c->transcript, msg, len, &c->err) != 0)
        return -1;
    if (c->peer_chain != NULL && sk_X509_num(c->peer_chain) > 0) {
        c->state = ST_SERVER_WAIT_CV;
        return 0;
    }
    /* rfc8446#4.4.2.4: without client certificates the server "MAY at its
     * discretion either continue the handshake without client
     * authentication or abort the handshake with a "certificate_required"
     * alert". */
    if (tls_hs_client_sent_no_certificate(c, TLS_ALERT_CERTIFICATE_REQUIRED) != 0)
        return -1;
    c->state = ST_SERVER_WAIT_FINISHED;
    return 0;
}

static int handle_client_certificate_verify(tls_conn *c, tls_reader *body, const uint8_t *msg, size_t len)
{
    /* info().signature on a server stays the scheme we signed with. */
    uint16_t ours = c->sigscheme;
    int rc = tls_hs_check_certificate_verify(c, body);
    c->sigscheme = ours;
    if (rc != 0 || tls_transcript_add(&c->transcript, msg, len, &c->err) != 0)
        return -1;
    c->state = ST_SERVER_WAIT_FINISHED;
    return 0;
}

int tls13_server_handle(tls_conn *c, uint8_t type, tls_reader *body, const uint8_t *msg, size_t len)
{
    switch (c->state) {
    case ST_SERVER_WAIT_EOED:
        return tls13_early_server_handle(c, type, body, msg, len);
    case ST_SERVER_WAIT_CERT:
        if (type != TLS_HS_CERTIFICATE)
            return unexpected(c, type, "Certificate");
        return handle_client_certificate(c, body, msg, len);
    case ST_SERVER_WAIT_CV:
        if (type != TLS_HS_CERTIFICATE_VERIFY)
            return unexpected(c, type, "CertificateVerify");
        return handle_client_certificate_verify(c, body, msg, len);
    case ST_SERVER_WAIT_FINISHED:
        if (type != TLS_HS_FINISHED)
            return unexpected(c, type, "Finished");
        if (tls_hs_check_finished(c, body, c->keys.client_hs) != 0 ||
            tls_transcript_add(&c->transcript, msg, len, &c->err) != 0 ||
            tls_record_set_read_key(c, c->keys.client_ap, "client_application_traffic_secret_0") != 0 ||
            tls13_psk_server_send_tickets(c) != 0)
            return -1;
        c->state = ST_CONNECTED;
        c->status |= TLS_STATUS_HANDSHAKE_DONE;
        return 0;
    default:
        return unexpected(c, type, "no handshake message");
    }
}
