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
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "engine/tls_conn_int.h"
#include "util/tls_file.h"

/* The longest label, two hex fields (a random, a secret of at most
 * TLS_MAX_HASH_LEN bytes), two spaces, the newline and the NUL. */
#define KEYLOG_LINE_MAX (32 + 1 + 2 * TLS_RANDOM_LEN + 1 + 2 * TLS_MAX_HASH_LEN + 2)

/* The context's key log file: opened once when the option is set, every
 * check made on that descriptor (util/tls_file.h: not a symbolic link, a
 * regular file, ours, no access for group or others), and each line
 * appended to the same descriptor, so that no file put at the name later
 * (a rename, a symbolic link) receives a secret. O_APPEND makes each write
 * land at the end whoever else appends (several programs share one
 * SSLKEYLOGFILE); O_CLOEXEC keeps it from programs we exec; the config
 * closes it when freed. 0600 for a new file: the lines decrypt the
 * traffic. */
#define KEYLOG_FLAGS (O_WRONLY | O_APPEND | O_CREAT)
#define KEYLOG_MODE 0600

struct tls_keylog_file {
    int fd;
};

void tls_keylog_file_close(tls_config *cfg)
{
    if (cfg->keylog_file != NULL) {
        close(cfg->keylog_file->fd);
        OPENSSL_free(cfg->keylog_file);
        cfg->keylog_file = NULL;
    }
}

int tls_keylog_set_file(tls_config *cfg, const char *path, size_t len, tls_error *err)
{
    tls_keylog_file *kf = NULL;
    if (path != NULL) {
        static const tls_file_policy policy = {077, "chmod 600", "its owner could read the secrets"};
        if (tls_file_check_name("keylog", path, len, err) != 0)
            return -1;
        kf = OPENSSL_malloc(sizeof *kf);
        if (kf == NULL)
            return tls_fail(err, -1, "out of memory");
        struct stat st;
        char why[200];
        kf->fd = tls_file_open_private(path, KEYLOG_FLAGS, KEYLOG_MODE, &policy, &st, why, sizeof why);
        if (kf->fd < 0) {
            int e = errno;
            OPENSSL_free(kf);
            if (why[0] != '\0')
                return tls_fail(err, -1, "keylog: %s %s", path, why);
            return tls_fail(err, -1, "keylog: cannot open %s: %s", path, strerror(e));
        }
    }
    tls_keylog_file_close(cfg);
    cfg->keylog_file = kf;
    return 0;
}

static int keylog_wanted(const tls_conn *c)
{
    return c->cfg->keylog_file != NULL || (c->hooks != NULL && c->hooks->keylog != NULL);
}

static void write_line(int fd, const char *line, size_t len)
{
    /* One write per line, so that appenders do not interleave within one;
     * an error loses the line, never the handshake. */
    ssize_t n;
    do {
        n = write(fd, line, len);
    } while (n < 0 && errno == EINTR);
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
    if (c->cfg->keylog_file != NULL)
        write_line(c->cfg->keylog_file->fd, line, n);
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
