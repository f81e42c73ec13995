"""python3 -m dcbench_official {train|export|parse} … (see __init__.py)."""

import json
import os
import sys

from . import logs, train


def usage(message):
    sys.stderr.write("dcbench_official: %s\nusage: python3 -m dcbench_official train {clip|lm} -- ARGS | export --spec FILE | parse {clip|lm} -- ARGS\n" % message)
    return 2


def split(argv):
    """`KIND -- ARGS` → (kind, args)."""
    if len(argv) < 2 or argv[0] not in train.MODULES or argv[1] != "--":
        return None, None
    return argv[0], argv[2:]


def read_json(path, default=None):
    if not os.path.exists(path):
        return default
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def run_spec(kind, args, doc):
    """The export spec of a finished dcbench run: its upstream arguments, recipe.json and data folder."""
    from .export import latest_checkpoint

    logs_dir = logs.arg_value(args, "--logs", "./logs")
    name = logs.arg_value(args, "--name")
    checkpoint = latest_checkpoint(os.path.join(logs_dir, name, "checkpoints"))
    model_json = {
        "benchmark": doc["benchmark"], "scale": doc["scale"], "recipe_hash": doc["recipe_hash"],
        "provenance": {"source": "dcbench-run", "checkpoint": os.path.relpath(checkpoint, train.OUT)},
    }
    if doc.get("smoke"):
        model_json["smoke"] = True
    spec = {"kind": kind, "checkpoint": checkpoint, "out": os.path.join(train.OUT, "model"), "model_json": model_json,
            "threads": train.env_int("DCBENCH_THREADS", 0)}
    if kind == "clip":
        transform = doc["recipe"].get("train_transform", {})
        spec["arch"] = logs.arg_value(args, "--model")
        spec["preprocess"] = {"mean": transform.get("image_mean"), "std": transform.get("image_std")}
        spec["preprocess"] = {k: v for k, v in spec["preprocess"].items() if v is not None}
    else:
        info = read_json(os.path.join(train.DATA, "tokenized.json"), {})
        spec.update({
            "config": logs.arg_value(args, "--model"),
            "norm": logs.arg_value(args, "--model-norm", "default_layer_norm"),
            "qk_norm": "--qk-norm" in args,
            "ffn_type": logs.arg_value(args, "--ffn-type", "swiglu"),
            "positional_embedding_type": logs.arg_value(args, "--positional-embedding-type", "rotary"),
            "tokenizer": os.path.join(train.DATA, "tokenizer.json"),
            "eot_token_id": info.get("eot_token_id", doc["recipe"].get("eot_token_id", 0)),
            "pad_token_id": info.get("pad_token_id"),
        })
    return spec


def export_run(kind, args, doc):
    from .export import export

    return export(run_spec(kind, args, doc))


def parse(kind, args):
    """Only the upstream parser: prints the parsed namespace as JSON (exit 2 with argparse's message when refused)."""
    if kind == "clip":
        from training.params import parse_args
    else:
        from open_lm.params import parse_args
    parsed = parse_args(args)
    print(json.dumps({k: v for k, v in sorted(vars(parsed).items())}, default=str))
    return 0


def main(argv):
    if not argv:
        return usage("no command")
    command, rest = argv[0], argv[1:]
    if command == "export":
        if len(rest) != 2 or rest[0] != "--spec":
            return usage("export takes --spec FILE")
        from .export import export

        try:
            files = export(read_json(rest[1]))
        except (FileNotFoundError, ValueError, KeyError) as error:
            train.emit("error", message="%s: %s" % (type(error).__name__, str(error).splitlines()[0] if str(error) else ""))
            return 2
        except RuntimeError as error:
            # load_state_dict's "Error(s) in loading state_dict": the checkpoint is not of this architecture
            text = str(error)
            if "state_dict" not in text:
                raise
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            train.emit("error", message="the checkpoint does not fit the architecture: " + "; ".join(lines[:3])[:600])
            return 2
        print(json.dumps({"files": files}))
        return 0
    kind, args = split(rest)
    if kind is None:
        return usage("expected {clip|lm} -- ARGS after %s" % command)
    if command == "train":
        return train.main(kind, args, export_run)
    if command == "parse":
        return parse(kind, args)
    return usage("unknown command %s" % command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
