/* Certificate path validation on X509_STORE / X509_verify_cert, with the
 * verification error turned into a TLS alert and a sentence a person can
 * act on. No certificate parsing of our own: names and times come from
 * libcrypto's accessors. */
#include "pki/tls_x509.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509_vfy.h>

#include "util/tls_consts.h"

int tls_is_ip_literal(const char *s)
{
    unsigned char addr[16];
    if (s == NULL)
        return 0;
    return inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1;
}

/* The system's resolver reads "1.2.3", "127.1", "0x7f.0.0.1", "2130706433"
 * and "010.0.0.1" (octal: 8.0.0.1) as IPv4 addresses, though inet_pton and
 * the certificate's IP entries know only four decimal numbers: such a name
 * would connect to an address while the name check looked for a DNS name
 * no certificate carries. Only names made of digits, dots and hex letters
 * reach getaddrinfo (numeric only: no lookup); *addr gets the address read. */
static int is_other_ipv4_form(const char *name, size_t len, char *addr, size_t size)
{
    if (len > 253 || name[0] < '0' || name[0] > '9' || strspn(name, "0123456789abcdefABCDEFxX.") != len)
        return 0;
    struct addrinfo hints = {.ai_family = AF_INET, .ai_flags = AI_NUMERICHOST};
    struct addrinfo *found = NULL;
    if (getaddrinfo(name, NULL, &hints, &found) != 0 || found == NULL)
        return 0;
    const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)found->ai_addr;
    int ok = inet_ntop(AF_INET, &in->sin_addr, addr, (socklen_t)size) != NULL;
    freeaddrinfo(found);
    return ok;
}

/* rfc6066#3: HostName is "the fully qualified DNS hostname of the server",
 * ASCII, without a trailing dot; rfc1035#2.3.4: labels of 63 bytes at
 * most, 253 in all as text. Letters, digits, '-' and (liberally, as
 * libcrypto's name check does) '_'. */
int tls_server_name_problem(const char *name, size_t len, char *why, size_t size)
{
    if (len == 0) {
        snprintf(why, size, "is empty: give the host name or IP address the certificate must "
                            "carry (only verify = false skips the name check)");
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch == 0) {
            snprintf(why, size, "contains a NUL byte (at byte %zu)", i + 1);
            return -1;
        }
        if (ch < 0x20 || ch == 0x7f) {
            snprintf(why, size, "contains a control character (0x%02x at byte %zu)", ch, i + 1);
            return -1;
        }
    }
    if (tls_is_ip_literal(name))
        return 0;
    char addr[INET_ADDRSTRLEN];
    if (is_other_ipv4_form(name, len, addr, sizeof addr)) {
        snprintf(why, size, "is an IPv4 address in a short, octal or hex form (the system reads it as %s): "
                            "write an address as four decimal numbers", addr);
        return -1;
    }
    if (len > 253) {
        snprintf(why, size, "is %zu bytes long (a host name has at most 253)", len);
        return -1;
    }
    if (name[len - 1] == '.') {
        snprintf(why, size, "ends with a dot: give the name without it");
        return -1;
    }
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch == '.') {
            if (label == 0) {
                snprintf(why, size, "has an empty label (at byte %zu)", i + 1);
                return -1;
            }
            label = 0;
            continue;
        }
        if (ch >= 0x80) {
            snprintf(why, size, "contains a non-ASCII byte (0x%02x at byte %zu): give an "
                                "internationalized name in its ASCII form (xn--...)", ch, i + 1);
            return -1;
        }
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_')) {
            snprintf(why, size, "contains '%c', which is not allowed in a host name", ch);
            return -1;
        }
        if (++label > 63) {
            snprintf(why, size, "has a label longer than 63 bytes");
            return -1;
        }
    }
    return 0;
}

/* ---- Sanitising ------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if invalid;
 * *cp gets the code point. */
