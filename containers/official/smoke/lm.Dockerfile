# dcbench/official-lm:smoke-<inputs-hash> — DCLM's official trainer on CPU, built offline
# (containers/official/build.sh lm smoke; docs/official.md): open_lm 9bb92ef's `open_lm.main` with
# webdataset 0.2.90 and huggingface_hub 0.23.4 (sources.lock, pip --require-hashes) on Debian trixie's
# torch 2.6 (BASE: containers/cpu/base.sh with trixie and smoke/lm-packages.txt), plus import stubs of
# xformers and transformers, which open_lm imports at module level and Debian does not package
# (stubs/: SwiGLU in plain torch with xformers' weight names). Same wrapper and contract as the GPU
# image (gpu/lm.Dockerfile).
ARG BASE
FROM ${BASE}
COPY sources/ /opt/dcbench/sources/
RUN pip install --break-system-packages --no-deps --no-index --no-build-isolation --no-cache-dir --require-hashes \
        -r /opt/dcbench/sources/requirements.txt \
    && find / -xdev -name __pycache__ -type d -prune -exec rm -rf {} +
COPY stubs/ /opt/dcbench/stubs/
COPY dcbench_official/ /opt/dcbench/dcbench_official/
ENV PYTHONPATH=/opt/dcbench:/opt/dcbench/stubs PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOME=/tmp OMP_WAIT_POLICY=PASSIVE
RUN python3 -c "import open_lm.main, webdataset, huggingface_hub; assert huggingface_hub.__version__ == '0.23.4'"
WORKDIR /tmp
ENTRYPOINT ["python3", "-m", "dcbench_official"]
