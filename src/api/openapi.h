/*
 * openapi.h: latch's own OpenAPI 3.0 document (GET /docs/openapi.json, and /docs/openapi, the
 * same operations as a page for people). Its paths are the route table of `latch serve`
 * (routes.c) read at run time, so the document cannot drift from what the server answers:
 * one operation per route and method, with the route's declaration (route.h) telling its
 * security, the permission it needs and its request body. Names (tag, operationId, summary)
 * come from two tables scripts/embed-openapi.pl writes at build time: Unleash 8.2.0's
 * operations (tests/data/unleash-8.2.0-operations.tsv) and latch's own
 * (src/api/openapi_latch.tsv).
 */
#ifndef LT_API_OPENAPI_H
#define LT_API_OPENAPI_H

#include <stdbool.h>
#include <stddef.h>

#include "../http/http.h"

/* One named operation: method ("GET"), path ("{param}" segments), first tag, operationId and,
 * for latch's own, a summary (NULL in Unleash's table: derived from the operationId). */
typedef struct {
    const char *method, *path, *tag, *op_id, *summary;
} lt_openapi_name_t;

/* The generated tables (build/gen/openapi_ops.c), each ended by an all-NULL row. */
extern const lt_openapi_name_t lt_openapi_unleash_ops[];
extern const lt_openapi_name_t lt_openapi_latch_ops[];

/* Is this route an operation of the document? Not a catch-all pattern (a final "*": the
 * files under /ui/ and the admin page's deep links). */
bool lt_openapi_documents(const lt_route_t *rt);

/* Write the document's path for a route pattern into out ("/a/:b" -> "/a/{b}"), spelled as
 * Unleash's document spells it where Unleash has the operation (method bit m). */
void lt_openapi_path(const char *pattern, unsigned m, char *out, size_t out_len);

/* The document (pretty JSON, NUL-terminated), built on first use from lt_serve_routes and
 * kept for the process; and the page. */
const char *lt_openapi_json(size_t *len);
const char *lt_openapi_html(size_t *len);

/* GET /docs/openapi.json and GET /docs/openapi: public, as Unleash serves its own. */
extern const lt_route_t lt_routes_docs[];

#endif
