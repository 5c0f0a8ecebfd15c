/*
 * test_faults.c: fault injection against the SQLite backend: a damaged leaf page of the
 * features table, an I/O error injected through a wrapper VFS (xRead or xWrite failing after
 * N calls), and a truncated file. Each must make a load or a write fail cleanly (rolled back,
 * never LT_OK with fewer flags), and the store must work again once the fault is gone.
 */
#include <sqlite3.h>
#include <sys/stat.h>

#include "store_fx.h"

#define N_FLAGS 3000

static void fill(fx_t *fx)
{
    lt_feature_env_t fe = {"development", true, NULL, 0, NULL, 0};
    lt_feature_t *fs = calloc(N_FLAGS, sizeof(*fs));
    lt_event_t *evs = calloc(N_FLAGS, sizeof(*evs));
    char (*names)[32] = calloc(N_FLAGS, sizeof(*names));
    for (size_t i = 0; i < N_FLAGS; i++) {
        snprintf(names[i], sizeof(names[i]), "flag-%05zu", i);
        fs[i].name = names[i];
        fs[i].project = "default";
        fs[i].type = "release";
        fs[i].description = "a flag with a description long enough to fill pages";
        fs[i].envs = &fe;
        fs[i].n_envs = 1;
        evs[i] = fx_ev("feature-created");
    }
    assert_int_equal(lt_store_features_put(fx->s, fs, N_FLAGS, NULL, 0, evs), LT_OK);
    free(fs);
    free(evs);
    free(names);
    assert_int_equal(fx_load(fx).n_features, N_FLAGS);
}

static void reopen(fx_t *fx)
{
    lt_store_close(fx->s);
    fx->s = NULL;
    assert_int_equal(lt_store_open(&fx->s, fx->path), LT_OK);
}

/* ---------- a damaged leaf page ---------- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The page number of one leaf of the features table (its root is an interior page). */
static uint32_t features_leaf(const char *path, uint32_t *page_size)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT rootpage FROM sqlite_schema WHERE"
                                            " name = 'features'", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    uint32_t root = (uint32_t)sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t hdr[100];
    assert_int_equal(fread(hdr, 1, 100, f), 100);
    *page_size = (uint32_t)hdr[16] << 8 | hdr[17];
    if (*page_size == 1)
        *page_size = 65536;
    uint8_t *page = malloc(*page_size);
    assert_int_equal(fseek(f, (long)(root - 1) * *page_size, SEEK_SET), 0);
    assert_int_equal(fread(page, 1, *page_size, f), *page_size);
    fclose(f);
    assert_int_equal(page[0], 0x05); /* interior table page */
    uint16_t cells = (uint16_t)(page[3] << 8 | page[4]);
    assert_true(cells > 2);
    uint16_t off = (uint16_t)(page[12 + 2 * (cells / 2)] << 8 | page[13 + 2 * (cells / 2)]);
    uint32_t leaf = be32(page + off);
    free(page);
    return leaf;
}

static void test_damaged_leaf_page(void **state)
{
    fx_t *fx = *state;
    fill(fx);
    lt_store_close(fx->s); /* checkpoints the WAL into the file */
    fx->s = NULL;
    uint32_t ps = 0, leaf = features_leaf(fx->path, &ps);
    FILE *f = fopen(fx->path, "r+b");
    assert_non_null(f);
    uint8_t junk[64];
    memset(junk, 0xA5, sizeof(junk));
    assert_int_equal(fseek(f, (long)(leaf - 1) * ps, SEEK_SET), 0);
    assert_int_equal(fwrite(junk, 1, sizeof(junk), f), sizeof(junk));
    fclose(f);
    fx_quiet(true);
    int rc = lt_store_open(&fx->s, fx->path);
    lt_dataset_t d;
    memset(&d, 0, sizeof(d));
    int lrc = rc == LT_OK ? lt_store_load(fx->s, &fx->a, &d) : LT_ERR;
    fx_quiet(false);
    assert_int_not_equal(lrc, LT_OK); /* never fewer flags */
    assert_int_equal(d.n_features, 0);
}

