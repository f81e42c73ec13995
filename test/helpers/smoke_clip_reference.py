"""PyTorch side of the smoke CLIP's per-example comparison (test/integration/official/smoke-clip-eval.test.ts).

Runs inside the official clip smoke image (open_clip 2.16.1, torch 1.13) with the smoke run folder
mounted at /out and the eval data at /data. Builds the smoke model with open_clip's own
create_model_and_transforms (the registered `dcbench-smoke-vit` config), loads the run's last
checkpoint strictly (DDP `module.` prefixes removed), and evaluates with open_clip's own validation
transform and tokenizer — not dcbench's — following, function by function:

  - zero-shot classification: CLIP_benchmark clip_benchmark/metrics/zeroshot_classification.py,
    zero_shot_classifier (per class: template.format(c=classname) for each template, encode_text,
    F.normalize, mean over templates, divided by its norm; stacked as columns) and run_classification
    (F.normalize(encode_image), logits = 100. * image_features @ classifier; accuracy() takes topk);
  - retrieval: clip_benchmark/metrics/zeroshot_retrieval.py, evaluate (F.normalize of both towers,
    texts_image_index, scores = texts_emb @ images_emb.t(), positive_pairs) and recall_at_k — per query
    the rank of the best positive (recall@k counts a query exactly when that rank is below k);
  - WinoGAViL: DataComp eval_utils/wino_eval.py (get_clip_prompt, text_features @ image_features.T per
    item, np.argsort(...)[-n_assoc:] with n_assoc the number of gold associations).

The data readers follow what DataComp feeds those functions: webdataset tars (a sample's key is the
member name up to the first dot of its base name; image from webp/png/jpg/jpeg, class from cls, the
retrieval captions from txt, str.splitlines) and the nlphuji WinoGAViL repo's CSV + image zip.

Input (stdin, JSON): {"checkpoint": PATH, "model": NAME, "tasks": [{"key", "kind": "classification" |
"retrieval" | "association", "dir", ...association: "table", "zip", "folder", "candidate_image",
"cue_column", "candidates_column", "associations_column"}]}. Output (stdout, JSON): per task key the
per-example results, with unrounded margins and, for ranks, the gap between the best positive's score and
the nearest negative's ("rank_gap"), so the caller can count near-ties.
"""
import csv
import io
import json
import os
import re
import sys
import tarfile
import zipfile

import numpy as np
import open_clip
import torch
import torch.nn.functional as F
from PIL import Image

BATCH = 64
IMAGE_EXTS = ["webp", "png", "jpg", "jpeg"]


def wds_samples(folder):
    """Samples of a webdataset eval folder (test/nshards.txt, test/<i>.tar) in file order."""
    nshards = int(open(os.path.join(folder, "test", "nshards.txt")).read().strip())
    for i in range(nshards):
        with tarfile.open(os.path.join(folder, "test", "%d.tar" % i)) as tar:
            current, members = None, {}
            for member in tar:
                if not member.isfile():
                    continue
                m = re.match(r"^((?:.*/|)[^./]+)\.([^/]*)$", member.name)
                if not m:
                    continue
                key, ext = m.group(1), m.group(2).lower()
                if key != current and current is not None:
                    yield current, members
                    members = {}
                current = key
                members[ext] = tar.extractfile(member).read()
            if current is not None:
                yield current, members


def open_image(data):
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def image_of(members):
    for ext in IMAGE_EXTS:
        if ext in members:
            return open_image(members[ext])
    raise ValueError("no image member among %s" % sorted(members))


def encode_images(model, preprocess, images):
    out = []
    for start in range(0, len(images), BATCH):
        batch = torch.stack([preprocess(img) for img in images[start:start + BATCH]])
        out.append(F.normalize(model.encode_image(batch), dim=-1))
    return torch.cat(out)


def encode_texts(model, texts):
    out = []
    for start in range(0, len(texts), BATCH):
        out.append(F.normalize(model.encode_text(open_clip.tokenize(texts[start:start + BATCH])), dim=-1))
    return torch.cat(out)


def zero_shot_classifier(model, classnames, templates):
    """CLIP_benchmark zero_shot_classifier."""
    weights = []
    for classname in classnames:
        texts = [template.format(c=classname) for template in templates]
        class_embeddings = model.encode_text(open_clip.tokenize(texts))
        class_embedding = F.normalize(class_embeddings, dim=-1).mean(dim=0)
        class_embedding /= class_embedding.norm()
        weights.append(class_embedding)
    return torch.stack(weights, dim=1)


def lines(path):
    return [line for line in open(path, encoding="utf-8").read().splitlines() if line.strip() != ""]


