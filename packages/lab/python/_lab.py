"""Shared plumbing of the lab's Python programs (standard library only).

Each program reads its parameters as one JSON object (the first argument, or
stdin when there is none), runs its configurations, and prints one JSON
object on stdout:

    {"program": ..., "python": "3.11.2", "params": {...}, "rows": [...]}

where every row is one configuration:

    {"label": ..., "workers": n or null, "items": n, "unit": "number",
     "times": [seconds of each repeated run], "answer": what it computed}

Errors go to stderr as one line and the exit code is 2 (bad parameters)
or 1 (a failed run).
"""
import json
import platform
import sys
import time


def read_params(defaults):
    """The program's parameters: `defaults` updated with the given JSON object.

    Unknown keys and values of the wrong type are rejected (exit code 2), so
    a typo never runs a silently different experiment.
    """
    text = sys.argv[1] if len(sys.argv) > 1 else sys.stdin.read()
    try:
        given = json.loads(text) if text.strip() else {}
    except ValueError as error:
        fail(f"Cannot read the parameters as they are not JSON: {error}", 2)
    if not isinstance(given, dict):
        fail(f"Cannot read the parameters as they must be a JSON object: received {text.strip()[:80]}", 2)
    params = dict(defaults)
    for key, value in given.items():
        if key not in defaults:
            fail(f"Cannot read the parameters as '{key}' is unknown (known: {', '.join(sorted(defaults))})", 2)
        want = type(defaults[key])
        ok = isinstance(value, want) and not (want is int and isinstance(value, bool))
        if want is list:
            # A list holds what its default holds (whole numbers when the default is empty).
            item = type(defaults[key][0]) if defaults[key] else int
            ok = isinstance(value, list) and all(isinstance(v, item) and not isinstance(v, bool) for v in value)
        if not ok:
            fail(f"Cannot read the parameters as '{key}' must be {want.__name__}: received {json.dumps(value)}", 2)
        params[key] = value
    return params


def fail(message, code=1):
    """Prints one line on stderr and exits."""
    print(message.replace("\n", " "), file=sys.stderr)
    sys.exit(code)


def timed(fn, repeat):
    """Runs `fn` `repeat` times; returns (seconds of each run, the last answer)."""
    times = []
    answer = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        answer = fn()
        times.append(time.perf_counter() - t0)
    return times, answer


def row(label, workers, items, unit, times, answer):
    """One configuration's record."""
    return {"label": label, "workers": workers, "items": items, "unit": unit, "times": times, "answer": answer}


def emit(program, params, rows, **extra):
    """Prints the program's one JSON result."""
    result = {"program": program, "python": platform.python_version(), "params": params, "rows": rows}
    result.update(extra)
    print(json.dumps(result))


def is_prime(n):
    """Trial division by odd numbers up to the square root (the lab's one isPrime)."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    for i in range(3, int(n ** 0.5) + 1, 2):
        if n % i == 0:
            return False
    return True


def split_url(url):
    """`http://127.0.0.1:port` → (host, port)."""
    rest = url.split("://", 1)[-1].rstrip("/")
    host, _, port = rest.partition(":")
    return host, int(port or 80)


async def async_get(host, port, target):
    """GET `target` with asyncio streams: one connection, `Connection: close`.

    Python's standard library has no asynchronous HTTP client; this is the
    smallest honest one (the book uses aiohttp). Returns (status, body).
    """
    status, _, body = await async_request(host, port, target)
    return status, body


async def async_request(host, port, target):
    """Like `async_get`, also returning the headers: (status, {lower-case name: value}, body)."""
    import asyncio

    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1]) if lines[0].startswith("HTTP/1.") else 0
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def get_json(url, target):
    """GET `target` with http.client and parse the JSON answer (the delay server's /log and /reset)."""
    import http.client

    host, port = split_url(url)
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("GET", target)
        res = conn.getresponse()
        body = res.read()
        if res.status != 200:
            raise RuntimeError(f"GET {target} answered {res.status}")
        return json.loads(body) if body.strip().startswith((b"{", b"[")) else None
    finally:
        conn.close()
