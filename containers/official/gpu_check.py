"""The GPU check's runs (gpu-check.sh prepares the sources) [unverified: not run yet].

Both upstream trainers through the dcbench_official wrapper, on the GPU at the official precision, with
the smoke argument lists of `bench train --dry-run --smoke` (gpu-check-args.json, kept equal to them by
test/unit/runner/gpu-check-args.test.ts) except `--precision`; then each checkpoint exported and torch on
the GPU compared with onnxruntime (or, without the onnxruntime package, torch on the CPU).
"""

import argparse
import base64
import gzip
import io
import json
import os
import random
import subprocess
import sys
import tarfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def write_clip_data(folder, shards=2, per_shard=512):
    from PIL import Image

    os.makedirs(folder, exist_ok=True)
    rng = random.Random(0)
    words = ["red", "blue", "circle", "square", "photo", "dog", "cat", "tree", "car", "house"]
    for s in range(shards):
        with tarfile.open(os.path.join(folder, "%08d.tar" % s), "w") as tar:
            for i in range(per_shard):
                key = "%08d%04d" % (s, i)
                image = Image.new("RGB", (48, 48), tuple(rng.randrange(256) for _ in range(3)))
                buf = io.BytesIO()
                image.save(buf, format="JPEG")
                for ext, data in (("jpg", buf.getvalue()), ("txt", " ".join(rng.choice(words) for _ in range(5)).encode())):
                    info = tarfile.TarInfo("%s.%s" % (key, ext))
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))


def write_lm_data(folder, tokenizer, shards=6, per_shard=1024, length=2049):
    os.makedirs(folder, exist_ok=True)
    rng = random.Random(0)
    manifest = []
    for s in range(shards):
        name = "shard_%08d" % s
        with tarfile.open(os.path.join(folder, name + ".tar"), "w") as tar:
            for i in range(per_shard):
                data = gzip.compress(json.dumps([rng.randrange(50277) for _ in range(length)]).encode())
                info = tarfile.TarInfo("%04d%06d.json.gz" % (s, i))
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        manifest.append(json.dumps({"shard": name, "num_sequences": per_shard}))
    with open(os.path.join(folder, "manifest.jsonl"), "w") as f:
        f.write("\n".join(manifest) + "\n")
    with open(tokenizer, "rb") as src, open(os.path.join(folder, "tokenizer.json"), "wb") as dst:
        dst.write(src.read())
    with open(os.path.join(folder, "tokenized.json"), "w") as f:
        json.dump({"seq_len": length - 1, "eot_token_id": 0, "pad_token_id": 1}, f)


def run_wrapper(kind, plan, data, out, site):
    os.makedirs(os.path.join(out, "smoke"), exist_ok=True)
    for path, content in plan.get("files", {}).items():
        with open(os.path.join(out, path), "w") as f:
            f.write(content)
    with open(os.path.join(out, "recipe.json"), "w") as f:
        json.dump(plan["recipe"], f)
    args = list(plan["upstream_args"])
    if "--train-data" in args:  # the pattern of the two shards written here (the plan was made without data)
        args[args.index("--train-data") + 1] = "/data/{00000000..00000001}.tar"
    args = [a.replace("/data/", data + "/").replace("/out/", out + "/") for a in args]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(site, kind), site]), DCBENCH_GPUS="1", DCBENCH_DATA=data, DCBENCH_OUT=out, DCBENCH_RECIPE=os.path.join(out, "recipe.json"))
    started = time.time()
    result = subprocess.run([sys.executable, "-m", "dcbench_official", "train", kind, "--", *args], env=env, cwd=out, capture_output=True, text=True)
    events = [json.loads(line[9:]) for line in result.stdout.splitlines() if line.startswith("@dcbench ")]
    return {"exit_code": result.returncode, "seconds": round(time.time() - started, 1), "events": events, "stderr_tail": result.stderr[-2000:]}


def decode(array):
    import numpy as np

    data = np.frombuffer(base64.b64decode(array["base64"]), dtype="<f4" if array["dtype"] == "float32" else "<i8")
    return data if "indices" in array else data.reshape(array["shape"])


