/*
 * ceiling.c: the bare-library ceiling for the benchmarks: libmicrohttpd configured as latch
 * configures it (epoll, a thread pool the size of the cores, a 64 KiB pool per connection),
 * answering every request with the same bytes from one prebuilt response. What latch reaches
 * is shown as a share of this.
 *   ceiling FILE PORT [CONTENT-ENCODING|-] [STATUS]
 * FILE holds the body (/dev/null for none); STATUS defaults to 200 (304, 401, 202 for the
 * other cases). A request body (POST) is read and dropped before the answer, as latch does.
 * CEILING_POOL=BYTES sets another connection pool size (libmicrohttpd 0.9.75 zeroes the whole
 * pool on every keep-alive request, so its size costs throughput; see docs/BENCHMARKS.md).
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct MHD_Response *resp;
static unsigned status = 200;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **state)
{
    if (!*state) { /* answer on a later call, as latch does, to keep connections alive */
        *state = c;
        return MHD_YES;
    }
    if (*size) { /* upload data: consume it, answer once it is all in */
        *size = 0;
        return MHD_YES;
    }
    return MHD_queue_response(c, status, resp);
}

static char *slurp(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0, n;
    char *buf = malloc(cap);
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
        }
    }
    fclose(f);
    *out_len = len;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: ceiling FILE PORT [CONTENT-ENCODING|-] [STATUS]\n");
        return 2;
    }
    size_t n;
    char *body = slurp(argv[1], &n);
    if (!body) {
        fprintf(stderr, "ceiling: cannot read %s\n", argv[1]);
        return 1;
    }
    if (argc > 4)
        status = (unsigned)atoi(argv[4]);
    resp = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_PERSISTENT);
    if (status != 304) {
        MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
        if (status == 200)
            MHD_add_response_header(resp, "ETag", "\"ceiling:1:v1\"");
    }
    if (argc > 3 && strcmp(argv[3], "-") != 0)
        MHD_add_response_header(resp, "Content-Encoding", argv[3]);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    const char *pool_env = getenv("CEILING_POOL");
    size_t pool = pool_env ? (size_t)strtoul(pool_env, NULL, 10) : (size_t)64 * 1024;
    struct sockaddr_in sin; /* loopback only; port 0 picks a free one, reported below */
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)atoi(argv[2]));
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD, (uint16_t)atoi(argv[2]), NULL, NULL, on_request, NULL,
        MHD_OPTION_SOCK_ADDR, &sin, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)(cores > 0 ? cores : 1), MHD_OPTION_CONNECTION_TIMEOUT, 60u,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "ceiling: cannot listen on port %s\n", argv[2]);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr, "ceiling: listening on 127.0.0.1 port %u\n",
            info ? (unsigned)info->port : (unsigned)atoi(argv[2]));
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sig;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    MHD_destroy_response(resp);
    free(body);
    return 0;
}
