"""HPP chapter 8's crawlers against the juggle delay server, with the
standard library only.

- mode "asyncio" (Example 8-8): an asyncio.Semaphore keeps `concurrency`
  requests in flight, each a hand-written HTTP/1.1 GET on asyncio streams
  (Python's standard library has no async HTTP client), one connection per
  request in flight, reused for the next request (keep-alive).
- mode "threads": a concurrent.futures.ThreadPoolExecutor of `concurrency`
  threads, each doing blocking GETs with http.client on its own kept-alive
  connection (the usual way to overlap blocking I/O in Python). The threads
  are started before the clock, as juggle's pools are.

Reads {"origin", "requests", "delay", "concurrency", "repeats", "name",
"mode"} as JSON on stdin; writes {"runs": [{"ms", "answered"}]} on stdout.
"""
import asyncio
import http.client
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = 0
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            body += await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        body = await reader.readexactly(length)
    return status, body


async def crawl(host, port, name, requests, delay, concurrency):
    idle = []  # kept-alive connections
    semaphore = asyncio.Semaphore(concurrency)
    answered = 0

    async def fetch(i):
        nonlocal answered
        async with semaphore:
            reader, writer = idle.pop() if idle else await asyncio.open_connection(host, port)
            writer.write(f"GET /add?name={name}-{i}&delay={delay} HTTP/1.1\r\nhost: {host}\r\n\r\n".encode())
            status, _ = await read_response(reader)
            idle.append((reader, writer))
            if status != 200:
                raise RuntimeError(f"request {i} got status {status}")
            answered += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(fetch(i) for i in range(requests)))
    ms = (time.perf_counter() - t0) * 1000
    for _, writer in idle:
        writer.close()
    return {"ms": ms, "answered": answered}


def crawl_threads(host, port, name, requests, delay, threads):
    local = threading.local()
    connections = []  # list.append is atomic under the GIL

    def fetch(i):
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = http.client.HTTPConnection(host, port)
            connections.append(connection)
        connection.request("GET", f"/add?name={name}-{i}&delay={delay}")
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"request {i} got status {response.status}")
        return 1

    with ThreadPoolExecutor(max_workers=threads) as executor:
        # Every thread started before the clock: each waits here until all have.
        started = threading.Barrier(threads)
        list(executor.map(lambda _: started.wait(), range(threads)))
        t0 = time.perf_counter()
        answered = sum(executor.map(fetch, range(requests)))
        ms = (time.perf_counter() - t0) * 1000
    for connection in connections:
        connection.close()
    return {"ms": ms, "answered": answered}


def main():
    args = json.load(sys.stdin)
    url = urlsplit(args["origin"])
    mode = args.get("mode", "asyncio")
    if mode not in ("asyncio", "threads"):
        raise SystemExit(f"Cannot crawl as 'mode' must be asyncio or threads: received {mode!r}")
    runs = []
    for _ in range(args["repeats"]):
        if mode == "threads":
            runs.append(crawl_threads(url.hostname, url.port, args["name"], args["requests"], args["delay"], args["concurrency"]))
        else:
            runs.append(asyncio.run(crawl(url.hostname, url.port, args["name"], args["requests"], args["delay"], args["concurrency"])))
    json.dump({"runs": runs}, sys.stdout)


if __name__ == "__main__":
    main()