def compare_gpu(kind, model_dir, site):
    """torch on the GPU (fp32) vs onnxruntime on the reference inputs the export recorded."""
    import numpy as np
    import torch

    sys.path[:0] = [os.path.join(site, kind), site]
    from dcbench_official import export

    with open(os.path.join(model_dir, "reference.json")) as f:
        reference = json.load(f)
    with open(os.path.join(model_dir, "model.json")) as f:
        meta = json.load(f)
    checkpoint = os.path.join(model_dir, "..", meta["provenance"]["checkpoint"])
    result = {}
    try:
        import onnxruntime as ort
    except ImportError:
        ort = None
    with_past = (meta.get("onnx", {}).get("with_past") or {}).get("model")
    for graph, case in reference["graphs"].items():
        feeds = {name: decode(array) for name, array in case["inputs"].items()}
        # reference.json keeps the graph's input order (input_ids, then the with-past graph's positions and past)
        tensors = [torch.from_numpy(a.copy()).cuda() for a in feeds.values()]
        example = tensors[0]
        if graph == with_past:
            spec = {"config": os.path.join(os.path.dirname(checkpoint), "..", "..", "..", "smoke", "open_lm_smoke.json"), "checkpoint": checkpoint, "qk_norm": True, "norm": "gain_only_lp_layer_norm"}
            model, _ = export.lm_model(spec, "/tmp")
            with torch.no_grad():
                gpu = export.open_lm_with_past(model.cuda())(*tensors)[0].float().cpu().numpy()
        elif kind == "clip":
            import open_clip

            model = open_clip.create_model(meta["model"], precision="fp32", device="cuda")
            model.load_state_dict(export.load_state_dict(checkpoint))
            model.eval()
            with torch.no_grad():
                gpu = (model.encode_image(example) if graph.startswith("image") else model.encode_text(example)).float().cpu().numpy()
        else:
            spec = {"config": os.path.join(os.path.dirname(checkpoint), "..", "..", "..", "smoke", "open_lm_smoke.json"), "checkpoint": checkpoint, "qk_norm": True, "norm": "gain_only_lp_layer_norm"}
            model, _ = export.lm_model(spec, "/tmp")
            with torch.no_grad():
                gpu = model.cuda()(example)[0].float().cpu().numpy()
        if ort is not None:
            session = ort.InferenceSession(os.path.join(model_dir, graph), providers=["CPUExecutionProvider"])
            other = session.run(["logits" if graph == with_past else session.get_outputs()[0].name], feeds)[0]
            against = "onnxruntime %s" % ort.__version__
        else:
            other = decode(next(iter(case["outputs"].values())))
            against = "torch on CPU (reference.json; no onnxruntime package here)"
        if "indices" in next(iter(case["outputs"].values())):
            idx = np.frombuffer(base64.b64decode(next(iter(case["outputs"].values()))["indices"]), dtype="<i8")
            gpu = gpu.reshape(-1)[idx]
            other = other.reshape(-1)[idx] if other.size != idx.size else other
        result[graph] = {"max_abs_diff": float(np.abs(gpu.reshape(-1) - other.reshape(-1)).max()), "against": against}
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--tokenizer", required=True)
    options = parser.parse_args()
    import torch

    with open(os.path.join(HERE, "gpu-check-args.json")) as f:
        plans = json.load(f)
    report = {"torch": torch.__version__, "cuda": torch.version.cuda, "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}
    site = os.path.join(options.work, "site")
    write_clip_data(os.path.join(options.work, "clip-data"))
    write_lm_data(os.path.join(options.work, "lm-data"), options.tokenizer)
    for kind, precision in (("clip", "amp"), ("lm", "amp_bfloat16")):
        plan = plans[kind]
        args = plan["upstream_args"]
        args[args.index("--precision") + 1] = precision
        out = os.path.join(options.work, kind + "-run")
        run = run_wrapper(kind, plan, os.path.join(options.work, kind + "-data"), out, site)
        report[kind] = {"precision": precision, "run": {k: v for k, v in run.items() if k != "events"}, "steps": [e for e in run["events"] if e["event"] == "step"]}
        if run["exit_code"] == 0:
            report[kind]["gpu_vs_onnx"] = compare_gpu(kind, os.path.join(out, "model"), site)
        with open(os.path.join(options.out, "gpu-check.json"), "w") as f:
            json.dump(report, f, indent=2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
