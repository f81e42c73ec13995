"""The numpy way of validating a DataComp subset, timed step by step (Debian python3-numpy).

    python3 numpy_baseline.py SUBSET.npy POOL.uidx [--structured]

np.load of the subset (as the resharder loads it), the ascending-order check on (f0, f1), pool
membership by np.searchsorted in the pool's sorted uid array (np.fromfile of the .uidx records, the
same 16-byte u8,u8 records), and sha256 of the sorted array (the fingerprint).

Membership is done the fast way: searchsorted on the contiguous f0 (uint64) column, then f1
compared, with the rare f0 ties resolved by a structured searchsorted. With --structured it is
instead one np.searchsorted over the structured u8,u8 arrays (numpy compares void records field by
field: very slow, the naive way).
Prints JSON: seconds per step, peak RSS, and the results, to compare with dcbench's.
"""
import hashlib
import json
import resource
import sys
import time

import numpy as np

subset_path, index_path = sys.argv[1], sys.argv[2]
structured = '--structured' in sys.argv
dtype = np.dtype('u8,u8')
times = {}
cpu_start = time.process_time()

t = time.perf_counter()
a = np.load(subset_path)
assert a.dtype == dtype and a.ndim == 1
times['load'] = time.perf_counter() - t

t = time.perf_counter()
hi, lo = a['f0'], a['f1']
ascending = bool(np.all((hi[1:] > hi[:-1]) | ((hi[1:] == hi[:-1]) & (lo[1:] >= lo[:-1]))))
times['sorted_check'] = time.perf_counter() - t

t = time.perf_counter()
pool = np.fromfile(index_path, dtype=dtype, offset=64)
times['pool_load'] = time.perf_counter() - t

t = time.perf_counter()
if structured:
    pos = np.searchsorted(pool, a)
    found = pos < len(pool)
    found[found] = pool[pos[found]] == a[found]
else:
    pf0 = np.ascontiguousarray(pool['f0'])
    pos = np.minimum(np.searchsorted(pf0, hi), len(pool) - 1)
    same_f0 = pf0[pos] == hi
    found = same_f0 & (pool['f1'][pos] == lo)
    ties = np.nonzero(same_f0 & ~found)[0]
    if len(ties):
        p2 = np.minimum(np.searchsorted(pool, a[ties]), len(pool) - 1)
        found[ties] = pool[p2] == a[ties]
strangers = int((~found).sum())
times['membership'] = time.perf_counter() - t

t = time.perf_counter()
fingerprint = hashlib.sha256(a.tobytes() if ascending else np.sort(a).tobytes()).hexdigest()
times['sha256'] = time.perf_counter() - t

print(json.dumps({
    'seconds': sum(times.values()),
    'cpuSeconds': time.process_time() - cpu_start,
    'membership': 'structured searchsorted' if structured else 'f0 searchsorted + f1 check',
    'steps': times,
    'maxRssBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    'ascending': ascending,
    'strangers': strangers,
    'count': int(len(a)),
    'fingerprint': fingerprint,
}))
