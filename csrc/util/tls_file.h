/* Files a caller names: a certificate, a key, a CA bundle or directory, a
 * CRL, a stapled OCSP response, the key log. Every reader goes through
 * here, so every option says the same things in the same words:
 *   "<what>: the file name is empty"            (an unset variable, a missing entry)
 *   "<what>: the file name contains a zero byte" (the OS would see a shorter name)
 *   "<what>: cannot read <name>: <strerror>"    (or "cannot open" for a file we write)
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
/* fopen(name, "rb") after the name check, or NULL with the message. */
FILE *tls_file_open(const char *what, const char *name, size_t len, tls_error *err);
/* open(2) after the name check (flags, mode as for open), or -1 with the
 * message ("cannot read" when flags open for reading only, else "cannot open"). */
int tls_file_open_fd(const char *what, const char *name, size_t len, int flags, int mode, tls_error *err);
/* stat(2) after the name check: 0, or -1 with the message. */
int tls_file_stat(const char *what, const char *name, size_t len, struct stat *st, tls_error *err);
/* Appends the whole file to out: 0, or -1 with the message; a file of more
 * than max bytes is TLS_FILE_TOO_LARGE with "<what>: <name> is larger than
 * <max> bytes", so that a caller can say where its limit comes from. */
#define TLS_FILE_TOO_LARGE (-2)
int tls_file_read(const char *what, const char *name, size_t len, size_t max, tls_buf *out,
                  tls_error *err);

#endif
