/* Which of its certificate/key pairs a server sends (rfc6066#3 server_name,
 * rfc8446#4.4.2.2): by the name the client asked for, then by what the
 * client can verify, so that an ECDSA and an RSA certificate for the same
 * name both serve their clients. */
#include <string.h>
#include <openssl/x509v3.h>

#include "hs/tls_hello.h"
#include "pki/tls_x509.h"
#include "util/tls_names.h"

/* The key exchange (TLS_KX_*) of the suite at `rank` of our order. */
static int kx_at(const tls_conn *c, int rank)
{
    return tls_suite_get(c->pol.suites[rank])->kx;
}

/* The key exchange of the suite we prefer most of those the client
 * offers and one of our pairs could serve, or -1. */
static int best_kx12(const tls_conn *c, const client_hello *ch)
{
    int best = -1;
    for (size_t i = 0; i < c->cfg->n_ids; i++) {
        int rank = tls12_server_key_rank(c, ch, &c->cfg->ids[i], 0);
        if (rank >= 0 && (best < 0 || rank < best))
            best = rank;
    }
    return best < 0 ? -1 : kx_at(c, best);
}

/* The client can verify a signature by key: TLS 1.3 needs a leaf that
 * may sign and a scheme of signature_algorithms for its key; TLS 1.2 a
 * suite we would choose whose authentication it does (ECDSA also needs its
 * curve among the client's groups, rfc8422#5.1.1). With `prefer`, a TLS 1.2
 * pair must also give the key exchange of the suite we prefer most of the
 * client's (review30a F1: a default fit only for RSA key transport, by its
 * keyUsage, took clients to whom another pair gave ECDHE; and a pair is
 * not passed over for one whose suite we rank higher but whose key
 * exchange is the same). */
static int key_fits(const tls_conn *c, const client_hello *ch, uint16_t version, const tls_identity *id,
                    int prefer)
{
    if (version == TLS_VERSION_13)
        return id->can_sign &&
               tls_sig_choose(id->key, c->pol.sigalgs, c->pol.n_sigalgs, c->peer_sigalgs, c->n_peer_sigalgs) != 0;
    int rank = tls12_server_key_rank(c, ch, id, 0);
    return rank >= 0 && (!prefer || kx_at(c, rank) == best_kx12(c, ch));
}

/* The schemes the client accepts in certificates: rfc8446#4.2.3
 * "signature_algorithms_cert ... If no signature_algorithms_cert extension
 * is present, then the signature_algorithms extension also applies to
 * signatures appearing in certificates." The first `max` entries are kept;
 * the extension's form was checked with the ClientHello. */
typedef struct cert_sigalgs {
    uint16_t ids[128];
    size_t n;
} cert_sigalgs;

static void read_cert_sigalgs(const client_hello *ch, cert_sigalgs *out)
{
    tls_reader list;
    tls_reader *ext = tls_hs_find_ext((tls_ext_list *)&ch->exts, TLS_EXT_SIGNATURE_ALGORITHMS_CERT);
    if (ext != NULL) {
        tls_reader r = *ext;
        list = tls_rd_vec(&r, 2);
    } else if (ch->has_sigalgs) {
        list = ch->sigalgs_raw;
    } else {
        out->n = 0;
        return;
    }
    out->n = 0;
    while (tls_rd_left(&list) >= 2 && out->n < sizeof out->ids / sizeof out->ids[0])
        out->ids[out->n++] = tls_rd_u16(&list);
}

/* A leaf every client accepts for a server today: valid now and, by its
 * extendedKeyUsage, for TLS servers. A renewal often keeps the expired
 * pair next to the new one, or a clientAuth-only certificate sits beside
 * the server's: such a pair is chosen only when no other fits (review39h
 * F2: the first in the list was sent, and every client refused it). */
static int pair_current(const tls_identity *id)
{
    X509 *leaf = sk_X509_value(id->chain, 0);
    return id->for_servers && X509_cmp_time(X509_get0_notBefore(leaf), NULL) < 0 &&
           X509_cmp_time(X509_get0_notAfter(leaf), NULL) > 0;
}

/* How choosy a pass over the pairs is: the first pass wants everything, the
 * second a current leaf for servers only, the last a key the client can
 * verify (review39g: an expired pair could win the second pass). */
enum { PREFER_NONE = 0, PREFER_CURRENT = 1, PREFER_ALL = 2 };

