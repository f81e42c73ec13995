#!/usr/bin/env bash
# Builds an official training image (docs/official.md, "Images"):
#   containers/official/build.sh {clip|lm} {smoke|gpu} [--vendor DIR] [--print-tag]
#
#   clip smoke  dcbench/official-clip:smoke-<hash>  open_clip 2.16.1 on Debian bookworm's torch 1.13 (CPU),
#               on dcbench/train-cpu-base (containers/cpu/build.sh --base builds it when missing)
#   lm smoke    dcbench/official-lm:smoke-<hash>    open_lm 9bb92ef on Debian trixie's torch 2.6 (CPU), on
#               dcbench/official-lm-base:<hash> (containers/cpu/base.sh trixie smoke/lm-packages.txt)
#   clip gpu    dcbench/official-clip:gpu-<hash>    gpu/clip.Dockerfile (CUDA; pulls a registry base)
#   lm gpu      dcbench/official-lm:gpu-<hash>      gpu/lm.Dockerfile   (likewise)
#
# The upstream sources are the archives of sources.lock: from --vendor DIR (offline; CI passes
# ../shared/vendor/python), else made with `git archive` from a shallow fetch of each repository at its
# pinned commit (needs git >= 2.38 and GitHub); either way pip installs them with --require-hashes.
# The tag's hash is sha256 over the lines "<sha256 of file>  <path>\n" (sha256sum's format, sorted by
# path) of every file the image is built from; an unchanged tree builds nothing. Each phase prints
# "== phase (Ns)". The last line printed is the tag. src/runner/official-image.ts runs --print-tag.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
export LC_ALL=C

usage() { echo "usage: containers/official/build.sh {clip|lm} {smoke|gpu} [--vendor DIR] [--print-tag]" >&2; exit 2; }
[ $# -ge 2 ] || usage
kind=$1 variant=$2
shift 2
case "$kind/$variant" in clip/smoke | lm/smoke | clip/gpu | lm/gpu) ;; *) usage ;; esac
vendor="" print=""
while [ $# -gt 0 ]; do
  case $1 in
    --vendor) [ $# -ge 2 ] || usage; vendor=$(cd "$2" && pwd); shift 2 ;;
    --print-tag) print=1; shift ;;
    *) usage ;;
  esac
done

hash_files() {
  local f
  for f in "$@"; do printf '%s  %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"; done | sha256sum | cut -d' ' -f1
}
here=containers/official
files=("$here/build.sh" "$here/sources.lock" containers/trainers/dcbench_trainers/export.py)
mapfile -t -O ${#files[@]} files < <(find "$here/dcbench_official" -type f ! -path '*/__pycache__/*' ! -name '*.pyc')
case "$kind/$variant" in
  clip/smoke) files+=("$here/smoke/clip.Dockerfile" "$here/smoke/clip-packages.txt" "$here/smoke/dcbench-smoke-vit.json" containers/cpu/base.sh containers/cpu/packages.txt) ;;
  lm/smoke)
    files+=("$here/smoke/lm.Dockerfile" "$here/smoke/lm-packages.txt" containers/cpu/base.sh)
    mapfile -t -O ${#files[@]} files < <(find "$here/stubs" -type f ! -path '*/__pycache__/*' ! -name '*.pyc') ;;
  *) files+=("$here/gpu/$kind.Dockerfile") ;;
esac
mapfile -t files < <(printf '%s\n' "${files[@]}" | sort)
inputs_hash=$(hash_files "${files[@]}")
tag=dcbench/official-$kind:$variant-${inputs_hash:0:16}

if [ -n "$print" ]; then echo "$tag"; exit 0; fi
if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "== $tag is up to date"
  echo "$tag"
  exit 0
fi
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
SECONDS=0
phase() { echo "== $* (${SECONDS}s)"; }