static size_t utf8_sequence(const unsigned char *p, size_t n, unsigned long *cp)
{
    size_t len;
    unsigned long v, min;
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if ((p[0] & 0xe0) == 0xc0) {
        len = 2, v = p[0] & 0x1f, min = 0x80;
    } else if ((p[0] & 0xf0) == 0xe0) {
        len = 3, v = p[0] & 0x0f, min = 0x800;
    } else if ((p[0] & 0xf8) == 0xf0) {
        len = 4, v = p[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3f);
    }
    /* Overlong forms, surrogates and values past Unicode are not UTF-8. */
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

/* Characters that change how a terminal or an editor shows what follows:
 * C0 and C1 controls, DEL, line and paragraph separators, and the
 * bidirectional overrides and isolates. */
static int is_control(unsigned long cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

size_t tls_sanitize(const void *src, size_t len, char *out, size_t size)
{
    const unsigned char *p = src;
    size_t n = 0;
    if (size == 0)
        return 0;
    for (size_t i = 0; i < len && n + 1 < size;) {
        unsigned long cp = 0;
        size_t seq = utf8_sequence(p + i, len - i, &cp);
        if (seq == 0 || is_control(cp)) {
            /* One '?' per invalid byte, or per control character. */
            out[n++] = '?';
            i += seq ? seq : 1;
            continue;
        }
        if (n + seq >= size)
            break; /* never cut a character in half */
        memmove(out + n, p + i, seq);
        n += seq;
        i += seq;
    }
    out[n] = '\0';
    return n;
}

/* ---- Text forms ------------------------------------------------------------ */

void tls_x509_time_text(const ASN1_TIME *t, char *out, size_t size)
{
    struct tm tm;
    if (t == NULL || !ASN1_TIME_to_tm(t, &tm)) {
        ERR_clear_error();
        snprintf(out, size, "(invalid time)");
        return;
    }
    snprintf(out, size, "%04d-%02d-%02d %02d:%02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void tls_x509_name_text(const X509_NAME *name, char *out, size_t size)
{
    /* RFC 2253 order and escaping, but UTF-8 left readable rather than
     * escaped as \XX. */
    const unsigned long flags = (XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) |
                                ASN1_STRFLGS_UTF8_CONVERT;
    if (size == 0)
        return;
    out[0] = '\0';
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL || name == NULL || X509_NAME_print_ex(bio, name, 0, flags) < 0) {
        BIO_free(bio);
        ERR_clear_error();
        return;
    }
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    /* Peer text: a hostile certificate must not forge lines in a log. */
    if (len > 0)
        tls_sanitize(data, (size_t)len, out, size);
    BIO_free(bio);
}

int tls_x509_general_name_text(const GENERAL_NAME *gn, char *out, size_t size)
{
    if (size == 0)
        return 0;
    if (gn->type == GEN_DNS) {
        tls_sanitize(ASN1_STRING_get0_data(gn->d.dNSName),
                     (size_t)ASN1_STRING_length(gn->d.dNSName), out, size);
        return 1;
    }
    if (gn->type == GEN_IPADD) {
        int len = ASN1_STRING_length(gn->d.iPAddress);
        const unsigned char *p = ASN1_STRING_get0_data(gn->d.iPAddress);
        char text[INET6_ADDRSTRLEN];
        int family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
        if (family == 0 || inet_ntop(family, p, text, sizeof text) == NULL)
            snprintf(text, sizeof text, "(bad IP address)");
        snprintf(out, size, "%s", text);
        return 1;
    }
    return 0;
}

/* A name that does not fit is cut before the character it would split:
 * peer text is sanitised to whole UTF-8 characters, and half of one would
 * make the message that quotes it invalid UTF-8 (review44b). A cut ends
 * the list: the bytes the partial character leaves free would take the
 * next separator and the first letter of the next name, a name ("b") the
 * certificate does not have (review44g). */
static void append(char *out, size_t size, size_t *used, const char *s)
{
    size_t n = strlen(s), room = size - 1 - *used;
    int cut = n > room;
    if (cut)
        n = tls_utf8_cut(s, room);
    memcpy(out + *used, s, n);
    out[*used + n] = '\0';
    *used = cut ? size - 1 : *used + n;
}

int tls_x509_names_text(X509 *cert, char *out, size_t size, int tagged)
{
    /* Ends a list that leaves names out (", ...") or cuts its first one
     * ("..."): the room for it is kept from the start, so that a shortened
     * list never reads as whole (review46b). */
    static const char more[] = ", ...";
    size_t used = 0;
    int count = 0, left_out = 0;
    if (size == 0)
        return 0;
    out[0] = '\0';
    size_t room = size > 4 * sizeof more ? size - (sizeof more - 1) : size;
    GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    /* Untagged, "127.0.0.1" could be either kind; a list of DNS names
     * alone reads fine without the tags. */
    for (int i = 0; !tagged && i < sk_GENERAL_NAME_num(sans); i++)
        tagged = sk_GENERAL_NAME_value(sans, i)->type == GEN_IPADD;
    /* The last name shown needs no room for the mark after it. */
    int last = -1;
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); i++) {
        int type = sk_GENERAL_NAME_value(sans, i)->type;
        if (type == GEN_DNS || type == GEN_IPADD)
            last = i;
    }
    for (int i = 0; i < sk_GENERAL_NAME_num(sans) && !left_out; i++) {
        char one[256];
        const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);
        if (!tls_x509_general_name_text(gn, one, sizeof one))
            continue;
        /* A name after the first that does not fit whole ends the list
         * before it: cut, its first letters read as a name the
         * certificate does not have ("aaa, b": review44g's case, with no
         * UTF-8 at all; review45a). The first is cut, as it must show. */
        const char *tag = !tagged ? "" : gn->type == GEN_DNS ? "DNS:" : "IP:";
        size_t whole = (used > 0 ? 2 : 0) + strlen(tag) + strlen(one);
        size_t limit = i == last && whole <= size - 1 - used ? size : room;
        if (whole > limit - 1 - used) {
            left_out = used > 0 ? 1 : 2; /* 2: the first, cut */
            if (used > 0)
                break;
        }
        if (used > 0)
            append(out, limit, &used, ", ");
        append(out, limit, &used, tag);
        append(out, limit, &used, one);
        count++;
    }
    if (left_out && room < size) {
        used = strlen(out); /* a cut leaves used at the end of the room */
        append(out, size, &used, left_out == 1 ? more : more + 2);
    }
    GENERAL_NAMES_free(sans);
    ERR_clear_error();
    return count;
}

