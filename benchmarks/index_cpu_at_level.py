"""Probe: in-process CPU ms per logged-in /index of an app at one LOG_LEVEL (an A/B side).

`.venv/bin/python -m benchmarks.index_cpu_at_level INFO 300` builds an app with 20 posts (file
sink, JSON console to /dev/null, error-email handler), logs in, warms up, then times N GETs of
/index with Flask's test client. Run INFO and CRITICAL alternately and compare medians: the
machine's noise is larger than one request's logging.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


def main(level: str, requests: int) -> None:
    """Build, seed, log in, time; print `LEVEL ms_per_request request_finished_lines`."""
    report = sys.stdout
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the console sink's target, kept open
    from benchmarks.seeded_app import signed_in_client  # after the swap: the console's stream

    folder = Path(tempfile.mkdtemp())
    client = signed_in_client(folder, LOG_LEVEL=level, LOG_CONSOLE=True,
                              LOG_CONSOLE_FORMAT="json", MAIL_SERVER="127.0.0.1", MAIL_PORT=1,
                              ADMINS=["admin@example.com"])
    for _ in range(50):
        if client.get("/index").status_code != 200:
            raise RuntimeError("the logged-in feed did not answer 200")
    started = time.process_time()
    for _ in range(requests):
        client.get("/index")
    per_request = (time.process_time() - started) * 1000 / requests
    lines = sum(path.read_bytes().count(b'"request_finished"')
                for path in (folder / "logs").glob("microblog.log*"))
    print(f"{level} {per_request:.3f} {lines}", file=report)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300)
