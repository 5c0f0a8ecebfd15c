/*
 * export.h: the latch export document: everything an instance holds about its flags (projects,
 * environments, flags with every environment's state, segments, dependencies, tags, tag types,
 * context fields, strategy definitions) as one JSON file that `latch export` writes and
 * `latch import` reads back, so two instances can be made equal. Users, tokens, events and
 * usage are not part of it.
 */
#ifndef LT_EXPORT_H
#define LT_EXPORT_H

#include "dataset.h"

/* The version written under "latchExport"; a document with another version is refused. */
#define LT_EXPORT_VERSION 1

/* What a document holds. Arrays are borrowed (from a dataset) or arena-owned (from a parse). */
typedef struct lt_export_doc {
    lt_project_t *projects; /* sorted by id */
    size_t n_projects;
    lt_environment_t *envs; /* by sort order, then name */
    size_t n_envs;
    lt_project_env_t *project_envs;
    size_t n_project_envs;
    lt_feature_t *features; /* sorted by name, archived ones included */
    size_t n_features;
    lt_segment_t *segments; /* sorted by id */
    size_t n_segments;
    lt_tag_t *tags; /* sorted by feature, type, value */
    size_t n_tags;
    lt_tag_type_t *tag_types;
    size_t n_tag_types;
    lt_context_field_t *context_fields;
    size_t n_context_fields;
    lt_strategy_def_t *strategy_defs;
    size_t n_strategy_defs;
} lt_export_doc_t;

/* The document of everything a dataset holds (arrays borrowed from d). */
void lt_export_doc_from(const lt_dataset_t *d, lt_export_doc_t *out);

/*
 * Write d as a latch export document (pretty enough to diff: one top-level key and one flag
 * per line). The output depends only on d, so the same data always gives the same bytes.
 */
void lt_export_write(lt_buf_t *b, const lt_export_doc_t *d);

/* Is this JSON text a latch export document (an object with a "latchExport" key)? */
bool lt_export_detect(const char *json, size_t len);

/*
 * Parse a latch export document into out, everything allocated in a. Checks what the store
 * would otherwise refuse half-way: flags name a project and environments of the document,
 * segment ids are unique, dependencies name flags of the document. Returns LT_OK, or
 * LT_EINVAL with err filled (err->where names the flag when there is one).
 */
int lt_export_parse(lt_arena_t *a, const char *json, size_t len, lt_export_doc_t *out,
                    lt_parse_err_t *err);

#endif
