"""Live collection: list every kind in the table from the API server into a redacted snapshot.

Requests go through the official `kubernetes` client (kubeconfig or in-cluster credentials, exec
plugins, client certificates, proxies), but the bodies are read as raw JSON rather than through the
generated models, so the snapshot holds exactly what the API returned (camelCase, every field), the
same shape `kubectl get -o json` prints and the offline reader accepts.

Partial access is normal: a kind we may not list (403/401) or that the cluster does not serve (404)
becomes a `CoverageGap` and the rest is still collected. Throttling (429) and server errors (5xx) are
retried a bounded number of times with exponential backoff and jitter, honouring `Retry-After`.
"""

from __future__ import annotations

import email.utils
import functools
import json
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes.client
import kubernetes.config
import urllib3
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn
from rich.table import Column

from ingest.k8s.kinds import ALL_KINDS, KubeKind, resolve_kind
from ingest.k8s.redact import DEFAULT_CONFIGMAP_ALLOWLIST, redact_object
from ingest.k8s.snapshot import CoverageGap, K8sSnapshot, SnapshotBuilder

Sleep = Callable[[float], None]
RequestTimeout = float | tuple[float, float]


class KubeConnectionError(RuntimeError):
    """The API server cannot be reached, or it rejected the credentials: nothing can be collected."""


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries for 429 and 5xx answers and for network errors."""

    max_attempts: int = 5
    base_delay: float = 0.5  # seconds before the second attempt; doubles each time
    max_delay: float = 30.0
    max_retry_after: float = 120.0  # a server asking for longer than this is not waited for in full

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Delay after failed attempt number `attempt` (1-based): exponential, with "equal jitter"."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


# --------------------------------------------------------------------------------------------- client


def load_client(
    context: str | None = None,
    in_cluster: bool = False,
    *,
    kubeconfig: str | Path | None = None,
) -> kubernetes.client.ApiClient:
    """An API client for a kubeconfig context (the current one when None) or the in-cluster account.

    The kubeconfig is never written back (token refreshes stay in memory).
    """
    configuration = kubernetes.client.Configuration()
    try:
        if in_cluster:
            kubernetes.config.load_incluster_config(client_configuration=configuration)
        else:
            kubernetes.config.load_kube_config(
                config_file=str(kubeconfig) if kubeconfig is not None else _default_kubeconfig(),
                context=context,
                client_configuration=configuration,
                persist_config=False,
            )
    except ConfigException as exc:
        where = "in-cluster service account" if in_cluster else f"kubeconfig context {context or '(current)'}"
        raise KubeConnectionError(
            f"cannot load the {where}: {exc}. Check the context name (`kubectl config get-contexts`) "
            "or, inside a pod, that a service account token is mounted"
        ) from exc
    return client_for(configuration)


def client_for(configuration: kubernetes.client.Configuration) -> kubernetes.client.ApiClient:
    """An ApiClient whose connection pool leaves status retries to the collector.

    urllib3 would otherwise re-send a 429 with `Retry-After` on its own, sleeping outside our bounded,
    jittered backoff (and outside the sleep tests inject). Connection errors are still retried twice.
    """
    configuration.retries = urllib3.Retry(
        total=None,
        connect=2,
        read=0,
        redirect=5,
        status=0,
        other=0,
        respect_retry_after_header=False,
        raise_on_status=False,
    )
    return kubernetes.client.ApiClient(configuration)


def list_contexts(kubeconfig: str | Path | None = None) -> list[str]:
    """Context names in the kubeconfig (KUBECONFIG or ~/.kube/config by default); [] when there is none."""
    config_file = str(kubeconfig) if kubeconfig is not None else _default_kubeconfig()
    if not any(Path(p).expanduser().is_file() for p in config_file.split(os.pathsep) if p):
        return []
    contexts, _active = kubernetes.config.list_kube_config_contexts(config_file=config_file)
    return [str(context["name"]) for context in contexts or []]


def current_context(kubeconfig: str | Path | None = None) -> str | None:
    """The kubeconfig's current context, or None when there is no kubeconfig or no current context."""
    config_file = str(kubeconfig) if kubeconfig is not None else _default_kubeconfig()
    if not any(Path(p).expanduser().is_file() for p in config_file.split(os.pathsep) if p):
        return None
    _contexts, active = kubernetes.config.list_kube_config_contexts(config_file=config_file)
    return str(active["name"]) if active else None


