"""Server benchmark: `ecf serve` against nginx serving the same response bytes as static files.

    .venv/bin/python bench/serve_benchmark.py --home DIR [--workers 1,2] [--response-cache 128,0]
                                              [--duration 15] [--threads 2] [--connections 16] [--provider ID]

Needs `wrk` and `nginx` (Debian: `apt-get install -y wrk nginx`); neither is configured system-wide:
nginx runs in the foreground (`daemon off`) from a config file generated in a temporary folder, on
loopback, as a child of this script, and is stopped at the end like every `ecf serve` it starts.

For the lead provider with the most v3 declarations in the home's current snapshot it issues a token
(revoked at the end), then for each `--workers` and `--response-cache` value starts `ecf serve
--rate-limit 0` on a free loopback port and loads it with `wrk --latency` on two requests:

  participants  GET /api/v3/participants/ecf?page[per_page]=100
  declarations  GET /api/v3/participant-declarations?filter[cohort]=Y&filter[updated_since]=T&page[per_page]=100
                (the first cohort / updated_since pair that fills the page)

The two response bodies are fetched from our server, written to a docroot under the same paths and
served by nginx (`worker_processes` = the same number of workers) and loaded the same way. Prints
requests/s, p50 and p99 for each, the ratio ours/nginx, and the targets: >= 0.2x nginx's throughput,
p99 <= 50 ms. wrk runs on the same machine, so it competes with the servers for the cores. wrk repeats
one request, so with the response cache on (the default) it measures a replayed answer, and with
`--response-cache 0` the full path (filtered rows from the query cache, records joined per request).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PARTICIPANTS = "/api/v3/participants/ecf?page[per_page]=100"
DECLARATIONS = "/api/v3/participant-declarations"
COHORTS = (2024, 2023, 2022, 2025, 2021)
SINCE = ("2025-01-01T00:00:00Z", "2024-06-01T00:00:00Z", "2024-01-01T00:00:00Z", "2023-01-01T00:00:00Z",
         "2021-01-01T00:00:00Z")
TARGET_RATIO = 0.2
TARGET_P99_MS = 50.0

# wrk's report as one JSON line (exact percentiles in microseconds, and the error counts).
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"mean_us":%.1f,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
"""

_children: list[subprocess.Popen] = []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    """Stop one server we started, with everything it spawned (it leads its own process group)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if process in _children:
        _children.remove(process)


def _start(command: list[str], log: Path, ready_url: str) -> subprocess.Popen:
    handle = log.open("wb")
    process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT)
    _children.append(process)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{' '.join(command)} exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(ready_url, timeout=2) as answer:
                if answer.status < 500:
                    return process
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    _stop(process)
    raise SystemExit(f"{' '.join(command)} did not answer {ready_url} within 120 s:\n{log.read_text()[-3000:]}")


def _get(url: str, token: str | None) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def _rss_mb(process: subprocess.Popen) -> tuple[float, float]:
    """Current and peak resident memory of a server's process group (all its workers), MB."""
    current = peak = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != process.pid:
                continue
            fields = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines() if ":" in line)
        except (OSError, ValueError):
            continue
        current += int(fields.get("VmRSS", "0 kB").split()[0])
        peak += int(fields.get("VmHWM", "0 kB").split()[0])
    return current / 1024, peak / 1024


def _wrk(base: str, path: str, token: str | None, args, script: Path, seconds: int | None = None) -> dict:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds or args.duration}s", "--latency",
               "-s", str(script)] + (["-H", f"Authorization: Bearer {token}"] if token else []) + [base + path]
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    figures = json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["command"] = " ".join(c if not c.startswith("Authorization") else '"Authorization: Bearer …"'
                                  for c in command)
    return figures


def _provider(home: Path) -> tuple[str, str, dict]:
    """The lead provider with the most v3 declarations in the current snapshot (the heaviest filter)."""
    manifest = json.loads((home / "snapshots" / "current" / "manifest.json").read_text())
    declarations = {path.split("/")[1]: entry["records"] for path, entry in manifest["sets"].items()
                    if path.startswith("providers/") and path.endswith("/v3/participant-declarations")}
    if not declarations:
        raise SystemExit(f"the current snapshot of {home} holds no v3 declarations")
    chosen = max(sorted(declarations), key=declarations.get)
    slug = chosen
    with contextlib.suppress(Exception):  # the slug is only the token's label (no complete cycle: the id)
        from pipelines.home import Home
        from pipelines.provider_list import lead_providers

        slug = next((row["slug"] for row in lead_providers(Home(home)) if row["id"] == chosen), chosen)
    return chosen, slug, manifest


