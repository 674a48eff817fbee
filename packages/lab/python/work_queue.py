"""High Performance Python's work queue with poison pills.

A parent puts `count` numbers from `start` on a multiprocessing.Queue, then
one poison pill (None) per worker; each worker process checks numbers until
it takes its pill and puts the primes on a results queue, then a pill of
its own. The parent counts the primes.
"""
from multiprocessing import Process, Queue
import os

from _lab import emit, is_prime, read_params, row, timed

PILL = None


def worker(jobs, results):
    while True:
        n = jobs.get()
        if n is PILL:
            results.put(PILL)
            return
        if is_prime(n):
            results.put(n)


def run_queue(numbers, workers):
    jobs, results = Queue(), Queue()
    procs = [Process(target=worker, args=(jobs, results)) for _ in range(workers)]
    for proc in procs:
        proc.start()
    for n in numbers:
        jobs.put(n)
    for _ in procs:
        jobs.put(PILL)
    primes, finished = 0, 0
    while finished < workers:
        got = results.get()
        if got is PILL:
            finished += 1
        else:
            primes += 1
    for proc in procs:
        proc.join()
    return {"primes": primes}


def main():
    p = read_params({"start": 100_000_000, "count": 20_000, "maxWorkers": 0, "repeat": 3})
    max_workers = p["maxWorkers"] or 2 * (os.cpu_count() or 1)
    numbers = range(p["start"], p["start"] + p["count"])
    rows = []
    times, primes = timed(lambda: {"primes": sum(map(is_prime, numbers))}, p["repeat"])
    rows.append(row("serial", 1, p["count"], "number", times, primes))
    for workers in range(1, max_workers + 1):
        times, result = timed(lambda: run_queue(numbers, workers), p["repeat"])
        rows.append(row("multiprocessing.Queue", workers, p["count"], "number", times, result))
    emit("queue", p, rows)


if __name__ == "__main__":
    main()
