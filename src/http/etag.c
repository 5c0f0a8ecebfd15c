/*
 * etag.c: If-None-Match against an ETag. Only request headers are read, so it is kept apart
 * from the transport (server.c): the fuzz harness answers requests without libmicrohttpd and
 * links this as it is.
 */
#include <string.h>

#include "http.h"

bool lt_req_etag_match(const lt_req_t *r, const char *etag)
{
    lt_str_t h = lt_req_header(r, "If-None-Match");
    size_t n = strlen(etag);
    for (size_t i = 0; h.ptr && i < h.len;) {
        while (i < h.len && (h.ptr[i] == ' ' || h.ptr[i] == ','))
            i++;
        size_t start = i;
        while (i < h.len && h.ptr[i] != ',')
            i++;
        size_t end = i;
        while (end > start && h.ptr[end - 1] == ' ')
            end--;
        if (end - start >= 2 && h.ptr[start] == 'W' && h.ptr[start + 1] == '/')
            start += 2;
        if ((end - start == 1 && h.ptr[start] == '*') ||
            (end - start == n && memcmp(h.ptr + start, etag, n) == 0))
            return true;
    }
    return false;
}