void tls_x509_key_text(EVP_PKEY *key, char *out, size_t size)
{
    if (key == NULL) {
        snprintf(out, size, "unknown");
        return;
    }
    if (EVP_PKEY_is_a(key, "EC")) {
        char group[64] = "";
        size_t glen = 0;
        EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &glen);
        const char *curve = strcmp(group, "prime256v1") == 0  ? "P-256"
                            : strcmp(group, "secp384r1") == 0 ? "P-384"
                            : strcmp(group, "secp521r1") == 0 ? "P-521"
                            : strcmp(group, "prime192v1") == 0 ? "P-192"
                            : strcmp(group, "secp224r1") == 0 ? "P-224"
                                                              : group;
        snprintf(out, size, "EC %s", curve);
    } else if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS")) {
        snprintf(out, size, "%s %d", EVP_PKEY_is_a(key, "RSA") ? "RSA" : "RSA-PSS",
                 EVP_PKEY_get_bits(key));
    } else if (EVP_PKEY_is_a(key, "ED25519")) {
        snprintf(out, size, "Ed25519");
    } else if (EVP_PKEY_is_a(key, "ED448")) {
        snprintf(out, size, "Ed448");
    } else {
        const char *name = EVP_PKEY_get0_type_name(key);
        snprintf(out, size, "%s", name != NULL ? name : "unknown");
    }
    ERR_clear_error();
}

/* ---- Verification ---------------------------------------------------------- */

/* Security level 1 to 5 (libcrypto's SSL_CTX_set_security_level): the
 * smallest RSA, DSA or DH modulus and the smallest EC curve each accepts. */
static const int min_rsa_bits[] = { 0, 1024, 2048, 3072, 7680, 15360 };
static const int min_ec_bits[] = { 0, 160, 224, 256, 384, 512 };
static const int min_security_bits[] = { 0, 80, 112, 128, 192, 256 };

/* "RSA 768 bits (security level 2 needs at least 2048)" */
static void weak_key_text(X509 *cert, int level, char *out, size_t size)
{
    EVP_PKEY *key = cert ? X509_get0_pubkey(cert) : NULL;
    char desc[80];
    tls_x509_key_text(key, desc, sizeof desc);
    if (level < 1 || level > 5 || key == NULL) {
        snprintf(out, size, "%s", desc);
    } else if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS") ||
               EVP_PKEY_is_a(key, "DSA") || EVP_PKEY_is_a(key, "DH")) {
        snprintf(out, size, "%s%s (security level %d needs at least %d)", desc,
                 EVP_PKEY_is_a(key, "DSA") || EVP_PKEY_is_a(key, "DH") ? "" : " bits", level,
                 min_rsa_bits[level]);
    } else if (EVP_PKEY_is_a(key, "EC")) {
        snprintf(out, size, "%s, %d bits (security level %d needs a curve of at least %d)", desc,
                 EVP_PKEY_get_bits(key), level, min_ec_bits[level]);
    } else {
        snprintf(out, size, "%s, %d bits of security (security level %d needs at least %d)",
                 desc, EVP_PKEY_get_security_bits(key), level, min_security_bits[level]);
    }
    ERR_clear_error();
}

/* "SHA-1" for the digest cert's signature was made with. */
static const char *signature_digest_name(X509 *cert)
{
    int mdnid = NID_undef;
    if (cert == NULL || !X509_get_signature_info(cert, &mdnid, NULL, NULL, NULL)) {
        ERR_clear_error();
        return "a weak digest";
    }
    switch (mdnid) {
    case NID_sha1:
        return "SHA-1";
    case NID_md5:
        return "MD5";
    case NID_md5_sha1:
        return "MD5+SHA-1";
    case NID_sha224:
        return "SHA-224";
    default: {
        const char *sn = OBJ_nid2sn(mdnid);
        return sn != NULL ? sn : "a weak digest";
    }
    }
}

