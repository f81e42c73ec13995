"""Checkpoint → dcbench model folder (docs/contracts.md, "The model directory"; docs/official.md).

open_clip 2.16.1 checkpoints (`epoch_N.pt`/`epoch_latest.pt`: `state_dict` with or without DDP's
`module.` prefix) become two ONNX towers + the CLIP vocabulary; open_lm 9bb92ef checkpoints
(`epoch_N.pt`: `state_dict`, FSDP full or DDP) become one logits graph, the with-past graph (past
keys/values and the `positions` input: shared-prefix scoring, docs/contracts.md) + the run's tokenizer. The graphs
use pure-torch attention and FFN whatever the training used: open_clip 2.16.1 has only torch attention;
open_lm is rebuilt with `--attn-name torch_attn` and xformers' SwiGLU as open_lm's own `swiglu_torch`
(the same `w12`/`w3` weights), so no xformers op reaches the exporter. The LM is traced at its full
context (`seq_len`), so every length up to it works (the rotary table open_lm builds at init spans it).

A CLIP tower larger than `external_data_bytes` is written as ONNX external data (`<graph>.data` beside it;
torch writes models over 2 GB that way by itself). An LM's two graphs hold the same weights: when together
they are over `external_data_bytes` both point into one `weights.bin` holding each weight once
(shared_weights.py), else each graph is one self-contained file. `reference.json` records fixed inputs with torch's
outputs; the harness replays them in onnxruntime and writes the max abs diff into model.json.

The spec (a JSON file the harness writes, or built from a training run's arguments):
  kind: clip | lm; checkpoint; out (the model folder, replaced atomically); model_json (fields to add:
  benchmark, scale, recipe_hash, provenance, smoke); tolerance; external_data_bytes; threads
  clip: arch (a registered open_clip name or a model-config JSON); preprocess {mean, std}
  lm: config (open_lm model JSON); norm, qk_norm, ffn_type, positional_embedding_type (where the JSON
      does not say); tokenizer (tokenizer.json), eot_token_id, pad_token_id
"""

import glob
import hashlib
import json
import os
import shutil
import tempfile

OPENAI_MEAN = [0.48145466, 0.4578275, 0.40821073]
OPENAI_STD = [0.26862954, 0.26130258, 0.27577711]
DEFAULT_EXTERNAL_DATA_BYTES = 2_000_000_000
STRIP_PREFIXES = ("module.", "_orig_mod.")
# An output with more values than this is recorded at sampled positions (an LM's logits over its context).
MAX_REFERENCE_VALUES = 1_000_000
SAMPLES_PER_ROW = 64


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_state_dict(path):
    """The model weights of an upstream checkpoint, with DDP/torch.compile prefixes removed."""
    import torch

    checkpoint = torch.load(path, map_location="cpu")
    state = checkpoint.get("state_dict", checkpoint) if isinstance(checkpoint, dict) else checkpoint
    out = {}
    for key, value in state.items():
        for prefix in STRIP_PREFIXES:
            if key.startswith(prefix):
                key = key[len(prefix):]
        out[key] = value
    return out


def sample_outputs(reference):
    """Keeps, for outputs over MAX_REFERENCE_VALUES, the values at every row's argmax and 63 seeded
    columns (`indices`: their flat positions), so the reference of a 2,048-token, 50k-vocabulary LM is a
    few MB and still covers every position of the sequence axis."""
    import base64

    import numpy as np

    for array in reference["outputs"].values():
        shape = array["shape"]
        if int(np.prod(shape)) <= MAX_REFERENCE_VALUES:
            continue
        rows = np.frombuffer(base64.b64decode(array["base64"]), dtype="<f4").reshape(-1, shape[-1])
        columns = np.random.default_rng(0).integers(0, shape[-1], size=(rows.shape[0], SAMPLES_PER_ROW - 1))
        columns = np.concatenate([rows.argmax(axis=1)[:, None], columns], axis=1)
        flat = (np.arange(rows.shape[0])[:, None] * shape[-1] + columns).reshape(-1).astype("<i8")
        array["base64"] = base64.b64encode(rows.reshape(-1)[flat].astype("<f4").tobytes()).decode("ascii")
        array["indices"] = base64.b64encode(flat.tobytes()).decode("ascii")
    return reference


