"""The plain Python way of DCLM's n-gram contamination check (the baseline of bench/contamination/text.ts).

    python3 ngram_baseline.py EXAMPLES.json DOCS_DIR [--n 13] [--min-words 8] [--boilerplate 0.05]

EXAMPLES.json: {"tasks": [{"key": ..., "examples": [text, ...]}, ...]}, the same example texts
dcbench builds (prompt with gold answer). The same rules as dcbench's check:
words = re.findall(r'[^\\W_]+', unicodedata.normalize('NFKC', text).lower()) (letters and digits;
dcbench also keeps combining marks inside words, which ASCII text does not have), an example of at
least n words contributes its n-grams, one of min_words to n-1 words is matched whole, an n-gram in
more than max(3, fraction * examples) of a task's examples is boilerplate and dropped. The eval
side is a dict from word tuples to the set of (task, example) they occur in; every document of
DOCS_DIR/*.jsonl is tokenized and each of its spans of each indexed length looked up.

Prints JSON: CPU seconds of the build and the scan, bytes and documents read, documents flagged,
(task, example) pairs found, and peak RSS.
"""
import collections
import glob
import json
import re
import resource
import sys
import time
import unicodedata

args = sys.argv[1:]


def option(name, default):
    return type(default)(args[args.index(name) + 1]) if name in args else default


n = option('--n', 13)
min_words = option('--min-words', 8)
fraction = option('--boilerplate', 0.05)
WORD = re.compile(r'[^\W_]+')


def words(text):
    return WORD.findall(unicodedata.normalize('NFKC', text).lower())


start = time.process_time()
tasks = json.load(open(args[0]))['tasks']
index = {}
lengths = {n}
for t, task in enumerate(tasks):
    per_example = []
    counts = collections.Counter()
    for text in task['examples']:
        w = words(text)
        if len(w) < min_words:
            per_example.append(set())
            continue
        size = min(n, len(w))
        lengths.add(size)
        grams = {tuple(w[i:i + size]) for i in range(len(w) - size + 1)}
        per_example.append(grams)
        counts.update(grams)
    limit = max(3, int(fraction * len(task['examples'])))
    for e, grams in enumerate(per_example):
        for g in grams:
            if counts[g] <= limit:
                index.setdefault(g, set()).add((t, e))
build = time.process_time() - start

start = time.process_time()
read = 0
documents = 0
flagged = 0
found = set()
sizes = sorted(lengths)
for path in sorted(glob.glob(args[1] + '/*.jsonl')):
    with open(path, 'rb') as f:
        for line in f:
            read += len(line)
            doc = json.loads(line)
            documents += 1
            w = words(doc['text'])
            hit = False
            for size in sizes:
                for i in range(len(w) - size + 1):
                    postings = index.get(tuple(w[i:i + size]))
                    if postings:
                        hit = True
                        found.update(postings)
            flagged += hit
scan = time.process_time() - start
print(json.dumps({
    'build_cpu_seconds': build,
    'scan_cpu_seconds': scan,
    'bytes': read,
    'documents': documents,
    'flagged': flagged,
    'found': len(found),
    'ngrams': len(index),
    'peak_rss_bytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
}))
