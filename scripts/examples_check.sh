#!/bin/sh
# `make examples-check`: the README's first command and every script in
# examples/ run as a user would, against local peers, each within a time
# bound, with their output checked. Run from the top directory after
# `make build` (the Makefile target does both).
#
#   demo.lua         `make demo`: a whole handshake explained, one echo;
#                    and --tls12-rsa: the TLS 1.2 RSA key-transport walk-through
#   echo_server.lua  serves one connection to openssl s_client, echoes a line
#   client.lua       fetches a page from openssl s_server -www, trusting a CA file
#   cqueues_server.lua, copas_server.lua, luv_echo.lua
#                    concurrent echo servers: two openssl s_client at once, the
#                    first kept connected until the second has its echo
set -eu

LUA=${LUA:-lua5.4}
MAKE=${MAKE:-make}
tmp=$(mktemp -d /tmp/luatls-examples.XXXXXX)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

fail() {
    echo "examples-check: $1" >&2
    if [ -n "${2:-}" ] && [ -f "$2" ]; then sed 's/^/    /' "$2" >&2; fi
    exit 1
}

# expect FILE TEXT: the output holds that exact line fragment.
expect() {
    grep -F -q -- "$2" "$1" || fail "$(basename "$1" .out): no \"$2\" in the output:" "$1"
}

free_port() {
    unset LD_PRELOAD
    $LUA -e 'local s = assert(require("socket").bind("127.0.0.1", 0)); print((select(2, s:getsockname()))); s:close()'
}

# wait_for FILE TEXT: until the text shows in the file (10 s at most).
wait_for() {
    i=0
    while ! grep -F -q -- "$2" "$1" 2>/dev/null; do
        i=$((i + 1))
        [ $i -le 100 ] || fail "no \"$2\" after 10 s:" "$1"
        sleep 0.1
    done
}

# 1. make demo, as the README says, with no terminal.
timeout 120 $MAKE -s demo </dev/null >"$tmp/demo.out" 2>&1 || fail "make demo failed:" "$tmp/demo.out"
expect "$tmp/demo.out" "client -> server  ClientHello"
expect "$tmp/demo.out" "server -> client  Finished"
expect "$tmp/demo.out" "Handshake complete."
expect "$tmp/demo.out" "  version:            TLSv1.3"
expect "$tmp/demo.out" "server -> client (encrypted): Hello over TLS 1.3!"
echo "examples-check: make demo: ok"

# 1b. demo.lua --tls12-rsa: the TLS 1.2 RSA key-transport walk-through.
timeout 60 $LUA examples/demo.lua --tls12-rsa </dev/null >"$tmp/demo12.out" 2>&1 \
    || fail "demo.lua --tls12-rsa failed:" "$tmp/demo12.out"
expect "$tmp/demo12.out" "client -> server  ClientKeyExchange  (sent by the client)"
expect "$tmp/demo12.out" "server computes: master secret"
expect "$tmp/demo12.out" "server -> client  Finished  (received by the client)"
expect "$tmp/demo12.out" "  version:            TLSv1.2"
expect "$tmp/demo12.out" "  cipher suite:       TLS_RSA_WITH_AES_128_GCM_SHA256"
expect "$tmp/demo12.out" "server decrypts it with the same key and reads: \"Hello over TLS 1.2!\""
echo "examples-check: demo.lua --tls12-rsa: ok"

# A certificate for 127.0.0.1 and localhost, which also serves as the CA.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
    >"$tmp/req.out" 2>&1 || fail "openssl req failed:" "$tmp/req.out"

# 2. echo_server.lua: one connection from openssl s_client, which sends a
# line and must get it back.
timeout 60 $LUA examples/echo_server.lua "$tmp/cert.pem" "$tmp/key.pem" 127.0.0.1 0 1 \
    >"$tmp/echo_server.out" 2>&1 &
pids="$pids $!"
wait_for "$tmp/echo_server.out" "listening on 127.0.0.1 port "
port=$(sed -n 's/^listening on 127\.0\.0\.1 port \([0-9]*\)$/\1/p' "$tmp/echo_server.out")
[ -n "$port" ] || fail "echo_server.lua printed no port:" "$tmp/echo_server.out"
# s_client's input ends (and it closes) once the echo is back, 10 s at most.
(echo "echo me"; i=0; while ! grep -q "^echo me" "$tmp/echo_client.out" && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i + 1)); done) | (unset LD_PRELOAD; timeout 20 openssl s_client -connect "127.0.0.1:$port" \
    -servername localhost -CAfile "$tmp/cert.pem" -verify_return_error -quiet -no_ign_eof) >"$tmp/echo_client.out" 2>&1 \
    || fail "openssl s_client against echo_server.lua failed:" "$tmp/echo_client.out"