/* The OIDs of cert's critical extensions that libcrypto does not
 * process, "1.2.3.4, ...": libcrypto's "unhandled critical extension"
 * alone leaves a CA's operator guessing which one. */
static void unhandled_critical_text(X509 *cert, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; cert != NULL && i < X509_get_ext_count(cert); i++) {
        X509_EXTENSION *ext = X509_get_ext(cert, i);
        char oid[80];
        if (!X509_EXTENSION_get_critical(ext) || X509_supported_extension(ext) ||
            OBJ_obj2txt(oid, sizeof oid, X509_EXTENSION_get_object(ext), 1) <= 0)
            continue;
        if (used > 0)
            append(out, size, &used, ", ");
        append(out, size, &used, oid);
    }
    ERR_clear_error();
}

/* The subject of the nearest CA above depth in the built chain that
 * carries nameConstraints: the one whose constraints the certificate at
 * depth breaks (libcrypto reports only the broken one). */
static void constraining_ca_text(STACK_OF(X509) *built, int depth, char *out, size_t size)
{
    out[0] = '\0';
    for (int i = depth + 1; built != NULL && i < sk_X509_num(built); i++) {
        X509 *ca = sk_X509_value(built, i);
        if (X509_get_ext_by_NID(ca, NID_name_constraints, -1) >= 0) {
            tls_x509_name_text(X509_get_subject_name(ca), out, size);
            return;
        }
    }
}

/* Describes a verification failure of cert (the one libcrypto was looking
 * at, at depth in the chain it built) and picks the alert, following
 * rfc8446#6.2's meanings. */
