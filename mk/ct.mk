# `make test-ct`: the constant-time check of TLS 1.2 RSA key transport
# (tests/ct/rsa_kx_ct.c says what it covers and what it cannot). Included
# at the end of the top Makefile.
#
#   1. tests/ct/rsa_kx_ct, linked with our crypto objects built with
#      -DTLS_CTGRIND (secret bytes marked undefined for memcheck), runs under
#      valgrind: any branch or memory index on them fails the target;
#   2. the same program with -DCT_SELFTEST, which branches on a premaster
#      byte, must be reported by memcheck at that branch, or the check is
#      blind and the target fails.
# Built at the same -O level as the module ($(OPT)), with DWARF 4 debug
# information (valgrind 3.19 cannot read the DWARF 5 clang 14 emits); `make CC=clang
# BUILD=build-clang test-ct` checks clang's code.

VALGRIND ?= valgrind
CT_BUILD = $(BUILD)/ct
CT_SRCS := csrc/crypto/tls12_rsa_kx.c csrc/crypto/tls12_keys.c csrc/crypto/tls_keysched.c csrc/crypto/tls_suite.c \
	csrc/util/tls_err.c csrc/util/tls_buf.c
CT_CFLAGS = $(STD) $(WARN) $(OPT) -gdwarf-4 -Icsrc $(CRYPTO_CFLAGS) -DTLS_CTGRIND $(CFLAGS)
CT_VALGRIND = $(VALGRIND) -q --error-exitcode=99 --num-callers=30 --track-origins=yes

.PHONY: test-ct

$(CT_BUILD)/rsa_kx_ct: tests/ct/rsa_kx_ct.c $(CT_SRCS) $(HDRS) mk/ct.mk
	@mkdir -p $(dir $@)
	$(CC) $(CT_CFLAGS) -o $@ tests/ct/rsa_kx_ct.c $(CT_SRCS) $(CRYPTO_LIBS)

$(CT_BUILD)/rsa_kx_ct_selftest: tests/ct/rsa_kx_ct.c $(CT_SRCS) $(HDRS) mk/ct.mk
	@mkdir -p $(dir $@)
	$(CC) $(CT_CFLAGS) -DCT_SELFTEST -o $@ tests/ct/rsa_kx_ct.c $(CT_SRCS) $(CRYPTO_LIBS)

test-ct: $(CT_BUILD)/rsa_kx_ct $(CT_BUILD)/rsa_kx_ct_selftest
	$(CT_VALGRIND) $(CT_BUILD)/rsa_kx_ct
	@echo "ctgrind self-test: memcheck must report the deliberate branch on the premaster"
	@status=0; $(CT_VALGRIND) --log-file=$(CT_BUILD)/selftest.log $(CT_BUILD)/rsa_kx_ct_selftest \
		>/dev/null || status=$$?; \
	if [ $$status -eq 99 ] && grep -q 'Conditional jump or move depends on uninitialised value' \
		$(CT_BUILD)/selftest.log && grep -q 'ct_selftest_leak' $(CT_BUILD)/selftest.log; then \
		echo "ctgrind self-test: reported, as it must be"; \
	else \
		echo "ctgrind self-test FAILED: the deliberate leak was not reported (exit status $$status)"; \
		cat $(CT_BUILD)/selftest.log; exit 1; \
	fi