expect "$tmp/echo_client.out" "echo me"
echo "examples-check: echo_server.lua: ok"

# 3. client.lua: a page from openssl s_server -www, verified against the CA file.
port=$(free_port)
(unset LD_PRELOAD; exec timeout 60 openssl s_server -www -accept "127.0.0.1:$port" \
    -cert "$tmp/cert.pem" -key "$tmp/key.pem") </dev/null >"$tmp/s_server.out" 2>&1 &
pids="$pids $!"
wait_for "$tmp/s_server.out" "ACCEPT"
timeout 30 $LUA examples/client.lua 127.0.0.1 "$port" / "$tmp/cert.pem" >"$tmp/client.out" 2>&1 \
    || fail "client.lua failed:" "$tmp/client.out"
expect "$tmp/client.out" "# TLSv1.3, TLS_"
expect "$tmp/client.out" "# server certificate: CN=localhost, issued by CN=localhost"
expect "$tmp/client.out" "HTTP/1.0 200 ok"
expect "$tmp/client.out" "New, TLSv1.3, Cipher is TLS_"
echo "examples-check: client.lua: ok"

# 4. The event-loop servers: each serves two openssl s_client at once. The
# first client stays connected (its input open) until the second has had
# its echo, so a server that took one client at a time would fail here.
for ex in cqueues_server copas_server luv_echo; do
    timeout 60 $LUA examples/$ex.lua "$tmp/cert.pem" "$tmp/key.pem" 127.0.0.1 0 2 >"$tmp/$ex.out" 2>&1 &
    pids="$pids $!"
    wait_for "$tmp/$ex.out" "listening on 127.0.0.1 port "
    port=$(sed -n 's/^listening on 127\.0\.0\.1 port \([0-9]*\)$/\1/p' "$tmp/$ex.out")
    [ -n "$port" ] || fail "$ex.lua printed no port:" "$tmp/$ex.out"
    : >"$tmp/$ex.second.out"
    (echo "first line"; i=0; while ! grep -q "^second line" "$tmp/$ex.second.out" && [ $i -lt 100 ]; do
        sleep 0.1; i=$((i + 1)); done) | (unset LD_PRELOAD; timeout 20 openssl s_client -connect "127.0.0.1:$port" \
        -servername localhost -CAfile "$tmp/cert.pem" -verify_return_error -quiet -no_ign_eof) \
        >"$tmp/$ex.first.out" 2>&1 &
    first=$!
    wait_for "$tmp/$ex.first.out" "first line"
    (echo "second line"; i=0; while ! grep -q "^second line" "$tmp/$ex.second.out" && [ $i -lt 100 ]; do
        sleep 0.1; i=$((i + 1)); done) | (unset LD_PRELOAD; timeout 20 openssl s_client -connect "127.0.0.1:$port" \
        -servername localhost -CAfile "$tmp/cert.pem" -verify_return_error -quiet -no_ign_eof) \
        >>"$tmp/$ex.second.out" 2>&1 || fail "the second s_client against $ex.lua failed:" "$tmp/$ex.second.out"
    wait $first || fail "the first s_client against $ex.lua failed:" "$tmp/$ex.first.out"
    expect "$tmp/$ex.second.out" "second line"
    wait_for "$tmp/$ex.out" "served 2 connections"
    if [ $ex = luv_echo ]; then
        expect "$tmp/$ex.out" "client 1: TLSv1.3 TLS_AES_128_GCM_SHA256, 11 bytes echoed"
        expect "$tmp/$ex.out" "client 2: TLSv1.3 TLS_AES_128_GCM_SHA256, 12 bytes echoed"
    else
        expect "$tmp/$ex.out" "client 1: TLSv1.3 TLS_AES_128_GCM_SHA256"
        expect "$tmp/$ex.out" "client 2: TLSv1.3 TLS_AES_128_GCM_SHA256"
    fi
    echo "examples-check: $ex.lua: ok"
done
