#!/usr/bin/env bash
# Builds the root filesystem of dcbench/train-cpu-base into $1 (an empty or missing folder): Debian
# bookworm minbase from the Debian mirror with packages.txt installed (no recommends), then trimmed;
# then imports it into the Docker engine as $2 (dcbench/train-cpu-base:<base-hash>).
# Needs root (debootstrap, chroot) and the Docker engine. Every step that shapes the base image lives
# here, because this file and packages.txt are all the base hash covers: any change here rebuilds it.
set -euo pipefail
root=$1
tag=$2
here=$(cd "$(dirname "$0")" && pwd)
mirror=${DCBENCH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=$(grep -v '^\s*#' "$here/packages.txt" | grep -v '^\s*$' | tr '\n' ' ')

mkdir -p "$root"
debootstrap --variant=minbase bookworm "$root" "$mirror"

cp /etc/resolv.conf "$root/etc/resolv.conf"
cleanup() { umount "$root/proc" 2>/dev/null || true; }
trap cleanup EXIT
mount -t proc proc "$root/proc" 2>/dev/null || true
# shellcheck disable=SC2086 # the package list is meant to split
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $packages
chroot "$root" apt-get clean
cleanup
trap - EXIT

# Trim what a training run never reads: docs, man pages, locales, apt lists and caches, byte-code
# caches, C headers and static libraries.
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* \
  "$root"/usr/share/lintian "$root"/usr/share/linda \
  "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old "$root"/var/log/* \
  "$root"/usr/include "$root"/tmp/* "$root"/etc/resolv.conf
find "$root" -xdev -depth -type d -name __pycache__ -exec rm -rf {} +
find "$root"/usr/lib "$root"/usr/local -xdev -name '*.a' -type f -delete
: > "$root/etc/resolv.conf"

echo "== docker import $tag ($(du -sh "$root" | cut -f1)) (${SECONDS}s)"
tar -C "$root" --numeric-owner -c . | docker import \
  --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/bash"]' \
  -m "dcbench train-cpu base $tag" - "$tag" >/dev/null
