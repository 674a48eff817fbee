"""The roadmap article's sum of squares: serial, threads, processes.

sum(i * i for i in range(n)) for `count` consecutive n from `size`, as a
plain loop, on a ThreadPoolExecutor (the GIL lets one thread run at a time)
and on a multiprocessing Pool.
"""
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import Pool
import os

from _lab import emit, read_params, row, timed


def sum_of_squares(n):
    return sum(i * i for i in range(n))


def main():
    p = read_params({"size": 250_000, "count": 20, "workers": 0, "repeat": 3})
    workers = p["workers"] or os.cpu_count() or 1
    numbers = list(range(p["size"], p["size"] + p["count"]))
    items = sum(numbers)

    def answer(sums):
        return {"total": str(sum(sums)), "sums": [str(s) for s in sums]}

    def serial():
        return answer([sum_of_squares(n) for n in numbers])

    def threads():
        with ThreadPoolExecutor(workers) as pool:
            return answer(list(pool.map(sum_of_squares, numbers)))

    def processes():
        with Pool(workers) as pool:
            return answer(pool.map(sum_of_squares, numbers))

    rows = []
    for label, fn, w in (("no concurrency", serial, 1), ("threads", threads, workers), ("processes", processes, workers)):
        times, result = timed(fn, p["repeat"])
        rows.append(row(label, w, items, "square", times, result))
    emit("sum_squares", p, rows)


if __name__ == "__main__":
    main()
