# luatls: builds build/tls/core.so (the C part of the `tls` module) from
# every csrc/<layer>/*.c, and runs the busted specs against it.
#
#   make            build (same as `make build`)
#   make test       deps + build + the busted specs
#   make demo       deps + build + examples/demo.lua
#   make examples-check  make demo and each example run and checked
#   make test-asan  the specs against an AddressSanitizer/UBSan build
#   make mutate     plant each bug of mutate/mutations.lua, check the specs notice
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

.PHONY: all build deps test demo examples-check clean test-asan check-rockspec test-rock refcrypto

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

# The rockspecs cannot glob, so a C file missing from one would only show up
# as an undefined symbol after LuaRocks builds it, and a Lua module as a rock
# without it. Both rockspecs must list the whole tree and build the same thing.
check-rockspec:
	@$(LUA) scripts/rockspec_check.lua $(ROCKSPECS) -- $(SRCS) $(LUA_SRCS)

# Installs the rock into a scratch tree, offline, as a user would, and loads
# it from another directory: catches a rockspec that builds differently.
ROCK_TREE = $(BUILD)/rocktree
test-rock:
	rm -rf $(ROCK_TREE) && mkdir -p $(ROCK_TREE)
	cp -r csrc lua rockspec $(ROCK_TREE)/
	cd $(ROCK_TREE) && luarocks --lua-version 5.4 --tree "$$PWD/tree" make $(ROCKSPEC) >build.log 2>&1 \
		|| { cat build.log; exit 1; }
	cd / && eval "$$(luarocks --lua-version 5.4 --tree "$(CURDIR)/$(ROCK_TREE)/tree" path)" && \
		$(LUA) "$(CURDIR)/scripts/rock_check.lua"

test: deps build refcrypto check-rockspec
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

test-asan:
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
