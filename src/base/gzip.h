/*
 * gzip.h: one-shot gzip compression (zlib) for memoized response bodies.
 */
#ifndef LT_GZIP_H
#define LT_GZIP_H

#include "base.h"

/* Compress in[0..n) into a gzip stream; returns malloc'd bytes (caller frees) or NULL. */
char *lt_gzip(const char *in, size_t n, size_t *out_len);

#endif
