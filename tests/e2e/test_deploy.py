"""The production stack, checked without Docker: the compose file, the Dockerfile, Prometheus'
config and rules, Grafana's provisioning and dashboard, and that every metric they use is one the
daemon exports (from ``liquidity.serve.metrics`` and from a real ``liquidity serve``)."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb
import pytest
import yaml
from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

import liquidity.serve.metrics as metrics_module
from liquidity.catalog.active import SERIES
from liquidity.config import Settings
from liquidity.models import Observation
from liquidity.registry.units import Unit
from liquidity.serve.metrics import Metrics, Snapshot
from liquidity.transforms.net_liquidity import components, compute, variant
from tests.support.cli import cli_env
from tests.support.questdb_env import questdb_store
from tests.support.questdb_server import QuestDBServer
from tests.support.redis_server import free_port
from tests.support.replay import ReplayServer

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
PROMETHEUS = DEPLOY / "prometheus"
GRAFANA = DEPLOY / "grafana"
SERVICES = {"questdb", "redis", "collector", "prometheus", "grafana"}
SECRET_SETTINGS = {
    name for name, f in Settings.model_fields.items() if "SecretStr" in str(f.annotation)
}
METRIC = re.compile(r"\bliquidity_[a-z0-9_]+\b")


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = load_yaml(COMPOSE)
    assert isinstance(data, dict)
    return data


def service(compose: dict[str, Any], name: str) -> dict[str, Any]:
    return compose["services"][name]  # type: ignore[no-any-return]


def env_of(svc: dict[str, Any]) -> dict[str, str]:
    env = svc.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def mounts(svc: dict[str, Any]) -> dict[str, str]:
    """Volume source -> container target (short syntax)."""
    out = {}
    for volume in svc.get("volumes", []):
        source, target = volume.split(":")[:2]
        out[source] = target
    return out


# -- compose ------------------------------------------------------------------------------------


def test_compose_has_the_five_services_from_official_pinned_images(
    compose: dict[str, Any],
) -> None:
    assert set(compose["services"]) == SERVICES
    images = {name: svc.get("image", "") for name, svc in compose["services"].items()}
    for name, repo in {
        "questdb": "questdb/questdb",
        "redis": "redis",
        "prometheus": "prom/prometheus",
        "grafana": "grafana/grafana",
    }.items():
        image, _, tag = images[name].partition(":")
        assert image == repo, name
        assert tag and tag != "latest", f"{name}: pin a version"
    assert (ROOT / service(compose, "collector")["build"]["context"] / "Dockerfile").is_file()


def test_every_service_has_a_healthcheck_and_restarts(compose: dict[str, Any]) -> None:
    for name, svc in compose["services"].items():
        assert svc.get("restart") == "unless-stopped", name
        check = svc.get("healthcheck")
        assert check and not check.get("disable"), name
        test = check["test"]
        assert isinstance(test, list) and test[0] in ("CMD", "CMD-SHELL") and len(test) > 1, name
        for key in ("interval", "timeout", "retries"):
            assert key in check, (name, key)


def test_healthchecks_ask_the_right_endpoints(compose: dict[str, Any]) -> None:
    def command(name: str) -> str:
        return " ".join(service(compose, name)["healthcheck"]["test"][1:])

    assert "/dev/tcp/127.0.0.1/9000" in command("questdb") and "GET / " in command("questdb")
    assert "redis-cli ping" in command("redis")
    port = env_of(service(compose, "collector"))["LIQUIDITY_METRICS_PORT"]
    assert f"urlopen('http://127.0.0.1:{port}/healthz'" in command("collector")
    assert "http://127.0.0.1:9090/-/healthy" in command("prometheus")
    assert "http://127.0.0.1:3000/api/health" in command("grafana")


def test_redis_persists_with_aof(compose: dict[str, Any]) -> None:
    command = service(compose, "redis")["command"]
    joined = " ".join(command)
    assert "--appendonly yes" in joined and "--appendfsync everysec" in joined
    assert mounts(service(compose, "redis")).get("redis-data") == "/data"


def test_named_volumes_are_declared_and_bind_mounts_exist(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    used = set()
    for name, svc in compose["services"].items():
        for source in mounts(svc):
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name}: {source} missing"
            else:
                used.add(source)
                assert source in declared, f"{name}: volume {source} not declared"
    assert used == declared
    for name in ("questdb", "redis", "collector", "prometheus", "grafana"):
        assert any(not s.startswith((".", "/")) for s in mounts(service(compose, name))), name


def test_published_ports_listen_on_loopback_only(compose: dict[str, Any]) -> None:
    for name, svc in compose["services"].items():
        for port in svc.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)
    questdb = [p.split(":", 1)[1] for p in service(compose, "questdb")["ports"]]
    assert questdb == ["9000:9000", "8812:8812"]


def test_collector_points_at_the_services(compose: dict[str, Any]) -> None:
    collector = service(compose, "collector")
    env = env_of(collector)
    assert env["LIQUIDITY_STORE"] == "questdb"
    assert env["LIQUIDITY_QUESTDB_HOST"] == "questdb" in compose["services"]
    redis = urlsplit(env["LIQUIDITY_REDIS_URL"])
    assert (redis.scheme, redis.hostname, redis.port) == ("redis", "redis", 6379)
    assert redis.password is None
    assert env["LIQUIDITY_METRICS_ADDR"] == "0.0.0.0"
    spool = env["LIQUIDITY_SPOOL_PATH"]
    assert any(spool.startswith(t + "/") for t in mounts(collector).values()), (
        "spool not on a volume"
    )
    for dep in ("questdb", "redis"):
        assert collector["depends_on"][dep]["condition"] == "service_healthy"
    # Every variable is a real setting (a typo would be silently ignored by pydantic-settings).
    fields = set(Settings.model_fields)
    for name in env:
        assert name.startswith("LIQUIDITY_") and name[10:].lower() in fields, name
    Settings(_env_file=None, **{k[10:].lower(): v for k, v in env.items()})


def test_secrets_come_from_files_and_are_never_inlined(compose: dict[str, Any]) -> None:
    top = compose["secrets"]
    for name, spec in top.items():
        assert set(spec) == {"file"}, f"{name}: only file-based secrets"
        assert spec["file"].startswith("./deploy/secrets/"), name
        assert Path(spec["file"]).name == name
    collector = service(compose, "collector")
    names = set(collector["secrets"])
    assert {"LIQUIDITY_FRED_API_KEY", "LIQUIDITY_DISCORD_WEBHOOK_URL"} <= names <= set(top)
    for name in names:  # mounted at /run/secrets/<name>, which the settings read
        assert name[10:].lower() in SECRET_SETTINGS, name
    grafana = service(compose, "grafana")
    assert (
        env_of(grafana)["GF_SECURITY_ADMIN_PASSWORD__FILE"] == "/run/secrets/grafana_admin_password"
    )
    assert "grafana_admin_password" in grafana["secrets"]
    for svc_name, svc in compose["services"].items():
        for var in env_of(svc):
            if var == "LIQUIDITY_REDIS_URL":
                continue  # checked above: no password in it
            assert not (var.startswith("LIQUIDITY_") and var[10:].lower() in SECRET_SETTINGS), var
            if re.search(r"PASSWORD|TOKEN|SECRET|_KEY$|WEBHOOK", var) and not var.endswith(
                "__FILE"
            ):
                pytest.fail(f"{svc_name}: {var} looks like an inlined secret")


def test_no_secret_value_in_the_files() -> None:
    text = COMPOSE.read_text() + DOCKERFILE.read_text()
    assert not re.search(r"\b[0-9a-f]{32}\b", text), "looks like a FRED API key"
    assert "discord.com/api/webhooks" not in text and "discordapp.com" not in text
    assert not re.search(r"redis://[^@\s]*:[^@\s]*@", text), "password in a Redis URL"
    for line in COMPOSE.read_text().splitlines():
        if re.search(r"(?i)password|token|api_key|webhook_url", line) and ":" in line:
            value = line.split(":", 1)[1].strip()
            assert (
                value in ("", "/run/secrets/grafana_admin_password")
                or (
                    value.startswith("file: ./deploy/secrets/")
                    or line.lstrip().startswith(("-", "#"))
                )
                or value.startswith("./deploy/secrets/")
            ), line


def test_secret_files_are_gitignored() -> None:
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    for name in (
        "LIQUIDITY_FRED_API_KEY",
        "LIQUIDITY_DISCORD_WEBHOOK_URL",
        "grafana_admin_password",
    ):
        ignored = subprocess.run(
            [git, "check-ignore", "-q", f"deploy/secrets/{name}"], cwd=ROOT, check=False
        )
        assert ignored.returncode == 0, name
    tracked = subprocess.run(
        [git, "ls-files", "deploy/secrets"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert tracked in ([], ["deploy/secrets/README.md"])
    assert (DEPLOY / "secrets" / "README.md").is_file()
    assert '"Secrets"' in (DEPLOY / "secrets" / "README.md").read_text()


# -- Dockerfile ---------------------------------------------------------------------------------


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", path.read_text())
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_is_slim_non_root_and_installs_the_package() -> None:
    steps = instructions(DOCKERFILE)
    froms = [args for word, args in steps if word == "FROM"]
    assert froms and all(re.match(r"python:3\.11-slim\b", f) for f in froms)
    final = steps[max(i for i, (w, _) in enumerate(steps) if w == "FROM") :]
    users = [args for word, args in final if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    runs = " ".join(args for word, args in steps if word == "RUN")
    assert re.search(r"pip install \"\.\[questdb\]\"", runs)
    assert "dev" not in re.findall(r"\.\[([^\]]*)\]", runs)[0].split(",")
    assert ("ENTRYPOINT", '["liquidity"]') in steps and ("CMD", '["serve"]') in steps
    health = " ".join(args for word, args in final if word == "HEALTHCHECK")
    assert "/healthz" in health and "urllib.request" in health and "curl" not in health
    env = " ".join(args for word, args in final if word == "ENV")
    assert "LIQUIDITY_METRICS_ADDR=0.0.0.0" in env
    for word, args in steps:
        if word in ("ENV", "ARG"):
            for name in re.findall(r"([A-Z_][A-Z0-9_]*)=", args) or [args.split("=")[0]]:
                if name.startswith("LIQUIDITY_"):
                    assert name[10:].lower() not in SECRET_SETTINGS, name
                assert not re.search(r"PASSWORD|TOKEN|SECRET|API_KEY|WEBHOOK", name), name


def test_dockerignore_keeps_the_context_to_what_pip_needs() -> None:
    lines = [
        ln.strip()
        for ln in (ROOT / ".dockerignore").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    assert lines[0] == "*", "allow-list: exclude everything first"
    allowed = {ln[1:].rstrip("/") for ln in lines if ln.startswith("!")}
    assert allowed <= {"pyproject.toml", "README.md", "src"}
    copies = [args.split()[:-1] for word, args in instructions(DOCKERFILE) if word == "COPY"]
    for sources in copies:
        if any(s.startswith("--from=") for s in sources):
            continue  # from a build stage, not the context
        for source in sources:
            assert source.rstrip("/") in allowed, f"COPY {source} is excluded by .dockerignore"
            assert (ROOT / source).exists()
    assert (ROOT / "src" / "liquidity" / "__init__.py").is_file()


# -- Prometheus ---------------------------------------------------------------------------------


def rules() -> list[dict[str, Any]]:
    data = load_yaml(PROMETHEUS / "rules.yml")
    return [rule for group in data["groups"] for rule in group["rules"]]


def test_prometheus_scrapes_the_collector_and_loads_the_rules(compose: dict[str, Any]) -> None:
    config = load_yaml(PROMETHEUS / "prometheus.yml")
    for path in config["rule_files"]:
        assert (PROMETHEUS / path).is_file(), path  # relative to the config file
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    targets = [t for sc in jobs["liquidity"]["static_configs"] for t in sc["targets"]]
    port = env_of(service(compose, "collector"))["LIQUIDITY_METRICS_PORT"]
    assert targets == [f"collector:{port}"]
    assert jobs["liquidity"].get("metrics_path", "/metrics") == "/metrics"
    prom = service(compose, "prometheus")
    assert mounts(prom)["./deploy/prometheus"] == "/etc/prometheus"
    assert "--config.file=/etc/prometheus/prometheus.yml" in prom["command"]


def test_alert_rules_cover_the_incidents() -> None:
    by_expr = {" ".join(rule["expr"].split()): rule for rule in rules()}
    for expr in (
        "liquidity_series_overdue == 1",
        "liquidity_breaker_open == 1",
        "liquidity_store_up == 0",
        "liquidity_spool_rows > 0",
        "max(liquidity_active_collector) == 0",
        'up{job="liquidity"} == 0',
    ):
        assert expr in by_expr, expr
    assert re.fullmatch(r"\d+m", by_expr["liquidity_series_overdue == 1"]["for"])
    names = [rule["alert"] for rule in rules()]
    assert len(names) == len(set(names))
    for rule in rules():
        assert re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        assert rule["expr"].count("(") == rule["expr"].count(")")


def promtool() -> str:
    tool = shutil.which("promtool")
    if tool is None:
        pytest.skip(
            "promtool not installed (Debian: apt-get install prometheus); "
            "the structural tests above still ran"
        )
    return tool


@pytest.mark.parametrize(
    "args",
    [
        ["check", "config", "prometheus.yml"],
        ["check", "rules", "rules.yml"],
        ["test", "rules", "rules.test.yml"],
    ],
)
def test_promtool(args: list[str]) -> None:
    tool = promtool()
    done = subprocess.run(
        [tool, *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


# -- Grafana ------------------------------------------------------------------------------------


def datasources() -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted((GRAFANA / "provisioning" / "datasources").glob("*.yml")):
        for ds in load_yaml(path)["datasources"]:
            out[ds["uid"]] = ds
    return out


def dashboards() -> list[dict[str, Any]]:
    paths = sorted((GRAFANA / "dashboards").glob("*.json"))
    assert paths
    return [json.loads(p.read_text()) for p in paths]


def all_panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def targets(kind: str) -> list[dict[str, Any]]:
    out = []
    for dashboard in dashboards():
        for panel in all_panels(dashboard):
            for target in panel.get("targets", []):
                ds = target.get("datasource") or panel["datasource"]
                if ds["type"] == kind:
                    out.append(target)
    return out


def test_grafana_datasources(compose: dict[str, Any]) -> None:
    ds = datasources()
    prom, qdb = ds["prometheus"], ds["questdb"]
    assert prom["type"] == "prometheus" and prom["url"] == "http://prometheus:9090"
    assert qdb["type"] == "grafana-postgresql-datasource"
    host, port = qdb["url"].split(":")
    assert host in compose["services"] and port == "8812"
    assert (qdb["user"], qdb["secureJsonData"]["password"]) == ("admin", "quest")
    assert qdb["jsonData"]["sslmode"] == "disable" and qdb["jsonData"]["database"] == "qdb"
    grafana = mounts(service(compose, "grafana"))
    assert grafana["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    providers = load_yaml(GRAFANA / "provisioning" / "dashboards" / "dashboards.yml")["providers"]
    assert [p["options"]["path"] for p in providers] == [grafana["./deploy/grafana/dashboards"]]


def test_dashboard_is_well_formed() -> None:
    uids = set(datasources())
    for dashboard in dashboards():
        assert dashboard["uid"] and dashboard["title"] and dashboard["schemaVersion"] >= 36
        ids = [p["id"] for p in all_panels(dashboard)]
        assert len(ids) == len(set(ids))
        for panel in all_panels(dashboard):
            assert {"x", "y", "w", "h"} <= set(panel["gridPos"]), panel["title"]
            assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24, panel["title"]
            if panel["type"] == "row":
                continue
            assert panel["datasource"]["uid"] in uids, panel["title"]
            assert panel["targets"], panel["title"]
            for target in panel["targets"]:
                assert (target.get("datasource") or panel["datasource"])["uid"] in uids
                assert target.get("expr") or target.get("rawSql"), panel["title"]


def test_dashboard_shows_what_the_issue_asks() -> None:
    exprs = " ".join(t["expr"] for t in targets("prometheus"))
    for needle in (
        "liquidity_series_observation_age_seconds",
        "liquidity_series_overdue",
        'liquidity_requests_total{status!="200"}',
        "liquidity_breaker_open",
        "liquidity_spool_rows",
        "liquidity_store_up",
        "liquidity_collect_duration_seconds_bucket",
        "liquidity_release_delay_seconds_bucket",  # issue 17: update -> Redis, per series
        "liquidity_requests_today",
        "liquidity_request_budget",
    ):
        assert needle in exprs, needle
    sql = [t["rawSql"] for t in targets("grafana-postgresql-datasource")]
    weekly = variant("weekly")
    assert sql and all("row_number() OVER (PARTITION BY series_id, ts" in s for s in sql)
    for series_id in components(weekly):
        assert SERIES[series_id].unit is Unit.USD_MILLIONS  # the panels say USD millions
        assert all(f"'{series_id}'" in s for s in sql), series_id
    titles = " ".join(p["title"] for d in dashboards() for p in all_panels(d))
    assert "Net Liquidity (weekly)" in titles and "USD millions" in titles


# -- the Net Liquidity SQL gives the library's numbers ------------------------------------------

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def sample_rows() -> list[Observation]:
    """Six Wednesdays, a revision of two of them, and a date where WDTGAL is missing."""
    rows = []
    start = date(2025, 10, 1)  # a Wednesday
    for week in range(6):
        day = start + timedelta(weeks=week)
        known = T0 + timedelta(weeks=week)
        for sid, base in (("WALCL", 6_600_000.0), ("WLRRAL", 200_000.0), ("WDTGAL", 850_000.0)):
            if sid == "WDTGAL" and week == 4:
                continue
            rows.append(
                Observation(sid, day, base + week * 1000, day + timedelta(days=1), known, "fred")
            )
    revised = start + timedelta(weeks=2)
    rows.append(
        Observation(
            "WALCL",
            revised,
            6_700_000.0,
            revised + timedelta(days=8),
            T0 + timedelta(weeks=3),
            "fred",
        )
    )
    rows.append(
        Observation(
            "WDTGAL", start, 800_000.0, start + timedelta(days=15), T0 + timedelta(weeks=5), "fred"
        )
    )
    return rows


def expected_weekly(rows: list[Observation]) -> list[tuple[Any, ...]]:
    """(date, net, WALCL, WLRRAL, WDTGAL) from the library, each the latest known value."""
    latest: dict[tuple[str, date], Observation] = {}
    for o in rows:
        key = (o.series_id, o.date)
        if key not in latest or o.known_at > latest[key].known_at:
            latest[key] = o
    by_series: dict[str, list[Observation]] = {}
    for o in sorted(latest.values(), key=lambda o: o.date):
        by_series.setdefault(o.series_id, []).append(o)
    weekly = variant("weekly")
    return [
        (r.date, r.net_liquidity, *(r.components[s] for s in components(weekly)))
        for r in compute(weekly, by_series)
    ]


def grafana_sql(table: str = "observations") -> str:
    sql = targets("grafana-postgresql-datasource")[0]["rawSql"]
    # What Grafana's $__timeFilter macro expands to.
    sql = sql.replace(
        "$__timeFilter(ts)", "ts BETWEEN '2000-01-01T00:00:00Z' AND '2100-01-01T00:00:00Z'"
    )
    return sql.replace("FROM observations", f"FROM {table}")


def test_net_liquidity_sql_matches_the_library() -> None:
    """The dashboard's SQL (standard SQL: DuckDB runs it too) on a table shaped like QuestDB's."""
    rows = sample_rows()
    con = duckdb.connect(":memory:")
    con.execute(
        "CREATE TABLE observations (ts TIMESTAMP, series_id VARCHAR, value DOUBLE, "
        "realtime_start TIMESTAMP, known_at TIMESTAMP, source VARCHAR, ingested_at TIMESTAMP, "
        "revision BOOLEAN)"
    )
    con.executemany(
        "INSERT INTO observations VALUES (?, ?, ?, ?, ?, ?, now(), false)",
        [
            (
                o.date,
                o.series_id,
                o.value,
                o.realtime_start,
                o.known_at.replace(tzinfo=None),
                o.source,
            )
            for o in rows
        ],
    )
    cursor = con.execute(grafana_sql())
    names = [d[0] for d in cursor.description]
    got = cursor.fetchall()
    con.close()
    assert names[:2] == ["time", "Net Liquidity"]
    expected = expected_weekly(rows)
    assert len(expected) == 5  # the week without WDTGAL is left out
    assert [(r[0].date(), *r[1:]) for r in got] == expected
    assert got[0][1] == 6_600_000 - 200_000 - 800_000  # WDTGAL's revision wins


def test_net_liquidity_sql_on_a_real_questdb(questdb_server: QuestDBServer, tmp_path: Path) -> None:
    """The same SQL in QuestDB's dialect, through its REST endpoint (Grafana uses PGWire)."""
    rows = sample_rows()
    with questdb_store(questdb_server, tmp_path) as store:
        store.write(rows)
        prefix = store.inner.prefix
        _, got = store.inner.rest.query(grafana_sql(f"{prefix}observations"))
    day = [datetime.fromisoformat(str(r[0]).replace("Z", "+00:00")).date() for r in got]
    assert [(d, *r[1:]) for d, r in zip(day, got, strict=True)] == expected_weekly(rows)


