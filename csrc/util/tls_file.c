/* One way to open a file a caller names (util/tls_file.h). */
#include "util/tls_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

int tls_file_check_name(const char *what, const char *name, size_t len, tls_error *err)
{
    if (len == 0)
        return tls_fail(err, -1, "%s: the file name is empty", what);
    if (memchr(name, '\0', len) != NULL)
        return tls_fail(err, -1, "%s: the file name contains a zero byte", what);
    return 0;
}

static int cannot(const char *what, const char *verb, const char *name, int e, tls_error *err)
{
    return tls_fail(err, -1, "%s: cannot %s %s: %s", what, verb, name, strerror(e));
}

int tls_file_stat(const char *what, const char *name, size_t len, struct stat *st, tls_error *err)
{
    if (tls_file_check_name(what, name, len, err) != 0)
        return -1;
    if (stat(name, st) != 0)
        return cannot(what, "read", name, errno, err);
    return 0;
}

/* What a file that is neither regular nor a FIFO is, for messages. */
static const char *file_kind(mode_t m)
{
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a regular file";
}

int tls_file_read(const char *what, const char *name, size_t len, size_t max, tls_buf *out,
                  struct stat *st_out, tls_error *err)
{
    if (tls_file_check_name(what, name, len, err) != 0)
        return -1;
    /* One open, every check on what it opened: the name cannot be swapped
     * between a stat and the read. A FIFO is waited on as before. */
    int fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return cannot(what, "read", name, errno, err);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return cannot(what, "read", name, e, err);
    }
    if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
        close(fd);
        return tls_fail(err, -1, "%s: %s is %s: name a file%s", what, name, file_kind(st.st_mode),
                        S_ISDIR(st.st_mode) ? " in it" : "");
    }
    if (st_out != NULL)
        *st_out = st;
    /* Up to one byte more than allowed tells a file that is too large. A
     * regular file's size is reserved at once (no copies of a key left
     * behind by growing), as much as the limit allows. */
    size_t start = out->len, first = 16384;
    if (S_ISREG(st.st_mode) && st.st_size > 0)
        first = (uintmax_t)st.st_size > max ? max + 1 : (size_t)st.st_size + 1;
    int e = 0;
    ssize_t n = 0;
    do {
        size_t want = max - (out->len - start) + 1;
        if (want > first)
            want = first;
        if (out->cap > out->len && want > out->cap - out->len)
            want = out->cap - out->len; /* the room there is first */
        if (tls_buf_reserve(out, want) != 0)
            break;
        n = read(fd, out->data + out->len, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            e = errno;
        else
            out->len += (size_t)n;
        first = 16384;
    } while (n > 0 && out->len - start <= max);
    close(fd);
    if (!tls_buf_ok(out))
        return tls_fail(err, -1, "%s: cannot read %s: out of memory", what, name);
    if (e != 0)
        return cannot(what, "read", name, e, err);
    if (out->len - start > max) {
        tls_fail(err, -1, "%s: %s is larger than %zu bytes", what, name, max);
        return TLS_FILE_TOO_LARGE;
    }
    if (out->len == start)
        return tls_fail(err, -1, "%s: %s is empty", what, name);
    return 0;
}

int tls_file_open_private(const char *name, int flags, int mode, const tls_file_policy *policy,
                          struct stat *st, char *why, size_t why_size)
{
    why[0] = '\0';
    int fd = open(name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, mode);
    if (fd < 0) {
        int e = errno;
        if (e == ELOOP)
            snprintf(why, why_size, "is a symbolic link: name the file itself");
        else if (e == ENXIO) /* a FIFO without a reader, a socket, a device without its driver */
            snprintf(why, why_size, "is not a regular file");
        errno = e;
        return -1;
    }
    if (fstat(fd, st) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (!S_ISREG(st->st_mode))
        snprintf(why, why_size, "is not a regular file");
    else if (st->st_uid != geteuid())
        snprintf(why, why_size, "belongs to user %ju, not to this process's user %ju: run chown on it (%s)",
                 (uintmax_t)st->st_uid, (uintmax_t)geteuid(), policy->owner_risk);
    else if ((st->st_mode & policy->forbidden) != 0)
        snprintf(why, why_size, "is open to other users (mode %04o): run %s on it",
                 (unsigned)(st->st_mode & 07777), policy->chmod);
    if (why[0] == '\0') {
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0 && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == 0)
            return fd;
    }
    int e = errno;
    close(fd);
    errno = e;
    return -1;
}
