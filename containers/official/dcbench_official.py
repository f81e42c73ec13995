"""The contract side of the official GPU images (docs/containers.md): runs upstream training (open_clip
v2.16.1 `training.main` or open_lm 0.0.34 `open_lm.main`) with the argument list the harness built
(src/runner/official/clip-args.ts, lm-args.ts), turns upstream's `Train Epoch:` log lines into
metrics.jsonl and `@dcbench ` events, forwards SIGTERM, and after a finished run exports model/ to ONNX
and writes final.json.

Usage inside the image:  python3 /opt/dcbench/dcbench_official.py {clip|lm} -- <upstream args…>
Multi-GPU: the harness sets DCBENCH_GPUS; the script starts torchrun with one process per GPU.

Not run in dcbench's CI (no GPU, no registry); the log-line formats below are open_clip 2.16.1's
`train_one_epoch` and open_lm 0.0.34's `train_one_epoch` [unverified against a live run].
"""

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time

OUT = os.environ.get("DCBENCH_OUT", "/out")
RECIPE = os.environ.get("DCBENCH_RECIPE", os.path.join(OUT, "recipe.json"))
GPUS = int(os.environ.get("DCBENCH_GPUS", "1") or 1)
MAX_STEPS = os.environ.get("DCBENCH_MAX_STEPS")

TRAIN_LINE = re.compile(r"Train Epoch: (\d+) \[\s*(\d+)/(\d+)")
LR_RE = re.compile(r"LR: ([0-9.eE+-]+)")
LOSS_RE = re.compile(r"(?:Contrastive_loss|Loss): ([0-9.eE+-]+)")
RATE_RE = re.compile(r"([0-9.eE+-]+)/s,")


