# Benchmarks: our engine against libssl, luatls against LuaSec.
# Included from the top Makefile (`include bench/bench.mk`); uses its CC,
# LUA, BUILD, MODULE, STD, WARN, CRYPTO_* when set.
#
#   make bench            full run (a few minutes), ends with a summary block
#   make bench-quick      the same, smaller (under a minute)
#   make bench-callgrind  instructions per handshake / per record (valgrind)
#   make bench-server     the server benchmark alone (luatls, LuaSec, nginx under load)
#
# Only the benchmark binary links libssl, for comparison; the module never does.

CC ?= cc
LUA ?= lua5.4
BUILD ?= build
MODULE ?= $(BUILD)/tls/core.so
STD ?= -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN ?= -Wall -Wextra -Werror
CRYPTO_CFLAGS ?= $(shell pkg-config --cflags libcrypto)

BENCH_BIN := $(BUILD)/bench/bench_engine
# The engine only (no Lua binding), compiled straight into the benchmark.
BENCH_ENGINE_SRCS := $(sort $(wildcard csrc/*/tls*.c))
BENCH_SSL_LIBS := $(shell pkg-config --libs libssl libcrypto)
# The engine's own malloc/calloc/free calls go through counting wrappers.
BENCH_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free
BENCH_RUN_ENV := LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="$(BUILD)/?.so;;"
# The server benchmark's client (bench/server_bench.lua runs it against each server).
LOADGEN_BIN := $(BUILD)/bench/loadgen

.PHONY: bench bench-quick bench-callgrind bench-server bench-server-quick bench-build

# CI builds the benchmark programs (it does not run them): an engine API
# change that forgets bench/ fails there, not at the next `make bench`.
bench-build: $(BENCH_BIN) $(LOADGEN_BIN)

$(BENCH_BIN): bench/bench_engine.c $(BENCH_ENGINE_SRCS) $(wildcard csrc/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -O2 -g -Icsrc $(CRYPTO_CFLAGS) -o $@ bench/bench_engine.c \
		$(BENCH_ENGINE_SRCS) $(BENCH_WRAP) $(BENCH_SSL_LIBS) -lm

$(LOADGEN_BIN): bench/loadgen.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -O2 -g $(CRYPTO_CFLAGS) -o $@ bench/loadgen.c $(BENCH_SSL_LIBS)

bench: $(BENCH_BIN) $(LOADGEN_BIN) $(MODULE)
	$(BENCH_RUN_ENV) sh bench/run.sh $(BENCH_BIN) $(LUA)

bench-quick: $(BENCH_BIN) $(LOADGEN_BIN) $(MODULE)
	$(BENCH_RUN_ENV) sh bench/run.sh $(BENCH_BIN) $(LUA) --quick

# The server benchmark alone (also part of bench and bench-quick).
bench-server: $(LOADGEN_BIN) $(MODULE)
	$(BENCH_RUN_ENV) $(LUA) bench/server_bench.lua $(LOADGEN_BIN)

bench-server-quick: $(LOADGEN_BIN) $(MODULE)
	$(BENCH_RUN_ENV) $(LUA) bench/server_bench.lua $(LOADGEN_BIN) --quick

bench-callgrind: $(BENCH_BIN)
	sh bench/callgrind.sh $(BENCH_BIN) 20
