"""A local HTTP server that answers like the Kubernetes API server for the kinds Bridgehead collects.

Enough of the real protocol that the official client and our collector cannot tell the difference:
list paths per group/version (all namespaces and per namespace), typed list responses whose items lack
apiVersion/kind, `limit`/`continue` pagination with opaque tokens, `Status` error bodies, bearer-token
authentication, `/version`. Failure injection per kind: 403, 404 (not served), N × 429 with
`Retry-After`, N × 503, N × 410 for expired continue tokens,
the connection closed without an answer. Every request is recorded.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import kubernetes.client
import yaml

from ingest.k8s.kinds import ALL_KINDS, KIND_BY_NAME, KubeKind

DEFAULT_TOKEN = "fake-bearer-token-for-tests"
HANG_UP = 0  # pseudo status: close the connection without answering
DEFAULT_USER = "system:serviceaccount:bridgehead:collector"
DEFAULT_VERSION: dict[str, Any] = {
    "major": "1",
    "minor": "31",
    "gitVersion": "v1.31.4-eks-2d5f260",
    "gitCommit": "2d5f260bbe7a76d1b1f0fc5ba0b2e0f3b4d0d8b1",
    "gitTreeState": "clean",
    "buildDate": "2025-01-10T22:41:44Z",
    "goVersion": "go1.22.10",
    "compiler": "gc",
    "platform": "linux/amd64",
}
_NAMESPACED_PATH = re.compile(r"^(?P<prefix>/api/v1|/apis/[^/]+/[^/]+)/namespaces/(?P<ns>[^/]+)/(?P<plural>[^/]+)$")


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    authorization: str | None

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class FakeApiServer:
    """Start with `with FakeApiServer(objects) as server:`; objects are keyed by kind name."""

    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    token: str = DEFAULT_TOKEN
    user: str = DEFAULT_USER
    version: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_VERSION))
    forbidden: set[str] = field(default_factory=set)  # kinds answered with 403
    not_served: set[str] = field(default_factory=set)  # kinds answered with 404
    throttle: dict[str, int] = field(default_factory=dict)  # kind -> 429s still to send
    unavailable: dict[str, int] = field(default_factory=dict)  # kind -> 503s still to send
    expire_continue: dict[str, int] = field(default_factory=dict)  # kind -> 410s for continue requests
    hang_up: set[str] = field(default_factory=set)  # kinds whose requests get the connection closed, no answer
    resource_version: int = 48213
    requests: list[RecordedRequest] = field(default_factory=list)

    _httpd: ThreadingHTTPServer | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    # ------------------------------------------------------------------------------------ lifecycle

    def start(self) -> FakeApiServer:
        fake = self

        class Handler(_Handler):
            server_state = fake

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-apiserver",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> FakeApiServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the fake API server is not running; use it as a context manager")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    # ------------------------------------------------------------------------------ client configs

    def configuration(self, token: str | None = None) -> kubernetes.client.Configuration:
        """A client configuration pointing at this server, authenticating with a bearer token."""
        configuration = kubernetes.client.Configuration(
            host=self.url,
            api_key={"authorization": token or self.token},
            api_key_prefix={"authorization": "Bearer"},
        )
        configuration.proxy = None  # never send test traffic to a proxy from the environment
        return configuration

    def write_kubeconfig(self, path: Path, context: str = "fake-cluster", token: str | None = None) -> Path:
        """A kubeconfig with a context for this server (current) and an unrelated second context."""
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": context,
            "clusters": [
                {"name": "fake", "cluster": {"server": self.url}},
                {"name": "elsewhere", "cluster": {"server": "https://203.0.113.10:6443"}},
            ],
            "users": [
                {"name": "collector", "user": {"token": token or self.token}},
                {"name": "someone-else", "user": {"token": "not-this-one"}},
            ],
            "contexts": [
                {"name": context, "context": {"cluster": "fake", "user": "collector"}},
                {"name": "staging", "context": {"cluster": "elsewhere", "user": "someone-else"}},
            ],
        }
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        return path

    # -------------------------------------------------------------------------------- inspection

    def list_requests(self, kind: str) -> list[RecordedRequest]:
        """Requests that listed `kind` across all namespaces."""
        path = KIND_BY_NAME[kind].list_path
        with self._lock:
            return [request for request in self.requests if request.path == path]

    # ------------------------------------------------------------------------------- API behaviour

    def handle(
        self, method: str, raw_path: str, headers: Mapping[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        parts = urlsplit(raw_path)
        query = parse_qs(parts.query)
        authorization = headers.get("Authorization")
        with self._lock:
            self.requests.append(RecordedRequest(method, parts.path, query, authorization))

        if authorization != f"Bearer {self.token}":
            return 401, _status(401, "Unauthorized", "Unauthorized"), {}
        if method != "GET":
            return 405, _status(405, "MethodNotAllowed", f"{method} is not supported by the fake"), {}
        if parts.path == "/version":
            return 200, dict(self.version), {}

        resolved = self._resolve(parts.path)
        if resolved is None or resolved[0].kind in self.not_served:
            return 404, _status(404, "NotFound", "the server could not find the requested resource"), {}
        entry, namespace = resolved
        if entry.kind in self.hang_up:
            return HANG_UP, {}, {}
        return self._list(entry, namespace, query)

    def _resolve(self, path: str) -> tuple[KubeKind, str | None] | None:
        for entry in ALL_KINDS:
            if path == entry.list_path:
                return entry, None
        match = _NAMESPACED_PATH.match(path)
        if match:
            for entry in ALL_KINDS:
                if entry.namespaced and path == entry.namespaced_list_path(match["ns"]):
                    return entry, match["ns"]
        return None

    def _list(
        self, entry: KubeKind, namespace: str | None, query: dict[str, list[str]]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            if entry.kind in self.forbidden:
                scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
                message = (
                    f'{entry.plural} is forbidden: User "{self.user}" cannot list resource "{entry.plural}" '
                    f'in API group "{entry.group}" {scope}'
                )
                body = _status(403, "Forbidden", message, details={"kind": entry.plural})
                return 403, body, {}
            if self.throttle.get(entry.kind, 0) > 0:
                self.throttle[entry.kind] -= 1
                body = _status(
                    429,
                    "TooManyRequests",
                    "Too many requests, please try again later.",
                    details={"retryAfterSeconds": 1},
                )
                return 429, body, {"Retry-After": "1"}
            if self.unavailable.get(entry.kind, 0) > 0:
                self.unavailable[entry.kind] -= 1
                return 503, _status(503, "ServiceUnavailable", "etcdserver: leader changed"), {}

        items = sorted(
            (obj for obj in self.objects.get(entry.kind, []) if namespace is None or _namespace(obj) == namespace),
            key=lambda obj: (_namespace(obj), obj["metadata"]["name"]),
        )
        start = 0
        token = (query.get("continue") or [""])[0]
        if token:
            with self._lock:
                if self.expire_continue.get(entry.kind, 0) > 0:
                    self.expire_continue[entry.kind] -= 1
                    return 410, _status(410, "Expired", _EXPIRED_MESSAGE), {}
            decoded = _decode_continue(token)
            if decoded is None or decoded.get("resource") != entry.plural:
                return 400, _status(400, "BadRequest", "invalid continue token"), {}
            start = int(decoded["start"])
        limit = int((query.get("limit") or ["0"])[0] or 0)
        end = len(items) if limit <= 0 else min(len(items), start + limit)

        metadata: dict[str, Any] = {"resourceVersion": str(self.resource_version)}
        if end < len(items):
            metadata["continue"] = _encode_continue(entry.plural, end, self.resource_version)
            metadata["remainingItemCount"] = len(items) - end
        page = [_as_list_item(obj) for obj in items[start:end]]
        body = {
            "kind": f"{entry.kind}List",
            "apiVersion": entry.api_version,
            "metadata": metadata,
            "items": page,
        }
        return 200, body, {}


class _Handler(BaseHTTPRequestHandler):
    server_state: FakeApiServer
    protocol_version = "HTTP/1.1"  # keep-alive, as the client's connection pool expects
    disable_nagle_algorithm = True  # headers and body go out in separate writes

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        status, body, extra_headers = self.server_state.handle(method, self.path, self.headers)
        if status == HANG_UP:
            self.close_connection = True
            return
        payload = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Audit-Id", "00000000-0000-0000-0000-000000000000")
        for name, value in extra_headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean


_EXPIRED_MESSAGE = (
    "The provided continue parameter is too old to display a consistent list result. You can start a new "
    "list without the continue parameter, or use the continue token in this response to retrieve the "
    "remainder of the results."
)


def _status(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": details or {},
        "code": code,
    }


def _namespace(obj: dict[str, Any]) -> str:
    return str(obj.get("metadata", {}).get("namespace") or "")


def _as_list_item(obj: dict[str, Any]) -> dict[str, Any]:
    # The real API leaves apiVersion and kind off the items of a typed list.
    item = copy.deepcopy(obj)
    item.pop("apiVersion", None)
    item.pop("kind", None)
    return item


def _encode_continue(resource: str, start: int, resource_version: int) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": resource_version, "resource": resource, "start": start})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_continue(token: str) -> dict[str, Any] | None:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError:
        return None
    return decoded if isinstance(decoded, dict) else None
