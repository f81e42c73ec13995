"""The tiny CLIP trainer: DataComp training shards in, the recipe's numbers, model/ out."""

import io
import math
import os
import random
import shutil

import numpy as np
import torch
from PIL import Image

from . import common
from .clip_model import Clip, clamp_logit_scale, count_params, param_groups
from .clip_tokenizer import CONTEXT_LENGTH, VOCAB_NAME, ClipTokenizer
from .export import export_onnx
from .webdataset import list_tar_shards, resampled_shards, shuffle, tar_samples

IMAGE_EXTS = ("jpg", "png", "jpeg", "webp")


def random_resized_crop_params(width, height, scale, ratio, rng):
    """torchvision RandomResizedCrop.get_params with a Python rng: (left, top, w, h)."""
    area = width * height
    log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(10):
        target_area = area * rng.uniform(scale[0], scale[1])
        aspect = math.exp(rng.uniform(*log_ratio))
        w = int(round(math.sqrt(target_area * aspect)))
        h = int(round(math.sqrt(target_area / aspect)))
        if 0 < w <= width and 0 < h <= height:
            top = rng.randint(0, height - h)
            left = rng.randint(0, width - w)
            return left, top, w, h
    in_ratio = width / height
    if in_ratio < min(ratio):
        w, h = width, int(round(width / min(ratio)))
    elif in_ratio > max(ratio):
        w, h = int(round(height * max(ratio))), height
    else:
        w, h = width, height
    return (width - w) // 2, (height - h) // 2, w, h


