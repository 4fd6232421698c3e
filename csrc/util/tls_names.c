#include "util/tls_names.h"

#include <stddef.h>
#include <strings.h>

#include "util/tls_consts.h"

typedef struct name_entry {
    uint16_t id;
    const char *name;
} name_entry;

static const name_entry suites[] = {
    { TLS_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256" },
    { TLS_AES_256_GCM_SHA384, "TLS_AES_256_GCM_SHA384" },
    { TLS_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256" },
    { 0x1304, "TLS_AES_128_CCM_SHA256" },
    { 0x1305, "TLS_AES_128_CCM_8_SHA256" },
    { 0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
    { 0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
    { 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
    { 0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" },
    { 0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
    { 0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
    { 0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256" },
    { 0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384" },
    /* Finite-field DHE, which we lack: named so that a refusal tells the
     * operator what the client wants (RFC 7919 clients often offer these). */
    { 0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" },
    { 0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" },
    { 0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
    { 0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV" },
    { 0x5600, "TLS_FALLBACK_SCSV" },
    /* OpenSSL's names, which LuaSec users write in `ciphers`. */
    { 0xc02b, "ECDHE-ECDSA-AES128-GCM-SHA256" },
    { 0xc02c, "ECDHE-ECDSA-AES256-GCM-SHA384" },
    { 0xc02f, "ECDHE-RSA-AES128-GCM-SHA256" },
    { 0xc030, "ECDHE-RSA-AES256-GCM-SHA384" },
    { 0xcca8, "ECDHE-RSA-CHACHA20-POLY1305" },
    { 0xcca9, "ECDHE-ECDSA-CHACHA20-POLY1305" },
    { 0x009c, "AES128-GCM-SHA256" },
    { 0x009d, "AES256-GCM-SHA384" },
    { 0, NULL },
};

/* Group names as RFC 8446 spells them, then the aliases OpenSSL users know. */
static const name_entry groups[] = {
    { TLS_GROUP_X25519, "x25519" },
    { TLS_GROUP_SECP256R1, "secp256r1" },
    { TLS_GROUP_SECP384R1, "secp384r1" },
    { TLS_GROUP_SECP521R1, "secp521r1" },
    { TLS_GROUP_X448, "x448" },
    { TLS_GROUP_FFDHE2048, "ffdhe2048" },
    { TLS_GROUP_FFDHE3072, "ffdhe3072" },
    { TLS_GROUP_FFDHE4096, "ffdhe4096" },
    { TLS_GROUP_FFDHE6144, "ffdhe6144" },
    { TLS_GROUP_FFDHE8192, "ffdhe8192" },
    { TLS_GROUP_SECP256R1, "P-256" },
    { TLS_GROUP_SECP256R1, "prime256v1" },
    { TLS_GROUP_SECP384R1, "P-384" },
    { TLS_GROUP_SECP521R1, "P-521" },
    { 0, NULL },
};

static const name_entry sigschemes[] = {
    { TLS_SIG_ECDSA_SECP256R1_SHA256, "ecdsa_secp256r1_sha256" },
    { TLS_SIG_ECDSA_SECP384R1_SHA384, "ecdsa_secp384r1_sha384" },
    { TLS_SIG_ECDSA_SECP521R1_SHA512, "ecdsa_secp521r1_sha512" },
    { TLS_SIG_RSA_PSS_RSAE_SHA256, "rsa_pss_rsae_sha256" },
    { TLS_SIG_RSA_PSS_RSAE_SHA384, "rsa_pss_rsae_sha384" },
    { TLS_SIG_RSA_PSS_RSAE_SHA512, "rsa_pss_rsae_sha512" },
    { TLS_SIG_ED25519, "ed25519" },
    { 0x0808, "ed448" },
    { TLS_SIG_RSA_PSS_PSS_SHA256, "rsa_pss_pss_sha256" },
    { TLS_SIG_RSA_PSS_PSS_SHA384, "rsa_pss_pss_sha384" },
    { TLS_SIG_RSA_PSS_PSS_SHA512, "rsa_pss_pss_sha512" },
    { TLS_SIG_RSA_PKCS1_SHA256, "rsa_pkcs1_sha256" },
    { TLS_SIG_RSA_PKCS1_SHA384, "rsa_pkcs1_sha384" },
    { TLS_SIG_RSA_PKCS1_SHA512, "rsa_pkcs1_sha512" },
    { 0x0201, "rsa_pkcs1_sha1" },
    { 0x0203, "ecdsa_sha1" },
    { 0, NULL },
};

static const name_entry versions[] = {
    { TLS_VERSION_SSL3, "SSLv3" },
    { TLS_VERSION_10, "TLSv1.0" },
    { TLS_VERSION_11, "TLSv1.1" },
    { TLS_VERSION_12, "TLSv1.2" },
    { TLS_VERSION_13, "TLSv1.3" },
    { 0, NULL },
};

static const name_entry handshakes[] = {
    { TLS_HS_HELLO_REQUEST, "HelloRequest" },
    { TLS_HS_CLIENT_HELLO, "ClientHello" },
    { TLS_HS_SERVER_HELLO, "ServerHello" },
    { TLS_HS_NEW_SESSION_TICKET, "NewSessionTicket" },
    { TLS_HS_END_OF_EARLY_DATA, "EndOfEarlyData" },
    { TLS_HS_ENCRYPTED_EXTENSIONS, "EncryptedExtensions" },
    { TLS_HS_CERTIFICATE, "Certificate" },
    { TLS_HS_SERVER_KEY_EXCHANGE, "ServerKeyExchange" },
    { TLS_HS_CERTIFICATE_REQUEST, "CertificateRequest" },
    { TLS_HS_SERVER_HELLO_DONE, "ServerHelloDone" },
    { TLS_HS_CERTIFICATE_VERIFY, "CertificateVerify" },
    { TLS_HS_CLIENT_KEY_EXCHANGE, "ClientKeyExchange" },
    { TLS_HS_FINISHED, "Finished" },
    { TLS_HS_CERTIFICATE_STATUS, "CertificateStatus" },
    { TLS_HS_KEY_UPDATE, "KeyUpdate" },
    { TLS_HS_MESSAGE_HASH, "message_hash" },
    { 0, NULL },
};

static const name_entry extensions[] = {
    { TLS_EXT_SERVER_NAME, "server_name" },
    { TLS_EXT_MAX_FRAGMENT_LENGTH, "max_fragment_length" },
    { TLS_EXT_STATUS_REQUEST, "status_request" },
    { TLS_EXT_SUPPORTED_GROUPS, "supported_groups" },
    { TLS_EXT_EC_POINT_FORMATS, "ec_point_formats" },
    { TLS_EXT_SIGNATURE_ALGORITHMS, "signature_algorithms" },
    { TLS_EXT_USE_SRTP, "use_srtp" },
    { TLS_EXT_HEARTBEAT, "heartbeat" },
    { TLS_EXT_ALPN, "application_layer_protocol_negotiation" },
    { TLS_EXT_SCT, "signed_certificate_timestamp" },
    { TLS_EXT_CLIENT_CERTIFICATE_TYPE, "client_certificate_type" },
    { TLS_EXT_SERVER_CERTIFICATE_TYPE, "server_certificate_type" },
    { TLS_EXT_PADDING, "padding" },
    { TLS_EXT_ENCRYPT_THEN_MAC, "encrypt_then_mac" },
    { TLS_EXT_EXTENDED_MASTER_SECRET, "extended_master_secret" },
    { TLS_EXT_RECORD_SIZE_LIMIT, "record_size_limit" },
    { TLS_EXT_SESSION_TICKET, "session_ticket" },
    { TLS_EXT_PRE_SHARED_KEY, "pre_shared_key" },
    { TLS_EXT_EARLY_DATA, "early_data" },
    { TLS_EXT_SUPPORTED_VERSIONS, "supported_versions" },
    { TLS_EXT_COOKIE, "cookie" },
    { TLS_EXT_PSK_KEY_EXCHANGE_MODES, "psk_key_exchange_modes" },
    { TLS_EXT_CERTIFICATE_AUTHORITIES, "certificate_authorities" },
    { TLS_EXT_OID_FILTERS, "oid_filters" },
    { TLS_EXT_POST_HANDSHAKE_AUTH, "post_handshake_auth" },
    { TLS_EXT_SIGNATURE_ALGORITHMS_CERT, "signature_algorithms_cert" },
    { TLS_EXT_KEY_SHARE, "key_share" },
    { TLS_EXT_RENEGOTIATION_INFO, "renegotiation_info" },
    { 0, NULL },
};

static const char *lookup(const name_entry *t, uint16_t id)
{
    /* server_name is 0, so the sentinel is the NULL name, not the id. */
    for (; t->name != NULL; t++)
        if (t->id == id)
            return t->name;
    return NULL;
}

static uint16_t reverse(const name_entry *t, const char *name)
{
    for (; t->name != NULL; t++)
        if (strcasecmp(t->name, name) == 0)
            return t->id;
    return 0;
}

const char *tls_suite_name(uint16_t id) { return lookup(suites, id); }
const char *tls_group_name(uint16_t id) { return lookup(groups, id); }
const char *tls_sigscheme_name(uint16_t id) { return lookup(sigschemes, id); }
const char *tls_version_name(uint16_t v) { return lookup(versions, v); }
const char *tls_handshake_name(uint8_t type) { return lookup(handshakes, type); }
const char *tls_extension_name(uint16_t type) { return lookup(extensions, type); }

uint16_t tls_suite_by_name(const char *name) { return reverse(suites, name); }
uint16_t tls_group_by_name(const char *name) { return reverse(groups, name); }
uint16_t tls_sigscheme_by_name(const char *name) { return reverse(sigschemes, name); }
uint16_t tls_version_by_name(const char *name) { return reverse(versions, name); }
