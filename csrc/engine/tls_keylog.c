/* The NSS key log: one line per secret, "<label> <client_random> <secret>"
 * in lowercase hex, which Wireshark, tshark and curl's SSLKEYLOGFILE users
 * read to decrypt a capture. Lines go to the context's file, to the keylog
 * hook, or both.
 *
 * A key log watches the connection and must not change it: a file that
 * cannot be written or a hook that fails loses the line, never the
 * handshake. Every line holds a secret, so it is formatted on the stack and
 * wiped there once delivered. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "engine/tls_conn_int.h"
#include "util/tls_file.h"

/* The longest label, two hex fields (a random, a secret of at most
 * TLS_MAX_HASH_LEN bytes), two spaces, the newline and the NUL. */
#define KEYLOG_LINE_MAX (32 + 1 + 2 * TLS_RANDOM_LEN + 1 + 2 * TLS_MAX_HASH_LEN + 2)

/* O_APPEND makes each write land at the end whoever else appends (several
 * programs share one SSLKEYLOGFILE); the file is opened per line, so no
 * descriptor is held by a config, inherited across fork/exec, or left
 * pointing at a file rotated away. 0600: the lines decrypt the traffic. */
#define KEYLOG_FLAGS (O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC)
#define KEYLOG_MODE 0600

int tls_keylog_set_file(tls_config *cfg, const char *path, size_t len, tls_error *err)
{
    char *copy = NULL;
    if (path != NULL) {
        int fd = tls_file_open_fd("keylog", path, len, KEYLOG_FLAGS, KEYLOG_MODE, err);
        if (fd < 0)
            return -1;
        close(fd);
        copy = OPENSSL_strdup(path);
        if (copy == NULL)
            return tls_fail(err, -1, "out of memory");
    }
    OPENSSL_free(cfg->keylog_path);
    cfg->keylog_path = copy;
    return 0;
}

static int keylog_wanted(const tls_conn *c)
{
    return c->cfg->keylog_path != NULL || (c->hooks != NULL && c->hooks->keylog != NULL);
}

static void write_line(const char *path, const char *line, size_t len)
{
    int fd = open(path, KEYLOG_FLAGS, KEYLOG_MODE);
    if (fd < 0)
        return;
    /* One write per line, so that appenders do not interleave within one. */
    ssize_t n;
    do {
        n = write(fd, line, len);
    } while (n < 0 && errno == EINTR);
    close(fd);
}

static void put_hex(char *out, const uint8_t *bytes, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
}

/* https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/:
 * "<Label> <space> <ClientRandom> <space> <Secret>", ClientRandom being
 * the 32 bytes of the ClientHello's random, both hex-encoded. */
static void keylog(tls_conn *c, const char *label, const uint8_t *secret, size_t secret_len)
{
    char line[KEYLOG_LINE_MAX];
    size_t label_len = strlen(label);
    if (label_len > 32 || secret_len > TLS_MAX_HASH_LEN)
        return;
    size_t n = 0;
    memcpy(line, label, label_len);
    n += label_len;
    line[n++] = ' ';
    put_hex(line + n, c->client_random, TLS_RANDOM_LEN);
    n += 2 * TLS_RANDOM_LEN;
    line[n++] = ' ';
    put_hex(line + n, secret, secret_len);
    n += 2 * secret_len;
    line[n++] = '\n';
    if (c->cfg->keylog_path != NULL)
        write_line(c->cfg->keylog_path, line, n);
    line[n - 1] = '\0';
    if (c->hooks != NULL && c->hooks->keylog != NULL) {
        /* As for the trace: the API refuses calls from inside the hook. */
        c->in_callback++;
        c->hooks->keylog(c->hooks_ud, line);
        c->in_callback--;
    }
    OPENSSL_cleanse(line, sizeof line);
}

void tls_keylog13_handshake(tls_conn *c)
{
    if (!keylog_wanted(c))
        return;
    keylog(c, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", c->keys.client_hs, c->keys.hlen);
    keylog(c, "SERVER_HANDSHAKE_TRAFFIC_SECRET", c->keys.server_hs, c->keys.hlen);
}

void tls_keylog13_early(tls_conn *c, size_t hlen)
{
    if (!keylog_wanted(c))
        return;
    keylog(c, "CLIENT_EARLY_TRAFFIC_SECRET", c->keys.client_early, hlen);
}

void tls_keylog13_application(tls_conn *c)
{
    if (!keylog_wanted(c))
        return;
    keylog(c, "CLIENT_TRAFFIC_SECRET_0", c->keys.client_ap, c->keys.hlen);
    keylog(c, "SERVER_TRAFFIC_SECRET_0", c->keys.server_ap, c->keys.hlen);
    keylog(c, "EXPORTER_SECRET", c->keys.exporter, c->keys.hlen);
}

void tls_keylog12_master(tls_conn *c)
{
    if (!keylog_wanted(c) || c->t12 == NULL)
        return;
    keylog(c, "CLIENT_RANDOM", c->t12->master, sizeof c->t12->master);
}
