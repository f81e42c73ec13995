"""What a DCT-scaled decode would buy and cost (issue 20's open product decision): for each JPEG of a
folder, img2dataset's path under DataComp's parameters (full `cv2.imdecode`, INTER_AREA so the longest
side is 512) against the same INTER_AREA after a decode that libjpeg scales by 1/2, 1/4 or 1/8 in the
DCT (`cv2.IMREAD_REDUCED_COLOR_k`, the largest k that keeps the longest side at 512 or more). Prints
JSON: CPU ms per image of each path (one OpenCV thread) and how far the scaled path's pixels are from
img2dataset's (mean and max absolute difference, PSNR), beside the difference img2dataset's own JPEG
q95 re-encode makes to its pixels (the yardstick: what every image in the pool already goes through).
Only images with a longest side over 512 are read (others are not resized, and both paths agree).

Usage: decode-options.py DIR_OF_JPEGS [REPEATS]
"""
import glob
import json
import math
import os
import resource
import sys

import cv2
import numpy as np

SIZE = 512
REDUCED = {2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def target(w, h):
    # albumentations' longest_max_size, as img2dataset calls it
    scale = SIZE / float(max(w, h))
    return round(w * scale), round(h * scale)


def exact(data):
    img = cv2.imdecode(data, cv2.IMREAD_COLOR)
    h, w = img.shape[:2]
    return cv2.resize(img, target(w, h), interpolation=cv2.INTER_AREA)


def scaled(data, w, h):
    k = max([1] + [k for k in REDUCED if max(w, h) / k >= SIZE])
    img = cv2.imdecode(data, REDUCED[k]) if k > 1 else cv2.imdecode(data, cv2.IMREAD_COLOR)
    return cv2.resize(img, target(w, h), interpolation=cv2.INTER_AREA), k


def diff(a, b):
    d = np.abs(a.astype(np.int16) - b.astype(np.int16))
    mse = float(np.mean(d.astype(np.float64) ** 2))
    return float(d.mean()), int(d.max()), (99.0 if mse == 0 else 10 * math.log10(255 ** 2 / mse))


def main():
    cv2.setNumThreads(1)
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    images = []
    for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.jp*g"))):
        data = np.frombuffer(open(f, "rb").read(), np.uint8)
        img = cv2.imdecode(data, cv2.IMREAD_COLOR)
        if img is not None and max(img.shape[:2]) > SIZE:
            images.append((data, img.shape[1], img.shape[0]))
    scales = {}
    stats = {"scaled": [], "q95": []}
    for data, w, h in images:
        ref = exact(data)
        out, k = scaled(data, w, h)
        scales[k] = scales.get(k, 0) + 1
        stats["scaled"].append(diff(out, ref))
        stats["q95"].append(diff(cv2.imdecode(cv2.imencode(".jpg", ref, [int(cv2.IMWRITE_JPEG_QUALITY), 95])[1], cv2.IMREAD_COLOR), ref))
    start = cpu()
    for _ in range(repeats):
        for data, _w, _h in images:
            exact(data)
    exact_ms = (cpu() - start) * 1000 / repeats / len(images)
    start = cpu()
    for _ in range(repeats):
        for data, w, h in images:
            scaled(data, w, h)
    scaled_ms = (cpu() - start) * 1000 / repeats / len(images)

    def summary(rows):
        return {"mean_abs": float(np.mean([r[0] for r in rows])), "max_abs": max(r[1] for r in rows),
                "psnr_median": float(np.median([r[2] for r in rows])), "psnr_min": min(r[2] for r in rows)}

    print(json.dumps({"images": len(images), "dct_scale": {f"1/{k}": n for k, n in sorted(scales.items())},
                      "cpu_ms_per_image": {"full_decode_area": exact_ms, "scaled_decode_area": scaled_ms},
                      "scaled_vs_img2dataset": summary(stats["scaled"]), "q95_reencode_vs_img2dataset": summary(stats["q95"])}))


main()
