"""High Performance Python's shared counters: Value with and without a lock.

`workers` processes each add 1 `increments` times to one shared counter:
`value.value += 1` on a multiprocessing.Value (a read then a write: updates
are lost), on a RawValue (no lock at all), and inside
`with value.get_lock():` (none lost).
"""
from multiprocessing import Process, RawValue, Value

from _lab import emit, read_params, row, timed


def add_unlocked(counter, times):
    for _ in range(times):
        counter.value += 1


def add_locked(counter, times):
    for _ in range(times):
        with counter.get_lock():
            counter.value += 1


def count(make, target, workers, times):
    counter = make()
    procs = [Process(target=target, args=(counter, times)) for _ in range(workers)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    if any(proc.exitcode != 0 for proc in procs):
        raise RuntimeError(f"a worker exited with {[proc.exitcode for proc in procs]}")
    expected = workers * times
    return {"expected": expected, "counted": counter.value, "lost": expected - counter.value}


def main():
    p = read_params({"workers": 2, "increments": 100_000, "repeat": 3})
    workers, times = p["workers"], p["increments"]
    variants = (
        ("Value, no lock", lambda: Value("i", 0), add_unlocked),
        ("RawValue, no lock", lambda: RawValue("i", 0), add_unlocked),
        ("Value with get_lock()", lambda: Value("i", 0), add_locked),
    )
    rows = []
    for label, make, target in variants:
        run_times, result = timed(lambda: count(make, target, workers, times), p["repeat"])
        rows.append(row(label, workers, workers * times, "update", run_times, result))
    emit("locks", p, rows)


if __name__ == "__main__":
    main()
