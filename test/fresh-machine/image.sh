#!/usr/bin/env bash
# The "fresh Debian machine" of issue 18's first Done-when line, as a Docker image: Debian bookworm
# minbase from the Debian mirror and nothing else (no python3, no torch, no Docker, no Node — the test
# copies the host's node in). Tagged dcbench/fresh-bookworm:<key>, the key a sha256 over every input
# (suite, variant, mirror, extra packages, this script), so a changed input builds a new image and an
# unchanged one is reused (as containers/cpu/build.sh and .ci/run cache theirs).
# Needs root (debootstrap) and the Docker engine. Prints the tag on its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C

suite=bookworm
variant=minbase
mirror=${DCBENCH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Nothing beyond minbase: a newcomer's machine has Node and whatever `bench doctor --fix` installs.
packages=''

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
key=$(printf 'suite=%s\nvariant=%s\nmirror=%s\npackages=%s\nscript=%s\n' "$suite" "$variant" "$mirror" "$packages" \
  "$(sha256sum <"$here/image.sh" | cut -d' ' -f1)" | sha256sum | cut -d' ' -f1)
tag=dcbench/fresh-bookworm:${key:0:16}

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "== $tag is up to date"
  echo "$tag"
  exit 0
fi

SECONDS=0
work=$(mktemp -d "${TMPDIR:-/tmp}/dcbench-fresh-bookworm.XXXXXX")
trap 'as_root rm -rf "$work"' EXIT
echo "== debootstrap --variant=$variant $suite from $mirror into $work"
as_root debootstrap --variant="$variant" ${packages:+--include="$packages"} "$suite" "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -30 "$work/debootstrap.log" >&2; exit 1; }
# apt lists are left out as on a freshly installed machine: `bench doctor --fix` runs apt-get update.
as_root rm -rf "$work"/root/var/lib/apt/lists/* "$work"/root/var/cache/apt/*.bin
: | as_root tee "$work/root/etc/resolv.conf" >/dev/null
echo "== docker import $tag ($(as_root du -sh "$work/root" | cut -f1), ${SECONDS}s)"
as_root tar -C "$work/root" --numeric-owner -c . | docker import --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/bash"]' \
  --change "LABEL ai.dcbench.fresh-machine-key=$key" -m "dcbench fresh $suite $variant" - "$tag" >/dev/null
echo "== built $tag in ${SECONDS}s"
echo "$tag"
