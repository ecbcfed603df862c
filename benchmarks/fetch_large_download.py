"""Memory of a large download: a local server on 127.0.0.1 streams a body of N MiB (generated on
the fly), `indicators.fetch.fetch` downloads it to disk, and the script prints the time and the
peak resident memory of the process (the body is streamed in 64 KiB chunks, never held whole).

    python benchmarks/fetch_large_download.py [--mib 1024]
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from indicators.fetch import MIB, fetch  # noqa: E402
from indicators.store import Store  # noqa: E402


def serve(size: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            block, sent = b"x" * MIB, 0
            while sent < size:
                part = block[:min(MIB, size - sent)]
                self.wfile.write(part)
                sent += len(part)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024, help="body size in MiB [1024: 1 GiB]")
    args = parser.parse_args(argv)
    os.environ["no_proxy"] = "127.0.0.1"
    size = args.mib * MIB
    server = serve(size)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "bench.db") as store:
        started = time.monotonic()
        download = fetch(store, f"http://127.0.0.1:{server.server_address[1]}/big.csv", Path(folder) / "raw", "big",
                         timeout=600, max_bytes=size + 1)
        seconds = time.monotonic() - started
        assert download.path.stat().st_size == size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    server.shutdown()
    print(f"downloaded {args.mib} MiB in {seconds:.1f} s ({args.mib / seconds:.0f} MiB/s); "
          f"peak RSS {peak} MB (before the download: {before} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
