# dcbench/official-lm:gpu-<inputs-hash> — DCLM's official trainer for GPUs (containers/official/build.sh lm
# gpu; docs/official.md, "GPU images"). [unverified: never built — dcbench's CI has no registry, and no
# GPU has run it]
#
# torch 2.3.0 + CUDA 12.1 (the PyTorch project's runtime image): DCLM requires llm-foundry 0.9.0, which
# needs torch 2.3; CUDA 12.1 runs on Hopper. xformers 0.0.26.post1 is the release built for torch 2.3.0
# (open_lm's --attn-name auto uses its memory-efficient attention on CUDA, and --ffn-type swiglu its
# fused SwiGLU). The smoke image runs Debian's torch 2.6 on CPU with torch attention and a torch SwiGLU
# of the same weights instead (docs/official.md lists what that changes).
#
# The pinned upstream archives (sources.lock) install with pip --require-hashes; their PyPI dependencies
# below are pinned by version only [unverified: hashes not recorded — no PyPI where this was written].
FROM pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime
RUN pip install --no-cache-dir xformers==0.0.26.post1 transformers==4.40.2 fsspec==2024.3.1 braceexpand==0.1.7 \
        jsonlines==4.0.0 pandas==2.1.4 tqdm==4.66.4 pyyaml==6.0.1 filelock==3.14.0 requests==2.32.3 onnx==1.16.1
COPY sources/ /opt/dcbench/sources/
RUN pip install --no-deps --no-index --no-build-isolation --no-cache-dir --require-hashes -r /opt/dcbench/sources/requirements.txt \
    && mkdir -p /opt/dclm && tar -xzf /opt/dcbench/sources/dclm-open_lm_configs-361714b.tar.gz -C /opt/dclm --strip-components=1 \
    && python -c "import open_lm.main, xformers.ops"
COPY dcbench_official/ /opt/dcbench/dcbench_official/
ENV PYTHONPATH=/opt/dcbench PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOME=/tmp
# DCLM passes --model relative to its repository root (training/open_lm_configs/<model>.json).
WORKDIR /opt/dclm
ENTRYPOINT ["python", "-m", "dcbench_official"]