static int fail_verification(tls_error *err, int code, int depth, X509 *cert, STACK_OF(X509) *built,
                             const char *name, int level)
{
    char subject[200] = "", issuer[200] = "", when[40] = "", where[240] = "";
    if (cert != NULL) {
        tls_x509_name_text(X509_get_subject_name(cert), subject, sizeof subject);
        tls_x509_name_text(X509_get_issuer_name(cert), issuer, sizeof issuer);
    }
    /* Problems with an intermediate say which one. */
    if (depth > 0)
        snprintf(where, sizeof where, " (in chain: %s)", subject);

    switch (code) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        tls_x509_time_text(cert ? X509_get0_notAfter(cert) : NULL, when, sizeof when);
        return tls_fail(err, TLS_ALERT_CERTIFICATE_EXPIRED,
                        "certificate has expired (notAfter %s)%s", when, where);
    case X509_V_ERR_CERT_NOT_YET_VALID:
        tls_x509_time_text(cert ? X509_get0_notBefore(cert) : NULL, when, sizeof when);
        return tls_fail(err, TLS_ALERT_CERTIFICATE_EXPIRED,
                        "certificate is not yet valid (notBefore %s)%s", when, where);
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
        return tls_fail(err, TLS_ALERT_UNKNOWN_CA,
                        "unknown certificate authority (issuer: %s)", issuer);
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        return tls_fail(err, TLS_ALERT_UNKNOWN_CA,
                        "self-signed certificate is not trusted (subject: %s)", subject);
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        return tls_fail(err, TLS_ALERT_UNKNOWN_CA,
                        "self-signed certificate in chain is not trusted (%s)", subject);
    case X509_V_ERR_CERT_REVOKED:
        return tls_fail(err, TLS_ALERT_CERTIFICATE_REVOKED, "certificate is revoked%s", where);
    /* CRL checking is on (crl option) and the store has no CRL from this
     * certificate's issuer: bad_certificate, as libssl sends. */
    case X509_V_ERR_UNABLE_TO_GET_CRL:
        return tls_fail(err, TLS_ALERT_BAD_CERTIFICATE,
                        "unable to get certificate CRL: no CRL from its issuer (%s) was given "
                        "in option 'crl'%s", issuer, where);
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH: {
        char names[200];
        const char *what = code == X509_V_ERR_HOSTNAME_MISMATCH ? "host name" : "IP address";
        /* An IP address is checked against IP names only: a DNS name that
         * reads "127.0.0.1" does not match it, and the tags show why. */
        if (tls_x509_names_text(cert, names, sizeof names, code == X509_V_ERR_IP_ADDRESS_MISMATCH) > 0)
            return tls_fail(err, TLS_ALERT_BAD_CERTIFICATE,
                            "%s mismatch: expected %s, certificate is for %s", what,
                            name ? name : "?", names);
        /* rfc6125#6.4.4: the CN is only a fallback for certificates without
         * subjectAltName; like browsers, we never use it. */
        return tls_fail(err, TLS_ALERT_BAD_CERTIFICATE,
                        "%s mismatch: expected %s, certificate has no DNS or IP names in "
                        "subjectAltName (its subject %s is not used for name checks)",
                        what, name ? name : "?", subject);
    }
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        return tls_fail(err, TLS_ALERT_BAD_CERTIFICATE, "certificate signature is invalid%s",
                        where);
    /* Security level failures. bad_certificate, as libssl sends: the
     * certificate is unacceptable. insufficient_security (rfc8446#6.2) is
     * about negotiated parameters, which these are not. */
    case X509_V_ERR_EE_KEY_TOO_SMALL:
    case X509_V_ERR_CA_KEY_TOO_SMALL: {
        char key[160];
        weak_key_text(cert, level, key, sizeof key);
        return tls_fail(err, TLS_ALERT_BAD_CERTIFICATE, "%s key too weak: %s%s",
                        code == X509_V_ERR_EE_KEY_TOO_SMALL ? "certificate" : "certificate authority",
                        key, where);
    }
    case X509_V_ERR_CA_MD_TOO_WEAK:
        return tls_fail(err, TLS_ALERT_BAD_CERTIFICATE,
                        "certificate signed with %s, which security level %d does not accept%s",
                        signature_digest_name(cert), level, where);
    case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION: {
        char oids[200];
        unhandled_critical_text(cert, oids, sizeof oids);
        return tls_fail(err, TLS_ALERT_BAD_CERTIFICATE, "certificate verification failed: %s%s%s%s",
                        X509_verify_cert_error_string(code), oids[0] ? " " : "", oids, where);
    }
    /* rfc5280#4.2.1.10: a CA's nameConstraints bound the names of every
     * certificate under it; say whose constraints and which names. */
    case X509_V_ERR_PERMITTED_VIOLATION:
    case X509_V_ERR_EXCLUDED_VIOLATION: {
        char ca[200], names[200];
        constraining_ca_text(built, depth, ca, sizeof ca);
        if (tls_x509_names_text(cert, names, sizeof names, 1) == 0)
            snprintf(names, sizeof names, "none in subjectAltName");
        return tls_fail(err, TLS_ALERT_BAD_CERTIFICATE,
                        "certificate verification failed: %s: the name constraints of %s%s do not allow "
                        "the names of %s (%s)%s",
                        X509_verify_cert_error_string(code), ca[0] ? ca : "a CA in its chain",
                        ca[0] ? ", a CA in its chain," : "", subject, names, where);
    }
    default:
        return tls_fail(err, TLS_ALERT_BAD_CERTIFICATE, "certificate verification failed: %s%s",
                        X509_verify_cert_error_string(code), where);
    }
}

/* Sets the name the leaf must carry: an IP literal is matched against
 * iPAddress subjectAltNames, anything else as a DNS name, where a wildcard
 * must be the whole left-most label (rfc6125#6.4.3), and never against the
 * subject CN (rfc6125#6.4.4 allows that only without subjectAltName, which
 * no public CA issues any more). */
static int set_expected_name(X509_VERIFY_PARAM *param, const char *name, tls_error *err)
{
    char why[200];
    /* X509_VERIFY_PARAM_set1_host with "" clears the list: nothing would be
     * checked. tls_conn_set_server_name refuses such names already. */
    if (tls_server_name_problem(name, strlen(name), why, sizeof why) != 0)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "server name %s", why);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
                                               X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
    if (tls_is_ip_literal(name)) {
        if (X509_VERIFY_PARAM_set1_ip_asc(param, name) != 1)
            return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "cannot set the IP address");
        return 0;
    }
    if (X509_VERIFY_PARAM_set1_host(param, name, strlen(name)) != 1)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "cannot set the host name");
    return 0;
}

/* rfc8446#4.4.2.2: "the digitalSignature bit MUST be set if the Key Usage
 * extension is present": the leaf signs CertificateVerify (and in TLS 1.2
 * the ServerKeyExchange). rfc5246#7.4.2: for RSA key transport, "the
 * public key MUST be for RSA encryption": keyEncipherment. X509_verify_cert
 * checks extendedKeyUsage for the purpose, not these bits. */