# -- every metric the rules and the dashboard use is exported -----------------------------------


def sample_names(families: Iterator[Metric]) -> dict[str, set[str]]:
    """Exposed sample name -> label names, from metric families."""
    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_count", "_sum", "_created"),
        "info": ("_info",),
        "gauge": ("",),
    }
    out: dict[str, set[str]] = {}
    for family in families:
        labels = {k for s in family.samples for k in s.labels if k != "le"}
        for suffix in suffixes[family.type]:
            out.setdefault(family.name + suffix, set()).update(labels)
        for s in family.samples:
            out.setdefault(s.name, set()).update(k for k in s.labels if k != "le")
    return out


def used_metrics() -> dict[str, set[str]]:
    """Metric name -> where it is used (rules and dashboard expressions)."""
    uses: dict[str, set[str]] = {}
    for rule in rules():
        for name in METRIC.findall(rule["expr"]):
            uses.setdefault(name, set()).add(f"rule {rule['alert']}")
    for target in targets("prometheus"):
        for name in METRIC.findall(target["expr"]):
            uses.setdefault(name, set()).add("dashboard")
    assert len(uses) >= 8
    return uses


def in_process_names() -> dict[str, set[str]]:
    """Exposed sample name -> label names, from ``Metrics`` on a fresh registry."""
    registry = CollectorRegistry()
    metrics = Metrics(
        registry, lambda: Snapshot(breakers={"fred": False}), grace=timedelta(hours=12)
    )
    out = sample_names(iter(registry.collect()))
    for obj in vars(metrics).values():  # labels of metrics that have no sample yet
        declared = set(getattr(obj, "_labelnames", ()))
        for name in out:
            if name.startswith(getattr(obj, "_name", "\0")):
                out[name] |= declared
    return out


