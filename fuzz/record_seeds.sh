#!/bin/sh
# Records the seed corpora: our own engine pairs, then `openssl s_client`
# against our server and `openssl s_server` against our client, over TCP on
# 127.0.0.1 (see fuzz/record_seeds.c).
#   fuzz/record_seeds.sh RECORDER OUTDIR      (make fuzz-seeds)
set -eu
rec=$1
out=$2
mkdir -p "$out/fuzz_server" "$out/fuzz_client"
"$rec" pairs "$out"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$rec" certs "$tmp"

# What openssl clients send our server (which asks for a certificate,
# optional): the defaults, another suite, a finite-field (ffdhe2048) key
# share, and P-384 with a narrow sigalgs list, all without a certificate
# (an empty Certificate); then with one, ALPN and status_request (cases 7
# to 9; 5, 6 and 8 are TLS 1.2, spec/fuzz_regress_spec.lua counts on it).
# (HelloRetryRequest flights come from the engine pairs: every group openssl
# can send a share for is one our server accepts.)
n=0
for args in "-tls1_3" "-tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256" "-tls1_3 -groups ffdhe2048:X25519" \
            "-tls1_3 -groups P-384 -sigalgs ecdsa_secp256r1_sha256" "-tls1_2" \
            "-tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305" \
            "-tls1_3 -cert $tmp/cert.pem -key $tmp/key.pem -alpn h2,http/1.1 -status" \
            "-tls1_2 -cert $tmp/cert.pem -key $tmp/key.pem -alpn http/1.1 -status" \
            "-tls1_3 -cert $tmp/rsa_cert.pem -key $tmp/rsa_key.pem -ciphersuites TLS_AES_256_GCM_SHA384"; do
    n=$((n + 1))
    port=$("$rec" freeport)
    seed=$out/fuzz_server/openssl_s_client_$n
    "$rec" serve "$port" "$seed" &
    pid=$!
    # The recorder creates the seed file once it listens.
    tries=0
    while [ ! -e "$seed" ] && [ $tries -lt 200 ]; do sleep 0.05; tries=$((tries + 1)); done
    # shellcheck disable=SC2086
    (sleep 1; printf 'hello from openssl\n') |
        openssl s_client -connect "127.0.0.1:$port" -servername localhost $args \
            >"$tmp/s_client.log" 2>&1 || true
    wait "$pid" || { echo "openssl s_client case $n ($args) failed" >&2; cat "$tmp/s_client.log" >&2; exit 1; }
done

# openssl s_client resuming with our server: a first connection saves the
# session (-sess_out; the ticket is sealed under the fixed key at the fixed
# clock, fuzz_common.c), the second offers it (-sess_in) to a new recorder
# process, and its flight is the seed. TLS 1.3, TLS 1.2 (ticket), and TLS
# 1.3 with early data, which that second server declines (its store holds
# set-up's tickets only) and skips.
printf 'GET /early HTTP/1.0\r\n\r\n' > "$tmp/early.txt"
for case in "resume13 -tls1_3" "resume12 -tls1_2" "resume13_early -tls1_3 -early_data $tmp/early.txt"; do
    # shellcheck disable=SC2086
    set -- $case
    name=$1 version=$2
    shift 2
    for step in first second; do
        port=$("$rec" freeport)
        if [ $step = first ]; then
            seed=$tmp/first_$name
            set -- -sess_out "$tmp/sess_$name"
        else
            seed=$out/fuzz_server/openssl_s_client_$name
            # shellcheck disable=SC2086
            set -- -sess_in "$tmp/sess_$name" ${case#"$name $version"}
        fi
        "$rec" serve "$port" "$seed" &
        pid=$!
        tries=0
        while [ ! -e "$seed" ] && [ $tries -lt 200 ]; do sleep 0.05; tries=$((tries + 1)); done
        (sleep 1; printf 'hello from openssl\n') |
            openssl s_client -connect "127.0.0.1:$port" -servername localhost "$version" "$@" \
                >"$tmp/s_client.log" 2>&1 || true
        wait "$pid" || { echo "openssl s_client $name ($step) failed" >&2; cat "$tmp/s_client.log" >&2; exit 1; }
        if [ $step = second ] && ! grep -q '^Reused' "$tmp/s_client.log"; then
            echo "openssl s_client $name did not resume" >&2; cat "$tmp/s_client.log" >&2; exit 1
        fi
    done
done

# What openssl servers answer our client (NewSessionTickets included), which
# holds a certificate, offers ALPN and asks for OCSP: first servers that
# ignore all that, then CertificateRequest (-Verify: required, -verify:
# optional), ALPN and a stapled response (cases 7 to 10; 5, 6, 8 and 10 are
# TLS 1.2, spec/fuzz_regress_spec.lua counts on it).
n=0
for args in "-tls1_3" "-tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384" "-tls1_3 -groups P-256" \
            "-tls1_3 -num_tickets 0" "-tls1_2" "-tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384" \
            "-tls1_3 -Verify 1 -CAfile $tmp/cert.pem -alpn h2 -status_file $tmp/ocsp.der" \
            "-tls1_2 -Verify 1 -CAfile $tmp/cert.pem -alpn http/1.1 -status_file $tmp/ocsp.der" \
            "-tls1_3 -verify 1 -CAfile $tmp/cert.pem -ciphersuites TLS_CHACHA20_POLY1305_SHA256" \
            "-tls1_2 -verify 1 -CAfile $tmp/cert.pem -status_file $tmp/ocsp.der"; do
    n=$((n + 1))
    port=$("$rec" freeport)
    # -www: s_server answers by itself instead of stopping at the end of stdin.
    # shellcheck disable=SC2086
    openssl s_server -www -accept "$port" -naccept 1 -cert "$tmp/cert.pem" -key "$tmp/key.pem" \
        $args </dev/null >"$tmp/s_server.log" 2>&1 &
    pid=$!
    if ! "$rec" connect "$port" "$out/fuzz_client/openssl_s_server_$n"; then
        echo "openssl s_server case $n ($args) failed" >&2
        cat "$tmp/s_server.log" >&2
        kill "$pid" 2>/dev/null || true
        exit 1
    fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
done
echo "seeds in $out: $(find "$out" -type f | wc -l) files, $(du -sk "$out" | cut -f1) KB"
