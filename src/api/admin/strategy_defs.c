/*
 * strategy_defs.c: the admin API of strategy definitions: Unleash's built-ins (with their
 * deprecation kept in a row) and custom ones (list, get, create, update, delete, deprecate,
 * reactivate); also writes a definition for the applications read model.
 */
#include "admin_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "../../base/util.h"
#include "../../model/model_json.h"

#define BAD(...) lt_write_fail(w, 400, "ValidationError", __VA_ARGS__)
#define BAD_DATA(...) lt_write_fail(w, 400, "BadDataError", __VA_ARGS__)

/* ---------- strategy definitions ---------- */

#define P_GROUP                                                                                    \
    "{\"name\":\"groupId\",\"type\":\"string\",\"description\":\"Used to define a activation "     \
    "groups, which allows you to correlate across feature toggles.\",\"required\":true}"
#define P_PERCENT                                                                                  \
    "{\"name\":\"percentage\",\"type\":\"percentage\",\"description\":\"\",\"required\":false}"

typedef struct {
    const char *name, *display, *description, *parameters;
    bool deprecated;
} builtin_t;

/* Unleash's built-in strategies (migrations up to 8.x), in its sort order; the deprecated
 * ones are still evaluated by the SDKs. */
static const builtin_t builtins[] = {
    {"flexibleRollout", "Gradual rollout",
     "Roll out to a percentage of your userbase, and ensure that the experience is the same for "
     "the user on each visit.",
     "[{\"name\":\"rollout\",\"type\":\"percentage\",\"description\":\"\",\"required\":false},"
     "{\"name\":\"stickiness\",\"type\":\"string\",\"description\":\"Used define stickiness. "
     "Possible values: default, userId, sessionId, random\",\"required\":true}," P_GROUP "]",
     false},
    {"default", "Standard",
     "This strategy turns on / off for your entire userbase. Prefer using \"Gradual rollout\" "
     "strategy (100%=on, 0%=off).",
     "[]", false},
    {"userWithId", "UserIDs", "Enable the feature for a specific set of userIds.",
     "[{\"name\":\"userIds\",\"type\":\"list\",\"description\":\"\",\"required\":false}]", true},
    {"remoteAddress", "IPs", "Enable the feature for a specific set of IP addresses.",
     "[{\"name\":\"IPs\",\"type\":\"list\",\"description\":\"List of IPs to enable the feature "
     "toggle for.\",\"required\":true}]",
     false},
    {"applicationHostname", "Hosts", "Enable the feature for a specific set of hostnames.",
     "[{\"name\":\"hostNames\",\"type\":\"list\",\"description\":\"List of hostnames to enable "
     "the feature toggle for.\",\"required\":false}]",
     false},
    {"gradualRolloutRandom", NULL, "Randomly activate the feature toggle. No stickiness.",
     "[" P_PERCENT "]", true},
    {"gradualRolloutSessionId", NULL,
     "Gradually activate feature toggle. Stickiness based on session id.",
     "[" P_PERCENT "," P_GROUP "]", true},
    {"gradualRolloutUserId", NULL,
     "Gradually activate feature toggle for logged in users. Stickiness based on user id.",
     "[" P_PERCENT "," P_GROUP "]", true},
};

static const builtin_t *find_builtin(const char *name)
{
    for (size_t i = 0; i < LT_ARRAY_LEN(builtins); i++)
        if (strcmp(builtins[i].name, name) == 0)
            return &builtins[i];
    return NULL;
}

static const lt_strategy_def_t *find_def(const lt_dataset_t *d, const char *name)
{
    for (size_t i = 0; i < d->n_strategy_defs; i++)
        if (strcmp(d->strategy_defs[i].name, name) == 0)
            return &d->strategy_defs[i];
    return NULL;
}

void lt_adm_write_list_text(lt_buf_t *b, const char *text)
{
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    char *out = cJSON_IsArray(j) ? cJSON_PrintUnformatted(j) : NULL;
    lt_buf_puts(b, out ? out : "[]");
    cJSON_free(out);
    cJSON_Delete(j);
}

/* A built-in (bi, its row def holding only a deprecation) or a custom definition (def). */
static void write_strategy_def(lt_buf_t *b, const builtin_t *bi, const lt_strategy_def_t *def)
{
    lt_buf_puts(b, "{\"displayName\":");
    lt_json_cstr_or_null(b, bi ? bi->display : NULL);
    lt_buf_puts(b, ",\"name\":");
    lt_json_cstr(b, bi ? bi->name : def->name);
    lt_buf_puts(b, ",\"editable\":");
    lt_json_bool(b, !bi);
    lt_buf_puts(b, ",\"description\":");
    lt_json_cstr_or_null(b, bi ? bi->description : def->description);
    lt_buf_puts(b, ",\"parameters\":");
    if (bi)
        lt_buf_puts(b, bi->parameters);
    else
        lt_adm_write_list_text(b, def->parameters);
    lt_buf_puts(b, ",\"deprecated\":");
    lt_json_bool(b, def ? def->deprecated : bi->deprecated);
    lt_buf_puts(b, ",\"title\":");
    lt_json_cstr_or_null(b, bi ? NULL : def->title);
    lt_buf_putc(b, '}');
}

