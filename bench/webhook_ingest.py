"""Webhook acknowledgement throughput and latency, against the production web server.

    .venv/bin/python bench/webhook_ingest.py [--workers 3] [--duration 10] [--connections 1,4,16,64]

Starts gunicorn with production settings (plus bench/urls.py) on the embedded or configured
PostgreSQL and Redis, then drives three endpoints on that one server with wrk, each request a
distinct, freshly signed comment.update delivery:

  empty        an empty Django view: the server's ceiling
  bare-ingest  verify the signature, INSERT one row in hand-written SQL: the floor for a
               durable receiver
  receiver     the product's /webhooks/tiktok/

Prints a Markdown table to paste into bench/README.md. Needs Debian's wrk.
"""

import argparse
import base64
import hashlib
import hmac
import itertools
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from localservices import local_services  # noqa: E402

SECRET = "bench_client_secret"  # noqa: S105
ENDPOINTS = {
    "empty": "/bench/empty/",
    "bare-ingest": "/bench/bare-ingest/",
    "receiver": "/webhooks/tiktok/",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def signed_requests(path: Path, count: int, run: str, first_id: int) -> None:
    """``count`` distinct comment.update deliveries, signed now (TikTok-Signature). Comment ids
    start at ``first_id``: the receiver keys events by comment, so a run reusing another run's
    ids would measure the cheaper duplicate path."""
    t = str(int(time.time()))
    with path.open("w") as out:
        for n in range(count):
            content = (
                f'{{"comment_id":{first_id + n},"video_id":7448811122233344455,'
                f'"comment_type":"comment","comment_action":"insert",'
                f'"unique_identifier":"{run}-{n}","timestamp":{int(t) * 1000},"text":"PRICE?"}}'
            )
            body = json.dumps(
                {
                    "client_key": "bench",
                    "event": "comment.update",
                    "create_time": int(t),
                    "user_openid": "7301234567890123456",
                    "content": content,
                },
                separators=(",", ":"),
            )
            mac = hmac.new(SECRET.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
            out.write(f"t={t},s={mac}\t{body}\n")


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, connections: int, duration: int, requests_file: Path) -> dict[str, float]:
    threads = min(2, connections)
    output = subprocess.run(
        [
            "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
            "-s", str(ROOT / "bench" / "webhook_requests.lua"), url, "--",
            str(requests_file), str(threads),
        ],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = to_ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = to_ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {"rps": rps, "p50": p50, "p99": p99, "non2xx": float(errors.group(1)) if errors else 0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", default="1,4,16,64")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("Install Debian's wrk first: apt-get install wrk")
    levels = [int(c) for c in args.connections.split(",")]

    with local_services():
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "TOKEN_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "ALLOWED_HOSTS": "127.0.0.1",
            "TIKTOK_CLIENT_SECRET": SECRET,
        }
        python = sys.executable
        subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        port = free_port()
        server = subprocess.Popen(
            [
                python, "-m", "gunicorn", "chatsparks.wsgi", "--bind", f"127.0.0.1:{port}",
                "--workers", str(args.workers), "--no-control-socket", "--log-level", "warning",
            ],
            cwd=ROOT, env=env,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310
                    break
                except OSError:
                    time.sleep(0.1)
            cores = os.cpu_count()
            print(
                f"gunicorn: {args.workers} sync workers, {cores} cores, {args.duration}s a cell\n"
            )
            print("| endpoint | connections | accepted/s | p50 ms | p99 ms | non-2xx |")
            print("|---|---:|---:|---:|---:|---:|")
            runs = itertools.count(int(time.time()) % 1000 * 100)
            with tempfile.TemporaryDirectory() as folder:
                for name, path in ENDPOINTS.items():
                    # Warm the workers' connections and code paths; not measured.
                    warm = Path(folder) / f"{name}-warm.txt"
                    signed_requests(
                        warm, 20_000, f"{name}warm", 7449000000000000000 + next(runs) * 1_000_000
                    )
                    run_wrk(base + path, 4, 3, warm)
                    for connections in levels:
                        requests_file = Path(folder) / f"{name}-{connections}.txt"
                        first_id = 7449000000000000000 + next(runs) * 1_000_000
                        signed_requests(requests_file, 60_000, f"{name}{connections}", first_id)
                        result = run_wrk(base + path, connections, args.duration, requests_file)
                        if result["non2xx"]:
                            # A refusing or failing endpoint is fast: its figure means nothing.
                            print(
                                f"!! {name} answered {result['non2xx']:.0f} non-2xx: fix it first"
                            )
                        print(
                            f"| {name} | {connections} | {result['rps']:.0f} | "
                            f"{result['p50']:.2f} | {result['p99']:.2f} | {result['non2xx']:.0f} |",
                            flush=True,
                        )
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