def _declarations_path(base: str, token: str) -> tuple[str, int]:
    best = None
    for cohort in COHORTS:
        for since in SINCE:
            path = f"{DECLARATIONS}?filter[cohort]={cohort}&filter[updated_since]={since}&page[per_page]=100"
            status, body, _ = _get(base + path, token)
            count = len(json.loads(body)["data"]) if status == 200 else -1
            if count == 100:
                return path, count
            if best is None or count > best[1]:
                best = (path, count)
    return best


def _nginx_config(folder: Path, docroot: Path, port: int, workers: int) -> Path:
    temp = folder / "temp"
    temp.mkdir(exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""  # the docroot is in a private temporary folder
    config = folder / "nginx.conf"
    config.write_text(f"""# generated by bench/serve_benchmark.py: static copies of our two responses
daemon off;
master_process on;
{user}worker_processes {workers};
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {temp}/client;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 65;
    types {{ }}
    default_type application/vnd.api+json;
    server {{
        listen 127.0.0.1:{port};
        root {docroot};
        location / {{ try_files $uri =404; }}
    }}
}}
""")
    return config


def _document(lines: list[str], text: str = "") -> None:
    print(text, flush=True)
    lines.append(text)


def _load_ours(home: Path, token: str, workers: int, cache_mb: int, args, script: Path, work: Path,
               rows: list[dict], lines: list[str], bodies: dict, paths: dict) -> None:
    """Start `ecf serve` of this tree (what ./ecf runs, without its setup step: the code that wrote the
    snapshot) and load it; the first run also chooses the two paths and fetches the bodies nginx will serve
    (filling `paths` and `bodies`)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    label = f"ecf serve --workers {workers} --response-cache {cache_mb}"
    command = [sys.executable, "-m", "pipelines.cli", "serve", "--home", str(home), "--port", str(port),
               "--rate-limit", "0", "--workers", str(workers), "--response-cache", str(cache_mb)]
    started = time.perf_counter()
    server = _start(command, work / f"serve-{workers}-{cache_mb}.log", base + "/")
    _document(lines, f"\n$ {' '.join(command)}   (answering after {time.perf_counter() - started:.1f} s)")
    if not bodies:  # the first server: choose the declarations page, fetch both bodies for nginx
        paths.update(participants=PARTICIPANTS, declarations=_declarations_path(base, token)[0])
        for name, path in paths.items():
            status, body, _ = _get(base + path, token)
            if status != 200:
                raise SystemExit(f"GET {path} answered {status}: {body[:500]!r}")
            bodies[name] = body
            _document(lines, f"  {name}: GET {path} -> {len(json.loads(body)['data'])} records, {len(body):,} bytes")
    for name, path in paths.items():
        _wrk(base, path, token, args, script, args.warmup)  # loads the resource set in every worker
        figures = _wrk(base, path, token, args, script)
        current, peak = _rss_mb(server)
        rows.append({"endpoint": name, "server": label, "workers": workers, "rss_mb": current,
                     "peak_rss_mb": peak, **figures})
        _document(lines, f"  {figures['command']}")
    _stop(server)
    _document(lines, f"  server memory (all its processes): {current:,.0f} MB resident, peak {peak:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, required=True, help="a home with a published snapshot")
    parser.add_argument("--workers", default="1,2", help="`ecf serve --workers` values, comma-separated")
    parser.add_argument("--response-cache", default="128,0",
                        help="`ecf serve --response-cache` values (MB), comma-separated: with the cache of complete "
                             "answers, a repeated request is replayed; with 0, every request is filtered and joined")
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of load before each measurement")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--provider", help="lead provider id (default: the one with the most v3 declarations)")
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args()
    home = args.home.resolve()
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not shutil.which("wrk") or not nginx:
        raise SystemExit("wrk and nginx are needed: apt-get install -y wrk nginx")

    from api_export.tokens import issue_token, revoke_tokens

    provider_id, slug, manifest = _provider(home)
    if args.provider:
        provider_id = slug = args.provider
    issued = issue_token(home / "tokens", provider_id, slug, datetime.now(UTC), label="serve benchmark")
    token = issued.token
    work = Path(tempfile.mkdtemp(prefix="ecf-serve-bench-"))
    os.chmod(work, 0o755)
    script = work / "report.lua"
    script.write_text(WRK_SCRIPT)
    rows: list[dict] = []
    lines: list[str] = []

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        _document(lines, f"server benchmark: home={home} snapshot={manifest['snapshot_id']} "
                         f"({manifest['record_counts']['total']:,} records) provider={slug} ({provider_id}) "
                         f"cores={os.cpu_count()} wrk -t{args.threads} -c{args.connections} -d{args.duration}s "
                         f"(after {args.warmup} s of warm-up), same machine")
        bodies: dict[str, bytes] = {}
        paths: dict[str, str] = {}
        for workers in [int(w) for w in args.workers.split(",")]:
            for cache_mb in [int(c) for c in args.response_cache.split(",")]:
                _load_ours(home, token, workers, cache_mb, args, script, work, rows, lines, bodies, paths)
            # nginx: the same bytes, under the same paths, as static files
            docroot = work / f"docroot-{workers}"
            for name, path in paths.items():
                target = docroot / path.split("?", 1)[0].lstrip("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(bodies[name])
            for folder in [docroot, *docroot.rglob("*")]:
                os.chmod(folder, 0o755 if folder.is_dir() else 0o644)
            nginx_folder = work / f"nginx-{workers}"
            nginx_folder.mkdir()
            nginx_port = _free_port()
            config = _nginx_config(nginx_folder, docroot, nginx_port, workers)
            nginx_command = [nginx, "-p", str(nginx_folder), "-e", str(nginx_folder / "error.log"), "-c", str(config)]
            nginx_base = f"http://127.0.0.1:{nginx_port}"
            server = _start(nginx_command, nginx_folder / "stdout.log", nginx_base + "/")
            _document(lines, f"\n$ {' '.join(nginx_command)}   (worker_processes {workers}; config {config})")
            for name, path in paths.items():
                status, body, _ = _get(nginx_base + path, None)
                if status != 200 or body != bodies[name]:
                    raise SystemExit(f"nginx does not serve the same bytes for {name}: {status}, {len(body)} bytes")
                _wrk(nginx_base, path, None, args, script, args.warmup)
                figures = _wrk(nginx_base, path, None, args, script)
                rows.append({"endpoint": name, "server": f"nginx worker_processes {workers}", "workers": workers,
                             **figures})
                _document(lines, f"  {figures['command']}")
            _stop(server)
    finally:
        while _children:
            _stop(_children[0])
        revoke_tokens(home / "tokens", token=token)
        shutil.rmtree(work, ignore_errors=True)

    _document(lines, f"\n{'endpoint':<13} {'server':<44} {'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} "
                     f"{'max ms':>8} {'errors':>7} {'ours/nginx':>11}  targets (>= {TARGET_RATIO}x, p99 <= "
                     f"{TARGET_P99_MS:.0f} ms)")
    for row in rows:
        errors = row["connect_errors"] + row["read_errors"] + row["write_errors"] + row["status_errors"] \
            + row["timeouts"]
        ratio, verdict = "", ""
        if row["server"].startswith("ecf"):
            reference = next(r for r in rows if r["server"].startswith("nginx") and r["workers"] == row["workers"]
                             and r["endpoint"] == row["endpoint"])
            row["ratio"] = row["rps"] / reference["rps"]
            ratio = f"{row['ratio']:.3f}x"
            verdict = ("ok" if row["ratio"] >= TARGET_RATIO else "MISSED") + " / " + \
                      ("ok" if row["p99_us"] / 1000 <= TARGET_P99_MS else "MISSED")
        _document(lines, f"{row['endpoint']:<13} {row['server']:<44} {row['rps']:>9,.0f} {row['p50_us'] / 1000:>8.2f} "
                         f"{row['p90_us'] / 1000:>8.2f} {row['p99_us'] / 1000:>8.2f} {row['max_us'] / 1000:>8.2f} "
                         f"{errors:>7} {ratio:>11}  {verdict}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        while _children:
            _stop(_children[0])
        raise SystemExit(130) from None