static void test_truncated_file(void **state)
{
    fx_t *fx = *state;
    fill(fx);
    lt_store_close(fx->s);
    fx->s = NULL;
    struct stat sb;
    assert_int_equal(stat(fx->path, &sb), 0);
    assert_int_equal(truncate(fx->path, sb.st_size / 2), 0);
    fx_quiet(true);
    int rc = lt_store_open(&fx->s, fx->path);
    lt_dataset_t d;
    memset(&d, 0, sizeof(d));
    int lrc = rc == LT_OK ? lt_store_load(fx->s, &fx->a, &d) : LT_ERR;
    fx_quiet(false);
    assert_int_not_equal(lrc, LT_OK);
}

/* ---------- a wrapper VFS whose reads or writes fail after N calls ---------- */

typedef struct {
    sqlite3_file base;
    sqlite3_file *real;
} faulty_file_t;

static sqlite3_vfs *real_vfs;
static int reads_left = -1, writes_left = -1; /* -1: no fault */
static int write_error = SQLITE_IOERR_WRITE;   /* what a failing write returns */

static bool fire(int *left)
{
    if (*left < 0)
        return false;
    if (*left == 0)
        return true;
    (*left)--;
    return false;
}

#define REAL(f) (((faulty_file_t *)(f))->real)
static int ff_close(sqlite3_file *f)
{
    int rc = REAL(f)->pMethods->xClose(REAL(f));
    free(REAL(f));
    return rc;
}
static int ff_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
    return fire(&reads_left) ? SQLITE_IOERR_READ : REAL(f)->pMethods->xRead(REAL(f), p, n, off);
}
static int ff_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
    return fire(&writes_left) ? write_error : REAL(f)->pMethods->xWrite(REAL(f), p, n, off);
}
static int ff_truncate(sqlite3_file *f, sqlite3_int64 n)
{
    return REAL(f)->pMethods->xTruncate(REAL(f), n);
}
static int ff_sync(sqlite3_file *f, int flags)
{
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int ff_size(sqlite3_file *f, sqlite3_int64 *out)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), out);
}
static int ff_lock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int ff_unlock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int ff_reserved(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int ff_fcntl(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int ff_sector(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int ff_caps(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int ff_shm_map(sqlite3_file *f, int pg, int sz, int ext, void volatile **pp)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, ext, pp);
}
static int ff_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void ff_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int ff_shm_unmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static const sqlite3_io_methods faulty_io = {
    2,           ff_close, ff_read,    ff_write,       ff_truncate,  ff_sync,  ff_size,
    ff_lock,     ff_unlock, ff_reserved, ff_fcntl,     ff_sector,    ff_caps,  ff_shm_map,
    ff_shm_lock, ff_shm_barrier, ff_shm_unmap, NULL, NULL,
};

static int ff_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags,
                   int *out_flags)
{
    faulty_file_t *ff = (faulty_file_t *)f;
    ff->real = calloc(1, (size_t)real_vfs->szOsFile);
    int rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out_flags);
    if (rc != SQLITE_OK || !ff->real->pMethods) {
        free(ff->real);
        ff->base.pMethods = NULL;
        return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
    }
    ff->base.pMethods = &faulty_io;
    return SQLITE_OK;
}

static sqlite3_vfs faulty_vfs;

static void faulty_register(void)
{
    real_vfs = sqlite3_vfs_find(NULL);
    faulty_vfs = *real_vfs;
    faulty_vfs.zName = "latch-faulty";
    faulty_vfs.szOsFile = (int)sizeof(faulty_file_t);
    faulty_vfs.xOpen = ff_open;
    faulty_vfs.pNext = NULL;
    assert_int_equal(sqlite3_vfs_register(&faulty_vfs, 1), SQLITE_OK);
}

static void faulty_unregister(void)
{
    reads_left = writes_left = -1;
    write_error = SQLITE_IOERR_WRITE;
    sqlite3_vfs_unregister(&faulty_vfs);
}

