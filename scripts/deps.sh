#!/bin/sh
# Installs the Debian packages luatls needs to build, test and run its interop
# suite. As root it installs what is missing; otherwise it prints the command.
set -eu

packages="lua5.4 liblua5.4-dev libssl-dev openssl pkg-config make gcc clang
libclang-rt-14-dev lua-busted lua-socket lua-sec gnutls-bin python3 curl
luarocks valgrind tshark tcpdump redis-server lua-cqueues lua-copas lua-luv
nginx-light golang-go libwolfssl-dev
libmbedtls-dev libnss3-tools botan"

missing=""
for p in $packages; do
    # dpkg -s succeeds for removed-but-configured packages too, so check the status line.
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "deps: all packages installed"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing:$missing" >&2
    echo "deps: run as root: apt-get update && apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086 # the list must split into words
apt-get install -y --no-install-recommends $missing