def emit(event, **fields):
    sys.stdout.write("@dcbench " + json.dumps({"event": event, **fields}, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def write_json_atomic(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def arg_value(args, flag, default=None):
    return args[args.index(flag) + 1] if flag in args else default


def last_metrics_step(path):
    step = 0
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    step = max(step, int(json.loads(line)["step"]))
                except (ValueError, KeyError):
                    pass
    return step


def train(kind, upstream_args, doc):
    derived = doc["derived"]
    recipe = doc["recipe"]
    steps_total = int(derived["steps"])
    if kind == "clip":
        batch = int(recipe["batch_size"])
        steps_per_epoch = int(derived["steps_per_checkpoint"])
        module = ["-m", "training.main"]
        count_key = "samples"
    else:
        batch = int(recipe["global_batch_size"])
        steps_per_epoch = -(-steps_total // int(recipe["num_checkpoints"]))
        module = ["-m", "open_lm.main"]
        count_key = "tokens"
    per_step = batch if kind == "clip" else batch * int(recipe["model_config"]["seq_len"])
    cmd = [sys.executable, *module, *upstream_args] if GPUS <= 1 else ["torchrun", f"--nproc_per_node={GPUS}", *module, *upstream_args]

    metrics_path = os.path.join(OUT, "metrics.jsonl")
    resumed = last_metrics_step(metrics_path)
    emit("start", steps_total=steps_total, resumed_from_step=resumed, device="cuda", threads=int(os.environ.get("DCBENCH_THREADS", "0") or 0))
    started = time.time()
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    stopping = {"signal": None}

    def forward(signum, _frame):
        stopping["signal"] = signum
        child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    last = resumed
    last_loss = None
    with open(metrics_path, "a", encoding="utf-8") as metrics:
        for line in child.stdout:
            sys.stdout.write(line)
            m = TRAIN_LINE.search(line)
            if not m:
                continue
            epoch, seen, _ = int(m.group(1)), int(m.group(2)), int(m.group(3))
            # open_clip counts samples, open_lm sequences, within the pseudo-epoch [unverified for open_lm]
            step = epoch * steps_per_epoch + max(1, math.ceil(seen / batch))
            if step <= last:
                continue
            last = step
            loss = LOSS_RE.search(line)
            lr = LR_RE.search(line)
            rate = RATE_RE.search(line)
            last_loss = float(loss.group(1)) if loss else last_loss
            row = {
                "step": step,
                "steps_total": steps_total,
                "epoch": epoch,
                count_key + "_seen": step * per_step,
                "loss": last_loss,
                "lr": float(lr.group(1)) if lr else None,
                count_key + "_per_second": float(rate.group(1)) * (1 if kind == "clip" else int(recipe["model_config"]["seq_len"])) if rate else None,
                "elapsed_seconds": round(time.time() - started, 3),
            }
            metrics.write(json.dumps(row) + "\n")
            metrics.flush()
            emit("step", **row)
            if MAX_STEPS and step >= int(MAX_STEPS):
                child.send_signal(signal.SIGTERM)
    code = child.wait()
    if stopping["signal"] is not None:
        return 128 + stopping["signal"], last, last_loss, time.time() - started
    if code != 0 and not (MAX_STEPS and last >= int(MAX_STEPS)):
        emit("error", message="upstream training exited with status %d (see logs/train.log)" % code)
        return code or 1, last, last_loss, time.time() - started
    return 0, last, last_loss, time.time() - started


def latest_checkpoint(root):
    """The newest upstream checkpoint under /out/checkpoints/<name>/checkpoints/."""
    best = None
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            if f.endswith(".pt") and (f.startswith("epoch_") or f.startswith("checkpoint")):
                path = os.path.join(dirpath, f)
                if best is None or os.path.getmtime(path) > os.path.getmtime(best):
                    best = path
    return best


def strip_prefix(state_dict):
    return {k[len("module."):] if k.startswith("module.") else k: v for k, v in state_dict.items()}


def export_clip(doc, upstream_args, model_dir):
    import open_clip
    import torch

    name = arg_value(upstream_args, "--model")
    model, _, _ = open_clip.create_model_and_transforms(name, pretrained=None)
    ckpt = torch.load(latest_checkpoint(os.path.join(OUT, "checkpoints")), map_location="cpu")
    model.load_state_dict(strip_prefix(ckpt["state_dict"]))
    model.eval()

    class Image(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, image):
            return self.m.encode_image(image)

    class Text(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, text):
            return self.m.encode_text(text)

    size = model.visual.image_size[0] if isinstance(model.visual.image_size, (tuple, list)) else model.visual.image_size
    # torch 1.13: export with autograd enabled (under no_grad the attention export fails)
    torch.onnx.export(Image(model), (torch.randn(2, 3, size, size),), os.path.join(model_dir, "image_encoder.onnx"), input_names=["image"], output_names=["image_features"], dynamic_axes={"image": {0: "batch"}, "image_features": {0: "batch"}}, opset_version=14)
    torch.onnx.export(Text(model), (open_clip.tokenize(["a photo", "a diagram"]),), os.path.join(model_dir, "text_encoder.onnx"), input_names=["text"], output_names=["text_features"], dynamic_axes={"text": {0: "batch"}, "text_features": {0: "batch"}}, opset_version=14)
    vocab = os.path.join(os.path.dirname(open_clip.__file__), "bpe_simple_vocab_16e6.txt.gz")
    shutil.copyfile(vocab, os.path.join(model_dir, "bpe_simple_vocab_16e6.txt.gz"))
    cfg = doc["recipe"]["model_config"]
    transform = doc["recipe"]["train_transform"]
    write_json_atomic(os.path.join(model_dir, "model.json"), {
        "kind": "clip", "benchmark": doc["benchmark"], "scale": doc["scale"], "model": name,
        "embed_dim": cfg["embed_dim"], "image_size": size, "context_length": 77, "vocab_size": 49408,
        "logit_scale": float(model.logit_scale.exp().item()),
        "onnx": {"image": "image_encoder.onnx", "text": "text_encoder.onnx"},
        "tokenizer": {"type": "clip-bpe", "file": "bpe_simple_vocab_16e6.txt.gz"},
        "preprocess": {"resize": "shortest-side", "interpolation": "bicubic", "crop": "center", "image_size": size, "mean": transform["image_mean"], "std": transform["image_std"]},
        "recipe_hash": doc["recipe_hash"],
    })
    return ["model.json", "image_encoder.onnx", "text_encoder.onnx", "bpe_simple_vocab_16e6.txt.gz"]


def export_lm(doc, upstream_args, model_dir):
    import torch
    from open_lm.model import create_model
    from open_lm.params import parse_args

    args = parse_args(upstream_args)
    model = create_model(args)
    ckpt = torch.load(latest_checkpoint(os.path.join(OUT, "checkpoints")), map_location="cpu")
    model.load_state_dict(strip_prefix(ckpt["state_dict"]))
    model.eval()

    class Logits(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids):
            return self.m(input_ids)[0]

    cfg = doc["recipe"]["model_config"]
    example = torch.randint(0, cfg["vocab_size"], (1, 16))
    # models above 2 GB are written with external data beside model.onnx
    torch.onnx.export(Logits(model), (example,), os.path.join(model_dir, "model.onnx"), input_names=["input_ids"], output_names=["logits"], dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"}}, opset_version=17)
    data_dir = os.environ.get("DCBENCH_DATA", "/data")
    shutil.copyfile(os.path.join(data_dir, "tokenizer.json"), os.path.join(model_dir, "tokenizer.json"))
    info_path = os.path.join(data_dir, "tokenized.json")
    info = json.load(open(info_path, encoding="utf-8")) if os.path.exists(info_path) else {}
    write_json_atomic(os.path.join(model_dir, "model.json"), {
        "kind": "lm", "benchmark": doc["benchmark"], "scale": doc["scale"], "model": doc["recipe"]["model"],
        "vocab_size": cfg["vocab_size"], "seq_len": cfg["seq_len"],
        "eot_token_id": info.get("eot_token_id", doc["recipe"]["eot_token_id"]), "pad_token_id": info.get("pad_token_id"),
        "tokenizer": "tokenizer.json", "onnx": {"model": "model.onnx"}, "recipe_hash": doc["recipe_hash"],
    })
    return sorted(f for f in os.listdir(model_dir))


def main():
    kind = sys.argv[1]
    upstream_args = sys.argv[sys.argv.index("--") + 1:]
    with open(RECIPE, encoding="utf-8") as f:
        doc = json.load(f)
    code, steps, loss, seconds = train(kind, upstream_args, doc)
    if code != 0:
        return code
    model_dir = os.path.join(OUT, "model")
    tmp = model_dir + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    files = (export_clip if kind == "clip" else export_lm)(doc, upstream_args, tmp)
    shutil.rmtree(model_dir, ignore_errors=True)
    os.replace(tmp, model_dir)
    emit("export", files=["model/" + f for f in files])
    steps_total = int(doc["derived"]["steps"])
    final_path = os.path.join(OUT, "final.json")
    previous = json.load(open(final_path, encoding="utf-8")) if os.path.exists(final_path) else {}
    count_key = "samples_seen" if kind == "clip" else "tokens_seen"
    per_step = int(doc["recipe"]["batch_size"]) if kind == "clip" else int(doc["recipe"]["global_batch_size"]) * int(doc["recipe"]["model_config"]["seq_len"])
    final = {
        "format": "dcbench.final/1", "benchmark": doc["benchmark"], "scale": doc["scale"], "recipe_hash": doc["recipe_hash"],
        "complete": steps >= steps_total, "steps": steps, "steps_total": steps_total, count_key: steps * per_step,
        "final_loss": loss, "train_seconds": round(previous.get("train_seconds", 0) + seconds, 3), "attempts": previous.get("attempts", 0) + 1,
    }
    write_json_atomic(final_path, final)
    emit("done", **final)
    return 0


if __name__ == "__main__":
    sys.exit(main())
