# sdc - statistical disclosure control toolkit.
# make [all|check|asan|fuzz|valgrind|bench|install|uninstall|clean]
# (B= build directory)

VERSION = 0.1.0
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

B ?= build
CC ?= cc
PKGS = gsl zlib yaml-0.1
WARN = -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla -Wwrite-strings
ifneq ($(CI),)
WARN += -Werror
endif
OPT ?= -O2 -g
SAN ?=
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -DSDC_VERSION='"$(VERSION)"' \
	-I.
CFLAGS += $(OPT) $(WARN) $(SAN) -pthread $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS += -lcsv -lglpk $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lz) -lm
LDFLAGS += $(SAN) -pthread

LIB_SRC = $(wildcard libsdc/*.c)
LIB_OBJ = $(LIB_SRC:%.c=$(B)/%.o)
CLI_OBJ = $(B)/cmd/cli.o
CMDS = $(patsubst cmd/%.c,%,$(wildcard cmd/sdc-*.c))
BINS = $(CMDS:%=$(B)/bin/%)
UNIT_SRC = $(wildcard tests/unit/t_*.c)
UNITS = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
MANS = $(wildcard man/*.[1-9])

all: $(BINS) $(UNITS)

$(B)/%.o: %.c $(wildcard libsdc/*.h cmd/*.h tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/libsdc.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(B)/bin/%: $(B)/cmd/%.o $(CLI_OBJ) $(B)/libsdc.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(B)/libsdc.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

check: all
	SDC_BIN=$(abspath $(B)/bin) SDC_UNIT=$(abspath $(B)/tests) tests/run

asan:
	$(MAKE) B=build/asan OPT='-O1 -g -fno-omit-frame-pointer' \
	    SAN='-fsanitize=address,undefined -fno-sanitize-recover=all' check

# libFuzzer targets (tests/fuzz/fuzz_*.c), each for FUZZ_SECONDS, with
# ASan and UBSan; the corpus grows in build/fuzz/corpus/TARGET, and
# crashes, leaks and timeouts land in build/fuzz/findings/TARGET.  See
# tests/fuzz/README.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS ?= -max_len=16384 -timeout=10 -rss_limit_mb=2048
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_TARGETS = $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

fuzz:
	$(MAKE) B=build/fuzz CC=$(FUZZ_CC) OPT='-O1 -g -fno-omit-frame-pointer' \
	    SAN='$(FUZZ_SAN) -fsanitize=fuzzer-no-link' build/fuzz/libsdc.a
	@set -e; for t in $(FUZZ_TARGETS); do \
	    $(FUZZ_CC) $(CPPFLAGS) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer \
	        -pthread -o build/fuzz/$$t tests/fuzz/$$t.c build/fuzz/libsdc.a \
	        $(LDLIBS); \
	done
	@fail=0; for t in $(FUZZ_TARGETS); do \
	    c=build/fuzz/corpus/$$t f=build/fuzz/findings/$$t; \
	    mkdir -p $$c $$f; tests/fuzz/seeds $$t build/fuzz/seeds/$$t; \
	    echo "== $$t: $(FUZZ_SECONDS) s"; \
	    build/fuzz/$$t $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SECONDS) \
	        -print_final_stats=1 -artifact_prefix=$$f/ $$c \
	        build/fuzz/seeds/$$t >build/fuzz/$$t.log 2>&1 || fail=1; \
	    grep -E '^stat::number_of_executed_units|^stat::peak_rss|^==[0-9]+==ERROR|^SUMMARY|Test unit written' \
	        build/fuzz/$$t.log || true; \
	    echo "findings: $$(ls $$f | wc -l) in $$f (log build/fuzz/$$t.log)"; \
	done; exit $$fail

# The unit binaries and a representative part of the bats suites under
# valgrind (memcheck, full leak check); any error is a failure.
VALGRIND ?= valgrind --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
	--track-fds=no --quiet
VALGRIND_BATS ?= sdc-count sdc-suppress sdc-round sdc-check sdc-extract hostile faults
valgrind: all
	SDC_BIN=$(abspath $(B)/bin) SDC_UNIT=$(abspath $(B)/tests) \
	    VALGRIND='$(VALGRIND)' VALGRIND_BATS='$(VALGRIND_BATS)' \
	    tests/valgrind

bench: all
	scripts/bench/install-peers
	SDC_BIN=$(abspath $(B)/bin) scripts/bench/count
	SDC_BIN=$(abspath $(B)/bin) scripts/bench/suppress
	SDC_BIN=$(abspath $(B)/bin) scripts/bench/check
	SDC_BIN=$(abspath $(B)/bin) scripts/bench/extract
	SDC_BIN=$(abspath $(B)/bin) scripts/bench/dummy
	SDC_BIN=$(abspath $(B)/bin) scripts/bench/match
	SDC_BIN=$(abspath $(B)/bin) scripts/bench/measures

# The example study run from scratch with sdc-run, in a copy under $(B).
demo: all
	rm -rf $(B)/demo
	cp -R examples/study $(B)/demo
	rm -rf $(B)/demo/output $(B)/demo/output-l4 $(B)/demo/metadata
	cd $(B)/demo && PATH=$(abspath $(B)/bin):$$PATH sdc-run run_all
	@echo
	@echo "Release candidates: $(B)/demo/output-l4/ (logs and manifest in $(B)/demo/metadata/)"

lint-man:
	scripts/lint-man

install: $(BINS)
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	cp $(BINS) $(DESTDIR)$(BINDIR)/
	for m in $(MANS); do \
	    s=$${m##*.}; cp $$m $(DESTDIR)$(MANDIR)/man$$s/; done

uninstall:
	for c in $(CMDS); do rm -f $(DESTDIR)$(BINDIR)/$$c; done
	for m in $(MANS); do \
	    s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; done

clean:
	rm -rf build

.PHONY: all check asan fuzz valgrind bench demo lint-man install uninstall clean
.SECONDARY:
