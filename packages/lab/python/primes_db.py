"""High Performance Python's primes saved to a slow database, with AsyncBatcher.

Finds the primes below `maxNumber` (each number checked `cpuRepeat` times so
that the CPU part has weight) and saves each with `GET /add?prime=N` on the
lab's delay server, whose "database" answers after its latency. Serial: each
save awaited before the next number. AsyncBatcher: saves collect in a batch;
a full batch is sent as concurrent requests and awaited (the book's flush).
The HTTP client is asyncio streams, one connection per request.
"""
import asyncio

from _lab import async_get, emit, get_json, is_prime, read_params, row, split_url, timed


def check_prime_repeated(n, repeat):
    prime = False
    for _ in range(repeat):
        prime = is_prime(n)
    return prime


class AsyncBatcher:
    """Collects saves and sends them `batch_size` at a time, concurrently."""

    def __init__(self, host, port, batch_size):
        self.host, self.port, self.batch_size = host, port, batch_size
        self.batch = []
        self.saved = 0

    async def save(self, n):
        status, _ = await async_get(self.host, self.port, f"/add?prime={n}")
        if status != 200:
            raise RuntimeError(f"saving {n} answered {status}")

    async def add(self, n):
        self.batch.append(n)
        if len(self.batch) == self.batch_size:
            await self.flush()

    async def flush(self):
        batch, self.batch = self.batch, []
        await asyncio.gather(*(self.save(n) for n in batch))
        self.saved += len(batch)


async def serial(host, port, max_number, repeat):
    saver = AsyncBatcher(host, port, 1)
    for n in range(max_number):
        if check_prime_repeated(n, repeat):
            await saver.save(n)
            saver.saved += 1
    return saver.saved


async def batched(host, port, max_number, repeat, batch_size):
    batcher = AsyncBatcher(host, port, batch_size)
    for n in range(max_number):
        if check_prime_repeated(n, repeat):
            await batcher.add(n)
    await batcher.flush()
    return batcher.saved


def main():
    p = read_params({"url": "", "maxNumber": 128, "batchSize": 10, "cpuRepeat": 1, "repeat": 3})
    if not p["url"]:
        raise SystemExit("Cannot run primes_db as 'url' (the delay server) is missing")
    host, port = split_url(p["url"])

    def measured(make):
        def run():
            get_json(p["url"], "/reset")
            saved = asyncio.run(make())
            log = get_json(p["url"], "/log")
            return {"primes": saved, "requests": len(log["entries"]), "stored": log["primes"]}
        return run

    rows = []
    times, result = timed(lambda: {"primes": sum(check_prime_repeated(n, p["cpuRepeat"]) for n in range(p["maxNumber"]))}, p["repeat"])
    # Per check: each number is checked cpuRepeat times, on both sides.
    checks = p["maxNumber"] * p["cpuRepeat"]
    rows.append(row("CPU only (no saving)", 1, checks, "check", times, result))
    times, result = timed(measured(lambda: serial(host, port, p["maxNumber"], p["cpuRepeat"])), p["repeat"])
    rows.append(row("serial", 1, checks, "check", times, result))
    make = lambda: batched(host, port, p["maxNumber"], p["cpuRepeat"], p["batchSize"])
    times, result = timed(measured(make), p["repeat"])
    rows.append(row("AsyncBatcher", p["batchSize"], checks, "check", times, result))
    emit("primes_db", p, rows, client="asyncio streams (one connection per request)")


if __name__ == "__main__":
    main()
