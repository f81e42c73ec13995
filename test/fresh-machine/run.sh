#!/usr/bin/env bash
# Issue 18, Done-when line 1: on a fresh Debian bookworm container (image.sh: debootstrap minbase, no
# python3, no torch, no Docker) with the host's node and npm copied in and the host network, copy the
# clone in (git ls-files: what a `git clone` holds, committed or not) and run the README's first
# command exactly as it is written there, plus any arguments given here (e.g. --fast). Prints the
# command's output; exits with its exit code. The container is removed afterwards.
# Usage: test/fresh-machine/run.sh [EXTRA_ARGS…]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

tag=$(bash test/fresh-machine/image.sh | tail -1)
# The README's first command: the first line of its first ```sh block that is not a comment.
command=$(awk '/^```sh$/{inblock=1; next} /^```/{if (inblock) exit} inblock && !/^#/ && NF {print; exit}' README.md)
[ -n "$command" ] || { echo "no command found in README.md's first sh block" >&2; exit 2; }
full="$command${*:+ $*}"
echo "== README's first command: $full"

stage=$(mktemp -d "${TMPDIR:-/tmp}/dcbench-fresh-stage.XXXXXX")
name=dcbench-fresh-$$-$RANDOM
cleanup() { docker rm -f "$name" >/dev/null 2>&1 || true; rm -rf "$stage"; }
trap cleanup EXIT

# Node as a newcomer installs it (nodesource/nvm layout): node, and npm with its npx, under /usr/local.
node_bin=$(command -v node)
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
mkdir -p "$stage/usr/local/bin" "$stage/usr/local/lib/node_modules" "$stage/root/dcbench"
cp "$(readlink -f "$node_bin")" "$stage/usr/local/bin/node"
cp -a "$npm_dir" "$stage/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$stage/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$stage/usr/local/bin/npx"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar -C "$repo" --null -T - -c | tar -C "$stage/root/dcbench" -x

# This host's own network set-up, not the machine under test: where the host reaches the npm registry
# through a TLS-inspecting proxy (NODE_EXTRA_CA_CERTS), the container gets the same CA file.
ca_env=()
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  mkdir -p "$stage/etc/ssl/dcbench-host"
  cp "$NODE_EXTRA_CA_CERTS" "$stage/etc/ssl/dcbench-host/ca.crt"
  ca_env=(-e NODE_EXTRA_CA_CERTS=/etc/ssl/dcbench-host/ca.crt)
fi

docker create --name "$name" --network host -w /root/dcbench -e HOME=/root "${ca_env[@]}" \
  -e PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$tag" bash -c "$full" >/dev/null
tar -C "$stage" -c . | docker cp - "$name:/"
SECONDS=0
set +e
docker start -a "$name"
rc=$?
set -e
echo "== exit $rc after ${SECONDS}s"
exit "$rc"