/* A pair the client can verify; with `prefer`, the key exchange we prefer
 * in TLS 1.2 (key_fits) and a chain signed only with schemes it accepts in certificates (rfc8446#4.4.2.2: "the
 * certificate chain ... SHOULD be signed with a signature algorithm
 * listed in signature_algorithms_cert"), when it said which. */
static int pair_fits(const tls_conn *c, const client_hello *ch, uint16_t version, const tls_identity *id,
                     const cert_sigalgs *algs, int prefer)
{
    if (!key_fits(c, ch, version, id, prefer == PREFER_ALL) || (prefer != PREFER_NONE && !pair_current(id)))
        return 0;
    return prefer != PREFER_ALL || algs->n == 0 || tls_chain_fits_sigalgs_cert(id->chain, algs->ids, algs->n);
}

/* rfc6066#3: the name is a host name, matched as a client would match it
 * (subjectAltName, wildcards; never an IP literal, which SNI cannot carry). */
static int leaf_matches(const tls_identity *id, const char *name)
{
    X509 *leaf = sk_X509_value(id->chain, 0);
    return X509_check_host(leaf, name, strlen(name), 0, NULL) == 1;
}

static int trace_choice(tls_conn *c, const char *name, const char *why)
{
    if (!tls_tracing(c))
        return 0;
    char subject[256];
    X509 *leaf = sk_X509_value(c->own->chain, 0);
    tls_x509_name_text(X509_get_subject_name(leaf), subject, sizeof subject);
    tls_trace_builder tb;
    tls_trace_begin(&tb, "decide", "server_name");
    tls_trace_add(&tb, "name", "%s", name ? name : "none (the client sent no server_name)");
    tls_trace_add(&tb, "certificate", "%s", subject);
    tls_trace_add(&tb, "key", "%s", EVP_PKEY_get0_type_name(c->own->key));
    tls_trace_add(&tb, "pair", "%zu of %zu", (size_t)(c->own - c->cfg->ids) + 1, c->cfg->n_ids);
    tls_trace_add(&tb, "why", "%s", why);
    return tls_trace_emit(c, &tb);
}

/* When no pair fits, the one whose failure negotiation explains: in TLS
 * 1.2 the first (for `name`, if not NULL) that a suite the client offers
 * is for, so that the reason names the signature schemes or groups that
 * are missing rather than the key kind of a pair no suite is for
 * (review31a F1); else `fallback`. */
static size_t closest_pair(const tls_conn *c, const client_hello *ch, uint16_t version, const char *name,
                           size_t fallback)
{
    for (size_t i = 0; version == TLS_VERSION_12 && i < c->cfg->n_ids; i++)
        if ((name == NULL || leaf_matches(&c->cfg->ids[i], name)) &&
            tls12_server_key_rank(c, ch, &c->cfg->ids[i], 1) >= 0)
            return i;
    return fallback;
}

/* The client's name as a C string for X509_check_host, or NULL when it
 * sent none. parse_server_name made sure: at most 255 bytes, no NUL. */
static const char *sni_string(const client_hello *ch, char name[256])
{
    if (!ch->has_server_name)
        return NULL;
    memcpy(name, ch->server_name.p, ch->server_name.len);
    name[ch->server_name.len] = '\0';
    return name;
}

int tls_sni_name_never_signs(const tls_conn *c, const client_hello *ch)
{
    char buf[256];
    const char *name = sni_string(ch, buf);
    if (name == NULL)
        return 0;
    int matched = 0;
    for (size_t i = 0; i < c->cfg->n_ids; i++) {
        if (!leaf_matches(&c->cfg->ids[i], name))
            continue;
        if (c->cfg->ids[i].can_sign)
            return 0;
        matched = 1;
    }
    return matched;
}