class ClipTask(common.Task):
    count_key = "samples"

    def __init__(self, env, doc):
        r = doc["recipe"]
        d = doc["derived"]
        self.env = env
        self.doc = doc
        self.cfg = common.need(r, "model_config", "recipe")
        for key in ("embed_dim", "image_size", "patch_size", "vision_width", "vision_layers", "vision_heads", "text_width", "text_layers", "text_heads", "context_length", "vocab_size"):
            common.need(self.cfg, key, "recipe.model_config")
        if self.cfg["context_length"] != CONTEXT_LENGTH:
            raise common.UsageError("recipe.json: model_config.context_length %r; the CLIP tokenizer uses %d" % (self.cfg["context_length"], CONTEXT_LENGTH))
        self.seed = int(common.need(r, "seed", "recipe"))
        self.batch_size = int(common.need(r, "batch_size", "recipe"))
        self.base_lr = float(common.need(r, "lr", "recipe"))
        self.warmup = int(common.need(r, "warmup", "recipe"))
        self.steps_total = int(common.need(d, "steps", "derived"))
        self.steps_per_epoch = int(common.need(d, "steps_per_checkpoint", "derived"))
        self.count_per_step = self.batch_size
        self.grad_clip = r.get("grad_clip_norm")
        self.logit_scale_max = float(common.need(r, "logit_scale_max", "recipe"))
        transform = common.need(r, "train_transform", "recipe")
        self.crop_scale = tuple(transform["random_resized_crop_scale"])
        if transform.get("interpolation", "bicubic") != "bicubic":
            raise common.UsageError("recipe.json: train_transform.interpolation %r; the tiny trainer implements bicubic" % transform.get("interpolation"))
        self.mean = np.array(transform["image_mean"], dtype=np.float32).reshape(1, 1, 3)
        self.std = np.array(transform["image_std"], dtype=np.float32).reshape(1, 1, 3)
        self.bufsize = int(r.get("shuffle_buffer", 5000))
        self.initial = int(r.get("shuffle_initial", 1000))

        self.shards = list_tar_shards(env.data) if os.path.isdir(env.data) else []
        if not self.shards:
            raise common.UsageError("%s: no .tar training shards (run bench reshard first)" % env.data)
        self.tokenizer = ClipTokenizer()
        self.text_cache = {}

        torch.manual_seed(self.seed)
        self.device = torch.device(env.device)
        self.model = Clip(self.cfg, float(common.need(r, "logit_scale_init", "recipe"))).to(self.device)
        self.optimizer = torch.optim.AdamW(
            param_groups(self.model, float(common.need(r, "wd", "recipe"))),
            lr=self.base_lr,
            betas=(float(common.need(r, "beta1", "recipe")), float(common.need(r, "beta2", "recipe"))),
            eps=float(common.need(r, "eps", "recipe")),
        )
        common.log("tiny CLIP: %d parameters, %d shards, batch %d, %d steps (%d per pseudo-epoch)" % (count_params(self.model), len(self.shards), self.batch_size, self.steps_total, self.steps_per_epoch))

    # -------------------------------------------------------------------------------------- data

    def _samples(self, epoch):
        """Raw samples of a pseudo-epoch: resampled shards, then the shuffle buffer (seeded by seed and
        epoch, so the stream is a pure function of them)."""
        shard_rng = random.Random("%d:%d:shards" % (self.seed, epoch))
        shuffle_rng = random.Random("%d:%d:shuffle" % (self.seed, epoch))

        def usable():
            empty_draws = 0
            for shard in resampled_shards(self.shards, shard_rng):
                found = False
                try:
                    for sample in tar_samples(shard):
                        if "txt" in sample and any(e in sample for e in IMAGE_EXTS):
                            found = True
                            yield sample
                except (OSError, EOFError) as error:
                    common.log("skipping unreadable shard %s (%s)" % (shard, error))
                empty_draws = 0 if found else empty_draws + 1
                if empty_draws > 4 * len(self.shards) + 16:
                    raise common.UsageError("%s: no shard holds a sample with txt and jpg/png/jpeg/webp" % self.env.data)

        return shuffle(usable(), self.bufsize, self.initial, shuffle_rng)

    def _tokens(self, caption):
        ids = self.text_cache.get(caption)
        if ids is None:
            ids = self.tokenizer.tokenize([caption])[0]
            if len(self.text_cache) < 200_000:
                self.text_cache[caption] = ids
        return ids

    def _image(self, sample, rng):
        data = next(sample[e] for e in IMAGE_EXTS if e in sample)
        with Image.open(io.BytesIO(data)) as img:
            img = img.convert("RGB")
            left, top, w, h = random_resized_crop_params(img.width, img.height, self.crop_scale, (3 / 4, 4 / 3), rng)
            size = self.cfg["image_size"]
            img = img.resize((size, size), Image.BICUBIC, box=(left, top, left + w, top + h))
        arr = np.asarray(img, dtype=np.float32) / 255.0
        return ((arr - self.mean) / self.std).transpose(2, 0, 1)

    def batches(self, epoch, skip):
        samples = self._samples(epoch)
        index = 0
        while True:
            chunk = [next(samples) for _ in range(self.batch_size)]
            if index < skip:
                index += 1
                continue
            rng = random.Random("%d:%d:%d:augment" % (self.seed, epoch, index))
            images = np.stack([self._image(s, rng) for s in chunk])
            texts = [self._tokens(s["txt"].decode("utf-8", errors="replace")) for s in chunk]
            index += 1
            # Under the causal mask the features at EOT depend only on the tokens up to it: cutting the
            # all-padding tail of the batch gives the same loss as the full 77 for a fraction of the work.
            width = max(row.index(self.tokenizer.eot) for row in texts) + 1
            texts = [row[:width] for row in texts]
            yield torch.from_numpy(images).to(self.device), torch.tensor(texts, dtype=torch.long, device=self.device)

    # ---------------------------------------------------------------------------------- training

    def lr_at(self, step):
        return common.cosine_lr(step, self.base_lr, self.warmup, self.steps_total)

    def train_step(self, batch, lr):
        images, texts = batch
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.model.train()
        self.optimizer.zero_grad(set_to_none=True)
        dist = common.DIST
        if dist.enabled:
            # open_clip's ClipLoss over processes: every rank scores the whole global batch with its own
            # slice's features (the others' gathered without gradient), so each tower gradient is this
            # slice's share of the one-process gradient: the ranks' shares add up. logit_scale's gradient
            # is whole on every rank: it is averaged instead.
            loss = self.model.loss_of_slice(dist.slice(images), dist.slice(texts), dist)
            loss.backward()
            scale = self.model.logit_scale
            scale.grad.div_(dist.world)
            dist.sum_grads(list(self.model.parameters()))
        else:
            loss = self.model.loss(images, texts)
            loss.backward()
        if self.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), float(self.grad_clip))
        self.optimizer.step()
        clamp_logit_scale(self.model, self.logit_scale_max)
        return float(loss.item()), {"logit_scale": round(float(self.model.logit_scale.exp().item()), 4)}

    # ------------------------------------------------------------------------------------ export

    def export(self, model_dir):
        model = self.model.to("cpu").eval()
        size = self.cfg["image_size"]
        gen = torch.Generator().manual_seed(1234)
        images = torch.randn(2, 3, size, size, generator=gen)
        texts = torch.tensor(self.tokenizer.tokenize(["a red circle on the left", "a photo of a blue square"]), dtype=torch.long)
        checks = [
            export_onnx(model.visual, images, os.path.join(model_dir, "image_encoder.onnx"), "image", "image_features", {0: "batch"}),
            export_onnx(model.text, texts, os.path.join(model_dir, "text_encoder.onnx"), "text", "text_features", {0: "batch"}),
        ]
        self.model.to(self.device)
        shutil.copyfile(self.tokenizer.vocab_path, os.path.join(model_dir, VOCAB_NAME))
        common.write_json_atomic(os.path.join(model_dir, "reference.json"), {"format": "dcbench.onnx-reference/1", "tolerance": 1e-4, "graphs": {"image_encoder.onnx": checks[0], "text_encoder.onnx": checks[1]}})
        meta = {
            "kind": "clip",
            "benchmark": self.doc["benchmark"],
            "scale": self.doc["scale"],
            "model": self.doc["recipe"].get("model", "tiny-vit"),
            "embed_dim": self.cfg["embed_dim"],
            "image_size": size,
            "context_length": CONTEXT_LENGTH,
            "vocab_size": self.cfg["vocab_size"],
            "logit_scale": float(model.logit_scale.exp().item()),
            "onnx": {"image": "image_encoder.onnx", "text": "text_encoder.onnx"},
            "tokenizer": {"type": "clip-bpe", "file": VOCAB_NAME},
            "preprocess": {
                "resize": "shortest-side",
                "interpolation": "bicubic",
                "crop": "center",
                "image_size": size,
                "mean": [float(x) for x in self.mean.reshape(3)],
                "std": [float(x) for x in self.std.reshape(3)],
            },
            "reference": "reference.json",
            "recipe_hash": self.doc["recipe_hash"],
        }
        common.write_json_atomic(os.path.join(model_dir, "model.json"), meta)
        return ["model.json", "image_encoder.onnx", "text_encoder.onnx", VOCAB_NAME, "reference.json"]


