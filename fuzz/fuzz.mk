# fuzz/fuzz.mk, included by the Makefile: the libFuzzer targets (house style rule 23).
#   make fuzz          builds build/fuzz/fuzz_<target> with clang, over a liblatch.a built with
#                      -fsanitize=fuzzer-no-link,address,undefined in build/fuzz
#   make fuzz-replay   runs every file of fuzz/corpus/<target>/ through its target once
#   make fuzz-run FUZZ_TARGET=fuzz_token FUZZ_SECONDS=300   fuzzes one target (niced)
# docs/TESTING.md says how to run, minimise and grow the corpora.

FUZZ_BUILD := build/fuzz
FUZZ_TARGETS := $(patsubst fuzz/%.c,%,$(filter-out fuzz/fuzz_req.c,$(wildcard fuzz/fuzz_*.c)))
FUZZ_BIN := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)
FUZZ_SECONDS ?= 300
FUZZ_RUNS ?= 10000000

.PHONY: fuzz fuzz-targets fuzz-replay fuzz-run

# clang warns about two things gcc lets pass (a printf wrapper's format, a partly initialised
# table row); the gcc build keeps them as errors in CI.
fuzz:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang SANITIZER=fuzzer-no-link,address,undefined \
	    WARN="$(WARN) -Wno-format-nonliteral -Wno-missing-field-initializers" fuzz-targets

fuzz-targets: $(FUZZ_BIN)

# fuzz_path includes src/http/server.c itself; the others answer requests through fuzz_req.c.
$(FUZZ_BUILD)/fuzz_path: fuzz/fuzz_path.c src/http/server.c $(FUZZ_BUILD)/liblatch.a
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-missing-prototypes -fsanitize=fuzzer -o $@ $< \
	    $(FUZZ_BUILD)/liblatch.a $(LDLIBS)

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_req.c fuzz/fuzz.h $(FUZZ_BUILD)/liblatch.a
	$(CC) $(CPPFLAGS) $(CFLAGS) -DFZ_FIXTURE='"$(abspath tests/data/client-features.json)"' \
	    -fsanitize=fuzzer -o $@ $< fuzz/fuzz_req.c $(FUZZ_BUILD)/liblatch.a $(LDLIBS)

fuzz-replay: fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
	    n=$$(find fuzz/corpus/$$t -type f | wc -l); \
	    echo "== $$t: $$n inputs"; \
	    find fuzz/corpus/$$t -type f -print0 | \
	        xargs -0 -r $(FUZZ_BUILD)/$$t -runs=1 >$(FUZZ_BUILD)/$$t.replay.log 2>&1 || \
	        { cat $(FUZZ_BUILD)/$$t.replay.log; exit 1; }; \
	done

# One target at a time, at the lowest priority: the machine is shared. New inputs go to a
# scratch folder; merge them into the corpus with -merge=1 (docs/TESTING.md).
fuzz-run: fuzz
	@test -n "$(FUZZ_TARGET)" || { echo "set FUZZ_TARGET (one of: $(FUZZ_TARGETS))"; exit 1; }
	mkdir -p $(FUZZ_BUILD)/new/$(FUZZ_TARGET)
	nice -n 19 $(FUZZ_BUILD)/$(FUZZ_TARGET) -max_total_time=$(FUZZ_SECONDS) -runs=$(FUZZ_RUNS) \
	    -print_final_stats=1 -rss_limit_mb=1024 -timeout=10 \
	    -artifact_prefix=$(FUZZ_BUILD)/ $(FUZZ_BUILD)/new/$(FUZZ_TARGET) fuzz/corpus/$(FUZZ_TARGET)