bool lt_adm_write_strategy_def_named(lt_buf_t *b, const lt_dataset_t *d, const char *name)
{
    const builtin_t *bi = find_builtin(name);
    const lt_strategy_def_t *def = find_def(d, name);
    if (bi || def)
        write_strategy_def(b, bi, def);
    return bi || def;
}

static void api_strategies_list(lt_req_t *r, const lt_params_t *pp)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"strategies\":[");
    for (size_t i = 0; i < LT_ARRAY_LEN(builtins); i++) {
        if (i)
            lt_buf_putc(&b, ',');
        write_strategy_def(&b, &builtins[i], find_def(d, builtins[i].name));
    }
    for (size_t i = 0; i < d->n_strategy_defs; i++) {
        if (find_builtin(d->strategy_defs[i].name))
            continue;
        lt_buf_putc(&b, ',');
        write_strategy_def(&b, NULL, &d->strategy_defs[i]);
    }
    lt_buf_puts(&b, "]}");
    lt_adm_reply(r, 200, &b);
}

static bool strategy_lookup(lt_req_t *r, const lt_dataset_t *d, const char *name,
                            const builtin_t **bi, const lt_strategy_def_t **def)
{
    *bi = find_builtin(name);
    *def = find_def(d, name);
    if (!*bi && !*def) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find strategy with name %s", name);
        return false;
    }
    return true;
}

static void api_strategy_get(lt_req_t *r, const lt_params_t *pp)
{
    const builtin_t *bi;
    const lt_strategy_def_t *def;
    if (!strategy_lookup(r, &lt_req_snapshot(r)->data, lt_adm_param(pp, "name"), &bi, &def))
        return;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_strategy_def(&b, bi, def);
    lt_adm_reply(r, 200, &b);
}

typedef enum { SD_CREATE, SD_UPDATE, SD_DELETE, SD_DEPRECATE, SD_REACTIVATE } sd_op_t;

typedef struct {
    lt_arena_t *a;
    const lt_principal_t *p;
    const char *name;
    const cJSON *body;
    sd_op_t op;
    lt_strategy_def_t result;
} sd_ctx_t;

/* Parameters of a strategy definition, normalised to [{name, type, description, required}]. */
static const char *parse_def_params(lt_arena_t *a, const cJSON *j, lt_write_t *w)
{
    if (!cJSON_IsArray(j)) {
        BAD("\"parameters\" is required and must be an array");
        return NULL;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_putc(&b, '[');
    const cJSON *it;
    bool first = true;
    cJSON_ArrayForEach(it, j)
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(it, "type");
        const cJSON *desc = cJSON_GetObjectItemCaseSensitive(it, "description");
        const cJSON *req = cJSON_GetObjectItemCaseSensitive(it, "required");
        if (!cJSON_IsObject(it) || !cJSON_IsString(n) || !n->valuestring[0] || !cJSON_IsString(t) ||
            !t->valuestring[0] || (desc && !cJSON_IsString(desc) && !cJSON_IsNull(desc)) ||
            (req && !cJSON_IsBool(req))) {
            lt_buf_dispose(&b);
            BAD("a parameter needs a name and a type (strings), an optional description "
                "(string) and required (boolean)");
            return NULL;
        }
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        lt_buf_puts(&b, "{\"name\":");
        lt_json_cstr(&b, n->valuestring);
        lt_buf_puts(&b, ",\"type\":");
        lt_json_cstr(&b, t->valuestring);
        lt_buf_puts(&b, ",\"description\":");
        lt_json_cstr(&b, cJSON_IsString(desc) ? desc->valuestring : "");
        lt_buf_puts(&b, ",\"required\":");
        lt_json_bool(&b, cJSON_IsTrue(req));
        lt_buf_putc(&b, '}');
    }
    lt_buf_putc(&b, ']');
    return lt_adm_buf_arena(a, &b);
}

