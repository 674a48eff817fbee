"""High Performance Python's Monte Carlo pi with multiprocessing.

Throws `darts` darts per run, split evenly over 1..maxWorkers processes
(random.random in a plain loop, each process seeded from `seed`).
"""
from multiprocessing import Pool
import os
import random

from _lab import emit, read_params, row, timed


def in_circle(args):
    darts, seed = args
    rnd = random.Random(seed).random
    hits = 0
    for _ in range(darts):
        x = rnd()
        y = rnd()
        if x * x + y * y <= 1.0:
            hits += 1
    return hits


def shares(darts, workers, seed):
    base, extra = divmod(darts, workers)
    return [(base + (1 if i < extra else 0), seed * 1000 + i) for i in range(workers)]


def main():
    p = read_params({"darts": 5_000_000, "maxWorkers": 0, "seed": 1, "repeat": 3})
    max_workers = p["maxWorkers"] or 2 * (os.cpu_count() or 1)
    darts = p["darts"]
    rows = []

    def answer(hits):
        estimate = 4.0 * hits / darts
        return {"pi": estimate, "hits": hits}

    times, result = timed(lambda: answer(in_circle((darts, p["seed"] * 1000))), p["repeat"])
    rows.append(row("serial", 1, darts, "dart", times, result))
    for workers in range(1, max_workers + 1):
        with Pool(workers) as pool:
            pool.map(in_circle, [(1, 0)] * workers)  # start every worker before timing
            times, result = timed(lambda: answer(sum(pool.map(in_circle, shares(darts, workers, p["seed"])))), p["repeat"])
        rows.append(row("processes", workers, darts, "dart", times, result))
    emit("pi", p, rows)


if __name__ == "__main__":
    main()
