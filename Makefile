# latch: top-level build. `make` builds build/latch; `make test` runs every test;
# `make SANITIZER=address,undefined test` runs them under ASan/UBSan (in build/san/).
# `make check` is what CI runs: dependencies, the suite, the suite under sanitizers, then the
# fuzz corpora replayed through their libFuzzer targets (fuzz/fuzz.mk).

CC ?= cc
.DEFAULT_GOAL := all
PKGS := libmicrohttpd libcjson sqlite3 libsodium libpcre2-8 zlib libcurl libpq libxcrypt
WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wpointer-arith -Wcast-qual -Wformat=2 -Wno-unused-parameter
ifneq ($(CI),)
WERROR ?= 1
endif
ifeq ($(WERROR),1)
WARN += -Werror
endif

ifneq ($(SANITIZER),)
BUILD ?= build/san
# UBSan's float-cast-overflow (a double out of an integer's range) is not part of "undefined"
comma := ,
OPT := -O1 -g -fno-omit-frame-pointer \
       -fsanitize=$(SANITIZER)$(if $(findstring undefined,$(SANITIZER)),$(comma)float-cast-overflow) \
       -fno-sanitize-recover=all
else
BUILD ?= build
OPT := -O2 -g
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CPPFLAGS += -D_GNU_SOURCE -MMD -MP
CFLAGS += $(WARN) $(OPT) $(PKG_CFLAGS) -pthread
LDFLAGS += $(OPT) -pthread
LDLIBS += $(PKG_LIBS) -lm

