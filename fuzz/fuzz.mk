# Fuzzing the engine with libFuzzer (issue "Hostile input"). Included at the
# end of the top Makefile (it uses STD, WARN, CRYPTO_CFLAGS, CRYPTO_LIBS and
# HDRS from there):
#
#   make fuzz          every target for FUZZ_TIME seconds (default 60) on a
#                      scratch copy of its seed corpus, with fuzz/tls.dict
#   make fuzz-ci       the same for 10 seconds each
#   make fuzz-replay   the replay programs (normal cc, no libFuzzer): each runs
#                      its target over files; used by spec/fuzz_regress_spec.lua
#   make fuzz-seeds    re-records fuzz/corpus/ from real handshakes (engine
#                      pairs, openssl s_client and s_server)
#   make fuzz-clean    removes build-fuzz/
#
# Only some targets: FUZZ_TARGETS="fuzz_ocsp fuzz_session" on the command
# line (fuzz, fuzz-ci, fuzz-build, fuzz-replay).
#
# The targets (fuzz/fuzz_*.c) link the real engine, csrc/*/tls*.c:
#   fuzz_server   a server (fuzz_server_full_config) fed client flights
#   fuzz_client   a client fed server flights after its ClientHello
#   fuzz_record   records sealed under a connected pair's real keys
#   fuzz_hsmsg    one handshake message, to a connection driven to a state
#   fuzz_extra    configurations the above never enable: TLS 1.2 RSA key
#                 transport, record_size_limit, PSK resumption through a
#                 HelloRetryRequest, a client certificate required
#   fuzz_session  session texts (tls_session_from_text and back, the
#                 binary decoding, a client offering it)
#   fuzz_ocsp     DER as a stapled OCSP response (tls_ocsp_check and the
#                 server's checks), also signed again to pass the signature
# A crash leaves its input in build-fuzz/run/<target>/artifacts/; once
# fixed, copy it to fuzz/regress/<target>/ so that `make test` replays it
# for ever (spec/fuzz_regress_spec.lua lists the targets and what each
# seed must do).

FUZZ_CC ?= clang
FUZZ_TIME ?= 60
# Extra libFuzzer flags, e.g. FUZZ_ARGS=-jobs=4
FUZZ_ARGS ?=
FUZZ_BUILD := build-fuzz
FUZZ_TARGETS := fuzz_server fuzz_client fuzz_record fuzz_hsmsg fuzz_extra fuzz_session fuzz_ocsp