def externalize(path, threshold):
    """Re-saves an ONNX graph with its weights in one `<name>.data` file when it is over `threshold`
    bytes (counting external files torch already wrote); returns the data file's name or None."""
    folder = os.path.dirname(path)
    before = set(os.listdir(folder))
    size = sum(os.path.getsize(os.path.join(folder, f)) for f in before)
    # torch writes a graph over 2 GB as many files: those are gathered into one whatever the threshold
    if size <= threshold and len(before) == 1:
        return None
    import onnx

    model = onnx.load(path, load_external_data=True)
    data = os.path.basename(path) + ".data"
    for name in before - {os.path.basename(path)}:
        os.remove(os.path.join(folder, name))
    onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True, location=data, size_threshold=1024)
    return data


def export_graph(module, example, folder, name, input_name, output_name, dynamic_axes, threshold):
    """One graph into `folder` (its own temp subfolder first, so torch's external files stay apart)."""
    from . import onnx_export

    work = tempfile.mkdtemp(dir=folder, prefix=".graph-")
    try:
        reference = sample_outputs(onnx_export.export_onnx(module, example, os.path.join(work, name), input_name, output_name, dynamic_axes))
        data = externalize(os.path.join(work, name), threshold)
        for f in os.listdir(work):
            os.replace(os.path.join(work, f), os.path.join(folder, f))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return reference, data


def tower(model, which):
    """A module that runs one of a CLIP model's encoders (the contract's features: not normalised)."""
    import torch

    class Tower(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, x):
            return self.model.encode_image(x) if which == "image" else self.model.encode_text(x)

    return Tower()


def export_clip(spec, folder):
    import open_clip
    import torch

    arch = spec["arch"]
    if arch.endswith(".json"):
        open_clip.add_model_config(arch)
        arch = os.path.splitext(os.path.basename(arch))[0]
    config = open_clip.get_model_config(arch)
    if config is None:
        raise ValueError("--arch %s: not an open_clip model name or config JSON" % spec["arch"])
    model = open_clip.create_model(arch, precision="fp32", device="cpu")
    model.load_state_dict(load_state_dict(spec["checkpoint"]))
    model.eval()
    size = model.visual.image_size
    size = size[0] if isinstance(size, (tuple, list)) else size
    threshold = spec.get("external_data_bytes", DEFAULT_EXTERNAL_DATA_BYTES)
    images = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(0))
    texts = open_clip.tokenize(["a photo of a dog", "a diagram of two boxes"])
    graphs, data_files = {}, {}
    for which, example, name, inp, outp in (("image", images, "image_encoder.onnx", "image", "image_features"), ("text", texts, "text_encoder.onnx", "text", "text_features")):
        graphs[name], data = export_graph(tower(model, which), example, folder, name, inp, outp, {0: "batch"}, threshold)
        if data:
            data_files[name] = data
    vocab = os.path.join(os.path.dirname(open_clip.__file__), "bpe_simple_vocab_16e6.txt.gz")
    shutil.copyfile(vocab, os.path.join(folder, "bpe_simple_vocab_16e6.txt.gz"))
    preprocess = spec.get("preprocess") or {}
    meta = {
        "kind": "clip", "model": arch, "embed_dim": int(config["embed_dim"]), "image_size": int(size),
        "context_length": 77, "vocab_size": 49408, "logit_scale": float(model.logit_scale.exp().item()),
        "onnx": {"image": "image_encoder.onnx", "text": "text_encoder.onnx"},
        "tokenizer": {"type": "clip-bpe", "file": "bpe_simple_vocab_16e6.txt.gz"},
        "preprocess": {"resize": "shortest-side", "interpolation": "bicubic", "crop": "center", "image_size": int(size),
                       "mean": preprocess.get("mean", OPENAI_MEAN), "std": preprocess.get("std", OPENAI_STD)},
    }
    return meta, graphs, data_files


