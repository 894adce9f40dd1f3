"""The embedded FalkorDB server, as a real child process."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from graph import embedded
from graph.store import GraphStore, ReadOnlyViolation, open_store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_dir(tmp_path: Path):
    yield tmp_path / "data"
    embedded.stop_server(tmp_path / "data")


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except FileNotFoundError:  # closed while we looked
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def _tcp_listen_inodes() -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # TCP_LISTEN
                inodes.add(fields[9])
    return inodes


def test_restart_keeps_data(data_dir: Path) -> None:
    store = open_store(f"embedded://{data_dir}")
    store.write("CREATE (:Pod {uid: 'k8s:c:pod:ns/a', name: 'a'})")
    store.close()  # this process started the server, so close() saves and stops it
    assert embedded.running_server(data_dir) is None
    assert (data_dir / embedded.RDB_FILE).stat().st_size > 0

    store = open_store(f"embedded://{data_dir}")
    try:
        assert store.read("MATCH (p:Pod) RETURN p.name AS name") == [{"name": "a"}]
    finally:
        store.close()


def test_no_tcp_listener_password_not_in_argv_private_files(data_dir: Path) -> None:
    info = embedded.start_server(data_dir)
    assert not _socket_inodes(info.pid) & _tcp_listen_inodes(), "the server listens on TCP"
    cmdline = Path(f"/proc/{info.pid}/cmdline").read_bytes().decode()
    assert info.password not in cmdline
    assert stat.S_IMODE(os.stat(Path(info.socket).parent).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(data_dir / embedded.STATE_FILE).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(data_dir).st_mode) == 0o700


def test_wrong_or_missing_password_is_refused(data_dir: Path) -> None:
    info = embedded.start_server(data_dir)
    no_retry = Retry(NoBackoff(), 0)
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(unix_socket_path=info.socket, password="not-the-password", retry=no_retry).ping()
    with pytest.raises(redis.AuthenticationError):  # NOAUTH
        redis.Redis(unix_socket_path=info.socket, retry=no_retry).execute_command("GRAPH.LIST")
    assert redis.Redis(unix_socket_path=info.socket, password=info.password, retry=no_retry).ping()


def test_second_server_on_same_data_dir_is_refused(data_dir: Path) -> None:
    info = embedded.start_server(data_dir)
    script = (
        "import sys; from pathlib import Path; from graph import embedded\n"
        "try:\n    embedded.start_server(Path(sys.argv[1]))\n"
        "except embedded.DataDirInUse as exc:\n    print(exc); sys.exit(7)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(data_dir)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 7, result.stderr
    assert f"pid {info.pid}" in result.stdout
    assert "in use" in result.stdout
    # ...but a client in another process shares the running server.
    assert embedded.running_server(data_dir) == info


def test_lock_outlives_the_starting_process(data_dir: Path) -> None:
    # `bridgehead db start` exits while the server keeps running: the lock must stay held.
    started = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; from graph import embedded; "
         "print(embedded.start_server(Path(sys.argv[1])).pid)", str(data_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    pid = int(started.stdout)
    with pytest.raises(embedded.DataDirInUse):
        embedded.start_server(data_dir)
    assert embedded.stop_server(data_dir)
    assert embedded.running_server(data_dir) is None
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


def test_writes_through_the_read_path_are_refused_by_the_database(store: GraphStore) -> None:
    with pytest.raises(ReadOnlyViolation):
        store.read("CREATE (:Pod {uid: 'x'})")
    with pytest.raises(ReadOnlyViolation):
        store.read("MATCH (n) DETACH DELETE n")
    assert store.read("MATCH (n:Pod) RETURN count(n) AS n") == [{"n": 0}]


def test_wipe_refuses_while_running_and_clears_when_stopped(data_dir: Path) -> None:
    store = open_store(f"embedded://{data_dir}")
    store.write("CREATE (:Pod {uid: 'p'})")
    with pytest.raises(embedded.DataDirInUse):
        embedded.wipe_data(data_dir)
    store.close()
    embedded.wipe_data(data_dir)
    store = open_store(f"embedded://{data_dir}")
    try:
        assert store.read("MATCH (n) RETURN count(n) AS n") == [{"n": 0}]
    finally:
        store.close()