# 1. the base image
base=""
case "$kind/$variant" in
  clip/smoke) base=$(containers/cpu/build.sh --base | tail -1) ;;
  lm/smoke)
    base_hash=$(hash_files containers/cpu/base.sh "$here/smoke/lm-packages.txt")
    base=dcbench/official-lm-base:${base_hash:0:16}
    if ! docker image inspect "$base" >/dev/null 2>&1; then
      work=$(mktemp -d "${TMPDIR:-/tmp}/dcbench-lm-base.XXXXXX")
      trap 'as_root rm -rf "$work"' EXIT
      phase "building $base (debootstrap trixie minbase + smoke/lm-packages.txt) in $work"
      as_root bash containers/cpu/base.sh "$work/root" "$base" trixie "$here/smoke/lm-packages.txt"
      as_root rm -rf "$work"
      trap - EXIT
    fi ;;
esac
phase "base ${base:-from gpu/$kind.Dockerfile} ready"

# 2. the pinned sources, checked against sources.lock
ctx=$(mktemp -d "${TMPDIR:-/tmp}/dcbench-official-ctx.XXXXXX")
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/sources"
pins=""
while read -r image package version archive sha repository commit paths; do
  [ "$image" = "$kind" ] || [ "$image" = "$kind-$variant" ] || continue
  if [ -n "$vendor" ]; then
    [ -f "$vendor/$archive" ] || { echo "--vendor $vendor: no $archive (sources.lock pins $package $version)" >&2; exit 2; }
    cp "$vendor/$archive" "$ctx/sources/$archive"
  else
    git_dir=$(mktemp -d "${TMPDIR:-/tmp}/dcbench-src.XXXXXX")
    git -C "$git_dir" init -q
    git -C "$git_dir" fetch -q --depth 1 "$repository" "$commit"
    # shellcheck disable=SC2086 # the paths are meant to split
    git -C "$git_dir" archive --format=tar.gz --prefix="${archive%.tar.gz}/" "$commit" ${paths//,/ } >"$ctx/sources/$archive"
    rm -rf "$git_dir"
  fi
  got=$(sha256sum <"$ctx/sources/$archive" | cut -d' ' -f1)
  if [ "$got" != "$sha" ]; then
    echo "$archive: sha256 $got, but sources.lock pins $sha ($package $version at $commit)" >&2
    exit 1
  fi
  [ "$package" = - ] && continue # not a pip package: the Dockerfile extracts it
  echo "$package @ file:///opt/dcbench/sources/$archive --hash=sha256:$sha" >>"$ctx/sources/requirements.txt"
  pins+="${pins:+,}\"$package\":\"$version@${commit:0:12}\""
done < <(grep -v '^\s*#' "$here/sources.lock" | grep -v '^\s*$')
if [ -n "$vendor" ]; then phase "sources from $vendor checked against sources.lock"; else phase "sources from git checked against sources.lock"; fi

# 3. the image
cp -r "$here/dcbench_official" "$ctx/dcbench_official"
find "$ctx/dcbench_official" -name __pycache__ -type d -prune -exec rm -rf {} +
cp containers/trainers/dcbench_trainers/export.py "$ctx/dcbench_official/onnx_export.py"
case "$kind/$variant" in
  clip/smoke) cp "$here/smoke/clip.Dockerfile" "$ctx/Dockerfile"; cp "$here/smoke/clip-packages.txt" "$here/smoke/dcbench-smoke-vit.json" "$ctx/" ;;
  lm/smoke) cp "$here/smoke/lm.Dockerfile" "$ctx/Dockerfile"; cp -r "$here/stubs" "$ctx/stubs" ;;
  *) cp "$here/gpu/$kind.Dockerfile" "$ctx/Dockerfile" ;;
esac
phase "docker build $tag"
docker build -q ${base:+--build-arg "BASE=$base"} --build-arg "DEBIAN_MIRROR=${DCBENCH_DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
  --label "ai.dcbench.inputs-hash=$inputs_hash" --label "ai.dcbench.image=official-$kind-$variant" \
  --label "ai.dcbench.pins={$pins}" -t "$tag" "$ctx" >/dev/null
phase "built $tag $(docker image inspect -f '{{.Id}}' "$tag")"
echo "$tag"
