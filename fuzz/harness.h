/* What the stand-alone test programs (oom.c, seal_fail.c) share: counting
 * the problems they find, and moving bytes between the two sides of a pair.
 * Plain on purpose: fuzz_common.c's fuzz_pump checks each record's sequence
 * number against what it tracked, and these programs set sequence numbers
 * or fail allocations under it. */
#ifndef LUATLS_FUZZ_HARNESS_H
#define LUATLS_FUZZ_HARNESS_H

#include "engine/tls_conn_int.h"

/* How many problems harness_problem has reported: the exit status. */
extern int harness_problems;

/* Prints one problem (a line on stderr) and counts it. */
void harness_problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Whether c's status has bit (TLS_STATUS_...) set. */
int harness_is(const tls_conn *c, unsigned bit);

/* Feeds from's output to to (unless to has failed) and consumes it; 1 if
 * there was any. */
int harness_move(tls_conn *from, tls_conn *to);

#endif
