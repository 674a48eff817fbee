"""The roadmap article's CPU-bound table, in Python's standard library:
cpu_bound(number) = sum(i * i for i in range(number)) over `count` numbers,
with no concurrency, a thread pool, a process pool and asyncio.

Reads {"size", "count", "workers", "repeats"} as JSON on stdin; writes
{"runs": [{"approach", "workers", "ms": [...], "sums": ["..."]}]} on stdout
(sums as decimal strings: they exceed 2**53).
"""
import asyncio
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def cpu_bound(number):
    return sum(i * i for i in range(number))


async def cpu_bound_async(number):
    return cpu_bound(number)


async def gather_all(numbers):
    return await asyncio.gather(*(cpu_bound_async(n) for n in numbers))


def timed(fn):
    t0 = time.perf_counter()
    sums = fn()
    return (time.perf_counter() - t0) * 1000, [str(s) for s in sums]


def main():
    args = json.load(sys.stdin)
    numbers = [args["size"] + x for x in range(args["count"])]
    workers = args["workers"]
    cpu_bound(1000)  # warm-up, as on the JavaScript side

    def pool_map(kind):
        # Pool start-up is timed, as the article times `with Pool() as pool:`.
        with kind(max_workers=workers) as pool:
            return list(pool.map(cpu_bound, numbers))

    approaches = [
        ("no concurrency", 1, lambda: [cpu_bound(n) for n in numbers]),
        ("threads", workers, lambda: pool_map(ThreadPoolExecutor)),
        ("processes", workers, lambda: pool_map(ProcessPoolExecutor)),
        ("async", 1, lambda: asyncio.run(gather_all(numbers))),
    ]
    runs = []
    for approach, n, fn in approaches:
        times, sums = [], []
        for _ in range(args["repeats"]):
            ms, sums = timed(fn)
            times.append(ms)
        runs.append({"approach": approach, "workers": n, "ms": times, "sums": sums})
    json.dump({"runs": runs}, sys.stdout)


if __name__ == "__main__":
    main()