static int check_key_usage(X509 *leaf, int key_encipherment, tls_error *err)
{
    unsigned long need = key_encipherment ? KU_KEY_ENCIPHERMENT : KU_DIGITAL_SIGNATURE;
    if ((X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) && !(X509_get_key_usage(leaf) & need))
        return tls_fail(err, TLS_ALERT_UNSUPPORTED_CERTIFICATE,
                        "certificate is not allowed for this use (its keyUsage lacks %s)",
                        key_encipherment ? "keyEncipherment, which RSA key transport needs"
                                         : "digitalSignature, which signing the handshake needs");
    return 0;
}

/* X509_PURPOSE_SSL_SERVER (_CLIENT) refused cert, at depth along the path:
 * rfc5280#4.2.1.12, an extendedKeyUsage (the leaf's or a CA's) that leaves
 * out serverAuth (clientAuth); or the leaf's keyUsage has none of the bits
 * TLS uses, which libcrypto checks before check_key_usage could say which
 * (review39h I3: all of these read "(key usage)", and review30a F3: a
 * client's keyUsage was blamed on its extendedKeyUsage). */
static int fail_purpose(tls_error *err, X509 *cert, int depth, int peer_is_client, int key_encipherment)
{
    const char *use = peer_is_client ? "TLS client authentication" : "TLS server authentication";
    const char *eku = peer_is_client ? "clientAuth" : "serverAuth";
    uint32_t want = peer_is_client ? XKU_SSL_CLIENT : XKU_SSL_SERVER | XKU_SGC;
    uint32_t flags = X509_get_extension_flags(cert);
    char subject[200] = "";
    tls_x509_name_text(X509_get_subject_name(cert), subject, sizeof subject);
    if ((flags & EXFLAG_XKUSAGE) && !(X509_get_extended_key_usage(cert) & want)) {
        if (depth == 0)
            return tls_fail(err, TLS_ALERT_UNSUPPORTED_CERTIFICATE,
                            "certificate's extendedKeyUsage does not allow %s (it lacks %s)", use, eku);
        return tls_fail(err, TLS_ALERT_UNSUPPORTED_CERTIFICATE,
                        "certificate's chain does not allow %s: the extendedKeyUsage of %s lacks %s", use,
                        subject, eku);
    }
    if (depth == 0 && (flags & EXFLAG_KUSAGE) && peer_is_client &&
        !(X509_get_key_usage(cert) & KU_DIGITAL_SIGNATURE))
        return tls_fail(err, TLS_ALERT_UNSUPPORTED_CERTIFICATE,
                        "certificate is not allowed for client authentication (its keyUsage lacks "
                        "digitalSignature, which signing the handshake needs)");
    if (depth == 0 && (flags & EXFLAG_KUSAGE) && check_key_usage(cert, key_encipherment, err) != 0)
        return -1;
    return tls_fail(err, TLS_ALERT_UNSUPPORTED_CERTIFICATE, "certificate is not allowed for %s (%s)%s%s%s",
                    use, X509_verify_cert_error_string(X509_V_ERR_INVALID_PURPOSE), depth > 0 ? " (in chain: " : "",
                    depth > 0 ? subject : "", depth > 0 ? ")" : "");
}

size_t tls_x509_ca_names(const tls_config *c, tls_buf *out, size_t max)
{
    if (c->store == NULL)
        return 0;
    size_t start = out->len, n = 0;
    int fits = 1;
    X509_STORE_lock(c->store);
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(c->store);
    for (int i = 0; i < sk_X509_OBJECT_num(objs) && fits; i++) {
        X509 *ca = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
        const unsigned char *der = NULL;
        size_t len = 0;
        if (ca == NULL || !X509_NAME_get0_der(X509_get_subject_name(ca), &der, &len) || len == 0)
            continue;
        if (out->len - start + 2 + len > max) {
            fits = 0;
            break;
        }
        tls_buf_u16(out, (uint16_t)len);
        tls_buf_bytes(out, der, len);
        n++;
    }
    X509_STORE_unlock(c->store);
    ERR_clear_error();
    if (!fits) {
        out->len = start;
        return 0;
    }
    return n;
}

int tls_x509_verify(const tls_config *c, STACK_OF(X509) *chain, const char *name,
                    int peer_is_client, int key_encipherment, tls_error *err)
{
    return tls_x509_verify_chain(c, chain, name, peer_is_client, key_encipherment, NULL, err);
}

int tls_x509_verify_chain(const tls_config *c, STACK_OF(X509) *chain, const char *name,
                          int peer_is_client, int key_encipherment, STACK_OF(X509) **verified,
                          tls_error *err)
{
    return tls_x509_verify_chain_at(c, c->security_level, c->crl_check, chain, name, peer_is_client,
                                    key_encipherment, verified, err);
}

