# mailrig: one non-recursive Makefile (STYLE 3.14).
#
#   make            build build/mailrig
#   make run        install build dependencies, build, start `mailrig serve`
#   make test       install build+test dependencies, then unit, integration,
#                   valgrind and ASan/UBSan runs
#   make bench      smtp-source against mailrig and against smtp-sink
#   make lint       banned functions and include direction

PKGS	:= libevent libevent_openssl openssl yaml-0.1 libcjson gmime-3.0
CC	?= cc
WERROR	?= -Werror
# CFLAGS is the user's (optimisation, sanitizers); the rest is always on.
CFLAGS	?= -O2 -g
ALL_CFLAGS = $(CFLAGS) -std=c11 -D_GNU_SOURCE -Wall -Wextra $(WERROR) \
	   -Wshadow -Wno-unused-parameter -Wmissing-prototypes \
	   -Wstrict-prototypes -I. -MMD -MP $(EXTRA_CFLAGS)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)

# Debian's python3 has the packages tests/deps.sh installs (jsonschema).
PYTHON	?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || \
	   echo python3)

B	?= build
LIB_SRCS := $(sort $(wildcard fakes/base/*.c fakes/*.c harness/*.c \
	    harness/conformance/*.c reports/*.c))
LIB_SRCS := $(filter-out harness/main.c,$(LIB_SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
# The web inbox (harness/web/*) goes into the library as generated C.
WEB_FILES := $(sort $(wildcard harness/web/*.html harness/web/*.css \
	     harness/web/*.js))
LIB_OBJS += $(B)/gen/web_assets_data.o
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJS := $(UNIT_SRCS:%.c=$(B)/%.o)
SUITES	:= $(patsubst tests/unit/check_%.c,%,$(filter-out \
	    tests/unit/check_main.c,$(wildcard tests/unit/check_*.c)))

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	      -fno-sanitize-recover=undefined

.PHONY: all run test unit integration asan asan-build valgrind bench lint \
	deps deps-test clean fuzz fuzz-build
all: $(B)/mailrig

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) -c $< -o $@

$(B)/gen/web_assets_data.c: harness/web/embed.sh $(WEB_FILES)
	@mkdir -p $(dir $@)
	@echo "GEN $@"
	@sh harness/web/embed.sh $(WEB_FILES) > $@.tmp
	@mv $@.tmp $@

$(B)/gen/%.o: $(B)/gen/%.c
	@echo "CC $<"
	@$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(B)/libmailrig.a: $(LIB_OBJS)
	@rm -f $@
	@ar rcs $@ $^

$(B)/mailrig: $(B)/harness/main.o $(B)/libmailrig.a
	@echo "LD $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

# The suite list is derived from file names: check_<module>.c exports
# <module>_suite(), so adding a suite never edits check_main.c.
$(B)/unit_suites.h: $(wildcard tests/unit/check_*.c)
	@mkdir -p $(B)
	@printf '%s\n' $(foreach s,$(SUITES),'SUITE($(s))') > $@.tmp
	@mv $@.tmp $@

$(B)/tests/unit/check_main.o: $(B)/unit_suites.h
$(B)/tests/unit/check_main.o: EXTRA_CFLAGS = -I$(B)

$(B)/check_unit: $(UNIT_OBJS) $(B)/libmailrig.a
	@echo "LD $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS) $(CHECK_LIBS) $(LDFLAGS)

deps:
	@sh tests/deps.sh build

deps-test:
	@sh tests/deps.sh test

run: deps
	@$(MAKE) --no-print-directory all
	$(B)/mailrig serve $(ARGS)

unit: $(B)/check_unit
	cd tests/unit && ../../$(B)/check_unit

integration: $(B)/mailrig
	MAILRIG=$(CURDIR)/$(B)/mailrig $(PYTHON) tests/integration/run.py

valgrind: $(B)/check_unit
	cd tests/unit && CK_FORK=no valgrind -q --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect --error-exitcode=9 \
	    ../../$(B)/check_unit

asan-build:
	@$(MAKE) --no-print-directory B=build-asan CFLAGS="$(ASAN_FLAGS)" \
	    build-asan/mailrig build-asan/check_unit

asan: asan-build
	cd tests/unit && ASAN_OPTIONS=detect_leaks=1 \
	    UBSAN_OPTIONS=print_stacktrace=1 ../../build-asan/check_unit
	MAILRIG=$(CURDIR)/build-asan/mailrig MAILRIG_SANITIZED=1 \
	    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	    $(PYTHON) tests/integration/run.py

# deps -> lint -> unit -> integration -> valgrind -> ASan/UBSan -> fuzz smoke
test: deps-test
	@$(MAKE) --no-print-directory all $(B)/check_unit
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory integration
	@$(MAKE) --no-print-directory valgrind
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=5

# Fuzzers (libFuzzer, clang): the pure parsers that face peer bytes.
# FUZZ_SECONDS per target; seeds in tests/fuzz/corpus/<target>/.
FUZZ_SECONDS ?= 15
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZERS    := $(patsubst tests/fuzz/%.c,build-fuzz/%,\
	      $(wildcard tests/fuzz/fuzz_*.c))

fuzz-build:
	@$(MAKE) --no-print-directory B=build-fuzz CC=clang WERROR= \
	    CFLAGS="-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)" \
	    build-fuzz/libmailrig.a $(FUZZERS)

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libmailrig.a
	@echo "LD $@"
	@clang -O1 -g -fsanitize=fuzzer $(FUZZ_SAN) -I. $(PKG_CFLAGS) $< \
	    build-fuzz/libmailrig.a $(PKG_LIBS) -o $@

fuzz: fuzz-build
	@for f in $(FUZZERS); do \
	    n=$$(basename $$f); mkdir -p build-fuzz/corpus/$$n; \
	    echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
	        -print_final_stats=0 build-fuzz/corpus/$$n \
	        tests/fuzz/corpus/$$n 2>build-fuzz/$$n.log || \
	        { tail -40 build-fuzz/$$n.log; exit 1; }; \
	    grep -E '^#[0-9]+.*DONE' build-fuzz/$$n.log | tail -1; \
	done

bench: deps-test all
	sh tests/bench/run.sh $(CURDIR)/$(B)/mailrig

lint:
	@sh tests/lint.sh

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(B)/harness/main.d
