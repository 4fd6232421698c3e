#!/bin/sh
# Runs the engine benchmark and the Lua loopback benchmark, then prints the
# summary block of `name value` lines (required names first, in a fixed
# order: the nineteen of issues 1 to 12, then the two of issue 11 that
# are new, tls13_ecdsa_share_of_bound and tls13_cold_handshake_ratio),
# then every other figure. Called by `make bench` / `make bench-quick`.
#
#   sh bench/run.sh BENCH_ENGINE_BINARY LUA [--quick]
#
# LUA_PATH/LUA_CPATH must find luatls (bench/bench.mk sets them).
set -u
bin=$1
lua=$2
shift 2
log=${BENCH_LOG:-$(dirname "$bin")/bench.log}
: > "$log"

echo "== engine: ours vs libssl (bench/bench_engine.c) =="
"$bin" "$@" | tee -a "$log"
engine_rc=$?
echo "== Lua loopback: luatls vs LuaSec (bench/lua_bench.lua) =="
"$lua" bench/lua_bench.lua "$@" | tee -a "$log"
lua_rc=$?
echo "== server under load: luatls vs LuaSec vs nginx (bench/server_bench.lua) =="
"$lua" bench/server_bench.lua "$(dirname "$bin")/loadgen" "$@" | tee -a "$log"
server_rc=$?

echo
echo "== summary ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(openssl version | cut -d' ' -f1-2)) =="
required="tls13_ecdsa_handshake_ratio tls13_rsa_handshake_ratio aes128gcm_bulk_ratio chacha20_bulk_ratio aes128gcm_share_of_bound client_memory_ratio server_memory_ratio idle_connection_bytes lua_handshake_ratio_vs_luasec lua_bulk_cpu_ratio_vs_luasec tls12_ecdsa_handshake_ratio tls12_rsa_kx_handshake_ratio tls12_aes128gcm_share_of_bound tls13_resumed_handshake_ratio tls12_resumed_handshake_ratio tls13_resume_speedup tls12_resume_speedup lua_server_ratio_vs_luasec lua_server_ratio_vs_nginx tls13_ecdsa_share_of_bound tls13_cold_handshake_ratio"
for name in $required; do
    value=$(awk -v n="$name" '$1 == n && NF == 2 { v = $2 } END { print v }' "$log")
    echo "$name ${value:-n/a}"
done
awk -v req=" $required " '/^[a-zA-Z0-9_]+ [^ ]+$/ && index(req, " " $1 " ") == 0' "$log"
[ "$engine_rc" -eq 0 ] && [ "$lua_rc" -eq 0 ] && [ "$server_rc" -eq 0 ]