def lm_model(spec, work):
    """open_lm's own model for the checkpoint, with torch attention and torch SwiGLU."""
    from open_lm.model import create_model
    from open_lm.params import parse_args

    with open(spec["config"], encoding="utf-8") as f:
        config = json.load(f)
    ffn = config.get("ffn_type", spec.get("ffn_type", "swiglu"))
    # xformers' SwiGLU and open_lm's SwiGLUTorch hold the same w12/w3 weights
    config["ffn_type"] = "swiglu_torch" if ffn in ("swiglu", "swiglu_torch") else ffn
    path = os.path.join(work, os.path.basename(spec["config"]))
    with open(path, "w", encoding="utf-8") as f:
        json.dump(config, f)
    argv = ["--model", path, "--model-norm", spec.get("norm", "gain_only_lp_layer_norm"), "--attn-name", "torch_attn",
            "--positional-embedding-type", spec.get("positional_embedding_type", "rotary")]
    if spec.get("qk_norm"):
        argv.append("--qk-norm")
    model = create_model(parse_args(argv))
    model.load_state_dict(load_state_dict(spec["checkpoint"]))
    return model.eval(), config


def bottom_right_causal_attention(queries, keys, values, is_causal=True, attention_mask=None):
    """open_lm's attention call (its layout: [batch, seq, heads, head_dim]) for any past length: query i is
    position k − q + i and sees keys ≤ it. open_lm's torch_attn picks one of three masks by comparing the
    shapes in Python, which tracing would freeze at the example's shapes; this mask is built from them."""
    import math

    import torch

    if attention_mask is not None:
        raise ValueError("the with-past export takes no attention_mask")
    q, k = queries.shape[1], keys.shape[1]
    allowed = torch.arange(k, device=queries.device)[None, :] <= torch.arange(q, device=queries.device)[:, None] + (k - q)
    scores = queries.transpose(1, 2) @ keys.permute(0, 2, 3, 1) / math.sqrt(queries.shape[-1])
    scores = scores.masked_fill(~allowed, float("-inf"))
    return (scores.softmax(dim=-1) @ values.transpose(1, 2)).transpose(1, 2).contiguous()


def open_lm_with_past(model):
    """open_lm's Transformer as docs/contracts.md's with-past graph with `positions`: (input_ids, positions,
    past_key_values.{i}.key/.value [b, heads, p, head_dim]) → (logits [n, vocab] at the flat positions,
    present.{i}.key/.value [b, heads, p + t, head_dim]). open_lm's own layers with their own cache
    (use_cache: keys/values concatenated after the rotary offset by the past length); open_lm keeps them as
    [b, seq, heads, head_dim], transposed at the boundary. Forward is open_lm's Transformer.forward with the
    final norm and output head run on the gathered positions only."""
    import torch

    class WithPast(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def hidden(self, input_ids, past):
            m = self.model
            saved = [layer.attention.attn_fn for layer in m.layers]
            try:
                for layer in m.layers:
                    layer.attention.attn_fn = bottom_right_causal_attention
                x = m.post_embed_norm(m.tok_embeddings(input_ids))
                present = []
                for i, layer in enumerate(m.layers):
                    x, kv = layer(x, [past[2 * i].transpose(1, 2), past[2 * i + 1].transpose(1, 2)], use_cache=True)
                    present.extend([kv[0].transpose(1, 2), kv[1].transpose(1, 2)])
            finally:
                for layer, fn in zip(m.layers, saved):
                    layer.attention.attn_fn = fn
            return x, present

        def forward(self, input_ids, positions, *past):
            x, present = self.hidden(input_ids, past)
            x = x.reshape(-1, x.shape[-1]).index_select(0, positions)
            return (self.model.output(self.model.norm(x)).float(), *present)

    return WithPast()


def folder_bytes(folder):
    return sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))


def lm_graph_files(plain, past, folder, threshold):
    """Moves the LM's two graphs (traced into the folders `plain` and `past`) into `folder`; returns model.json's
    `onnx_external_data`. Both graphs carry every weight, so when together they are over `threshold` bytes
    they share one external-data file (shared_weights.py: each weight once) — a model that would need
    external data at all is never written twice, and the 2 GiB protobuf limit is never reached. At or
    under it (at most `threshold` bytes held twice), each graph stays one self-contained file."""
    from .shared_weights import SHARED_WEIGHTS, write_shared

    # torch writes a graph over 2 GB as many external files of its own: those are shared too, whatever the threshold
    if folder_bytes(plain) + folder_bytes(past) > threshold or len(os.listdir(plain)) + len(os.listdir(past)) > 2:
        written = write_shared([os.path.join(plain, "model.onnx"), os.path.join(past, "model_with_past.onnx")], folder)
        print("shared weights: %s holds %d bytes for the %d bytes of tensors in %s" % (SHARED_WEIGHTS, written["bytes"], written["tensor_bytes"], ", ".join(written["graphs"])), flush=True)
        return {graph: SHARED_WEIGHTS for graph in written["graphs"]}
    for work in (plain, past):
        for f in os.listdir(work):
            os.replace(os.path.join(work, f), os.path.join(folder, f))
    return {}