def _default_kubeconfig() -> str:
    # Read at call time: the kubernetes package reads KUBECONFIG once, when it is imported.
    return os.environ.get("KUBECONFIG") or "~/.kube/config"


# ----------------------------------------------------------------------------------------- collection


def collect_live(
    api_client: kubernetes.client.ApiClient,
    cluster: str,
    kinds: Iterable[KubeKind | str] = ALL_KINDS,
    page_size: int = 500,
    progress: bool = True,
    *,
    sleep: Sleep = time.sleep,
    retry: RetryPolicy | None = None,
    configmap_allowlist: Iterable[tuple[str, str]] = DEFAULT_CONFIGMAP_ALLOWLIST,
    request_timeout: RequestTimeout = (10.0, 120.0),
    rng: random.Random | None = None,
    console: Console | None = None,
) -> K8sSnapshot:
    """List every requested kind (all namespaces, following `continue`) into a redacted snapshot.

    Raises KubeConnectionError when the API server is unreachable or rejects the credentials outright;
    every per-kind failure becomes a gap instead. `sleep` is what backoff waits with (tests pass a fake).
    """
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size}")
    entries = _unique(resolve_kind(kind) for kind in kinds)
    fetcher = _Fetcher(
        api_client=api_client,
        retry=retry or RetryPolicy(),
        sleep=sleep,
        rng=rng or random.Random(),
        timeout=request_timeout,
    )
    allowlist = frozenset(configmap_allowlist)
    collected_at = int(time.time() * 1000)

    version = _server_version(fetcher)
    builder = SnapshotBuilder()
    lost_server: str | None = None  # set once the server stopped answering, despite retries
    with _progress_display(progress, entries, console) as display:
        for entry in entries:
            if lost_server is not None:
                # Each further kind would only burn its own full retry budget against a dead server.
                gap = CoverageGap(kind=entry.kind, reason=f"not attempted: {lost_server}")
                builder.add_gap(gap)
                display.failed(entry, gap.reason)
                continue
            display.started(entry)
            try:
                items = _list_all(fetcher, entry, page_size, on_page=functools.partial(display.fetched, entry))
            except _RequestFailed as failure:
                gap = CoverageGap(kind=entry.kind, reason=failure.gap_reason())
                builder.add_gap(gap)
                display.failed(entry, gap.reason)
                if failure.network:
                    lost_server = f"the API server stopped answering while {entry.plural} were listed"
                continue
            for item in items:
                builder.add(entry.kind, redact_object(item, allowlist))
            builder.mark_collected(entry.kind)
            display.finished(entry, len(items))
    return builder.build(cluster, version, collected_at)


def _unique(entries: Iterable[KubeKind]) -> list[KubeKind]:
    return list(dict.fromkeys(entries))


def _server_version(fetcher: _Fetcher) -> dict[str, Any] | None:
    host = fetcher.host
    try:
        return fetcher.get_json("/version", [])
    except _RequestFailed as failure:
        if failure.status == 401:
            raise KubeConnectionError(
                f"the API server at {host} rejected the credentials (HTTP 401: {failure.message}). Check "
                "the kubeconfig context, or refresh the token (aws eks update-kubeconfig, gcloud container "
                "clusters get-credentials, …)"
            ) from failure
        if failure.network:
            raise KubeConnectionError(
                f"cannot reach the API server at {host}: {failure.message}. Check the network path "
                "(VPN, proxy, private endpoint) and the server address in the kubeconfig"
            ) from failure
        if failure.status is None:
            raise KubeConnectionError(
                f"{host} does not answer like a Kubernetes API server ({failure.message}). Check the "
                "server address in the kubeconfig"
            ) from failure
        return None  # /version is not essential; some clusters restrict it