static void test_io_error_on_load(void **state)
{
    fx_t *fx = *state;
    fill(fx);
    lt_store_close(fx->s);
    fx->s = NULL;
    faulty_register();
    assert_int_equal(lt_store_open(&fx->s, fx->path), LT_OK);
    lt_dataset_t d;
    memset(&d, 0, sizeof(d));
    reads_left = 20; /* a few pages into the load */
    fx_quiet(true);
    int rc = lt_store_load(fx->s, &fx->a, &d);
    fx_quiet(false);
    reads_left = -1;
    assert_int_not_equal(rc, LT_OK);
    assert_int_equal(fx_load(fx).n_features, N_FLAGS); /* the fault gone, all of it again */
    faulty_unregister();
}

static void test_io_error_on_write(void **state)
{
    fx_t *fx = *state;
    fill(fx);
    faulty_register();
    reopen(fx);
    int64_t r0 = 0, r1 = 0;
    assert_int_equal(lt_store_revision(fx->s, &r0), LT_OK);
    lt_feature_env_t fe = {"development", true, NULL, 0, NULL, 0};
    lt_feature_t f;
    memset(&f, 0, sizeof(f));
    f.name = "late";
    f.project = "default";
    f.envs = &fe;
    f.n_envs = 1;
    lt_event_t ev = fx_ev("feature-created");
    writes_left = 0;
    fx_quiet(true);
    int rc = lt_store_feature_put(fx->s, &f, &ev);
    fx_quiet(false);
    writes_left = -1;
    assert_int_not_equal(rc, LT_OK);
    reopen(fx); /* whatever is on disk now */
    assert_int_equal(lt_store_revision(fx->s, &r1), LT_OK);
    assert_int_equal(r1, r0); /* rolled back: no event */
    lt_dataset_t d = fx_load(fx);
    assert_int_equal(d.n_features, N_FLAGS);
    assert_null(fx_feature(&d, "late"));
    assert_int_equal(lt_store_feature_put(fx->s, &f, &ev), LT_OK); /* and it works again */
    faulty_unregister();
}

/* A full disk (SQLITE_FULL from a write): the write fails whole, the store says it was for
 * want of space (the admin API answers 507 then), reads go on, and the next write after space
 * is back works and clears it. */
static void test_disk_full_on_write(void **state)
{
    fx_t *fx = *state;
    fill(fx);
    faulty_register();
    reopen(fx);
    lt_feature_env_t fe = {"development", true, NULL, 0, NULL, 0};
    lt_feature_t f;
    memset(&f, 0, sizeof(f));
    f.name = "late";
    f.project = "default";
    f.envs = &fe;
    f.n_envs = 1;
    lt_event_t ev = fx_ev("feature-created");
    write_error = SQLITE_FULL;
    writes_left = 0;
    fx_quiet(true);
    int rc = lt_store_feature_put(fx->s, &f, &ev);
    fx_quiet(false);
    writes_left = -1;
    assert_int_not_equal(rc, LT_OK);
    assert_true(lt_store_out_of_space(fx->s));
    lt_dataset_t d = fx_load(fx); /* reads go on */
    assert_int_equal(d.n_features, N_FLAGS);
    assert_null(fx_feature(&d, "late"));
    write_error = SQLITE_IOERR_WRITE; /* another I/O error is not a full disk */
    writes_left = 0;
    fx_quiet(true);
    assert_int_not_equal(lt_store_feature_put(fx->s, &f, &ev), LT_OK);
    fx_quiet(false);
    writes_left = -1;
    assert_false(lt_store_out_of_space(fx->s));
    assert_int_equal(lt_store_feature_put(fx->s, &f, &ev), LT_OK); /* space is back */
    assert_false(lt_store_out_of_space(fx->s));
    lt_dataset_t after = fx_load(fx);
    assert_non_null(fx_feature(&after, "late"));
    faulty_unregister();
}

int main(void)
{
    lt_log_set_level(LT_LOG_WARN);
    backend = &backends[0]; /* SQLite: the faults are about its file */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_damaged_leaf_page, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_truncated_file, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_io_error_on_load, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_io_error_on_write, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_disk_full_on_write, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("sqlite faults", tests, NULL, NULL);
}
