"""High Performance Python's crawler of a slow server, two ways.

`requests` requests of `GET /add?name=…&delay=…` to the lab's delay server:
- asyncio: a Semaphore lets `concurrency` requests be in flight; the client is
  asyncio streams, one connection per request (Python's standard library has
  no asynchronous HTTP client; the book uses aiohttp);
- threads: a ThreadPoolExecutor with `concurrency` threads, each request on
  its own http.client connection.
"""
import asyncio
from concurrent.futures import ThreadPoolExecutor
import http.client

from _lab import async_get, emit, get_json, read_params, row, split_url, timed


async def crawl_async(host, port, names, delay, concurrency):
    gate = asyncio.Semaphore(concurrency)

    async def one(name):
        async with gate:
            status, _ = await async_get(host, port, f"/add?name={name}&delay={delay}")
            return status == 200

    return sum(await asyncio.gather(*(one(name) for name in names)))


def crawl_threads(host, port, names, delay, concurrency):
    def one(name):
        conn = http.client.HTTPConnection(host, port, timeout=60)
        try:
            conn.request("GET", f"/add?name={name}&delay={delay}")
            res = conn.getresponse()
            res.read()
            return res.status == 200
        finally:
            conn.close()

    with ThreadPoolExecutor(concurrency) as pool:
        return sum(pool.map(one, names))


def main():
    p = read_params({"url": "", "requests": 500, "delay": 100, "concurrency": 100, "repeat": 3})
    if not p["url"]:
        raise SystemExit("Cannot run crawl as 'url' (the delay server) is missing")
    host, port = split_url(p["url"])
    variants = (
        ("asyncio + Semaphore", "asyncio", lambda names: asyncio.run(crawl_async(host, port, names, p["delay"], p["concurrency"]))),
        ("ThreadPoolExecutor", "threads", lambda names: crawl_threads(host, port, names, p["delay"], p["concurrency"])),
    )
    rows = []
    for label, tag, crawl in variants:
        def run():
            get_json(p["url"], "/reset")
            names = [f"py-{tag}-{i}" for i in range(p["requests"])]
            answered = crawl(names)
            log = get_json(p["url"], "/log")
            logged = sum(1 for e in log["entries"] if e["name"].startswith(f"py-{tag}-") and e["completedAt"] is not None)
            return {"answered": answered, "logged": logged, "connections": log["connections"]}
        times, result = timed(run, p["repeat"])
        rows.append(row(label, p["concurrency"], p["requests"], "request", times, result))
    clients = {"asyncio + Semaphore": "asyncio streams", "ThreadPoolExecutor": "http.client"}
    emit("crawl", p, rows, client="one connection per request: " + ", ".join(f"{k}: {v}" for k, v in clients.items()))


if __name__ == "__main__":
    main()
