# dcbench/official-clip:gpu-<inputs-hash> — DataComp's official trainer for GPUs (containers/official/build.sh
# clip gpu; docs/official.md, "GPU images"). [unverified: never built — dcbench's CI has no registry, and
# no GPU has run it]
#
# torch 2.0.1 + CUDA 11.8 (the PyTorch project's runtime image): DataComp pins torch 1.13 (cu116), whose
# builds carry no Hopper (sm_90) kernels — H100s need CUDA >= 11.8, first built for torch 2.0. open_clip
# 2.16.1 (March 2023) runs on torch 2.0. Differences from the pinned 1.13 (docs/official.md): torch 2.0's
# nn.MultiheadAttention computes attention with fused scaled_dot_product_attention kernels (flash /
# memory-efficient) when no weights are returned, as open_clip asks, so fp16 results differ from 1.13's
# by rounding; TF32 matmul is on in both (open_clip sets it).
#
# The pinned upstream archives (sources.lock) install with pip --require-hashes; their PyPI dependencies
# below are pinned by version only [unverified: hashes not recorded — no PyPI where this was written].
FROM pytorch/pytorch:2.0.1-cuda11.8-cudnn8-runtime
RUN pip install --no-cache-dir regex==2023.3.23 tqdm==4.65.0 braceexpand==0.1.7 pandas==1.5.3 fsspec==2023.3.0 \
        filelock==3.12.0 requests==2.28.2 pyyaml==6.0 packaging==23.1 typing-extensions==4.5.0 wcwidth==0.2.6 onnx==1.13.1
COPY sources/ /opt/dcbench/sources/
# The archives are git trees: open_clip's package data is copied from the same verified archive (as in the smoke image).
RUN pip install --no-deps --no-index --no-build-isolation --no-cache-dir --require-hashes -r /opt/dcbench/sources/requirements.txt \
    && pkg=$(python -c "import importlib.util as u; print(u.find_spec('open_clip').submodule_search_locations[0])") \
    && tar -xzf /opt/dcbench/sources/open_clip-2.16.1.tar.gz -C /tmp open_clip-2.16.1/src/open_clip/bpe_simple_vocab_16e6.txt.gz open_clip-2.16.1/src/open_clip/model_configs \
    && cp -r /tmp/open_clip-2.16.1/src/open_clip/. "$pkg/" && rm -rf /tmp/open_clip-2.16.1 \
    && python -c "import open_clip, training.main; from open_clip.version import __version__ as v; assert v == '2.16.1', v"
COPY dcbench_official/ /opt/dcbench/dcbench_official/
ENV PYTHONPATH=/opt/dcbench PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOME=/tmp
WORKDIR /tmp
ENTRYPOINT ["python", "-m", "dcbench_official"]
