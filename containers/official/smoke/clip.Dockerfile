# dcbench/official-clip:smoke-<inputs-hash> — DataComp's official trainer on CPU, built offline
# (containers/official/build.sh clip smoke; docs/official.md): open_clip 2.16.1's `training.main` with
# webdataset 0.2.31, huggingface_hub 0.11.0 and ftfy 6.1.1 (sources.lock, pip --require-hashes) on
# Debian bookworm's torch 1.13.1 — the torch line DataComp pins — on top of dcbench/train-cpu-base
# (BASE). Same wrapper and contract as the GPU image (gpu/clip.Dockerfile).
ARG BASE
FROM ${BASE}
ARG DEBIAN_MIRROR=http://deb.debian.org/debian
COPY clip-packages.txt /tmp/packages.txt
RUN echo "deb ${DEBIAN_MIRROR} bookworm main" > /etc/apt/sources.list \
    && apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(grep -v '^\s*#' /tmp/packages.txt | grep -v '^\s*$') \
    && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /usr/share/doc/* /usr/share/man/* /tmp/packages.txt
COPY sources/ /opt/dcbench/sources/
# The archives are git trees: open_clip's package data (the BPE vocabulary, model_configs/*.json) is
# not in setup.py's list, so it is copied from the same verified archive, as the PyPI wheel ships it.
RUN pip install --break-system-packages --no-deps --no-index --no-build-isolation --no-cache-dir --require-hashes \
        -r /opt/dcbench/sources/requirements.txt \
    && pkg=$(python3 -c "import importlib.util as u; print(u.find_spec('open_clip').submodule_search_locations[0])") \
    && tar -xzf /opt/dcbench/sources/open_clip-2.16.1.tar.gz -C /tmp open_clip-2.16.1/src/open_clip/bpe_simple_vocab_16e6.txt.gz open_clip-2.16.1/src/open_clip/model_configs \
    && cp -r /tmp/open_clip-2.16.1/src/open_clip/. "$pkg/" && rm -rf /tmp/open_clip-2.16.1 \
    && find / -xdev -name __pycache__ -type d -prune -exec rm -rf {} +
# The smoke model (a tiny ViT, docs/official.md): open_clip 2.16.1's --model takes registered names only.
COPY dcbench-smoke-vit.json /tmp/dcbench-smoke-vit.json
RUN pkg=$(python3 -c "import importlib.util as u; print(u.find_spec('open_clip').submodule_search_locations[0])") \
    && mv /tmp/dcbench-smoke-vit.json "$pkg/model_configs/" \
    && python3 -c "import open_clip, training.main; from open_clip.version import __version__ as v; assert v == '2.16.1', v; assert 'dcbench-smoke-vit' in open_clip.list_models()"
COPY dcbench_official/ /opt/dcbench/dcbench_official/
ENV PYTHONPATH=/opt/dcbench PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOME=/tmp OMP_WAIT_POLICY=PASSIVE
WORKDIR /tmp
ENTRYPOINT ["python3", "-m", "dcbench_official"]