static int sd_write(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    sd_ctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const builtin_t *bi = find_builtin(c->name);
    const lt_strategy_def_t *def = find_def(d, c->name);
    lt_strategy_def_t *s = &c->result;
    memset(s, 0, sizeof(*s));
    static const char *const types[] = {"strategy-created", "strategy-updated", "strategy-deleted",
                                        "strategy-deprecated", "strategy-reactivated"};
    lt_event_t ev = lt_admin_event(c->p, types[c->op]);
    lt_buf_t b;
    if (c->op == SD_CREATE && (bi || def))
        return lt_write_fail(w, 409, "NameExistsError", "Strategy with name %s already exist!",
                             c->name);
    if (c->op != SD_CREATE && !bi && !def)
        return lt_write_fail(w, 404, "NotFoundError", "Could not find strategy with name %s",
                             c->name);
    if ((c->op == SD_UPDATE || c->op == SD_DELETE) && bi)
        return BAD("Cannot edit strategy %s: it is built in", c->name);
    if (c->op == SD_DELETE) {
        lt_buf_init(&b, 0);
        lt_buf_puts(&b, "{\"name\":");
        lt_json_cstr(&b, c->name);
        lt_buf_putc(&b, '}');
        ev.data = lt_adm_buf_arena(c->a, &b);
        lt_buf_init(&b, 0);
        write_strategy_def(&b, NULL, def);
        ev.pre_data = lt_adm_buf_arena(c->a, &b);
        return lt_store_strategy_def_delete(store, c->name, &ev);
    }
    if (c->op == SD_DEPRECATE || c->op == SD_REACTIVATE) {
        if (def) {
            *s = *def;
        } else { /* a built-in: its row only holds the deprecation */
            s->name = bi->name;
            s->parameters = "[]";
            s->created_at = lt_now_ms();
        }
        s->deprecated = c->op == SD_DEPRECATE;
        lt_buf_init(&b, 0);
        lt_buf_puts(&b, "{\"name\":");
        lt_json_cstr(&b, c->name);
        lt_buf_putc(&b, '}');
        ev.data = lt_adm_buf_arena(c->a, &b);
        return lt_store_strategy_def_put(store, s, &ev);
    }
    /* create or update */
    bool bad = false;
    s->name = c->name;
    s->title = lt_adm_opt_str(c->body, "title", 0, &bad);
    s->description = lt_adm_opt_str(c->body, "description", 0, &bad);
    if (bad)
        return BAD("\"title\" and \"description\" must be strings");
    s->parameters =
        parse_def_params(c->a, cJSON_GetObjectItemCaseSensitive(c->body, "parameters"), w);
    if (!s->parameters)
        return LT_EINVAL;
    s->deprecated = def ? def->deprecated : false;
    s->created_at = def ? def->created_at : lt_now_ms();
    lt_buf_init(&b, 0);
    write_strategy_def(&b, NULL, s);
    ev.data = lt_adm_buf_arena(c->a, &b);
    if (def) {
        lt_buf_init(&b, 0);
        write_strategy_def(&b, NULL, def);
        ev.pre_data = lt_adm_buf_arena(c->a, &b);
    }
    return lt_store_strategy_def_put(store, s, &ev);
}

/* POST, PUT, DELETE and deprecate/reactivate (decl->op): the permission is declared. */
static void api_strategy_write(lt_req_t *r, const lt_params_t *pp)
{
    lt_adm_ctx_t *ac = lt_adm_ctx(r);
    sd_op_t op = (sd_op_t)ac->decl->op;
    const char *name =
        lt_adm_param(pp, op == SD_DEPRECATE || op == SD_REACTIVATE ? "strategyName" : "name");
    if (op == SD_CREATE && !(name = lt_adm_body_name(r, ac->body)))
        return;
    sd_ctx_t c = {lt_req_arena(r), &ac->who, lt_arena_strdup(lt_req_arena(r), name),
                  ac->body,        op,       {0}};
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, sd_write, &w) != LT_OK)
        return;
    if (op != SD_CREATE) {
        lt_reply_empty(r, 200);
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_strategy_def(&b, NULL, &c.result);
    lt_adm_reply_created(r, "strategies", c.name, &b);
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_strategy_defs[] = {
    ROUTE(LT_GET, "/api/admin/strategies", api_strategies_list, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/strategies", api_strategy_write, LT_PERM("CREATE_STRATEGY"),
          LT_JSON_OBJECT, .op = SD_CREATE),
    ROUTE(LT_GET, "/api/admin/strategies/:name", api_strategy_get, LT_AUTHENTICATED),
    ROUTE(LT_PUT, "/api/admin/strategies/:name", api_strategy_write, LT_PERM("UPDATE_STRATEGY"),
          LT_JSON_OBJECT, .op = SD_UPDATE),
    ROUTE(LT_DELETE, "/api/admin/strategies/:name", api_strategy_write, LT_PERM("DELETE_STRATEGY"),
          .op = SD_DELETE),
    ROUTE(LT_POST, "/api/admin/strategies/:strategyName/deprecate", api_strategy_write,
          LT_PERM("UPDATE_STRATEGY"), .op = SD_DEPRECATE),
    ROUTE(LT_POST, "/api/admin/strategies/:strategyName/reactivate", api_strategy_write,
          LT_PERM("UPDATE_STRATEGY"), .op = SD_REACTIVATE),
    {0},
};