def test_metric_constants_are_the_exported_families() -> None:
    constants = {
        v
        for k, v in vars(metrics_module).items()
        if k.isupper() and isinstance(v, str) and v.startswith("liquidity_") and v != "liquidity_"
    }
    registry = CollectorRegistry()
    Metrics(registry, lambda: Snapshot(), grace=timedelta(hours=12))
    assert {f.name for f in registry.collect()} == constants


def test_rules_and_dashboard_use_only_exported_metrics() -> None:
    exported = in_process_names()
    missing = {name: where for name, where in used_metrics().items() if name not in exported}
    assert not missing, f"not exported by liquidity.serve.metrics: {missing}"


def scrape(port: int, timeout: float = 60.0) -> str:
    """/metrics once the daemon has finished a job (its collect histogram has a sample)
    and its freshness snapshot, refreshed on its own interval, has seen the stored rows."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                text: str = r.read().decode()
            ready = (
                "liquidity_collect_duration_seconds_count{",
                "liquidity_series_observation_age_seconds{",
            )
            if all(marker in text for marker in ready):
                return text
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    pytest.fail("the daemon finished no job in time")


def test_the_real_daemon_exports_every_metric_used(replay: ReplayServer, tmp_path: Path) -> None:
    port = free_port()
    env = cli_env(
        replay,
        tmp_path / "d.duckdb",
        LIQUIDITY_METRICS_PORT=str(port),
        LIQUIDITY_SERVE_INTERVAL="1",
        LIQUIDITY_SERVE_SNAPSHOT_INTERVAL="0.5",
    )
    log = tmp_path / "daemon.log"
    with log.open("ab") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "liquidity", "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        text = scrape(port)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            assert r.status == 200  # what the Dockerfile's and compose's health checks ask
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log.read_text()
    exported = sample_names(text_string_to_metric_families(text))
    used = used_metrics()
    missing = {name: where for name, where in used.items() if name not in exported}
    assert not missing, f"not exported by `liquidity serve`: {missing}"
    declared = in_process_names()
    assert set(exported) == set(declared)
    # Labels the dashboard's legends and the rules' annotations name exist on those metrics;
    # a metric's own `job` label reaches PromQL as `exported_job` (the scrape's job wins).
    scrape_labels = {"job", "instance"}
    texts = [(t["expr"], t.get("legendFormat", "")) for t in targets("prometheus")]
    texts += [(r["expr"], json.dumps(r["annotations"])) for r in rules()]
    for expr, text_with_labels in texts:
        names = METRIC.findall(expr)
        if not names:
            continue
        labels = set().union(*(exported[n] | declared.get(n, set()) for n in names))
        available = {"exported_job" if k == "job" else k for k in labels} | scrape_labels
        wanted = set(re.findall(r"\{\{\s*\$?(?:labels\.)?\.?(\w+)\s*\}\}", text_with_labels))
        for group in re.findall(r"\bby \(([^)]*)\)", expr):
            wanted |= {label.strip() for label in group.split(",")}
        wanted -= {"le", "value"}
        assert wanted <= available, (expr, wanted - available)


def test_readme_tells_how_to_run_the_stack() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Production set-up", 1)[1].split("\n## ", 1)[0]
    for needle in (
        "docker compose up -d",
        "deploy/secrets",
        "http://127.0.0.1:3000",
        "http://127.0.0.1:9090",
        "http://127.0.0.1:9000",
        "/readyz",
    ):
        assert needle in section, needle
