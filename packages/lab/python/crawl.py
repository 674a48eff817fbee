"""HPP chapter 8's asyncio crawler against the juggle delay server, with
the standard library only: an asyncio.Semaphore keeps `concurrency`
requests in flight, each a hand-written HTTP/1.1 GET on asyncio streams
(Python's standard library has no async HTTP client), one connection per
request in flight, reused for the next request (keep-alive).

Reads {"origin", "requests", "delay", "concurrency", "repeats", "name"} as
JSON on stdin; writes {"runs": [{"ms", "answered"}]} on stdout.
"""
import asyncio
import json
import sys
import time
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


def main():
    args = json.load(sys.stdin)
    url = urlsplit(args["origin"])
    runs = [
        asyncio.run(crawl(url.hostname, url.port, args["name"], args["requests"], args["delay"], args["concurrency"]))
        for _ in range(args["repeats"])
    ]
    json.dump({"runs": runs}, sys.stdout)


if __name__ == "__main__":
    main()
