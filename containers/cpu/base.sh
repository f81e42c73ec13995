#!/usr/bin/env bash
# Builds a Debian root filesystem into $1 (an empty or missing folder) and imports it into the Docker
# engine as $2: minbase of suite $3 (default bookworm) from the Debian mirror with the packages of file
# $4 (default packages.txt beside this script) installed (no recommends), then trimmed.
# dcbench/train-cpu-base:<base-hash> is `base.sh ROOT TAG`; the official DCLM smoke image's base is
# `base.sh ROOT TAG trixie containers/official/smoke/lm-packages.txt` (containers/official/build.sh).
# Needs root (debootstrap, chroot) and the Docker engine. Every step that shapes a base image lives
# here, because this file and the package list are all a base hash covers: any change here rebuilds it.
set -euo pipefail
root=$1
tag=$2
suite=${3:-bookworm}
here=$(cd "$(dirname "$0")" && pwd)
package_file=${4:-$here/packages.txt}
mirror=${DCBENCH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=$(grep -v '^\s*#' "$package_file" | grep -v '^\s*$' | tr '\n' ' ')

mkdir -p "$root"
debootstrap --variant=minbase "$suite" "$root" "$mirror"

cp /etc/resolv.conf "$root/etc/resolv.conf"
cleanup() { umount "$root/proc" 2>/dev/null || true; }
trap cleanup EXIT
mount -t proc proc "$root/proc" 2>/dev/null || true
# TMPDIR=/tmp: the caller's TMPDIR is a host path the chroot does not have (maintainer scripts mktemp in it)
# shellcheck disable=SC2086 # the package list is meant to split
chroot "$root" env TMPDIR=/tmp DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $packages
chroot "$root" env TMPDIR=/tmp apt-get clean
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
  -m "dcbench base $tag ($suite)" - "$tag" >/dev/null