int tls_x509_verify_chain_at(const tls_config *c, int security_level, int crl_check, STACK_OF(X509) *chain,
                             const char *name, int peer_is_client, int key_encipherment,
                             STACK_OF(X509) **verified, tls_error *err)
{
    if (chain == NULL || sk_X509_num(chain) == 0)
        return tls_fail(err,
                        peer_is_client ? TLS_ALERT_CERTIFICATE_REQUIRED
                                       : TLS_ALERT_BAD_CERTIFICATE,
                        "the peer sent no certificate");
    if (c->store == NULL)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR,
                        "cannot verify the peer's certificate: no trusted CAs are configured "
                        "(set ca= or verify=false)");

    int rc = -1;
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    /* The untrusted intermediates: everything after the leaf. The stack
     * only borrows the certificates. */
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    if (ctx == NULL || untrusted == NULL) {
        tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "cannot verify the certificate");
        goto done;
    }
    for (int i = 1; i < sk_X509_num(chain); i++) {
        if (!sk_X509_push(untrusted, sk_X509_value(chain, i))) {
            tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "cannot verify the certificate");
            goto done;
        }
    }
    if (X509_STORE_CTX_init(ctx, c->store, sk_X509_value(chain, 0), untrusted) != 1) {
        tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "cannot verify the certificate");
        goto done;
    }
    /* The peer's leaf must be fit for its side of TLS (extendedKeyUsage
     * serverAuth or clientAuth when present). */
    X509_STORE_CTX_set_purpose(ctx, peer_is_client ? X509_PURPOSE_SSL_CLIENT
                                                   : X509_PURPOSE_SSL_SERVER);
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    /* Minimum key sizes and signature digests along the chain (the trust
     * anchor's own signature is not checked): level 2 wants RSA, DSA and DH
     * of 2048 bits, EC of 224, and no SHA-1. */
    X509_VERIFY_PARAM_set_auth_level(param, security_level);
    if (name != NULL && set_expected_name(param, name, err) != 0)
        goto done;
    /* Revocation against the CRLs of the store (crl option). Without
     * extended CRL support libcrypto scores a delta CRL (rfc5280#5.2.4) as
     * a complete one and keeps the newer: the revocations only the complete
     * CRL lists were lost (review38d F1). With it a delta is never a base,
     * and with USE_DELTAS it is applied where rfc5280#6.3.3 says (the
     * complete CRL names it in freshestCRL). Only a hashed `ca` directory
     * can bring one: `crl` and `ca` bundles refuse deltas (tls_config.c). */
    if (crl_check != TLS_CRL_CHECK_NONE)
        X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_EXTENDED_CRL_SUPPORT |
                                               X509_V_FLAG_USE_DELTAS |
                                               (crl_check == TLS_CRL_CHECK_ALL ? X509_V_FLAG_CRL_CHECK_ALL : 0));

    ERR_clear_error();
    if (X509_verify_cert(ctx) == 1) {
        rc = check_key_usage(sk_X509_value(chain, 0), key_encipherment, err);
        /* The path libcrypto built, up to the trust anchor: what pins are
         * matched against (the peer may add unrelated certificates). */
        if (rc == 0 && verified != NULL && (*verified = X509_STORE_CTX_get1_chain(ctx)) == NULL)
            rc = tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "cannot verify the certificate");
    } else {
        int code = X509_STORE_CTX_get_error(ctx);
        X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
        if (bad == NULL)
            bad = sk_X509_value(chain, 0);
        int depth = X509_STORE_CTX_get_error_depth(ctx);
        if (code == X509_V_ERR_INVALID_PURPOSE)
            fail_purpose(err, bad, depth, peer_is_client, key_encipherment);
        else
            fail_verification(err, code, depth, bad, X509_STORE_CTX_get0_chain(ctx), name, security_level);
    }
    ERR_clear_error();

done:
    sk_X509_free(untrusted);
    X509_STORE_CTX_free(ctx);
    return rc;
}

/* ---- signature_algorithms_cert --------------------------------------------- */

/* The rfc8446#4.2.3 schemes of cert's own signature (the issuer's
 * signature on it): ECDSA by digest only (the curve is the issuer's, which
 * a TLS 1.2 scheme does not name either), RSA-PSS as either the rsae or the
 * pss scheme (the issuer's key kind is not in the certificate). Writes up
 * to 2; returns how many, 0 for a signature no scheme names. */