# The git revision and build date compiled into src/base/version.c ("unknown" outside a git
# checkout of this tree, as in a tarball or a package build). SOURCE_DATE_EPOCH, when set, fixes
# the date for a reproducible build. A stamp file rewritten only when they change recompiles
# version.c alone.
ifndef GIT_REV
GIT_REV := $(shell [ "$$(git -C . rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ] && \
             git describe --always --dirty --abbrev=12 --match=NONE 2>/dev/null || echo unknown)
endif
ifndef BUILD_DATE
BUILD_DATE := $(shell date -u $(if $(SOURCE_DATE_EPOCH),-d @$(SOURCE_DATE_EPOCH)) +%Y-%m-%d \
                2>/dev/null || echo unknown)
endif
VERSION_STAMP := $(BUILD)/version.stamp
$(shell mkdir -p $(BUILD) && echo '$(GIT_REV) $(BUILD_DATE)' | cmp -s - $(VERSION_STAMP) || \
        echo '$(GIT_REV) $(BUILD_DATE)' > $(VERSION_STAMP))
$(BUILD)/src/base/version.o: CPPFLAGS += -DLT_GIT_REV='"$(GIT_REV)"' -DLT_BUILD_DATE='"$(BUILD_DATE)"'
$(BUILD)/src/base/version.o: $(VERSION_STAMP)

LIB_SRC := $(filter-out src/main.c,$(shell find src -name '*.c' | sort))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
# The admin page: ui/ turned into C bytes (with gzip copies and ETags) by scripts/embed-ui.pl.
UI_FILES := $(shell find ui -type f | sort)
UI_GEN := $(BUILD)/gen/ui_assets.c
LIB_OBJ += $(BUILD)/gen/ui_assets.o
# The names of latch's OpenAPI document (src/api/openapi.c): Unleash's operations and latch's own.
OPENAPI_TSV := tests/data/unleash-8.2.0-operations.tsv src/api/openapi_latch.tsv
OPENAPI_GEN := $(BUILD)/gen/openapi_ops.c
LIB_OBJ += $(BUILD)/gen/openapi_ops.o
MAIN_OBJ := $(BUILD)/src/main.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
STORE_TEST_SRC := $(wildcard tests/store/test_*.c)
STORE_TEST_BIN := $(STORE_TEST_SRC:tests/store/%.c=$(BUILD)/tests/store/%)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man

.PHONY: all test layers unit store-tests integration integration-pg reliability check deps deps-test \
        serve clean format bench-smoke bench-micro bench-compare bench-admin bench-ui man install \
        deb deb-check

all: $(BUILD)/latch $(BUILD)/latch.1

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(UI_GEN): $(UI_FILES) $(shell find ui -type d) scripts/embed-ui.pl
	@mkdir -p $(dir $@)
	scripts/embed-ui.pl ui > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/ui_assets.o: $(UI_GEN)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Isrc -c $< -o $@

$(OPENAPI_GEN): $(OPENAPI_TSV) scripts/embed-openapi.pl
	@mkdir -p $(dir $@)
	scripts/embed-openapi.pl $(OPENAPI_TSV) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/openapi_ops.o: $(OPENAPI_GEN)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Isrc -c $< -o $@

# Objects are stored under their full paths (P), so two files of one name in different
# folders (edge/offline.c and a future cli/offline.c, say) are both kept.
$(BUILD)/liblatch.a: $(LIB_OBJ)
	@rm -f $@
	ar rcsP $@ $^

$(BUILD)/latch: $(MAIN_OBJ) $(BUILD)/liblatch.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# latch(1), written from the binary's own --help texts (one source: src/cli/*.c).
$(BUILD)/latch.1: $(BUILD)/latch scripts/man.sh
	scripts/man.sh $(BUILD)/latch > $@.tmp && mv $@.tmp $@

man: $(BUILD)/latch.1

install: $(BUILD)/latch $(BUILD)/latch.1
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(BUILD)/latch $(DESTDIR)$(BINDIR)/latch
	install -m 0644 $(BUILD)/latch.1 $(DESTDIR)$(MANDIR)/man1/latch.1

# The Debian package, with dpkg-deb and no network (packaging/build-deb.sh), and the check by
# hand that installs it into a fresh Debian 12 root and starts it (debootstrap, the network,
# root; too slow for `make test`).
deb: $(BUILD)/latch $(BUILD)/latch.1
	packaging/build-deb.sh $(BUILD)

deb-check: deb
	packaging/test-deb.sh $(BUILD)/latch.deb

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/liblatch.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Isrc -o $@ $< $(BUILD)/liblatch.a $(LDLIBS) -lcmocka

# The dependency direction of docs/ARCHITECTURE.md (no folder includes one above it).
layers:
	@scripts/check-layers.sh

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# The store conformance suite and its fault-injection tests, against every backend built in.
$(BUILD)/tests/store/%: tests/store/%.c tests/store/store_fx.h $(BUILD)/liblatch.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Isrc -o $@ $< $(BUILD)/liblatch.a $(LDLIBS) -lcmocka

# (PostgreSQL: a private cluster for the run, scripts/with-pg.sh.)
store-tests: $(STORE_TEST_BIN)
	@scripts/with-pg.sh sh -c 'set -e; for t in $(STORE_TEST_BIN); do echo "== $$t"; $$t; done'

integration: $(BUILD)/latch
	LATCH_BIN=$(abspath $(BUILD)/latch) scripts/with-pg.sh scripts/node.sh --test --test-concurrency=1 tests/integration/

# The integration suites again with every server on a fresh PostgreSQL database, but for the
# ones about SQLite's file (damaged pages, the raw bytes of the file, a full disk under it) and
# the edge in front of unleash-server (no latch store there), and the import from
# unleash-server (it makes a SQLite and a PostgreSQL store of its own), and latch beside a
# real unleash-server (its own PostgreSQL).
PG_SUITES := $(filter-out tests/integration/store_faults.test.mjs tests/integration/access_secrets.test.mjs \
               tests/integration/store_full.test.mjs tests/integration/edge_unleash.test.mjs \
               tests/integration/admin_unleash.test.mjs \
               tests/integration/import_unleash.test.mjs \
               tests/integration/pg_%,$(wildcard tests/integration/*.test.mjs))
integration-pg: $(BUILD)/latch
	LATCH_BIN=$(abspath $(BUILD)/latch) scripts/with-pg.sh sh -c \
	  'LATCH_IT_PG_URL=$$LATCH_TEST_PG_URL scripts/node.sh --test --test-concurrency=1 $(PG_SUITES)'

test: deps-test layers unit store-tests integration integration-pg bench-smoke

# By hand or in CI, not in `make test` (minutes; mounts a tmpfs when root): kill -9 during
# writes, slow clients, a soak, a full disk (tests/reliability/, docs/TESTING.md).
reliability: $(BUILD)/latch
	LATCH_BIN=$(abspath $(BUILD)/latch) scripts/node.sh --test --test-concurrency=1 tests/reliability/

bench-smoke: $(BUILD)/latch
	@if [ -x bench/run.sh ]; then LATCH_BIN=$(abspath $(BUILD)/latch) bench/run.sh --smoke; fi

# By hand, not in `make test`: micro-benchmarks, and the comparison with Unleash (installs
# postgresql, unleash-server and @unleash/proxy; see docs/BENCHMARKS.md).
bench-micro: $(BUILD)/latch $(BUILD)/liblatch.a
	LATCH_BIN=$(abspath $(BUILD)/latch) LIBLATCH=$(abspath $(BUILD)/liblatch.a) bench/micro.sh

bench-admin: $(BUILD)/latch
	LATCH_BIN=$(abspath $(BUILD)/latch) scripts/node.sh bench/admin_writes.mjs

# The admin page with a 10,000-flag project in Chromium (docs/BENCHMARKS.md).
bench-ui: $(BUILD)/latch
	LATCH_BIN=$(abspath $(BUILD)/latch) scripts/node.sh bench/ui_flags.mjs

bench-compare: $(BUILD)/latch
	LATCH_BIN=$(abspath $(BUILD)/latch) bench/compare.sh

check:
	$(MAKE) test
	$(MAKE) SANITIZER=address,undefined test
	$(MAKE) fuzz-replay

deps:
	@scripts/deps.sh

deps-test:
	@scripts/deps.sh --test

serve: deps
	$(MAKE) all
	./build/latch serve

format:
	clang-format -i $(shell find src tests/unit -name '*.[ch]')

clean:
	rm -rf build

include fuzz/fuzz.mk

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)
