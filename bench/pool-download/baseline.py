"""The Python + OpenCV loop bench/pool-download compares dcbench with: img2dataset 1.40's per-sample
work under DataComp's parameters — urllib download in a ThreadPool(threads) with imap_unordered (as
downloader.py), resizer.py's decode / alpha / INTER_AREA / blurrer.py / cv2.imencode q95 (the
reference in test/fixtures/python), and webdataset's members written with tarfile — without
img2dataset's process pool, wandb, exif and parquet writing. Prints JSON: images, successes,
CPU seconds (getrusage of this process, all threads), wall seconds, and the CPU seconds spent inside
cv2.imdecode and in imdecode + resize + imencode together (thread CPU time around each call: the
floors dcbench shares, as img2dataset decodes every image in full and both sides use libjpeg-turbo).

Usage: baseline.py METADATA.json OUT.tar THREADS
"""
import hashlib
import io
import json
import resource
import sys
import tarfile
import time
import urllib.request
from multiprocessing.pool import ThreadPool

sys.path.insert(0, sys.argv[4])
import img2dataset_resizer_reference  # noqa: E402
from img2dataset_resizer_reference import resizer  # noqa: E402

# Thread CPU seconds inside the OpenCV calls that dcbench makes through the same C libraries
# (libjpeg-turbo's decode and encode, INTER_AREA): the floor it shares with this loop.
CODEC_CPU = {"imdecode": 0.0, "resize": 0.0, "imencode": 0.0}
cv2 = img2dataset_resizer_reference.cv2


def timed(name):
    call = getattr(cv2, name)

    def wrapper(*args, **kwargs):
        start = time.thread_time()
        try:
            return call(*args, **kwargs)
        finally:
            CODEC_CPU[name] += time.thread_time() - start
    return wrapper


for _name in CODEC_CPU:
    setattr(cv2, _name, timed(_name))

UA = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:72.0) Gecko/20100101 Firefox/72.0"


def download(row):
    i, row = row
    try:
        with urllib.request.urlopen(urllib.request.Request(row["url"], headers={"User-Agent": UA}), timeout=10) as r:
            return i, row, r.read(), None
    except Exception as err:  # noqa: BLE001
        return i, row, None, str(err)


def main():
    rows = json.load(open(sys.argv[1]))
    threads = int(sys.argv[3])
    start_cpu = resource.getrusage(resource.RUSAGE_SELF)
    start = time.time()
    successes = 0
    with tarfile.open(sys.argv[2], "w") as tar, ThreadPool(threads) as pool:
        for i, row, data, err in pool.imap_unordered(download, list(enumerate(rows))):
            if data is None:
                continue
            img, err = resizer(data, row["faces"])
            if err:
                continue
            jpg = cv2_encode(img)
            key = "%012d" % i
            meta = {"uid": row["uid"], "face_bboxes": row["faces"], "caption": row["text"], "url": row["url"], "key": key, "status": "success",
                    "width": img.shape[1], "height": img.shape[0], "sha256": hashlib.sha256(data).hexdigest()}
            for ext, body in (("jpg", jpg), ("json", json.dumps(meta, indent=4).encode()), ("txt", row["text"].encode())):
                info = tarfile.TarInfo(f"{key}.{ext}")
                info.size = len(body)
                tar.addfile(info, io.BytesIO(body))
            successes += 1
    end_cpu = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (end_cpu.ru_utime - start_cpu.ru_utime) + (end_cpu.ru_stime - start_cpu.ru_stime)
    print(json.dumps({"images": len(rows), "successes": successes, "cpu_seconds": cpu, "wall_seconds": time.time() - start,
                      "decode_cpu_seconds": CODEC_CPU["imdecode"], "codec_cpu_seconds": sum(CODEC_CPU.values())}))


def cv2_encode(img):
    return cv2.imencode(".jpg", img, params=[int(cv2.IMWRITE_JPEG_QUALITY), 95])[1].tobytes()


main()
