"""The parts of webdataset that open_clip's training pipeline uses, in plain Python: samples grouped by
key from tar shards, ResampledShards (uniform with replacement), and the sample shuffle buffer."""

import os
import re
import tarfile

# webdataset's base_plus_ext: the key is the path up to the first dot of the file name.
_KEY_RE = re.compile(r"^((?:.*/|)[^.]+)[.]([^/]*)$")


def tar_samples(path):
    """Samples of one tar shard as dicts {"__key__", "__url__", ext: bytes} (consecutive members with
    the same key, extensions lower-cased: webdataset's tarfile_to_samples)."""
    current = None
    with tarfile.open(path, "r") as tar:
        for member in tar:
            if not member.isfile():
                continue
            m = _KEY_RE.match(member.name)
            if not m:
                continue
            key, ext = m.group(1), m.group(2).lower()
            if current is None or current["__key__"] != key:
                if current is not None:
                    yield current
                current = {"__key__": key, "__url__": path}
            current[ext] = tar.extractfile(member).read()
    if current is not None:
        yield current


def resampled_shards(shards, rng):
    """An endless stream of shard paths drawn uniformly with replacement."""
    while True:
        yield shards[rng.randrange(len(shards))]


def shuffle(samples, bufsize, initial, rng):
    """webdataset's `_shuffle`: fill up to `initial`, then emit a random buffered sample per input."""
    initial = min(initial, bufsize)
    buf = []

    def pick():
        k = rng.randint(0, len(buf) - 1)
        sample = buf[k]
        buf[k] = buf[-1]
        buf.pop()
        return sample

    for sample in samples:
        buf.append(sample)
        if len(buf) < bufsize:
            try:
                buf.append(next(samples))
            except StopIteration:
                pass
        if len(buf) >= initial:
            yield pick()
    while buf:
        yield pick()


def list_tar_shards(directory):
    return sorted(os.path.join(directory, n) for n in os.listdir(directory) if n.endswith(".tar"))
