"""High Performance Python's prime verification with a shared flag.

Each number's odd factors up to its square root are split over `workers`
processes of a Pool. Without a flag every worker finishes its range; with a
multiprocessing.RawValue or a Manager().Value flag, the worker that finds a
factor raises it and the others, polling it every `checkEvery` divisions,
stop early. The first `serialCutoff` factors are tried serially first.
"""
from multiprocessing import Manager, Pool, RawValue
import math
import os

from _lab import emit, read_params, row, timed

FLAG = None


def init(flag):
    global FLAG
    FLAG = flag


def check_range(args):
    """('factor', f) | ('none', None) | ('stopped', None)."""
    n, lo, hi, every = args
    until = every
    start = max(3, lo) | 1
    for i in range(start, hi + 1, 2):
        if n % i == 0:
            if FLAG is not None:
                FLAG.value = 1
            return ("factor", i)
        if FLAG is not None:
            until -= 1
            if until == 0:
                until = every
                if FLAG.value:
                    return ("stopped", None)
    return ("none", None)


def verify(pool, flag, n, workers, cutoff, every):
    limit = math.isqrt(n)
    if n % 2 == 0:
        return {"n": n, "prime": n == 2, "factor": 2 if n > 2 else None}
    found = check_range((n, 3, min(cutoff, limit), every))[1]  # in the parent: no flag
    if found is None:
        if flag is not None:
            flag.value = 0
        lo = cutoff + 1
        step = math.ceil(max(0, limit - lo + 1) / workers)
        ranges = [(n, lo + k * step, min(limit, lo + (k + 1) * step - 1), every) for k in range(workers)]
        factors = [f for state, f in pool.map(check_range, ranges, chunksize=1) if state == "factor"]
        found = min(factors) if factors else None
    return {"n": n, "prime": found is None, "factor": found}


def main():
    book = [112_272_535_095_293, 112_582_705_942_171, 112_272_535_095_295, 115_280_095_190_773, 115_797_848_077_099, 1_099_726_899_285_419]
    p = read_params({"numbers": book, "workers": 0, "checkEvery": 1000, "serialCutoff": 21, "repeat": 3})
    workers = p["workers"] or os.cpu_count() or 1
    numbers = p["numbers"]
    rows = []
    with Manager() as manager:
        variants = (("no flag", None), ("RawValue flag", RawValue("b", 0)), ("Manager().Value flag", manager.Value("b", 0)))
        for label, flag in variants:
            with Pool(workers, initializer=init, initargs=(flag,)) as pool:
                pool.map(check_range, [(9, 3, 3, 1)] * workers)  # start every worker before timing
                run = lambda: [verify(pool, flag, n, workers, p["serialCutoff"], p["checkEvery"]) for n in numbers]
                times, result = timed(run, p["repeat"])
            rows.append(row(label, workers, len(numbers), "number", times, {"checks": [{**c, "n": str(c["n"])} for c in result]}))
    emit("ipc", p, rows)


if __name__ == "__main__":
    main()