def _list_all(
    fetcher: _Fetcher, entry: KubeKind, page_size: int, on_page: Callable[[int], None]
) -> list[dict[str, Any]]:
    """Every object of a kind, page by page. A continue token that expired mid-way (410 Gone) restarts
    the listing once from the beginning, as client-go's pager does."""
    restarts_left = 1
    items: list[dict[str, Any]] = []
    token: str | None = None
    seen_tokens: set[str] = set()
    while True:
        query: list[tuple[str, Any]] = [("limit", page_size)]
        if token:
            query.append(("continue", token))
        try:
            page = fetcher.get_json(entry.list_path, query)
        except _RequestFailed as failure:
            if failure.status == 410 and token and restarts_left > 0:
                restarts_left -= 1
                items, token, seen_tokens = [], None, set()
                continue
            raise
        page_items = page.get("items")
        if not isinstance(page_items, list):
            raise _RequestFailed(None, f"the list response for {entry.list_path} has no `items` list")
        for item in page_items:
            if isinstance(item, dict):
                # Items of a typed list (PodList) come without their own apiVersion and kind.
                item.setdefault("apiVersion", entry.api_version)
                item.setdefault("kind", entry.kind)
                items.append(item)
        on_page(len(items))
        metadata = page.get("metadata")
        token = metadata.get("continue") if isinstance(metadata, dict) else None
        if not token:
            return items
        if token in seen_tokens:
            message = f"the server returned the same continue token twice for {entry.list_path}"
            raise _RequestFailed(None, message)
        seen_tokens.add(token)


# ----------------------------------------------------------------------------------------- requests