FUZZ_ENGINE_SRCS := $(sort $(wildcard csrc/*/tls*.c))
FUZZ_HDRS = $(HDRS) $(wildcard fuzz/*.h)
FUZZ_INCLUDES = -Icsrc -Ifuzz $(LUA_CFLAGS) $(CRYPTO_CFLAGS)
# The engine's CLOCK_REALTIME reads a fixed instant (fuzz_common.c): seeds
# that resume a session stay valid.
FUZZ_LIBS = $(CRYPTO_LIBS) -lm -Wl,--wrap=clock_gettime

# Sanitizers of the libFuzzer build; UBSan findings must stop the run.
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# The replay build under `make test`: the normal compiler, with the same
# sanitizers when it has them (gcc and clang both do). mk/valgrind.mk
# builds it again without them.
REPLAY_SAN ?= -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

# $(call fuzz_variant,DIR,CC,CFLAGS,LDFLAGS,MAIN): objects of the engine, the
# shared fuzz code and the targets in DIR/obj, and DIR/<target> linked
# from each target with MAIN (an object name under DIR/obj, or nothing
# when libFuzzer provides main).
define fuzz_variant
$(1)/obj/%.o: csrc/%.c $$(FUZZ_HDRS)
	@mkdir -p $$(dir $$@)
	$(2) $$(STD) $$(WARN) $(3) $$(FUZZ_INCLUDES) -c -o $$@ $$<

$(1)/obj/%.o: fuzz/%.c $$(FUZZ_HDRS)
	@mkdir -p $$(dir $$@)
	$(2) $$(STD) $$(WARN) $(3) $$(FUZZ_INCLUDES) -c -o $$@ $$<

$(1)/engine.a: $$(FUZZ_ENGINE_SRCS:csrc/%.c=$(1)/obj/%.o) $(1)/obj/fuzz_common.o
	@rm -f $$@
	ar rcs $$@ $$^

$$(FUZZ_TARGETS:%=$(1)/%): $(1)/%: $(1)/obj/%.o $(5) $(1)/engine.a
	$(2) $(3) $(4) -o $$@ $$^ $$(FUZZ_LIBS)
endef

FUZZ_LF := $(FUZZ_BUILD)/libfuzzer
FUZZ_REPLAY := $(FUZZ_BUILD)/replay
$(eval $(call fuzz_variant,$(FUZZ_LF),$(FUZZ_CC),-g -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link,-fsanitize=fuzzer,))
$(eval $(call fuzz_variant,$(FUZZ_REPLAY),$(CC),-g -O1 $(REPLAY_SAN),,$(FUZZ_REPLAY)/obj/replay.o))

$(FUZZ_REPLAY)/record_seeds: $(FUZZ_REPLAY)/obj/record_seeds.o $(FUZZ_REPLAY)/engine.a
	$(CC) -g -O1 $(REPLAY_SAN) -o $@ $^ $(FUZZ_LIBS)

# The allocation failure harness (fuzz/oom.c): our own malloc, calloc and
# realloc calls are wrapped at link time, so that it can fail them in turn.
$(FUZZ_REPLAY)/oom: $(FUZZ_REPLAY)/obj/oom.o $(FUZZ_REPLAY)/obj/harness.o $(FUZZ_REPLAY)/engine.a
	$(CC) -g -O1 $(REPLAY_SAN) -o $@ $^ $(FUZZ_LIBS) -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc

# A seal that fails midway (fuzz/seal_fail.c): the write sequence number
# set near its end inside the connection, which only a test program can do.
$(FUZZ_REPLAY)/seal_fail: $(FUZZ_REPLAY)/obj/seal_fail.o $(FUZZ_REPLAY)/obj/harness.o $(FUZZ_REPLAY)/engine.a
	$(CC) -g -O1 $(REPLAY_SAN) -o $@ $^ $(FUZZ_LIBS)

# The engine's input room (fuzz/input_room.c): its bounds, checked inside
# the connection.
$(FUZZ_REPLAY)/input_room: $(FUZZ_REPLAY)/obj/input_room.o $(FUZZ_REPLAY)/obj/harness.o $(FUZZ_REPLAY)/engine.a
	$(CC) -g -O1 $(REPLAY_SAN) -o $@ $^ $(FUZZ_LIBS)

# The Lua binding under allocation failure (fuzz/lua_oom.c): the binding's
# objects beside the engine's, the module linked in, scripts in fuzz/lua_oom/.
LUA_BINDING_SRCS := $(sort $(wildcard csrc/lua/lua_*.c))
LUA_LIBS := $(shell pkg-config --libs lua5.4 2>/dev/null || echo -llua5.4)
$(FUZZ_REPLAY)/lua_oom: $(FUZZ_REPLAY)/obj/lua_oom.o $(LUA_BINDING_SRCS:csrc/%.c=$(FUZZ_REPLAY)/obj/%.o) \
		$(FUZZ_REPLAY)/engine.a
	$(CC) -g -O1 $(REPLAY_SAN) -o $@ $^ $(LUA_LIBS) $(FUZZ_LIBS)

.PHONY: fuzz fuzz-ci fuzz-build fuzz-replay fuzz-seeds fuzz-clean

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_LF)/%)

fuzz-replay: $(FUZZ_TARGETS:%=$(FUZZ_REPLAY)/%) $(FUZZ_REPLAY)/oom $(FUZZ_REPLAY)/lua_oom $(FUZZ_REPLAY)/seal_fail $(FUZZ_REPLAY)/input_room

# Each target runs on a scratch copy of its corpus (new inputs stay out of
# the repository); the log keeps everything, the summary shows libFuzzer's
# closing lines, or the crash report.
fuzz: fuzz-build
	@status=0; for t in $(FUZZ_TARGETS); do \
		run=$(FUZZ_BUILD)/run/$$t; rm -rf $$run; mkdir -p $$run/corpus $$run/artifacts; \
		cp fuzz/corpus/$$t/* $$run/corpus/; \
		echo "== $$t: $(FUZZ_TIME) s (log: $$run/log)"; \
		if $(FUZZ_LF)/$$t -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 \
			-dict=fuzz/tls.dict -print_final_stats=1 -artifact_prefix=$$run/artifacts/ \
			$(FUZZ_ARGS) $$run/corpus >$$run/log 2>&1; then \
			grep -E '^Done [0-9]+ runs|^stat::number_of_executed_units' $$run/log; \
		else \
			status=1; echo "$$t: FINDING (input in $$run/artifacts/):"; \
			grep -E -A30 '^==[0-9]+==ERROR|runtime error|^SUMMARY|deadly signal|Test unit written|timeout after|out-of-memory' $$run/log | head -60; \
		fi; \
	done; exit $$status

fuzz-ci:
	$(MAKE) fuzz FUZZ_TIME=10

fuzz-seeds: $(FUZZ_REPLAY)/record_seeds
	rm -rf $(FUZZ_BUILD)/seeds
	sh fuzz/record_seeds.sh $(FUZZ_REPLAY)/record_seeds $(FUZZ_BUILD)/seeds
	rm -rf fuzz/corpus && cp -r $(FUZZ_BUILD)/seeds fuzz/corpus

fuzz-clean:
	rm -rf $(FUZZ_BUILD)