int tls_sni_choose_identity(tls_conn *c, const client_hello *ch, uint16_t version)
{
    const tls_config *cfg = c->cfg;
    char buf[256];
    const char *sni = sni_string(ch, buf);
    size_t n = cfg->n_ids;
    /* (a second ClientHello chooses afresh) */
    c->unfit_pairs = 0;
    c->unfit_by_name = 0;
    /* One pair and no sni_strict: it is the answer whatever the name and
     * the client's lists (negotiation then says what does not fit). The
     * name is matched against the certificate (X509_check_host, some 8 k
     * instructions) only to say why in the trace. */
    if (n == 1 && !c->pol.sni_strict && !tls_tracing(c)) {
        c->own = &cfg->ids[0];
        return 0;
    }
    /* With a single pair there is nothing to choose: the chain's
     * signatures (X509 work per handshake) are looked at only when the
     * client's lists could change the choice. */
    cert_sigalgs algs;
    algs.n = 0;
    if (n > 1)
        read_cert_sigalgs(ch, &algs);
    int matched = -1;
    if (sni != NULL) {
        for (int prefer = PREFER_ALL; prefer >= PREFER_NONE; prefer--)
            for (size_t i = 0; i < n; i++) {
                if (!leaf_matches(&cfg->ids[i], sni))
                    continue;
                if (matched < 0)
                    matched = (int)i;
                if (pair_fits(c, ch, version, &cfg->ids[i], &algs, prefer)) {
                    c->own = &cfg->ids[i];
                    return trace_choice(c, sni, "its certificate is for this name, with a key the client can verify");
                }
            }
        /* rfc6066#3: "If the server understood the ClientHello extension
         * but does not recognize the server name, the server SHOULD take
         * one of two actions: either abort the handshake by sending a fatal
         * unrecognized_name(112) alert or continue the handshake." */
        if (matched < 0 && c->pol.sni_strict) {
            char text[256];
            tls_sanitize(sni, strlen(sni), text, sizeof text);
            return tls_fail(&c->err, TLS_ALERT_UNRECOGNIZED_NAME,
                            "no certificate for the name the client asked for (%s), and sni_strict is set", text);
        }
        /* Certificates for the name, none the client can verify: the
         * first of them, and negotiation says precisely what is missing
         * (a certificate for another name would not help the client). */
        if (matched >= 0) {
            c->unfit_pairs = 0;
            for (size_t i = 0; i < n; i++)
                c->unfit_pairs += leaf_matches(&cfg->ids[i], sni);
            c->unfit_by_name = 1;
            c->own = &cfg->ids[closest_pair(c, ch, version, sni, (size_t)matched)];
            return trace_choice(c, sni, "its certificate is for this name, but the client can verify none "
                                        "of the keys for it");
        }
    }
    const char *why = sni ? "no certificate for this name: the default one" : "the default certificate";
    for (int prefer = PREFER_ALL; prefer >= PREFER_NONE; prefer--) {
        if (pair_fits(c, ch, version, &cfg->ids[0], &algs, prefer)) {
            c->own = &cfg->ids[0];
            return trace_choice(c, sni, why);
        }
        for (size_t i = 1; i < n; i++)
            if (pair_fits(c, ch, version, &cfg->ids[i], &algs, prefer)) {
                c->own = &cfg->ids[i];
                if (prefer != PREFER_NONE && key_fits(c, ch, version, &cfg->ids[0], 0) &&
                    !pair_current(&cfg->ids[0]))
                    return trace_choice(c, sni, "the first that is valid now and for TLS servers "
                                                "(extendedKeyUsage): the default's certificate is not");
                if (prefer == PREFER_ALL && key_fits(c, ch, version, &cfg->ids[0], 0))
                    return trace_choice(c, sni, "the first whose chain is signed with algorithms the client "
                                                "accepts in certificates (signature_algorithms_cert) and, in "
                                                "TLS 1.2, that gives the key exchange we prefer (the default "
                                                "does not do both)");
                return trace_choice(c, sni, sni ? "no certificate for this name: the first whose key the client "
                                                  "can verify (the default's it cannot)"
                                                : "the first whose key the client can verify (the default's it "
                                                  "cannot)");
            }
    }
    /* None fits: negotiation fails with the precise reason. */
    c->unfit_pairs = n;
    c->own = &cfg->ids[closest_pair(c, ch, version, NULL, 0)];
    return trace_choice(c, sni, c->own == &cfg->ids[0]
                                    ? "the default certificate (the client can verify none of our keys)"
                                    : "the first of a kind the client's suites are for (it can verify none "
                                      "of our keys)");
}

/* ---- When no pair fits ------------------------------------------------------- */

/* Appends to out (at *used, bounded by size) the text of a list: at most
 * `max` items, then ", ..." for the rest. */
static void append(char *out, size_t size, size_t *used, const char *fmt, const char *item)
{
    if (*used >= size)
        return;
    int n = snprintf(out + *used, size - *used, fmt, item);
    *used = n < 0 ? size : *used + (size_t)n;
}

/* The client's list of 16-bit ids (raw, as sent) by name, up to 4: those
 * we know (GREASE and the like say nothing to the reader), and in TLS 1.3
 * only the schemes it allows for handshake signatures; with `off`, only
 * those not in it (n_off ids) that 'sigalgs' could name (SHA-1 it cannot).
 * "none" if empty. */
