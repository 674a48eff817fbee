"""High Performance Python's Pool.map chunk-size sweep over prime checks.

Checks `count` consecutive numbers from `start` with `Pool.map(is_prime,
numbers, chunksize)` for each chunk size, and counts the primes.
"""
from multiprocessing import Pool
import os

from _lab import emit, is_prime, read_params, row, timed


def main():
    p = read_params({"start": 100_000_000, "count": 20_000, "workers": 0, "chunkSizes": [1, 10, 100, 1000, 5000], "repeat": 3})
    workers = p["workers"] or os.cpu_count() or 1
    numbers = range(p["start"], p["start"] + p["count"])
    rows = []
    times, primes = timed(lambda: sum(map(is_prime, numbers)), p["repeat"])
    rows.append(row("serial", 1, p["count"], "number", times, {"primes": primes}))
    with Pool(workers) as pool:
        pool.map(is_prime, range(workers))  # start every worker before timing
        for chunk in p["chunkSizes"]:
            times, primes = timed(lambda: sum(pool.map(is_prime, numbers, chunksize=chunk)), p["repeat"])
            rows.append(row(f"chunksize {chunk}", workers, p["count"], "number", times, {"primes": primes, "chunkSize": chunk}))
    emit("primes", p, rows)


if __name__ == "__main__":
    main()
