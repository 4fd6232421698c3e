#!/bin/sh
# Instructions (callgrind Ir) per handshake for ours and libssl, per 16 KiB
# record for bulk, and where ours spends them. Only the measured loop is
# collected (--toggle-collect), after two warm-up handshakes outside it.
#
#   sh bench/callgrind.sh BENCH_ENGINE_BINARY [HANDSHAKES]
set -eu
bin=$1
n=${2:-20}
mib=16
out=$(dirname "$bin")/callgrind
mkdir -p "$out"

collect() { # kind count toggle
    valgrind --tool=callgrind --collect-atstart=no --toggle-collect="$3" \
        --callgrind-out-file="$out/callgrind.$1" "$bin" --only "$1" --count "$2" 2>&1 |
        awk '/Collected :/ { print $NF }'
}

summary=""
for kind in ours-ecdsa libssl-ecdsa ours-rsa libssl-rsa ours-ecdsa12 libssl-ecdsa12 ours-rsakx12 libssl-rsakx12 \
            ours-resume13 libssl-resume13 ours-resume12 libssl-resume12 ours-cold libssl-cold; do
    ir=$(collect "$kind" "$n" 'hs_loop_*')
    per=$((ir / n))
    printf '# %-14s %12d Ir per handshake (%d handshakes)\n' "$kind" "$per" "$n"
    summary="$summary
callgrind_$(echo "$kind" | tr - _)_Ir_per_handshake $per"
done
# The crypto bound of a TLS 1.3 ECDSA handshake (bench_engine.c, bound_hs):
# libcrypto's operations alone, client and server together.
ir=$(collect bound-ecdsa "$n" 'hs_loop_*')
per=$((ir / n))
printf '# %-14s %12d Ir per handshake (%d handshakes; the crypto bound)\n' bound-ecdsa "$per" "$n"
summary="$summary
callgrind_bound_ecdsa_Ir_per_handshake $per"
records=$((mib * 64))
for kind in bulk-ours-aes bulk-libssl-aes bulk-bound-aes bulk-ours-aes12 bulk-libssl-aes12 bulk-bound-aes12; do
    ir=$(collect "$kind" "$mib" 'bulk_*')
    per=$((ir / records))
    printf '# %-14s %12d Ir per 16 KiB record (sealed and opened)\n' "$kind" "$per"
    summary="$summary
callgrind_$(echo "$kind" | tr - _)_Ir_per_record $per"
done

echo
echo "# ours-ecdsa: our functions, inclusive Ir over $n handshakes"
callgrind_annotate --inclusive=yes "$out/callgrind.ours-ecdsa" 2>/dev/null |
    grep -E '/csrc/' | grep -v '=>' | head -25
echo
echo "# ours-ecdsa: top functions by self Ir (libcrypto has no symbols for its static functions)"
callgrind_annotate "$out/callgrind.ours-ecdsa" 2>/dev/null |
    awk '/file:function/ { f = 1; getline; next } f && NF == 0 { exit } f' | head -20
echo
echo "# bulk-ours-aes: top functions by self Ir"
callgrind_annotate "$out/callgrind.bulk-ours-aes" 2>/dev/null |
    awk '/file:function/ { f = 1; getline; next } f && NF == 0 { exit } f' | head -8
echo
echo "# ours-ecdsa12 (TLS 1.2): our functions, inclusive Ir over $n handshakes"
callgrind_annotate --inclusive=yes "$out/callgrind.ours-ecdsa12" 2>/dev/null |
    grep -E '/csrc/' | grep -v '=>' | head -25
echo
echo "# bulk-ours-aes12 (TLS 1.2): top functions by self Ir"
callgrind_annotate "$out/callgrind.bulk-ours-aes12" 2>/dev/null |
    awk '/file:function/ { f = 1; getline; next } f && NF == 0 { exit } f' | head -8
echo
echo "== callgrind summary =="
echo "$summary" | sed '/^$/d'
for kind in ecdsa rsa ecdsa12 rsakx12 resume13 resume12 cold; do
    ours=$(echo "$summary" | awk -v n="callgrind_ours_${kind}_Ir_per_handshake" '$1 == n { print $2 }')
    theirs=$(echo "$summary" | awk -v n="callgrind_libssl_${kind}_Ir_per_handshake" '$1 == n { print $2 }')
    awk -v a="$ours" -v b="$theirs" -v k="$kind" 'BEGIN { printf "callgrind_%s_Ir_ratio_libssl_over_ours %.3f\n", k, b / a }'
done
# Issue 11's name for the ECDSA one: libssl's Ir per TLS 1.3 ECDSA P-256
# handshake over ours (the same number as callgrind_ecdsa_Ir_ratio_...).
echo "$summary" | awk '$1 == "callgrind_ours_ecdsa_Ir_per_handshake" { a = $2 }
    $1 == "callgrind_libssl_ecdsa_Ir_per_handshake" { b = $2 }
    END { printf "tls13_ecdsa_ir_ratio %.3f\n", b / a }'
# tls13_ecdsa_share_of_bound counted in instructions: the bound's Ir per
# handshake over ours (the timed figure is handshakes/s ours over the bound's).
echo "$summary" | awk '$1 == "callgrind_ours_ecdsa_Ir_per_handshake" { a = $2 }
    $1 == "callgrind_bound_ecdsa_Ir_per_handshake" { b = $2 }
    END { printf "tls13_ecdsa_ir_share_of_bound %.3f\n", b / a }'
