# `make test-valgrind`: the engine under valgrind memcheck. Included at the
# end of the top Makefile, after fuzz/fuzz.mk (it reuses its fuzz_variant).
#
#   1. fuzz/record_seeds.c `check`: C engine pairs for every suite, group,
#      key type and HelloRetryRequest, and every state the handshake-message
#      target drives to;
#   2. each fuzz target's replay program over fuzz/regress/ and fuzz/corpus/
#      (hostile and real flights);
#   3. the Lua specs in VALGRIND_SPECS (the sans-I/O engine pairs of
#      api_spec, tls12_pairs_spec and mtls_pairs_spec, TLS 1.2 resumption
#      (resume12_client_spec: tickets and ids, our pairs and openssl), TLS 1.3
#      PSK and 0-RTT (early_data_resume_spec), interop with
#      openssl, malformed input, review41h's connection error reasons:
#      a trace function's failure at close) run by busted inside valgrind; the Lua
#      servers they start are traced too (other programs, openssl and the
#      like, are skipped), each process logging to build-valgrind/logs/.
# Any memory error, any definitely or indirectly lost block, and any spec
# that fails or errors under valgrind fails the target (the specs assert no
# durations, so being 20-50 times slower is no excuse).

VALGRIND ?= valgrind
VALGRIND_BUILD := build-valgrind
VALGRIND_LOGS := $(VALGRIND_BUILD)/logs
VALGRIND_SPECS ?= spec/api_spec.lua spec/interop_openssl_spec.lua spec/malformed_spec.lua spec/malformed12_spec.lua \
	spec/resume12_client_spec.lua spec/early_data_resume_spec.lua \
	spec/tls12_pairs_spec.lua spec/mtls_pairs_spec.lua spec/review41h_spec.lua
VALGRIND_FLAGS := --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --num-callers=30 --suppressions=$(CURDIR)/mk/valgrind.supp
# Programs started by the specs that are not ours.
VALGRIND_SKIP := */openssl,*/gnutls-*,*/python*,*/curl,*/make,*/cc,*/gcc,*/clang,*/sleep,*/find,*/wc,*/cat,*/kill,*/rm,*/mktemp,*/grep,*/sed,*/env,*/mkdir,*/cp,*/mv,*/ls,*/head,*/tail,*/cut,*/tr,*/sort,*/date,*/lua5.1,*/lua5.3

VALGRIND_PLAIN := $(FUZZ_BUILD)/plain
$(eval $(call fuzz_variant,$(VALGRIND_PLAIN),$(CC),-g -O1,,$(VALGRIND_PLAIN)/obj/replay.o))

$(VALGRIND_PLAIN)/record_seeds: $(VALGRIND_PLAIN)/obj/record_seeds.o $(VALGRIND_PLAIN)/engine.a
	$(CC) -g -O1 -o $@ $^ $(FUZZ_LIBS)

.PHONY: test-valgrind valgrind-c valgrind-lua

test-valgrind: valgrind-c valgrind-lua

valgrind-c: $(VALGRIND_PLAIN)/record_seeds $(FUZZ_TARGETS:%=$(VALGRIND_PLAIN)/%)
	$(VALGRIND) -q $(VALGRIND_FLAGS) $(VALGRIND_PLAIN)/record_seeds check
	@for t in $(FUZZ_TARGETS); do \
		dirs=""; for d in fuzz/regress/$$t fuzz/corpus/$$t; do [ -d $$d ] && dirs="$$dirs $$d"; done; \
		echo "$(VALGRIND) -q $(VALGRIND_PLAIN)/$$t$$dirs"; \
		$(VALGRIND) -q $(VALGRIND_FLAGS) $(VALGRIND_PLAIN)/$$t $$dirs || exit 1; \
	done

valgrind-lua: test-certs
	$(MAKE) BUILD=$(VALGRIND_BUILD) OPT="-O1 -g" build refcrypto
	rm -rf $(VALGRIND_LOGS) && mkdir -p $(VALGRIND_LOGS)
	@echo "valgrind: busted $(VALGRIND_SPECS)"; \
	busted=0; LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="$(VALGRIND_BUILD)/?.so;;" \
	$(VALGRIND) $(VALGRIND_FLAGS) --trace-children=yes --trace-children-skip='$(VALGRIND_SKIP)' \
		--log-file=$(CURDIR)/$(VALGRIND_LOGS)/%p.log \
		$(LUA) $$(command -v $(BUSTED)) --lpath="lua/?.lua;lua/?/init.lua" \
		--cpath="$(VALGRIND_BUILD)/?.so" $(VALGRIND_SPECS) || busted=$$?; \
	status=0; n=0; for f in $(VALGRIND_LOGS)/*.log; do \
		grep -q '^==[0-9]*== Command: [^ ]*lua5' $$f || continue; n=$$((n + 1)); \
		if grep -q 'ERROR SUMMARY: [1-9]' $$f; then \
			status=1; echo "valgrind found errors in a Lua process: $$f"; \
			grep -E -A25 'Invalid|uninitialised|definitely lost in|indirectly lost in|Mismatched|overlap' $$f | head -80; \
		fi; \
	done; echo "valgrind: $$n Lua processes checked"; \
	[ $$n -gt 0 ] || { echo "valgrind: no Lua process ran"; status=1; }; \
	if [ $$busted -ne 0 ]; then echo "valgrind: the specs failed under valgrind (exit status $$busted)"; status=1; fi; \
	exit $$status