class _RequestFailed(Exception):
    """A request that failed for good: an HTTP status (None for network errors) and the server's word."""

    def __init__(
        self, status: int | None, message: str, *, path: str = "", attempts: int = 1, network: bool = False
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.path = path
        self.attempts = attempts
        self.network = network  # no HTTP answer at all: connection, TLS or timeout failure

    def gap_reason(self) -> str:
        if self.attempts > 1:
            what = f"HTTP {self.status}" if self.status is not None else "network error"
            return f"gave up after {self.attempts} attempts ({what}): {self.message}"
        if self.status == 403:
            return f"forbidden (HTTP 403): {self.message}"
        if self.status == 401:
            return f"unauthorized (HTTP 401): {self.message}"
        if self.status == 404:
            return f"not served by this cluster (HTTP 404 for {self.path})"
        if self.status == 410:
            return f"listing expired while paging, twice (HTTP 410): {self.message}"
        if self.status is None:
            return self.message
        return f"HTTP {self.status}: {self.message}"


@dataclass
class _Fetcher:
    api_client: Any  # kubernetes.client.ApiClient (untyped package)
    retry: RetryPolicy
    sleep: Sleep
    rng: random.Random
    timeout: RequestTimeout

    @property
    def host(self) -> str:
        return str(self.api_client.configuration.host)

    def get_json(self, path: str, query: list[tuple[str, Any]]) -> dict[str, Any]:
        """GET a path and decode the JSON object it returns, retrying 429, 5xx and network errors."""
        attempt = 0
        while True:
            attempt += 1
            retry_after: float | None = None
            try:
                status, body, headers = self._get(path, query)
            except ApiException as exc:
                # The client wraps TLS failures as status 0; retrying will not fix a certificate.
                message = f"TLS error talking to {self.host}: {exc.reason}"
                raise _RequestFailed(None, message, path=path, network=True) from exc
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                message = f"{type(exc).__name__}: {exc}"
                failure = _RequestFailed(None, message, path=path, attempts=attempt, network=True)
            else:
                if 200 <= status < 300:
                    return _decode_object(body, path)
                failure = _RequestFailed(status, _status_message(body), path=path, attempts=attempt)
                if not (status == 429 or 500 <= status < 600):
                    failure.attempts = 1
                    raise failure
                retry_after = _retry_after_seconds(headers)
            if attempt >= self.retry.max_attempts:
                raise failure
            delay = self.retry.backoff(attempt, self.rng)
            if retry_after is not None:
                delay = min(retry_after, self.retry.max_retry_after)
            self.sleep(delay)

    def _get(self, path: str, query: list[tuple[str, Any]]) -> tuple[int, bytes, Mapping[str, str]]:
        method, url, headers, body, post_params = self.api_client.param_serialize(
            method="GET",
            resource_path=path,
            query_params=list(query),
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
        )
        response = self.api_client.call_api(
            method,
            url,
            header_params=headers,
            body=body,
            post_params=post_params,
            _request_timeout=self.timeout,
        )
        data = response.read()
        return int(response.status), bytes(data or b""), response.headers


def _decode_object(body: bytes, path: str) -> dict[str, Any]:
    try:
        decoded = json.loads(body)
    except ValueError as exc:
        raise _RequestFailed(None, f"the response for {path} is not JSON ({exc})", path=path) from exc
    if not isinstance(decoded, dict):
        raise _RequestFailed(None, f"the response for {path} is not a JSON object", path=path)
    return decoded


def _status_message(body: bytes) -> str:
    """The `message` of a Kubernetes Status body, or the start of whatever else the server sent."""
    try:
        decoded = json.loads(body)
    except ValueError:
        text = body.decode("utf-8", errors="replace").strip()
        return text[:300] or "(empty response)"
    if isinstance(decoded, dict) and isinstance(decoded.get("message"), str):
        return str(decoded["message"])
    return json.dumps(decoded)[:300]


def _retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


# ----------------------------------------------------------------------------------------- progress


class _Display:
    """Progress callbacks; the base class is the quiet one."""

    def started(self, entry: KubeKind) -> None: ...

    def fetched(self, entry: KubeKind, count: int) -> None: ...

    def finished(self, entry: KubeKind, count: int) -> None: ...

    def failed(self, entry: KubeKind, reason: str) -> None: ...


class _RichDisplay(_Display):
    """One line per kind: waiting, a running count while pages arrive, then the total or the gap."""

    def __init__(self, progress: Progress, entries: list[KubeKind]) -> None:
        self._progress = progress
        self._tasks: dict[KubeKind, TaskID] = {
            entry: progress.add_task(entry.plural, total=1, start=False, detail="[dim]waiting") for entry in entries
        }

    def started(self, entry: KubeKind) -> None:
        self._progress.start_task(self._tasks[entry])
        self._progress.update(self._tasks[entry], detail="listing…")

    def fetched(self, entry: KubeKind, count: int) -> None:
        self._progress.update(self._tasks[entry], detail=f"{_objects(count)}…")

    def finished(self, entry: KubeKind, count: int) -> None:
        self._progress.update(self._tasks[entry], completed=1, detail=f"[green]{_objects(count)}")

    def failed(self, entry: KubeKind, reason: str) -> None:
        self._progress.update(self._tasks[entry], completed=1, detail=f"[red]not collected: {escape(reason)}")


def _objects(count: int) -> str:
    return "1 object" if count == 1 else f"{count} objects"


@contextmanager
def _progress_display(enabled: bool, entries: list[KubeKind], console: Console | None) -> Iterator[_Display]:
    if not enabled:
        yield _Display()
        return
    progress = Progress(
        SpinnerColumn(finished_text="•"),
        TextColumn("{task.description}", table_column=Column(min_width=31, no_wrap=True)),
        TextColumn("{task.fields[detail]}", table_column=Column(overflow="fold")),
        console=console or Console(stderr=True),
    )
    with progress:
        yield _RichDisplay(progress, entries)
