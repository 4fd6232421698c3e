/* Files a caller names: a certificate, a key, a CA bundle or directory, a
 * CRL, a stapled OCSP response, the key log. Every reader goes through
 * here, so every option says the same things in the same words:
 *   "<what>: the file name is empty"            (an unset variable, a missing entry)
 *   "<what>: the file name contains a zero byte" (the OS would see a shorter name)
 *   "<what>: cannot read <name>: <strerror>"    (or "cannot open" for a file we write)
 *   "<what>: <name> is a directory: name a file in it" (any other kind but a FIFO likewise)
 *   "<what>: <name> is empty"
 * Names come with their length (a Lua string's), so a zero byte inside one
 * is seen instead of cutting the name short. */
#ifndef TLS_FILE_H
#define TLS_FILE_H

#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

#include "util/tls_buf.h"
#include "util/tls_err.h"

/* 0, or -1 with the empty-name or zero-byte message. */
int tls_file_check_name(const char *what, const char *name, size_t len, tls_error *err);
/* stat(2) after the name check: 0, or -1 with the message. */
int tls_file_stat(const char *what, const char *name, size_t len, struct stat *st, tls_error *err);
/* Appends the whole file to out, opened once and checked on the
 * descriptor: a regular file, or a FIFO (a pipe, a shell's <(...)), which
 * is read to its end as before (its open waits for a writer); a symbolic
 * link to one is followed. 0 with the file's fstat in *st (when st is not
 * NULL), or -1 with the message: "<what>: <name> is a directory: name a
 * file in it", "... is a character device: name a file", "<what>: <name>
 * is empty". A file of more than max bytes is TLS_FILE_TOO_LARGE with
 * "<what>: <name> is larger than <max> bytes", so that a caller can say
 * where its limit comes from. */
#define TLS_FILE_TOO_LARGE (-2)
int tls_file_read(const char *what, const char *name, size_t len, size_t max, tls_buf *out,
                  struct stat *st, tls_error *err);

/* Files that hold secrets (ticket keys, the key log) are opened once and
 * every check is made on the open descriptor, never stat-then-open by
 * name: not a symbolic link (O_NOFOLLOW), a regular file (O_NONBLOCK: a
 * FIFO is refused at once, never waited on), owned by this process's
 * effective user (its owner could read or rewrite it), and with none of
 * the policy's forbidden permission bits. */
typedef struct {
    unsigned forbidden;     /* permission bits that refuse the file, e.g. 077 */
    const char *chmod;      /* what to run instead, e.g. "chmod 600" */
    const char *owner_risk; /* why another owner is refused, e.g. "its owner could read it" */
} tls_file_policy;
/* open(2) of a name already checked (tls_file_check_name), with O_NOFOLLOW,
 * O_NONBLOCK, O_CLOEXEC and O_NOCTTY added to flags, then the checks above;
 * the descriptor is returned with O_NONBLOCK cleared and its fstat in *st.
 * -1 either with why[0] == 0 and errno set (the OS refused: the caller
 * says "cannot read/open"), or with why set to the refusal and what to do,
 * to follow the name: "is a symbolic link: name the file itself", "is not a
 * regular file", "belongs to user 1000, not to this process's user 0: run
 * chown on it (...)", "is open to other users (mode 0644): run chmod 600 on it". */
int tls_file_open_private(const char *name, int flags, int mode, const tls_file_policy *policy,
                          struct stat *st, char *why, size_t why_size);

#endif
