"""Load generators for the page bench: wrk when installed, else a small Python one.

Both run as a separate process pinned to the core gunicorn is not on, send the
same headers (a session cookie), and return the same summary:
``{"requests", "errors", "p50_ms", "p95_ms", "rps", "tool"}``.

Run as ``python -m devtools.bench.loadgen URL --duration 5 --connections 2 --header 'Cookie: ...'``
for the Python generator; it prints the summary as JSON.
"""

import argparse
import http.client
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse

WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "errors": %d, "p50_us": %d, "p95_us": %d, "duration_us": %d}\\n',
    summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
      + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), summary.duration))
end
"""


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(p / 100 * len(sorted_values) + 0.5 - 1e-9))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def _pin(cpu: int | None) -> list[str]:
    if cpu is None or not shutil.which("taskset"):
        return []
    return ["taskset", "-c", str(cpu)]


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run(
    url: str,
    *,
    duration: float,
    connections: int,
    headers: dict[str, str],
    cpu: int | None = None,
    tool: str = "auto",
) -> dict:
    """Load *url* for *duration* seconds; the summary of latencies."""
    if tool == "auto":
        tool = "wrk" if wrk_available() else "python"
    if tool == "wrk":
        return _run_wrk(url, duration=duration, connections=connections, headers=headers, cpu=cpu)
    return _run_python(url, duration=duration, connections=connections, headers=headers, cpu=cpu)


def _run_wrk(url, *, duration, connections, headers, cpu) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        command = [
            *_pin(cpu),
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "30s",
            "-s",
            script.name,
        ]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        out = subprocess.run(
            [*command, url], capture_output=True, text=True, check=True, timeout=duration + 60
        )
    finally:
        os.unlink(script.name)
    line = [x for x in out.stdout.splitlines() if x.startswith("{")][-1]
    data = json.loads(line)
    seconds = data["duration_us"] / 1e6
    return {
        "tool": "wrk",
        "requests": data["requests"],
        "errors": data["errors"],
        "p50_ms": data["p50_us"] / 1000,
        "p95_ms": data["p95_us"] / 1000,
        "rps": data["requests"] / seconds if seconds else 0.0,
    }


def _run_python(url, *, duration, connections, headers, cpu) -> dict:
    command = [*_pin(cpu), _python(), "-m", "devtools.bench.loadgen", url]
    command += ["--duration", str(duration), "--connections", str(connections)]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=duration + 60)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _python() -> str:
    import sys

    return sys.executable


def load(url: str, *, duration: float, connections: int, headers: dict[str, str]) -> dict:
    """The Python generator: one thread per connection, each request timed end to end."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def worker():
        mine, bad = [], 0
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        while time.monotonic() < stop_at:
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status < 400
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
            elapsed = time.perf_counter() - start
            if ok:
                mine.append(elapsed)
            else:
                bad += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    latencies.sort()
    return {
        "tool": "python",
        "requests": len(latencies) + errors[0],
        "errors": errors[0],
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "rps": len(latencies) / seconds if seconds else 0.0,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--header", action="append", default=[])
    args = parser.parse_args(argv)
    headers = dict(h.split(": ", 1) for h in args.header)
    print(json.dumps(load(args.url, duration=args.duration, connections=args.connections, headers=headers)))


if __name__ == "__main__":
    main()
