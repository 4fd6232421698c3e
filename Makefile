# luatls: builds build/tls/core.so (the C part of the `tls` module) from
# every csrc/<layer>/*.c, and runs the busted specs against it.
#
#   make            build (same as `make build`)
#   make test       deps + build + the busted specs
#   make demo       deps + build + examples/demo.lua
#   make examples-check  make demo and each example run and checked
#   make test-asan  the specs against an AddressSanitizer/UBSan build
#   make mutate     plant each bug of mutate/mutations.lua, check the specs notice
#   make dist       the release tarball build/dist/luatls-$(VERSION).tar.gz
#   make rock       build/dist/luatls-$(VERSION)-1.src.rock, for `luarocks install`
#   make test-rock  both rockspecs built and installed by LuaRocks offline, then loaded
#   make CC=clang   any C11 compiler works

CC ?= cc
LUA ?= lua5.4
BUSTED ?= busted

LUA_CFLAGS := $(shell pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
CRYPTO_CFLAGS := $(shell pkg-config --cflags libcrypto)
CRYPTO_LIBS := $(shell pkg-config --libs libcrypto)

WARN := -Wall -Wextra -Werror
STD := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
OPT ?= -O2
CFLAGS ?=
LDFLAGS ?=
ALL_CFLAGS = $(STD) $(WARN) $(OPT) -fPIC -Icsrc $(LUA_CFLAGS) $(CRYPTO_CFLAGS) $(CFLAGS)
# A Lua C module takes the Lua API from the interpreter that loads it, so it
# links against libcrypto only.
ALL_LDFLAGS = -shared -Wl,-z,nodelete $(LDFLAGS)

# csrc/ holds one folder per layer (README.md, "How it is built"); files
# include each other by folder-relative path ("util/tls_buf.h") from the one
# include directory csrc/, so every #include names the layer it depends on.
SRCS := $(sort $(wildcard csrc/*/*.c))
HDRS := $(wildcard csrc/*/*.h)
BUILD ?= build
OBJS = $(SRCS:csrc/%.c=$(BUILD)/obj/%.o)
MODULE = $(BUILD)/tls/core.so

ROCKSPEC := rockspec/luatls-scm-1.rockspec
VERSION := 0.2.0
ROCK_REVISION := 1
RELEASE_ROCKSPEC := rockspec/luatls-$(VERSION)-$(ROCK_REVISION).rockspec
ROCKSPECS := $(ROCKSPEC) $(RELEASE_ROCKSPEC)
LUA_SRCS := $(sort $(shell find lua -name '*.lua'))
RUN_ENV = LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="$(BUILD)/?.so;;"

.PHONY: all build deps test demo examples-check clean test-asan check-rockspec test-rock refcrypto test-certs

all: build

build: $(MODULE)

$(MODULE): $(OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(OBJS) $(CRYPTO_LIBS)

# Every object depends on every header: the headers are few and small, and a
# stale object after a contract change costs more than a full rebuild.
$(BUILD)/obj/%.o: csrc/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Test-only: raw libcrypto for the scripted hostile server, independent of
# csrc/ so that the engine's own crypto is checked, not reused. Not part of
# the rock.
REFCRYPTO = $(BUILD)/refcrypto.so
refcrypto: $(REFCRYPTO)
$(REFCRYPTO): spec/support/refcrypto.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(CRYPTO_LIBS)

deps:
	sh scripts/deps.sh

# The specs' usual certificates, made once here and copied by each spec file
# (spec/support/certs.lua): making them took about a second per spec file,
# most of a planted bug's check in make mutate. Made again when older than
# 12 hours or when certs.lua changes.
TEST_CERTS := $(CURDIR)/build/test-certs
export LUATLS_TEST_CERTS := $(TEST_CERTS)
test-certs:
	@$(LUA) scripts/test_certs.lua $(TEST_CERTS)

# The rockspecs cannot glob, so a C file missing from one would only show up
# as an undefined symbol after LuaRocks builds it, and a Lua module as a rock
# without it. Both rockspecs must list the whole tree and build the same thing.
check-rockspec:
	@$(LUA) scripts/rockspec_check.lua $(ROCKSPECS) -- $(SRCS) $(LUA_SRCS)

# The release tarball: what the rock builds from (csrc/, lua/, the rockspecs)
# and what a reader wants beside it, under one top directory luatls-$(VERSION)/.
# From a git checkout only tracked files go in (nothing stray from a working
# tree); without git, the same folders minus build products. Entries carry
# the last commit's time and no owner, so the same tree gives the same bytes.
DIST_DIR = $(BUILD)/dist
DIST_NAME = luatls-$(VERSION)
DIST_TARBALL = $(DIST_DIR)/$(DIST_NAME).tar.gz
DIST_PATHS = README.md $(wildcard LICENSE COPYING) csrc lua rockspec examples
SRC_ROCK = $(DIST_DIR)/luatls-$(VERSION)-$(ROCK_REVISION).src.rock
DIST_TIME = $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

.PHONY: dist rock
dist: check-rockspec
	rm -rf $(DIST_DIR)/$(DIST_NAME) $(DIST_TARBALL)
	mkdir -p $(DIST_DIR)/$(DIST_NAME)
	files=$$(git ls-files -- $(DIST_PATHS) 2>/dev/null) && [ -n "$$files" ] || \
		files=$$(find $(DIST_PATHS) -type f ! -name '*.o' ! -name '*.so' ! -name '*~'); \
	tar -cf - $$files | tar -xf - -C $(DIST_DIR)/$(DIST_NAME)
	@missing=""; for f in $(SRCS) $(LUA_SRCS) $(ROCKSPECS); do \
		[ -f $(DIST_DIR)/$(DIST_NAME)/$$f ] || missing="$$missing $$f"; \
	done; \
	if [ -n "$$missing" ]; then echo "dist: not tracked by git, so not in the tarball:$$missing" >&2; exit 1; fi
	tar -C $(DIST_DIR) --sort=name --owner=0 --group=0 --numeric-owner --mtime=@$(DIST_TIME) \
		-cf - $(DIST_NAME) | gzip -9n >$(DIST_TARBALL)
	rm -rf $(DIST_DIR)/$(DIST_NAME)
	@echo "dist: $(DIST_TARBALL)"

# A .src.rock is a zip of the rockspec and the source archive its
# source.url names, side by side (what `luarocks pack` makes from a
# downloadable url; ours is a local file, which `luarocks pack` would look
# for in its own temporary directory). `luarocks install` of it needs no
# network: it unpacks the archive it carries and builds.
rock: dist
	rm -f $(SRC_ROCK)
	cp $(RELEASE_ROCKSPEC) $(DIST_DIR)/
	touch -d @$(DIST_TIME) $(DIST_DIR)/$(notdir $(RELEASE_ROCKSPEC)) $(DIST_TARBALL)
	cd $(DIST_DIR) && zip -q -X $(notdir $(SRC_ROCK)) $(notdir $(RELEASE_ROCKSPEC)) $(notdir $(DIST_TARBALL))
	@echo "rock: $(SRC_ROCK)"

# LuaRocks as a user on a fresh machine runs it, offline: a scratch HOME
# whose LuaRocks config holds the one line README.md's install section
# gives (Debian's lua-socket is no rock, so LuaRocks must be told that
# LuaSocket is there), written with the command README gives; proxies that
# lead nowhere, so that any download fails the test instead of passing
# unnoticed. First, without that line, the install must stop at the
# LuaSocket dependency (the rockspec declares it, and nothing is fetched);
# then the scm rockspec through `luarocks make` of a copy of the tree, and
# the src.rock through `luarocks install`, each into its own tree, each
# loaded from / by scripts/rock_check.lua.
ROCK_TEST = $(CURDIR)/$(BUILD)/rocktest
ROCK_ENV = env -u XDG_CONFIG_HOME -u LUAROCKS_CONFIG -u LUAROCKS_CONFIG_5_4 -u LUA_PATH -u LUA_CPATH \
	-u LUA_PATH_5_4 -u LUA_CPATH_5_4 -u no_proxy HOME="$(ROCK_TEST)/home" \
	http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 ftp_proxy=http://127.0.0.1:9
ROCK_CMD = $(ROCK_ENV) luarocks --lua-version 5.4
ROCK_SOCKET_LINE = rocks_provided.luasocket 3.1.0-1
ROCK_CHECK = cd / && eval "$$($(ROCK_CMD) --tree "$(ROCK_TEST)/$(1)" path)" && \
	$(LUA) "$(CURDIR)/scripts/rock_check.lua" "$(ROCK_TEST)/$(1)" $(2)

test-rock: rock
	rm -rf $(ROCK_TEST) && mkdir -p $(ROCK_TEST)/home $(ROCK_TEST)/src
	cd $(ROCK_TEST) && ! $(ROCK_CMD) --tree "$$PWD/nodeps" install "$(CURDIR)/$(SRC_ROCK)" >nodeps.log 2>&1 \
		|| { cat nodeps.log; echo "test-rock: installed without LuaSocket known to LuaRocks" >&2; exit 1; }
	grep -q 'Could not satisfy dependency luasocket' $(ROCK_TEST)/nodeps.log || { cat $(ROCK_TEST)/nodeps.log; exit 1; }
	[ ! -d $(ROCK_TEST)/nodeps/lib/luarocks/rocks-5.4/luatls ]
	mkdir -p $(ROCK_TEST)/home/.luarocks && $(ROCK_CMD) config --scope user $(ROCK_SOCKET_LINE)
	cp -r csrc lua rockspec $(ROCK_TEST)/src/
	cd $(ROCK_TEST)/src && $(ROCK_CMD) --tree "$(ROCK_TEST)/scm" make $(ROCKSPEC) >../scm.log 2>&1 \
		|| { cat ../scm.log; exit 1; }
	$(call ROCK_CHECK,scm,scm-1)
	cd $(ROCK_TEST) && $(ROCK_CMD) --tree "$(ROCK_TEST)/release" install "$(CURDIR)/$(SRC_ROCK)" >release.log 2>&1 \
		|| { cat release.log; exit 1; }
	$(call ROCK_CHECK,release,$(VERSION)-$(ROCK_REVISION))

test: deps build refcrypto check-rockspec test-certs
	$(RUN_ENV) $(BUSTED) --lua=$(LUA) spec

demo: deps build
	$(RUN_ENV) $(LUA) examples/demo.lua

# make demo and every script of examples/ against local peers, with their
# output checked (scripts/examples_check.sh).
examples-check: deps build
	LUA=$(LUA) MAKE=$(MAKE) sh scripts/examples_check.sh

# Lua itself is not instrumented, so the ASan runtime is preloaded into the
# interpreter; leak detection would report Lua's own allocations.
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -g
IS_CLANG := $(shell $(CC) --version 2>/dev/null | grep -q clang && echo yes)
ifeq ($(IS_CLANG),yes)
# clang links its sanitizer runtime statically unless told otherwise, which
# a shared module loaded by an uninstrumented interpreter cannot use.
ASAN_LINK := -shared-libasan
ASAN_RUNTIME = $(shell $(CC) -print-file-name=libclang_rt.asan-$(shell uname -m).so)
else
ASAN_LINK :=
ASAN_RUNTIME = $(shell $(CC) -print-file-name=libasan.so)
endif

test-asan: test-certs
	$(MAKE) BUILD=build-asan OPT="-O1 $(ASAN_FLAGS)" LDFLAGS="$(ASAN_FLAGS) $(ASAN_LINK) $(LDFLAGS)" build refcrypto
	LD_PRELOAD="$(ASAN_RUNTIME)" ASAN_OPTIONS=detect_leaks=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="build-asan/?.so;;" \
		$(BUSTED) --lua=$(LUA) --run=asan

clean:
	rm -rf build build-asan

include fuzz/fuzz.mk
include mk/valgrind.mk
include bench/bench.mk
include mk/mutate.mk
include mk/ct.mk
