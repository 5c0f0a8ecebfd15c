/*
 * startup_bench.c: time from exec of `latch serve` to its first 200 on /health (polled every
 * millisecond over a fresh connection), then how long the first GET /api/client/features takes
 * (the body is serialised on that first request and memoized) and a second one. Stops the
 * server it started. bench/micro.sh builds and runs it.
 *   startup_bench LATCH DB CLIENT-TOKEN [RUNS]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
        exit(1);
    close(fd);
    return ntohs(sa.sin_port);
}

/* One request on a new connection; the status code, or -1 when it cannot connect. */
static int get(int port, const char *path, const char *token, size_t *out_bytes)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    char req[512];
    int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: x\r\n%s%s%s\r\n", path,
                     token ? "Authorization: " : "", token ? token : "", token ? "\r\n" : "");
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    char buf[65536];
    size_t total = 0;
    int status = -1;
    ssize_t r;
    while ((r = read(fd, buf, sizeof(buf))) > 0) {
        if (total == 0 && r > 12)
            status = atoi(buf + 9);
        total += (size_t)r;
    }
    close(fd);
    if (out_bytes)
        *out_bytes = total;
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: startup_bench LATCH DB CLIENT-TOKEN [RUNS]\n");
        return 2;
    }
    int runs = argc > 4 ? atoi(argv[4]) : 5;
    double best = 1e9, sum = 0, first_sum = 0, second_sum = 0;
    size_t bytes = 0;
    for (int run = 0; run < runs; run++) {
        int port = free_port();
        char port_s[16];
        snprintf(port_s, sizeof(port_s), "%d", port);
        double t0 = now_ms();
        pid_t pid = fork();
        if (pid == 0) {
            freopen("/dev/null", "w", stderr);
            execl(argv[1], argv[1], "serve", "--port", port_s, "--bind", "127.0.0.1", "--db",
                  argv[2], (char *)NULL);
            _exit(127);
        }
        double up = -1;
        for (int i = 0; i < 10000; i++) { /* at most about 10 s */
            if (get(port, "/health", NULL, NULL) == 200) {
                up = now_ms() - t0;
                break;
            }
            usleep(1000);
        }
        if (up < 0) {
            fprintf(stderr, "startup_bench: no 200 on /health within 10 s\n");
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            return 1;
        }
        double f0 = now_ms();
        int st = get(port, "/api/client/features", argv[3], &bytes);
        double f1 = now_ms();
        get(port, "/api/client/features", argv[3], NULL);
        double f2 = now_ms();
        if (st != 200)
            fprintf(stderr, "startup_bench: /api/client/features gave %d\n", st);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        sum += up;
        first_sum += f1 - f0;
        second_sum += f2 - f1;
        if (up < best)
            best = up;
    }
    printf("exec to first 200 on /health: best %.1f ms, mean %.1f ms (%d runs)\n", best,
           sum / runs, runs);
    printf("first GET /api/client/features (serialise + memoize, %zu bytes): %.1f ms; "
           "second: %.1f ms (new connection each)\n",
           bytes, first_sum / runs, second_sum / runs);
    printf("RESULT startup_ms=%.1f first_features_ms=%.1f\n", best, first_sum / runs);
    return 0;
}