def classification(model, preprocess, task):
    folder = task["dir"]
    classnames = lines(os.path.join(folder, "classnames.txt"))
    templates = lines(os.path.join(folder, "zeroshot_classification_templates.txt"))
    classifier = zero_shot_classifier(model, classnames, templates)
    keys, labels, images = [], [], []
    for key, members in wds_samples(folder):
        keys.append(key)
        labels.append(int(members["cls"].decode("utf-8").strip()))
        images.append(image_of(members))
    results = []
    for start in range(0, len(images), BATCH):
        image_features = encode_images(model, preprocess, images[start:start + BATCH])
        logits = 100. * image_features @ classifier
        top = logits.topk(min(2, logits.shape[1]), 1, True, True)
        for j in range(logits.shape[0]):
            i = start + j
            values = top.values[j].tolist()
            results.append({"key": keys[i], "label": labels[i], "pred": int(top.indices[j, 0]), "margin": values[0] - values[1] if len(values) > 1 else None})
    return results


def rank_of(row, positive):
    """The 0-based rank of the best positive (ties: the lower index first), and its score's distance to
    the nearest negative's; recall_at_k counts the query at k exactly when the rank is below k."""
    index = torch.arange(row.shape[0])
    pos = torch.nonzero(positive).flatten()
    best = int(pos[torch.argmax(row[pos])])
    s = row[best]
    negative = ~positive
    rank = int(((row > s) & negative).sum() + ((row == s) & negative & (index < best)).sum())
    gap = float((row[negative] - s).abs().min()) if bool(negative.any()) else float("inf")
    return rank, gap


def retrieval(model, preprocess, task):
    keys, images, texts, texts_image_index = [], [], [], []
    for i, (key, members) in enumerate(wds_samples(task["dir"])):
        keys.append(key)
        images.append(image_of(members))
        for caption in members["txt"].decode("utf-8").splitlines():
            texts.append(caption)
            texts_image_index.append(i)
    images_emb = encode_images(model, preprocess, images)
    texts_emb = encode_texts(model, texts)
    scores = texts_emb @ images_emb.t()
    positive_pairs = torch.zeros_like(scores, dtype=bool)
    positive_pairs[torch.arange(len(scores)), texts_image_index] = True
    out = {"images": [], "texts": []}
    for t in range(scores.shape[0]):
        top = scores[t].topk(min(2, scores.shape[1]))
        rank, gap = rank_of(scores[t], positive_pairs[t])
        v = top.values.tolist()
        out["texts"].append({"image_rank": rank, "rank_gap": gap, "image_top1": int(top.indices[0]), "image_margin": v[0] - v[1] if len(v) > 1 else None})
    for i in range(scores.shape[1]):
        column = scores[:, i]
        top = column.topk(min(2, scores.shape[0]))
        rank, gap = rank_of(column, positive_pairs[:, i])
        v = top.values.tolist()
        out["images"].append({"key": keys[i], "text_rank": rank, "rank_gap": gap, "text_top1": int(top.indices[0]), "text_margin": v[0] - v[1] if len(v) > 1 else None})
    return out


def get_clip_prompt(item):
    """DataComp eval_utils/wino_eval.py."""
    item = item.lower()
    vowels = ["a", "e", "i", "o", "u"]
    if item[0] in vowels:
        clip_txt = f"An {item}"
    else:
        clip_txt = f"A {item}"
    return clip_txt


def association(model, preprocess, task):
    zf = zipfile.ZipFile(os.path.join(task["dir"], task["zip"]))
    rows = list(csv.DictReader(io.StringIO(open(os.path.join(task["dir"], task["table"]), encoding="utf-8").read())))
    results = []
    for row in rows:
        candidates = json.loads(row[task["candidates_column"]])
        associations = set(json.loads(row[task["associations_column"]]))
        images = [open_image(zf.read(task["folder"] + "/" + task["candidate_image"].replace("{}", c))) for c in candidates]
        y_true = np.array([c in associations for c in candidates])
        n_assoc = y_true.sum()
        image_features = F.normalize(model.encode_image(torch.stack([preprocess(img) for img in images])), dim=-1)
        text_features = F.normalize(model.encode_text(open_clip.tokenize([get_clip_prompt(row[task["cue_column"]])])), dim=-1)
        image_logits = (text_features @ image_features.T).squeeze(0).cpu().numpy()
        order = np.argsort(image_logits)
        topk_indices = order[-n_assoc:]
        cut = len(order) - n_assoc
        margin = float(image_logits[order[cut]] - image_logits[order[cut - 1]]) if 0 < cut < len(order) else None
        results.append({"chosen": sorted(int(i) for i in topk_indices), "gold": [i for i, g in enumerate(y_true) if g], "margin": margin})
    return results


def main():
    request = json.load(sys.stdin)
    model, _, preprocess = open_clip.create_model_and_transforms(request["model"], precision="fp32", device="cpu")
    state = torch.load(request["checkpoint"], map_location="cpu")["state_dict"]
    state = {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}
    model.load_state_dict(state, strict=True)
    model.eval()
    out = {}
    with torch.no_grad():
        for task in request["tasks"]:
            run = {"classification": classification, "retrieval": retrieval, "association": association}[task["kind"]]
            out[task["key"]] = run(model, preprocess, task)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
