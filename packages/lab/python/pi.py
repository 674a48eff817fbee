"""High Performance Python's Monte Carlo pi (Example 9-1) with the standard
library: darts thrown with random.random in a plain loop, serially, on a
thread pool and on a process pool of 1..max_workers workers, each chunk with
its own seed (the book's seeding pitfall avoided).

Reads {"darts", "max_workers", "repeats", "seed"} as JSON on stdin; writes
{"runs": [{"model", "workers", "ms": [...], "inside"}]} on stdout.
"""
import json
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def estimate_nbr_points_in_quarter_circle(args):
    darts, seed = args
    rng = random.Random(seed)
    inside = 0
    for _ in range(darts):
        x = rng.random()
        y = rng.random()
        if x * x + y * y <= 1.0:
            inside += 1
    return inside


def shares(darts, workers, seed):
    base, extra = divmod(darts, workers)
    return [(base + (1 if i < extra else 0), seed * 1000 + i) for i in range(workers)]


def main():
    args = json.load(sys.stdin)
    darts, seed = args["darts"], args["seed"]
    estimate_nbr_points_in_quarter_circle((1000, seed))  # warm-up, as on the JavaScript side
    runs = []

    def measure(model, workers, fn):
        times, inside = [], 0
        for _ in range(args["repeats"]):
            t0 = time.perf_counter()
            inside = fn()
            times.append((time.perf_counter() - t0) * 1000)
        runs.append({"model": model, "workers": workers, "ms": times, "inside": inside})

    measure("serial", 1, lambda: estimate_nbr_points_in_quarter_circle((darts, seed * 1000)))
    for kind, model in ((ThreadPoolExecutor, "threads"), (ProcessPoolExecutor, "processes")):
        for workers in range(1, args["max_workers"] + 1):
            # The pool is built before the clock starts, as the book builds its Pool before t1.
            with kind(max_workers=workers) as pool:
                list(pool.map(estimate_nbr_points_in_quarter_circle, [(1, seed)] * workers))
                measure(model, workers, lambda: sum(pool.map(estimate_nbr_points_in_quarter_circle, shares(darts, workers, seed))))
    json.dump({"runs": runs}, sys.stdout)


if __name__ == "__main__":
    main()