static size_t cert_sig_schemes(X509 *cert, uint16_t out[2])
{
    int mdnid = NID_undef, pknid = NID_undef;
    if (!X509_get_signature_info(cert, &mdnid, &pknid, NULL, NULL)) {
        ERR_clear_error();
        return 0;
    }
    switch (pknid) {
    case NID_ED25519:
        out[0] = TLS_SIG_ED25519;
        return 1;
    case NID_ED448:
        out[0] = 0x0808; /* ed448 */
        return 1;
    case NID_X9_62_id_ecPublicKey:
        out[0] = mdnid == NID_sha256 ? TLS_SIG_ECDSA_SECP256R1_SHA256
                 : mdnid == NID_sha384 ? TLS_SIG_ECDSA_SECP384R1_SHA384
                 : mdnid == NID_sha512 ? TLS_SIG_ECDSA_SECP521R1_SHA512
                 : mdnid == NID_sha1   ? 0x0203 /* ecdsa_sha1 */
                                       : 0;
        return out[0] != 0;
    case NID_rsaEncryption:
        out[0] = mdnid == NID_sha256 ? TLS_SIG_RSA_PKCS1_SHA256
                 : mdnid == NID_sha384 ? TLS_SIG_RSA_PKCS1_SHA384
                 : mdnid == NID_sha512 ? TLS_SIG_RSA_PKCS1_SHA512
                 : mdnid == NID_sha1   ? 0x0201 /* rsa_pkcs1_sha1 */
                                       : 0;
        return out[0] != 0;
    case NID_rsassaPss:
        if (mdnid == NID_sha256)
            out[0] = TLS_SIG_RSA_PSS_RSAE_SHA256, out[1] = TLS_SIG_RSA_PSS_PSS_SHA256;
        else if (mdnid == NID_sha384)
            out[0] = TLS_SIG_RSA_PSS_RSAE_SHA384, out[1] = TLS_SIG_RSA_PSS_PSS_SHA384;
        else if (mdnid == NID_sha512)
            out[0] = TLS_SIG_RSA_PSS_RSAE_SHA512, out[1] = TLS_SIG_RSA_PSS_PSS_SHA512;
        else
            return 0;
        return 2;
    default:
        return 0;
    }
}

/* A self-signed certificate: its own issuer, by name and by signature. */
static int self_signed(X509 *cert)
{
    int r = X509_check_issued(cert, cert) == X509_V_OK && X509_verify(cert, X509_get0_pubkey(cert)) == 1;
    ERR_clear_error();
    return r;
}

int tls_chain_fits_sigalgs_cert(STACK_OF(X509) *chain, const uint16_t *sigalgs, size_t n)
{
    for (int i = 0; i < sk_X509_num(chain); i++) {
        X509 *cert = sk_X509_value(chain, i);
        /* rfc8446#4.4.2.2: the restriction does not apply to a self-signed
         * certificate, whose signature nobody checks. */
        if (i > 0 && self_signed(cert))
            continue;
        uint16_t schemes[2];
        size_t k = cert_sig_schemes(cert, schemes), fits = 0;
        for (size_t j = 0; j < k && !fits; j++)
            for (size_t m = 0; m < n && !fits; m++)
                fits = sigalgs[m] == schemes[j];
        if (!fits)
            return 0;
    }
    return 1;
}

/* The schemes libcrypto verifies in a chain, strongest first. rfc8446#4.2.3:
 * rsa_pkcs1_* "MAY appear in signature_algorithms_cert" in TLS 1.3 too:
 * certificates are signed with it every day. The SHA-1 ones come last at
 * every level: a server holding only a SHA-1 chain (OpenSSL's refuses to
 * send a chain the list excludes, with a bare handshake_failure) then
 * sends it, and the security level refuses it with a message naming
 * SHA-1. */
size_t tls_sigalgs_cert(int security_level, uint16_t *out, size_t max)
{
    static const uint16_t schemes[] = {
        TLS_SIG_ECDSA_SECP256R1_SHA256, TLS_SIG_ECDSA_SECP384R1_SHA384,
        TLS_SIG_ECDSA_SECP521R1_SHA512, TLS_SIG_ED25519,
        0x0808 /* ed448 */,             TLS_SIG_RSA_PSS_RSAE_SHA256,
        TLS_SIG_RSA_PSS_RSAE_SHA384,    TLS_SIG_RSA_PSS_RSAE_SHA512,
        TLS_SIG_RSA_PSS_PSS_SHA256,     TLS_SIG_RSA_PSS_PSS_SHA384,
        TLS_SIG_RSA_PSS_PSS_SHA512,     TLS_SIG_RSA_PKCS1_SHA256,
        TLS_SIG_RSA_PKCS1_SHA384,       TLS_SIG_RSA_PKCS1_SHA512,
        0x0203 /* ecdsa_sha1 */,        0x0201 /* rsa_pkcs1_sha1 */,
    };
    (void)security_level;
    size_t n = 0;
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0] && n < max; i++)
        out[n++] = schemes[i];
    return n;
}
