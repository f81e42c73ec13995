"""The tiny GPT trainer: DCLM training shards (manifest.jsonl + tars of json.gz token lists) in, the
recipe's numbers, model/ out."""

import gzip
import json
import os
import random
import shutil
import tarfile

import numpy as np
import torch

from . import common
from .export import export_lm_with_past, export_onnx
from .gpt_model import Gpt, lm_loss


def read_manifest(directory):
    path = os.path.join(directory, "manifest.jsonl")
    try:
        with open(path, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        raise common.UsageError("%s: not found; DCLM training data needs manifest.jsonl (run bench reshard first)" % path) from None
    except ValueError as error:
        raise common.UsageError("%s: not JSON lines (%s)" % (path, error)) from None
    if not rows or not all(isinstance(r, dict) and isinstance(r.get("shard"), str) and isinstance(r.get("num_sequences"), int) for r in rows):
        raise common.UsageError('%s: expected lines {"shard": "shard_00000000", "num_sequences": N}' % path)
    return rows


def load_sequences(directory, manifest, seq_len, vocab_size):
    """Every sequence of every shard as one int64 array [n, seq_len + 1], in manifest order."""
    sequences = []
    for row in manifest:
        path = os.path.join(directory, row["shard"] + ".tar")
        count = 0
        try:
            with tarfile.open(path, "r") as tar:
                for member in tar:
                    if not member.isfile() or not member.name.endswith(".json.gz"):
                        continue
                    ids = json.loads(gzip.decompress(tar.extractfile(member).read()))
                    if not isinstance(ids, list) or len(ids) != seq_len + 1:
                        raise common.UsageError("%s: %s holds %s tokens; the recipe's seq_len + 1 is %d" % (path, member.name, len(ids) if isinstance(ids, list) else "no list of", seq_len + 1))
                    sequences.append(ids)
                    count += 1
        except (OSError, EOFError, ValueError, tarfile.TarError) as error:
            raise common.UsageError("%s: unreadable training shard (%s)" % (path, str(error).splitlines()[0])) from None
        if count != row["num_sequences"]:
            raise common.UsageError("%s: %d sequences, manifest.jsonl says %d" % (path, count, row["num_sequences"]))
    data = np.asarray(sequences, dtype=np.int64).reshape(-1, seq_len + 1)
    if data.size and (data.min() < 0 or data.max() >= vocab_size):
        raise common.UsageError("%s: token id %d outside the model's vocabulary [0, %d)" % (directory, int(data.max() if data.max() >= vocab_size else data.min()), vocab_size))
    return data


class GptTask(common.Task):
    count_key = "tokens"

    def __init__(self, env, doc):
        r = doc["recipe"]
        d = doc["derived"]
        infra = doc.get("infra") or {}
        self.env = env
        self.doc = doc
        self.cfg = common.need(r, "model_config", "recipe")
        for key in ("hidden_dim", "n_layers", "n_heads", "seq_len", "vocab_size"):
            common.need(self.cfg, key, "recipe.model_config")
        self.seq_len = int(self.cfg["seq_len"])
        self.seed = int(common.need(r, "seed", "recipe"))
        self.batch_size = int(common.need(r, "global_batch_size", "recipe"))
        self.accum = max(1, int(infra.get("grad_accum") or 1))
        self.dist = common.DIST
        if self.batch_size % (self.accum * self.dist.world):
            raise common.UsageError("recipe.json: global batch %d does not split into %d processes × %d accumulation steps" % (self.batch_size, self.dist.world, self.accum))
        self.base_lr = float(common.need(r, "lr", "recipe"))
        self.min_lr = float(common.need(r, "cd", "recipe"))
        self.warmup = int(common.need(r, "warmup", "recipe"))
        self.z_loss = float(r.get("z_loss") or 0.0)
        self.grad_clip = r.get("grad_clip_norm")
        self.steps_total = int(common.need(d, "steps", "derived"))
        epochs = int(common.need(r, "num_checkpoints", "recipe"))
        self.steps_per_epoch = max(1, -(-self.steps_total // epochs))
        self.count_per_step = self.batch_size * self.seq_len

        self.tokenizer_file = os.path.join(env.data, "tokenizer.json")
        if not os.path.exists(self.tokenizer_file):
            raise common.UsageError("%s: not found; the DCLM training data carries the tokenizer that made it" % self.tokenizer_file)
        info_path = os.path.join(env.data, "tokenized.json")
        info = {}
        if os.path.exists(info_path):
            with open(info_path, encoding="utf-8") as f:
                info = json.load(f)
            if info.get("seq_len") not in (None, self.seq_len):
                raise common.UsageError("%s: seq_len %r; the recipe's is %d" % (info_path, info.get("seq_len"), self.seq_len))
        self.eot = int(info.get("eot_token_id", r.get("eot_token_id", 0)))
        self.pad = info.get("pad_token_id")
        if self.pad is None:
            with open(self.tokenizer_file, encoding="utf-8") as f:
                added = json.load(f).get("added_tokens") or []
            self.pad = next((t["id"] for t in added if t.get("content") == "<|padding|>"), None)

        manifest = read_manifest(env.data)
        self.data = load_sequences(env.data, manifest, self.seq_len, int(self.cfg["vocab_size"]))
        if len(self.data) == 0:
            raise common.UsageError("%s: the training shards hold no sequences" % env.data)

        torch.manual_seed(self.seed)
        self.device = torch.device(env.device)
        self.model = Gpt(self.cfg).to(self.device)
        # open_lm decays every parameter
        self.optimizer = torch.optim.AdamW(
            self.model.parameters(),
            lr=self.base_lr,
            betas=(float(common.need(r, "beta1", "recipe")), float(common.need(r, "beta2", "recipe"))),
            eps=float(r.get("eps", 1e-8)),
            weight_decay=float(common.need(r, "wd", "recipe")),
        )
        params = sum(p.numel() for p in self.model.parameters())
        common.log("tiny GPT: %d parameters, %d sequences of %d tokens, batch %d, %d steps (%d per pseudo-epoch)" % (params, len(self.data), self.seq_len + 1, self.batch_size, self.steps_total, self.steps_per_epoch))

    def _order(self, data_pass):
        """The sequence order of one pass over the data: a permutation seeded by (seed, pass)."""
        rng = random.Random("%d:%d:order" % (self.seed, data_pass))
        order = list(range(len(self.data)))
        rng.shuffle(order)
        return order

    def batches(self, epoch, skip):
        """Position p of the stream is sequence order(p // n)[p % n]: a pure function of (seed,
        position), so epochs and resumes continue the same stream."""
        n = len(self.data)
        position = (epoch * self.steps_per_epoch + skip) * self.batch_size
        cached = {}
        while True:
            rows = []
            for p in range(position, position + self.batch_size):
                data_pass = p // n
                if data_pass not in cached:
                    cached.clear()
                    cached[data_pass] = self._order(data_pass)
                rows.append(cached[data_pass][p % n])
            position += self.batch_size
            yield torch.from_numpy(self.data[rows]).to(self.device)

    def lr_at(self, step):
        return common.cosine_lr(step, self.base_lr, self.warmup, self.steps_total, self.min_lr)

    def train_step(self, batch, lr):
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.model.train()
        self.optimizer.zero_grad(set_to_none=True)
        total = 0.0
        # this rank's rows of the global batch; the mean of the ranks' gradients is the global batch's
        for micro in self.dist.slice(batch).chunk(self.accum):
            logits = self.model(micro[:, :-1])
            loss = lm_loss(logits, micro[:, 1:], self.z_loss) / self.accum
            loss.backward()
            total += float(loss.item())
        self.dist.sum_grads(list(self.model.parameters()), 1.0 / self.dist.world)
        total = self.dist.mean(total)
        if self.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), float(self.grad_clip))
        self.optimizer.step()
        return total, {}

    def export(self, model_dir):
        model = self.model.to("cpu").eval()
        gen = torch.Generator().manual_seed(1234)
        example = torch.randint(0, int(self.cfg["vocab_size"]), (2, 8), generator=gen)
        check = export_onnx(model, example, os.path.join(model_dir, "model.onnx"), "input_ids", "logits", {0: "batch", 1: "seq"})
        # the with-past graph (docs/contracts.md): bench eval computes shared prefixes once with it
        dim, heads = int(self.cfg["hidden_dim"]), int(self.cfg["n_heads"])
        past_check, with_past = export_lm_with_past(model, int(self.cfg["n_layers"]), heads, dim // heads, int(self.cfg["vocab_size"]), os.path.join(model_dir, "model_with_past.onnx"))
        self.model.to(self.device)
        shutil.copyfile(self.tokenizer_file, os.path.join(model_dir, "tokenizer.json"))
        graphs = {"model.onnx": check, "model_with_past.onnx": past_check}
        common.write_json_atomic(os.path.join(model_dir, "reference.json"), {"format": "dcbench.onnx-reference/1", "tolerance": 1e-4, "graphs": graphs})
        meta = {
            "kind": "lm",
            "benchmark": self.doc["benchmark"],
            "scale": self.doc["scale"],
            "model": self.doc["recipe"].get("model", "tiny-gpt"),
            "vocab_size": int(self.cfg["vocab_size"]),
            "seq_len": self.seq_len,
            "eot_token_id": self.eot,
            "pad_token_id": self.pad,
            "tokenizer": "tokenizer.json",
            "onnx": {"model": "model.onnx", "with_past": with_past},
            "reference": "reference.json",
            "recipe_hash": self.doc["recipe_hash"],
        }
        common.write_json_atomic(os.path.join(model_dir, "model.json"), meta)
        return ["model.json", "model.onnx", "model_with_past.onnx", "tokenizer.json", "reference.json"]