static void id_list_text(tls_reader raw, const char *(*name_of)(uint16_t), int only13, const uint16_t *off,
                         size_t n_off, char *out, size_t size)
{
    size_t used = 0, listed = 0;
    snprintf(out, size, "none");
    while (tls_rd_left(&raw) >= 2) {
        uint16_t id = tls_rd_u16(&raw);
        const char *name = name_of(id);
        if (name == NULL || (only13 && !tls_sig_scheme_in13(id)) ||
            (off != NULL && (tls_hello_offered(off, n_off, id) || !tls_config_sigalg_implemented(id))))
            continue;
        if (listed == 4) {
            append(out, size, &used, "%s", ", ...");
            break;
        }
        append(out, size, &used, listed ? ", %s" : "%s", name);
        listed++;
    }
}

/* "ECDSA on secp256r1", "RSA 2048 bits", "Ed25519"; and when its keyUsage
 * forbids signing, which a TLS 1.3 key and an ECDHE one must do. */
static void key_text(const tls_identity *id, int curve_refused, char *out, size_t size)
{
    EVP_PKEY *key = id->key;
    uint16_t curve = tls_ec_key_group(key);
    if (curve != 0)
        snprintf(out, size, "ECDSA on %s", tls_group_name(curve) ? tls_group_name(curve) : "another curve");
    else if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS"))
        snprintf(out, size, "%s %d bits", EVP_PKEY_is_a(key, "RSA") ? "RSA" : "RSA-PSS", EVP_PKEY_get_bits(key));
    else
        snprintf(out, size, "%s", EVP_PKEY_is_a(key, "ED25519") ? "Ed25519"
                                  : EVP_PKEY_is_a(key, "ED448") ? "Ed448"
                                                                : "a key of another kind");
    size_t len = strlen(out);
    if (!id->can_sign)
        snprintf(out + len, size - len, " (its keyUsage forbids signing)");
    else if (curve_refused)
        snprintf(out + len, size - len, " (a curve the client does not name)");
}

/* rfc8422#5.1.1: in TLS 1.2 the client's supported_groups also name the
 * curves it verifies ECDSA signatures on. */
static int curve_refused12(const client_hello *ch, EVP_PKEY *key)
{
    uint16_t curve = tls_ec_key_group(key);
    if (curve == 0 || !ch->has_groups)
        return 0;
    tls_reader raw = ch->groups_raw;
    while (tls_rd_left(&raw) >= 2)
        if (tls_rd_u16(&raw) == curve)
            return 0;
    return 1;
}

/* The kinds of key the client's TLS 1.2 suites (those we allow) are for. */
enum { KIND_ECDSA = 1, KIND_ECDHE_RSA = 2, KIND_RSA_KX = 4 };

static unsigned suite_kinds12(const tls_conn *c, const client_hello *ch)
{
    unsigned kinds = 0;
    for (size_t i = 0; i < c->pol.n_suites; i++) {
        const tls_suite *s = tls_suite_get(c->pol.suites[i]);
        if (!(ch->suites & ((uint32_t)1 << i)) || s == NULL || s->version != TLS_VERSION_12)
            continue;
        if (s->auth == TLS_AUTH_ECDSA)
            kinds |= KIND_ECDSA;
        if (s->auth == TLS_AUTH_RSA && s->kx == TLS_KX_ECDHE)
            kinds |= KIND_ECDHE_RSA;
        if (s->kx == TLS_KX_RSA)
            kinds |= KIND_RSA_KX;
    }
    return kinds;
}

static void suite_kinds_text(unsigned kinds, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    if (kinds & KIND_ECDSA)
        append(out, size, &used, "%s", "ECDSA and Ed25519 keys (ECDHE_ECDSA)");
    if (kinds & KIND_ECDHE_RSA)
        append(out, size, &used, used ? ", %s" : "%s", "RSA keys that sign (ECDHE_RSA)");
    if (kinds & KIND_RSA_KX)
        append(out, size, &used, used ? ", %s" : "%s", "RSA keys that encipher (RSA key transport)");
}