def export_lm(spec, folder):
    import torch

    from . import onnx_export

    work = tempfile.mkdtemp(prefix="dcbench-lm-config-")
    try:
        model, config = lm_model(spec, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    class Logits(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids):
            return self.model(input_ids)[0]

    seq_len, vocab = int(config["seq_len"]), int(config["vocab_size"])
    # traced at the full context: every length up to it then works (model-checks run batch 2 on it)
    example = torch.randint(0, vocab, (1, seq_len), generator=torch.Generator().manual_seed(0))
    threshold = spec.get("external_data_bytes", DEFAULT_EXTERNAL_DATA_BYTES)
    layers, heads = int(config["n_layers"]), int(config["n_heads"])
    work = tempfile.mkdtemp(dir=folder, prefix=".graphs-")
    try:
        plain, past = os.path.join(work, "plain"), os.path.join(work, "past")
        os.makedirs(plain)
        os.makedirs(past)
        graphs = {"model.onnx": sample_outputs(onnx_export.export_onnx(
            Logits(), example, os.path.join(plain, "model.onnx"), "input_ids", "logits", {0: "batch", 1: "seq"}))}
        # the with-past graph with `positions` (docs/contracts.md): bench eval computes shared prefixes once and
        # the vocabulary head only where it scores; the exporter checks it against Logits on whole sequences
        graphs["model_with_past.onnx"], with_past = onnx_export.export_lm_with_past(
            Logits(), layers, heads, int(config["hidden_dim"]) // heads, vocab, os.path.join(past, "model_with_past.onnx"), wrap=lambda logits: open_lm_with_past(logits.model))
        sample_outputs(graphs["model_with_past.onnx"])
        data_files = lm_graph_files(plain, past, folder, threshold)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    shutil.copyfile(spec["tokenizer"], os.path.join(folder, "tokenizer.json"))
    meta = {
        "kind": "lm", "model": os.path.splitext(os.path.basename(spec["config"]))[0], "vocab_size": vocab, "seq_len": seq_len,
        "eot_token_id": int(spec.get("eot_token_id", 0)), "pad_token_id": spec.get("pad_token_id"),
        "tokenizer": "tokenizer.json", "onnx": {"model": "model.onnx", "with_past": with_past},
    }
    return meta, graphs, data_files


def export(spec):
    """Writes the model folder `spec["out"]` (built beside it, then renamed); returns its file names."""
    import torch

    if spec.get("threads"):
        torch.set_num_threads(int(spec["threads"]))
    out = spec["out"].rstrip("/")
    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    meta, graphs, data_files = (export_clip if spec["kind"] == "clip" else export_lm)(spec, tmp)
    with open(os.path.join(tmp, "reference.json"), "w", encoding="utf-8") as f:
        json.dump({"format": "dcbench.onnx-reference/1", "tolerance": spec.get("tolerance", 1e-4), "graphs": graphs}, f)
    meta["reference"] = "reference.json"
    if data_files:
        meta["onnx_external_data"] = data_files
    provenance = dict(spec.get("model_json", {}).pop("provenance", {}) or {})
    provenance["checkpoint_sha256"] = sha256_file(spec["checkpoint"])
    meta.update(spec.get("model_json", {}))
    meta["provenance"] = provenance
    with open(os.path.join(tmp, "model.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)
    return sorted(os.listdir(out))


def latest_checkpoint(folder):
    """The checkpoint a finished upstream run ends with: open_clip's epoch_latest.pt, else the highest epoch_N.pt."""
    latest = os.path.join(folder, "epoch_latest.pt")
    if os.path.exists(latest):
        return latest
    numbered = glob.glob(os.path.join(folder, "epoch_*.pt"))
    numbered = [p for p in numbered if os.path.basename(p)[6:-3].isdigit()]
    if not numbered:
        raise FileNotFoundError("%s: no epoch_*.pt checkpoint" % folder)
    return max(numbered, key=lambda p: int(os.path.basename(p)[6:-3]))
