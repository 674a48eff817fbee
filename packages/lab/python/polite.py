"""A polite crawler with asyncio, standard library only: the lab's `polite`
experiment in Python.

Requests spread over several hosts (delay servers on different ports); each
host has its own asyncio.Semaphore (at most `concurrency` requests in
flight) and its own sliding-window rate limiter (at most `limit` starts
within any `interval` ms). A host that answers 429 Too Many Requests is
asked again after its Retry-After (seconds), a wait that holds no slot, and
the retry queues for a slot and a start like any request. Each request is a
hand-written HTTP/1.1 GET on asyncio streams (`_lab.async_request`).

Reads {"origins", "requests", "delay", "concurrency", "limit", "interval",
"retries"} as JSON; prints one row per host (see _lab.py) whose answer
counts the requests answered 200, the 429s and the retries.
"""
import asyncio
import collections
import time

from _lab import async_get, async_request, emit, fail, read_params, row, split_url

DEFAULTS = {"origins": [""], "requests": 10, "delay": 10, "concurrency": 2, "limit": 5, "interval": 250, "retries": 20}


class SlidingWindow:
    """At most `limit` starts within any `interval` seconds, in arrival order."""

    def __init__(self, limit, interval):
        self.limit = limit
        self.interval = interval
        self.starts = collections.deque()
        self.turn = asyncio.Lock()  # first come, first started

    async def start(self):
        async with self.turn:
            while True:
                now = time.monotonic()
                while self.starts and now - self.starts[0] >= self.interval:
                    self.starts.popleft()
                if len(self.starts) < self.limit:
                    self.starts.append(now)
                    return
                await asyncio.sleep(self.starts[0] + self.interval - now)


def retry_after_seconds(headers):
    """The Retry-After header's seconds (this crawler's hosts send whole seconds); 1 when absent or unreadable."""
    try:
        return max(0.0, float(headers.get("retry-after", "1")))
    except ValueError:
        return 1.0


async def crawl(params):
    hosts = [split_url(origin) for origin in params["origins"]]
    # One unlogged request per host first, as juggle's side does (its client opens a connection before the clock).
    await asyncio.gather(*(async_get(host, port, "/") for host, port in hosts))
    slots = [asyncio.Semaphore(params["concurrency"]) for _ in hosts]
    windows = [SlidingWindow(params["limit"], params["interval"] / 1000) for _ in hosts]
    counts = [{"answered": 0, "tooMany": 0, "retries": 0} for _ in hosts]

    async def fetch(h, i):
        host, port = hosts[h]
        count = counts[h]
        for attempt in range(params["retries"] + 1):
            if attempt > 0:
                count["retries"] += 1
            async with slots[h]:
                await windows[h].start()
                status, headers, body = await async_request(host, port, f"/add?name={h}-{i}&delay={params['delay']}")
            if status == 200:
                count["answered"] += 1
                return
            if status != 429:
                raise RuntimeError(f"Cannot fetch from {host}:{port} as it answered {status}: {body[:200]!r}")
            count["tooMany"] += 1
            await asyncio.sleep(retry_after_seconds(headers))  # outside the slot
        raise RuntimeError(f"Cannot fetch {h}-{i} from {host}:{port} as it answered 429 {params['retries'] + 1} times")

    t0 = time.perf_counter()
    await asyncio.gather(*(fetch(h, i) for h in range(len(hosts)) for i in range(params["requests"])))
    return time.perf_counter() - t0, counts


def main():
    params = read_params(DEFAULTS)
    if not params["origins"] or not all(isinstance(o, str) and o.startswith("http://") for o in params["origins"]):
        fail(f"Cannot crawl as 'origins' must be http:// URLs: received {params['origins']}", 2)
    for key in ("requests", "concurrency", "limit", "interval"):
        if params[key] < 1:
            fail(f"Cannot crawl as '{key}' must be at least 1: received {params[key]}", 2)
    seconds, counts = asyncio.run(crawl(params))
    rows = [row(origin, params["concurrency"], params["requests"], "request", [seconds], count) for origin, count in zip(params["origins"], counts)]
    emit("polite", params, rows, client="asyncio streams, a hand-written HTTP/1.1 GET, one connection per request (Connection: close)")


if __name__ == "__main__":
    main()
