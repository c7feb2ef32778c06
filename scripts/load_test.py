"""Load generator for `emoshift serve` on loopback (standard library only).

Sends POST /predict with one audio file from C concurrent clients for a
fixed time, while a probe thread times GET /health every 100 ms, and prints
one JSON line: requests, errors by status, throughput, latency p50/p95/p99
of /predict and of /health, and the server's resident memory (current and
peak) read from /proc/PID/status.

Usage: python scripts/load_test.py URL FILE --pid PID [--concurrency 8] [--seconds 20]
"""

import argparse
import http.client
import json
import threading
import time
import urllib.parse


def percentile(values, q):
    if not values:
        return None
    values = sorted(values)
    index = min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))
    return values[index]


def rss_mb(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return {
        "rss_mb": int(fields["VmRSS"].split()[0]) / 1024,
        "peak_rss_mb": int(fields["VmHWM"].split()[0]) / 1024,
    }


def client(host, port, body, deadline, latencies, statuses, lock):
    connection = http.client.HTTPConnection(host, port, timeout=60)
    while time.monotonic() < deadline:
        start = time.monotonic()
        try:
            connection.request("POST", "/predict?name=load.wav", body=body)
            reply = connection.getresponse()
            reply.read()
            status = reply.status
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=60)
            status = "connection error"
        elapsed = time.monotonic() - start
        with lock:
            statuses[status] = statuses.get(status, 0) + 1
            if status == 200:
                latencies.append(elapsed)


def health_probe(host, port, deadline, latencies):
    while time.monotonic() < deadline:
        start = time.monotonic()
        connection = http.client.HTTPConnection(host, port, timeout=10)
        connection.request("GET", "/health")
        connection.getresponse().read()
        connection.close()
        latencies.append(time.monotonic() - start)
        time.sleep(0.1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("file")
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    target = urllib.parse.urlparse(args.url)
    body = open(args.file, "rb").read()
    latencies, health, statuses, lock = [], [], {}, threading.Lock()
    before = rss_mb(args.pid)
    deadline = time.monotonic() + args.seconds
    threads = [
        threading.Thread(
            target=client,
            args=(target.hostname, target.port, body, deadline, latencies, statuses, lock),
        )
        for _ in range(args.concurrency)
    ]
    threads.append(
        threading.Thread(target=health_probe, args=(target.hostname, target.port, deadline, health))
    )
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - start
    after = rss_mb(args.pid)
    ms = lambda v: None if v is None else round(v * 1000, 1)
    print(
        json.dumps(
            {
                "concurrency": args.concurrency,
                "seconds": round(wall, 1),
                "ok": len(latencies),
                "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
                "throughput_per_s": round(len(latencies) / wall, 1),
                "p50_ms": ms(percentile(latencies, 50)),
                "p95_ms": ms(percentile(latencies, 95)),
                "p99_ms": ms(percentile(latencies, 99)),
                "health_p95_ms": ms(percentile(health, 95)),
                "health_max_ms": ms(max(health) if health else None),
                "rss_mb_before": round(before["rss_mb"], 1),
                "rss_mb_after": round(after["rss_mb"], 1),
                "peak_rss_mb": round(after["peak_rss_mb"], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
