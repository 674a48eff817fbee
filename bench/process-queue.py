"""Python's side of bench/process-queue.ts: the lab's queue experiment with
multiprocessing.Queue (High Performance Python, Example 9-5), stdlib only.

    python3 bench/process-queue.py START COUNT WORKERS   ->  {"ms": ..., "primes": ...}
"""
import json
import math
import multiprocessing as mp
import sys
import time

ALL_DONE, WORKER_FINISHED, WORKER_READY = -1, -2, -3


def is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    for i in range(3, math.isqrt(n) + 1, 2):
        if n % i == 0:
            return False
    return True


def check_primes(jobs, results):
    results.put(WORKER_READY)
    while True:
        n = jobs.get()
        if n == ALL_DONE:
            results.put(WORKER_FINISHED)
            return
        if is_prime(n):
            results.put(n)


def main():
    start, count, workers = (int(a) for a in sys.argv[1:4])
    jobs, results = mp.Queue(), mp.Queue()
    procs = [mp.Process(target=check_primes, args=(jobs, results)) for _ in range(workers)]
    for p in procs:
        p.start()
    ready = 0
    while ready < workers:
        if results.get() == WORKER_READY:
            ready += 1
    t0 = time.perf_counter()
    for n in range(start, start + count):
        jobs.put(n)
    for _ in range(workers):
        jobs.put(ALL_DONE)
    primes = finished = 0
    while finished < workers:
        r = results.get()
        if r == WORKER_FINISHED:
            finished += 1
        else:
            primes += 1
    ms = (time.perf_counter() - t0) * 1000
    for p in procs:
        p.join()
    print(json.dumps({"ms": ms, "primes": primes}))


if __name__ == "__main__":
    main()
