#!/usr/bin/env bash
# Builds the dcbench/train-cpu image for the `tiny` scale without any registry (docs/containers.md,
# "The CPU image"):
#   1. base.sh: debootstrap bookworm minbase + packages.txt, trimmed, then docker import
#      -> dcbench/train-cpu-base:<base-hash>
#   2. Dockerfile on top of it, adding containers/trainers/ and the CLIP BPE vocabulary
#      -> dcbench/train-cpu:<inputs-hash>
# Each step runs only when its tag is missing. src/runner/cpu-image.ts computes the same hashes:
# sha256 over the lines "<sha256 of file>  <path from the repository root>\n" of the files below,
# sorted by path (bytewise); tags use the first 16 hex digits. The base hash covers only base.sh and
# packages.txt, so every step that shapes the base image is in base.sh, none here.
# Usage: containers/cpu/build.sh [--print-tag | --base]. Prints the final tag on its last line; --base
# builds only the base (when missing) and prints its tag (the official DataComp smoke image extends it).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
export LC_ALL=C

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
hash_files() {
  local f
  for f in "$@"; do printf '%s  %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"; done | sha256sum | cut -d' ' -f1
}
base_files=(containers/cpu/base.sh containers/cpu/packages.txt)
mapfile -t input_files < <({
  find containers/cpu containers/trainers -type f ! -path '*/__pycache__/*' ! -name '*.pyc'
  echo evaluators/tokenizers/clip/bpe_simple_vocab_16e6.txt.gz
} | sort)
base_hash=$(hash_files "${base_files[@]}")
inputs_hash=$(hash_files "${input_files[@]}")
base_tag=dcbench/train-cpu-base:${base_hash:0:16}
tag=dcbench/train-cpu:${inputs_hash:0:16}

if [ "${1:-}" = --print-tag ]; then echo "$tag"; exit 0; fi

if [ "${1:-}" != --base ] && docker image inspect "$tag" >/dev/null 2>&1; then
  echo "== $tag is up to date"
  echo "$tag"
  exit 0
fi

SECONDS=0
if ! docker image inspect "$base_tag" >/dev/null 2>&1; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/dcbench-cpu-base.XXXXXX")
  trap 'as_root rm -rf "$work"' EXIT
  echo "== building the root filesystem (debootstrap bookworm minbase + packages.txt) in $work"
  as_root bash containers/cpu/base.sh "$work/root" "$base_tag"
  as_root rm -rf "$work"
  trap - EXIT
fi
if [ "${1:-}" = --base ]; then echo "$base_tag"; exit 0; fi

ctx=$(mktemp -d "${TMPDIR:-/tmp}/dcbench-cpu-ctx.XXXXXX")
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/trainers"
(cd containers/trainers && find . -type f ! -path '*/__pycache__/*' ! -name '*.pyc' -print0 | cpio -0pdm --quiet "$ctx/trainers" 2>/dev/null) \
  || (cd containers/trainers && tar -c --exclude=__pycache__ --exclude='*.pyc' . | tar -x -C "$ctx/trainers")
cp evaluators/tokenizers/clip/bpe_simple_vocab_16e6.txt.gz "$ctx/trainers/dcbench_trainers/"
cp containers/cpu/Dockerfile "$ctx/Dockerfile"
echo "== docker build $tag (${SECONDS}s)"
docker build -q --build-arg "BASE=$base_tag" --label "ai.dcbench.inputs-hash=$inputs_hash" \
  --label "ai.dcbench.base-hash=$base_hash" -t "$tag" "$ctx" >/dev/null
echo "== built $tag $(docker image inspect -f '{{.Id}}' "$tag") in ${SECONDS}s"
echo "$tag"
