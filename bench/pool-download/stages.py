"""OpenCV's side of bench/pool-download/stages.ts: CPU ms per stage of img2dataset's Resizer and
blurrer on one JPEG (the reference in test/fixtures/python), one OpenCV thread. Prints JSON.

Usage: stages.py IMAGE.jpg FACE_BOX_JSON REPEATS
"""
import json
import os
import resource
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../test/fixtures/python"))
from img2dataset_resizer_reference import blur, resizer  # noqa: E402


def cpu_ms(f, repeats):
    for _ in range(3):
        f()
    start = resource.getrusage(resource.RUSAGE_SELF)
    for _ in range(repeats):
        f()
    end = resource.getrusage(resource.RUSAGE_SELF)
    return ((end.ru_utime - start.ru_utime) + (end.ru_stime - start.ru_stime)) * 1000 / repeats


def main():
    cv2.setNumThreads(1)
    data = np.frombuffer(open(sys.argv[1], "rb").read(), np.uint8)
    face = json.loads(sys.argv[2])
    repeats = int(sys.argv[3])
    img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    h, w = img.shape[:2]
    scale = 512 / float(max(w, h))
    size = (round(w * scale), round(h * scale))
    small = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
    encode = lambda im: cv2.imencode(".jpg", im, params=[int(cv2.IMWRITE_JPEG_QUALITY), 95])  # noqa: E731
    print(json.dumps({
        "decode": cpu_ms(lambda: cv2.imdecode(data, cv2.IMREAD_UNCHANGED), repeats),
        "resize": cpu_ms(lambda: cv2.resize(img, size, interpolation=cv2.INTER_AREA), repeats),
        "blur": cpu_ms(lambda: blur(small, [face]), repeats),
        "encode": cpu_ms(lambda: encode(small), repeats),
        "all": cpu_ms(lambda: encode(resizer(data.tobytes(), [face])[0]), repeats),
    }))


main()