int tls_sni_fail_no_pair(tls_conn *c, const client_hello *ch, uint16_t version)
{
    if (c->unfit_pairs < 2)
        return 0;
    char name[256], sni_text[256] = "", keys[160] = "", algs[160] = "none", kinds[160] = "";
    const char *sni = c->unfit_by_name ? sni_string(ch, name) : NULL;
    if (sni != NULL)
        tls_sanitize(sni, strlen(sni), sni_text, sizeof sni_text);
    size_t used = 0, listed = 0;
    /* An ECDSA key's curve matters only to a client offering ECDHE_ECDSA
     * suites: to one that offers none, the key is out by its kind, and
     * naming the curve or the groups would point at the wrong cause. */
    unsigned suite_kinds = version == TLS_VERSION_12 ? suite_kinds12(c, ch) : 0;
    int curves_matter = (suite_kinds & KIND_ECDSA) != 0;
    for (size_t i = 0; i < c->cfg->n_ids; i++) {
        if (sni != NULL && !leaf_matches(&c->cfg->ids[i], sni))
            continue;
        if (listed == 4) {
            append(keys, sizeof keys, &used, "%s", ", ...");
            break;
        }
        char one[80];
        key_text(&c->cfg->ids[i], curves_matter && curve_refused12(ch, c->cfg->ids[i].key), one, sizeof one);
        append(keys, sizeof keys, &used, listed ? ", %s" : "%s", one);
        listed++;
    }
    /* Schemes it accepts that our 'sigalgs' leave out: without them the
     * sentence would blame keys that can make those signatures. */
    char left_out[160] = "";
    if (ch->has_sigalgs) {
        id_list_text(ch->sigalgs_raw, tls_sigscheme_name, version == TLS_VERSION_13, NULL, 0, algs, sizeof algs);
        id_list_text(ch->sigalgs_raw, tls_sigscheme_name, version == TLS_VERSION_13, c->pol.sigalgs,
                     c->pol.n_sigalgs, left_out, sizeof left_out);
    }
    int some_off = ch->has_sigalgs && strcmp(left_out, "none") != 0;
    if (version == TLS_VERSION_13)
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "none of our %zu certificates%s%s fits this client: it accepts only the TLS 1.3 "
                        "signatures %s%s%s%s, and our keys are %s", c->unfit_pairs, sni ? " for " : "",
                        sni ? sni_text : "", algs, some_off ? " (our 'sigalgs' leave out " : "",
                        some_off ? left_out : "", some_off ? ")" : "", keys);
    /* TLS 1.2: a key no suite the client offers is for (by kind, and an
     * ECDSA key by its curve), or else the signatures (negotiate has ruled
     * out the groups and a missing signature_algorithms). review41a: an
     * ECDSA key on a curve the client's supported_groups leave out
     * (rfc8422#5.1.1) comes with the groups it names, as the signatures
     * come with those it accepts. */
    int curve_off = 0;
    for (size_t i = 0; i < c->cfg->n_ids && curves_matter && !curve_off; i++)
        curve_off = (sni == NULL || leaf_matches(&c->cfg->ids[i], sni)) && curve_refused12(ch, c->cfg->ids[i].key);
    char groups[160] = "";
    if (curve_off)
        id_list_text(ch->groups_raw, tls_group_name, 0, NULL, 0, groups, sizeof groups);
    char fitting[160] = "";
    size_t kind_fits = 0;
    used = 0;
    for (size_t i = 0; i < c->cfg->n_ids && kind_fits < 4; i++) {
        if ((sni != NULL && !leaf_matches(&c->cfg->ids[i], sni)) ||
            tls12_server_key_rank(c, ch, &c->cfg->ids[i], 1) < 0)
            continue;
        char one[80];
        key_text(&c->cfg->ids[i], 0, one, sizeof one);
        append(fitting, sizeof fitting, &used, kind_fits ? ", %s" : "%s", one);
        kind_fits++;
    }
    if (kind_fits > 0)
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "none of our %zu certificates%s%s fits this client: its TLS 1.2 suites fit only our %s%s%s, "
                        "which %s with none of the signatures it accepts (%s)%s%s%s%s%s%s", c->unfit_pairs,
                        sni ? " for " : "", sni ? sni_text : "", kind_fits > 1 ? "keys " : "", fitting,
                        kind_fits > 1 ? "" : " key", kind_fits > 1 ? "sign" : "signs", algs,
                        some_off ? " that our 'sigalgs' allow (they leave out " : "", some_off ? left_out : "",
                        some_off ? ")" : "",
                        curve_off ? "; it names the curve of none of our other ECDSA keys (its groups are " : "",
                        curve_off ? groups : "", curve_off ? ")" : "");
    suite_kinds_text(suite_kinds, kinds, sizeof kinds);
    return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                    "none of our %zu certificates%s%s fits this client: its TLS 1.2 suites are for %s, and our "
                    "keys are %s%s%s", c->unfit_pairs, sni ? " for " : "", sni ? sni_text : "",
                    kinds[0] ? kinds : "no key we have", keys, curve_off ? "; the groups it names are " : "",
                    curve_off ? groups : "");
}
