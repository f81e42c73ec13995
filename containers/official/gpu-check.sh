#!/usr/bin/env bash
# The prepared GPU check (docs/official.md, "GPU check") [unverified: not run yet — no GPU was lent to the
# session that wrote it]. For a machine with an NVIDIA GPU, its own CUDA torch and no network or Docker:
#
#   bash containers/official/gpu-check.sh [VENDOR_DIR] [OUT_DIR]      (≤ 8 minutes)
#
# 1. unpacks the pinned archives (sources.lock, from VENDOR_DIR, default ../shared/vendor/python) into a
#    scratch PYTHONPATH — no pip, no network; xformers/transformers stubs only where they are not installed;
# 2. writes tiny training data (random images and captions; random GPT-NeoX token ids);
# 3. runs open_clip 2.16.1 `training.main` (DataComp small's argument list, smoke model, --precision amp)
#    and open_lm 9bb92ef `open_lm.main` (DCLM 400m-1x's list, smoke model, --precision amp_bfloat16) for a
#    few steps each on the GPU, through the same dcbench_official wrapper the images run;
# 4. exports both checkpoints and compares torch on the GPU with onnxruntime (when the machine has the
#    onnxruntime Python package; else with torch on the CPU, and says so);
# and writes OUT_DIR/gpu-check.json (default $OUT or /tmp/dcbench-gpu-check) with every number.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
vendor=${1:-$repo/../shared/vendor/python}
[ -d "$vendor" ] || vendor=$repo/shared/vendor/python
out=${2:-${OUT:-/tmp/dcbench-gpu-check}}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
SECONDS=0
phase() { echo "== $* (${SECONDS}s)"; }

phase "sources from $vendor"
mkdir -p "$work/site"
grep -v '^\s*#' "$repo/containers/official/sources.lock" | grep -v '^\s*$' | while read -r image package version archive sha rest; do
  [ "$package" = - ] && continue
  echo "$sha  $vendor/$archive" | sha256sum -c --quiet
  tar -xzf "$vendor/$archive" -C "$work"
  dir=$work/${archive%.tar.gz}
  # the importable folders of each archive (src/ layouts and top-level packages)
  if [ -d "$dir/src" ]; then cp -rn "$dir/src/." "$work/site/$image/" 2>/dev/null || { mkdir -p "$work/site/$image"; cp -r "$dir/src/." "$work/site/$image/"; }
  else mkdir -p "$work/site/$image"; for p in "$dir"/*/; do [ -f "$p/__init__.py" ] && cp -r "$p" "$work/site/$image/"; done; fi
done
cp -r "$repo/containers/official/dcbench_official" "$work/site/dcbench_official"
cp "$repo/containers/trainers/dcbench_trainers/export.py" "$work/site/dcbench_official/onnx_export.py"
cp "$repo/containers/official/smoke/dcbench-smoke-vit.json" "$work/site/clip/open_clip/model_configs/"
python3 -c "import xformers.ops" 2>/dev/null || cp -r "$repo/containers/official/stubs/xformers" "$work/site/lm/"
python3 -c "import transformers" 2>/dev/null || cp -r "$repo/containers/official/stubs/transformers" "$work/site/lm/"

phase "tiny data and runs"
timeout 420 python3 "$repo/containers/official/gpu_check.py" --work "$work" --out "$out" --tokenizer "$repo/../shared/data/tokenizers/gpt-neox-20b/tokenizer.json"
phase "done: $out/gpu-check.json"
