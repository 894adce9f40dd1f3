"""`streamlit run app.py`, the way Streamlit users start an app, listens on loopback only (the project's
.streamlit/config.toml); before that file it listened on every interface."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LISTEN = "0A"  # TCP state LISTEN in /proc/net/tcp


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as the kernel writes them) of sockets listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == LISTEN:
                found.add(address)
    return found


LOOPBACK = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1 and ::1


def test_streamlit_run_app_listens_on_loopback_only(tmp_path: Path) -> None:
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("STREAMLIT_")}
    env["BRIDGEHEAD_GRAPH"] = f"embedded://{tmp_path}"  # never the user's graph (the page is not opened anyway)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert server.poll() is None, "streamlit exited"
                assert time.monotonic() < deadline, "streamlit did not answer on 127.0.0.1"
                time.sleep(0.3)
        addresses = _listening_addresses(port)
        assert addresses and addresses <= LOOPBACK, f"listening on {addresses} (hex), not only on loopback"
    finally:
        server.terminate()
        server.wait(timeout=20)
