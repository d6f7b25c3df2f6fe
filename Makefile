# sdc - statistical disclosure control toolkit.
# make [all|check|asan|bench|install|uninstall|clean]  (B= build directory)

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

.PHONY: all check asan bench demo lint-man install uninstall clean
.SECONDARY:
