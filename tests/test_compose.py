"""docker-compose.yml, Dockerfile and .env.example, checked by parsing (no Docker engine here).

Each rule is a function returning the problems it finds; every rule is run on the real files (no
problems) and on a broken copy (the problem is found), so no assertion here can pass vacuously.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"

Compose = dict[str, Any]
REQUIRED_PASSWORD = re.compile(r"^\$\{NEO4J_PASSWORD:\?[^}]*\}$")
CREDENTIAL_DIRS = ("${HOME}/.kube", "${HOME}/.aws", "${HOME}/.config/gcloud")


def load_compose() -> Compose:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def service(compose: Compose, name: str) -> dict[str, Any]:
    services = compose.get("services") or {}
    svc = services.get(name)
    assert isinstance(svc, dict), f"service {name!r} is missing"
    return svc


def environment(svc: dict[str, Any]) -> dict[str, str]:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def volume_mounts(svc: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(source, target, read_only) for each volume, short or long syntax."""
    mounts = []
    for vol in svc.get("volumes") or []:
        if isinstance(vol, str):
            parts = vol.split(":")
            source, target = parts[0], parts[1] if len(parts) > 1 else parts[0]
            mode = parts[2] if len(parts) > 2 else "rw"
            mounts.append((source, target, "ro" in mode.split(",")))
        else:
            mounts.append((str(vol.get("source")), str(vol.get("target")), bool(vol.get("read_only"))))
    return mounts


def dockerfile_for(compose: Compose, name: str) -> Path:
    build = service(compose, name).get("build")
    if isinstance(build, str):
        return ROOT / build / "Dockerfile"
    assert isinstance(build, dict), f"service {name!r} is not built from a Dockerfile"
    return ROOT / build.get("context", ".") / build.get("dockerfile", "Dockerfile")


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, args = line.partition(" ")
            out.append((keyword.upper(), args.strip()))
    return out


# ---- rules -------------------------------------------------------------------------------------------


def check_neo4j_image_pinned(compose: Compose) -> list[str]:
    image = str(service(compose, "neo4j").get("image", ""))
    if not re.fullmatch(r"neo4j:5\.26(\.\d+)?-community", image):
        return [f"neo4j image is {image!r}, not pinned to neo4j:5.26[-.x]-community"]
    return []


def check_ports_loopback_only(compose: Compose) -> list[str]:
    problems = []
    for name, svc in (compose.get("services") or {}).items():
        for port in svc.get("ports") or []:
            if isinstance(port, dict):
                host_ip = port.get("host_ip")
                if host_ip != "127.0.0.1":
                    problems.append(f"{name}: port {port} is not bound to 127.0.0.1")
            elif not re.fullmatch(r"127\.0\.0\.1:\d+:\d+(/tcp|/udp)?", str(port)):
                problems.append(f"{name}: port {port!r} is not bound to 127.0.0.1")
    return problems


def check_no_literal_password(compose: Compose) -> list[str]:
    problems = []
    auth = environment(service(compose, "neo4j")).get("NEO4J_AUTH", "")
    if not auth.startswith("neo4j/") or not REQUIRED_PASSWORD.match(auth.removeprefix("neo4j/")):
        problems.append(f"NEO4J_AUTH is {auth!r}, not neo4j/${{NEO4J_PASSWORD:?...}}")
    for name, svc in (compose.get("services") or {}).items():
        for key, value in environment(svc).items():
            if key == "NEO4J_PASSWORD" and not REQUIRED_PASSWORD.match(value):
                problems.append(f"{name}: NEO4J_PASSWORD is {value!r}, not ${{NEO4J_PASSWORD:?...}}")
    if re.search(r"\$\{NEO4J_PASSWORD:?-", yaml.safe_dump(compose)):
        problems.append("NEO4J_PASSWORD has a default value")
    return problems


def check_neo4j_container_has_no_password_variable(compose: Compose) -> list[str]:
    # The neo4j image writes every NEO4J_* variable but a few into neo4j.conf; NEO4J_PASSWORD would become
    # an unknown setting (startup failure under strict validation) holding the password in clear.
    if "NEO4J_PASSWORD" in environment(service(compose, "neo4j")):
        return ["the neo4j service sets NEO4J_PASSWORD"]
    return []


def check_healthcheck(compose: Compose) -> list[str]:
    health = service(compose, "neo4j").get("healthcheck") or {}
    test = health.get("test")
    if health.get("disable") or not test or test == ["NONE"]:
        return ["the neo4j service has no healthcheck"]
    command = test if isinstance(test, str) else " ".join(test)
    if "cypher-shell" not in command and "7474" not in command:
        return [f"the neo4j healthcheck does not probe Neo4j: {command!r}"]
    return []


def check_restart_policy(compose: Compose) -> list[str]:
    problems = []
    for name in ("neo4j", "app"):
        if service(compose, name).get("restart") not in ("always", "unless-stopped", "on-failure"):
            problems.append(f"{name} has no restart policy")
    return problems


def check_data_volume(compose: Compose) -> list[str]:
    named = set((compose.get("volumes") or {}).keys())
    for source, target, _ in volume_mounts(service(compose, "neo4j")):
        if target == "/data" and source in named:
            return []
    return ["the neo4j service has no named volume on /data"]


def check_app(compose: Compose) -> list[str]:
    problems = []
    app = service(compose, "app")
    depends = app.get("depends_on") or {}
    if not isinstance(depends, dict) or (depends.get("neo4j") or {}).get("condition") != "service_healthy":
        problems.append("app does not wait for neo4j to be healthy")
    env = environment(app)
    expected = {"BRIDGEHEAD_GRAPH": "bolt://neo4j:7687", "NEO4J_USERNAME": "neo4j", "NEO4J_DATABASE": "neo4j"}
    for key, value in expected.items():
        if env.get(key) != value:
            problems.append(f"app: {key} is {env.get(key)!r}, expected {value!r}")
    if "127.0.0.1:8501:8501" not in [str(p) for p in app.get("ports") or []]:
        problems.append("app is not published on 127.0.0.1:8501")
    if env.get("STREAMLIT_SERVER_ADDRESS") != "0.0.0.0":
        problems.append("app does not set the container's listen address (STREAMLIT_SERVER_ADDRESS) explicitly")
    return problems


def check_ingest(compose: Compose) -> list[str]:
    problems = []
    ingest = service(compose, "ingest")
    if "ingest" not in (ingest.get("profiles") or []):
        problems.append("ingest is not in the 'ingest' profile")
    entrypoint = ingest.get("entrypoint")
    if entrypoint not in (["bridgehead"], "bridgehead"):
        problems.append(f"ingest entrypoint is {entrypoint!r}, not bridgehead")
    graph_settings = {
        key: value for key, value in environment(service(compose, "app")).items() if key != "STREAMLIT_SERVER_ADDRESS"
    }
    if environment(ingest) != graph_settings:
        problems.append("ingest and app see different graph settings")
    mounts = {source: read_only for source, _, read_only in volume_mounts(ingest)}
    for source in CREDENTIAL_DIRS:
        if source not in mounts:
            problems.append(f"ingest does not mount {source}")
        elif not mounts[source]:
            problems.append(f"ingest mounts {source} writable")
    if "./snapshots" not in mounts:
        problems.append("ingest does not mount ./snapshots")
    return problems


def check_app_dockerfile(compose: Compose) -> list[str]:
    path = dockerfile_for(compose, "app")
    if not path.is_file():
        return [f"the app's Dockerfile {path} does not exist"]
    instructions = dockerfile_instructions(path)
    problems = []
    if ("FROM", "python:3.11-slim") not in instructions:
        problems.append("the Dockerfile is not FROM python:3.11-slim")
    users = [args for keyword, args in instructions if keyword == "USER"]
    if not users or users[-1] in ("root", "0", "0:0"):
        problems.append("the Dockerfile runs as root")
    if not any(k == "RUN" and "pip install --no-cache-dir ." in a for k, a in instructions):
        problems.append("the Dockerfile does not pip install the project")
    if not any(k == "HEALTHCHECK" and "/_stcore/health" in a for k, a in instructions):
        problems.append("the Dockerfile has no healthcheck on /_stcore/health")
    if ("EXPOSE", "8501") not in instructions:
        problems.append("the Dockerfile does not expose 8501")
    cmds = [args for keyword, args in instructions if keyword == "CMD"]
    cmd = cmds[-1] if cmds else ""
    wanted = ['"streamlit", "run", "app.py"', '"--server.port", "8501"']
    if not all(part in cmd for part in wanted):
        problems.append(f"the Dockerfile CMD does not run streamlit on port 8501: {cmd!r}")
    if "--server.address" in cmd:
        problems.append("the Dockerfile CMD sets the listen address: the image must default to loopback")
    return problems


_REAL: Compose = load_compose()

RULES: dict[str, Callable[[Compose], list[str]]] = {
    "neo4j_image_pinned": check_neo4j_image_pinned,
    "ports_loopback_only": check_ports_loopback_only,
    "no_literal_password": check_no_literal_password,
    "neo4j_container_has_no_password_variable": check_neo4j_container_has_no_password_variable,
    "healthcheck": check_healthcheck,
    "restart_policy": check_restart_policy,
    "data_volume": check_data_volume,
    "app": check_app,
    "ingest": check_ingest,
    "app_dockerfile": check_app_dockerfile,
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_compose_file_follows_rule(rule: str) -> None:
    assert RULES[rule](_REAL) == []


# ---- each rule can fail ------------------------------------------------------------------------------


def _set(path: str, value: Any) -> Callable[[Compose], None]:
    def mutate(compose: Compose) -> None:
        *parents, last = path.split(".")
        node = compose
        for key in parents:
            node = node[key]
        node[last] = value

    return mutate


def _delete(path: str) -> Callable[[Compose], None]:
    def mutate(compose: Compose) -> None:
        *parents, last = path.split(".")
        node = compose
        for key in parents:
            node = node[key]
        del node[last]

    return mutate


def _env(svc: str, key: str, value: str) -> Callable[[Compose], None]:
    def mutate(compose: Compose) -> None:
        env = dict(compose["services"][svc]["environment"])
        env[key] = value
        compose["services"][svc]["environment"] = env

    return mutate


def _ingest_volume(old_prefix: str, new: str) -> Callable[[Compose], None]:
    def mutate(compose: Compose) -> None:
        vols = compose["services"]["ingest"]["volumes"]
        compose["services"]["ingest"]["volumes"] = [new if v.startswith(old_prefix) else v for v in vols]

    return mutate


def _dockerfile(tmp: Path, old: str, new: str) -> Callable[[Compose], None]:
    def mutate(compose: Compose) -> None:
        broken = tmp / "Dockerfile.broken"
        text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
        assert old in text
        broken.write_text(text.replace(old, new), encoding="utf-8")
        compose["services"]["app"]["build"] = {"context": str(tmp), "dockerfile": broken.name}

    return mutate


BREAKAGES: list[tuple[str, str, Callable[[Path], Callable[[Compose], None]]]] = [
    ("neo4j_image_pinned", "latest", lambda _: _set("services.neo4j.image", "neo4j:latest")),
    ("neo4j_image_pinned", "5.25", lambda _: _set("services.neo4j.image", "neo4j:5.25-community")),
    ("ports_loopback_only", "no host ip", lambda _: _set("services.neo4j.ports", ["7687:7687"])),
    ("ports_loopback_only", "all interfaces", lambda _: _set("services.app.ports", ["0.0.0.0:8501:8501"])),
    (
        "ports_loopback_only",
        "long syntax",
        lambda _: _set("services.app.ports", [{"target": 8501, "published": 8501}]),
    ),
    ("no_literal_password", "literal auth", lambda _: _env("neo4j", "NEO4J_AUTH", "neo4j/hunter2hunter2")),
    (
        "no_literal_password",
        "default password",
        lambda _: _env("neo4j", "NEO4J_AUTH", "neo4j/${NEO4J_PASSWORD:-changeme123}"),
    ),
    (
        "no_literal_password",
        "substitution that allows empty",
        lambda _: _env("app", "NEO4J_PASSWORD", "${NEO4J_PASSWORD}"),
    ),
    (
        "no_literal_password",
        "literal app password",
        lambda _: _env("ingest", "NEO4J_PASSWORD", "hunter2hunter2"),
    ),
    (
        "neo4j_container_has_no_password_variable",
        "password variable",
        lambda _: _env("neo4j", "NEO4J_PASSWORD", "${NEO4J_PASSWORD:?x}"),
    ),
    ("healthcheck", "missing", lambda _: _delete("services.neo4j.healthcheck")),
    ("healthcheck", "disabled", lambda _: _set("services.neo4j.healthcheck", {"disable": True})),
    ("restart_policy", "missing", lambda _: _delete("services.neo4j.restart")),
    ("data_volume", "anonymous", lambda _: _set("services.neo4j.volumes", ["/data"])),
    ("data_volume", "undeclared", lambda _: _set("volumes", {})),
    ("app", "starts early", lambda _: _set("services.app.depends_on", ["neo4j"])),
    (
        "app",
        "started only",
        lambda _: _set("services.app.depends_on", {"neo4j": {"condition": "service_started"}}),
    ),
    ("app", "wrong graph", lambda _: _env("app", "BRIDGEHEAD_GRAPH", "embedded")),
    ("app", "address left to the image", lambda _: _delete("services.app.environment.STREAMLIT_SERVER_ADDRESS")),
    ("ingest", "no profile", lambda _: _delete("services.ingest.profiles")),
    (
        "ingest",
        "kube writable",
        lambda _: _ingest_volume("${HOME}/.kube", "${HOME}/.kube:/home/bridgehead/.kube"),
    ),
    (
        "ingest",
        "aws writable",
        lambda _: _ingest_volume("${HOME}/.aws", "${HOME}/.aws:/home/bridgehead/.aws:rw"),
    ),
    ("ingest", "gcloud missing", lambda _: _ingest_volume("${HOME}/.config/gcloud", "./snapshots:/other:ro")),
    ("ingest", "other entrypoint", lambda _: _set("services.ingest.entrypoint", ["sh"])),
    ("app_dockerfile", "no Dockerfile", lambda tmp: _set("services.app.build", {"context": str(tmp)})),
    ("app_dockerfile", "root", lambda tmp: _dockerfile(tmp, "USER bridgehead", "USER root")),
    (
        "app_dockerfile",
        "address baked in",
        lambda tmp: _dockerfile(
            tmp, '"--server.port", "8501"', '"--server.address", "0.0.0.0", "--server.port", "8501"'
        ),
    ),
    ("app_dockerfile", "no health", lambda tmp: _dockerfile(tmp, "/_stcore/health", "/")),
    (
        "app_dockerfile",
        "other base",
        lambda tmp: _dockerfile(tmp, "FROM python:3.11-slim", "FROM python:3.12"),
    ),
]


@pytest.mark.parametrize(("rule", "label", "breakage"), BREAKAGES, ids=[f"{r}-{lbl}" for r, lbl, _ in BREAKAGES])
def test_rule_catches_breakage(
    rule: str, label: str, breakage: Callable[[Path], Callable[[Compose], None]], tmp_path: Path
) -> None:
    broken = copy.deepcopy(_REAL)
    breakage(tmp_path)(broken)
    assert RULES[rule](broken), f"{rule} did not notice: {label}"


def test_every_rule_has_a_breakage() -> None:
    assert {rule for rule, _, _ in BREAKAGES} == set(RULES)


# ---- .env.example and .dockerignore ------------------------------------------------------------------


def env_example_problems(text: str) -> list[str]:
    problems = []
    values = {}
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and "=" in stripped:
            key, _, value = stripped.partition("=")
            values[key.strip()] = value.strip()
    if "NEO4J_PASSWORD" not in values:
        problems.append(".env.example does not name NEO4J_PASSWORD")
    for key, value in values.items():
        if ("PASSWORD" in key or "AUTH" in key or "SECRET" in key) and value not in ("", '""', "''"):
            problems.append(f".env.example sets {key}")
    return problems


def test_env_example_has_no_password() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert env_example_problems(text) == []
    assert "8" in text and "NEO4J_PASSWORD=" in text  # tells the user the minimum length


@pytest.mark.parametrize("text", ["NEO4J_PASSWORD=hunter2hunter2\n", "# NEO4J_PASSWORD=\n", "NEO4J_PASSWORD = x\n"])
def test_env_example_check_can_fail(text: str) -> None:
    assert env_example_problems(text)


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    entries = {line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()}
    for required in (".env", ".venv", ".git", "**/node_modules", "artifacts", "**/__pycache__"):
        assert required in entries, required


# ---- the real compose parser, where one is installed ----------------------------------------------


def _compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True, check=False).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


@pytest.mark.skipif(_compose_command() is None, reason="no docker compose / docker-compose installed")
def test_compose_config_validates_and_requires_password(tmp_path: Path) -> None:
    command = _compose_command()
    assert command is not None
    empty_env = tmp_path / "empty.env"
    empty_env.write_text("", encoding="utf-8")
    base = [*command, "--env-file", str(empty_env), "-f", str(COMPOSE_FILE), "--profile", "ingest", "config"]
    env = {k: v for k, v in os.environ.items() if k != "NEO4J_PASSWORD"}
    unset = subprocess.run(base, capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert unset.returncode != 0
    assert "NEO4J_PASSWORD" in unset.stderr
    ok = subprocess.run(
        base,
        capture_output=True,
        text=True,
        env={**env, "NEO4J_PASSWORD": "test-only-password"},
        cwd=tmp_path,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    resolved = yaml.safe_load(ok.stdout)
    assert resolved["services"]["neo4j"]["environment"]["NEO4J_AUTH"] == "neo4j/test-only-password"
    assert set(resolved["services"]) == {"neo4j", "app", "ingest"}
