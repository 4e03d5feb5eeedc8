"""The operations docs load and agree with the code: alert rules and the dashboard parse (PromQL),
name only metrics the server exports, link runbooks that exist; every runbook command exists."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import promql_parser
import pytest
import typer
import yaml
from openagents_server.cli import app as cli_app
from openagents_server.metrics import families
from openagents_server.metrics.exposition import CLUSTER_FAMILIES
from prometheus_client import REGISTRY

REPO = Path(__file__).resolve().parents[2]
OPS = REPO / "docs" / "ops"
_METRIC = re.compile(r"\bopenagents_[a-z0-9_]+")
_SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")


def exported_names() -> set[str]:
    assert families.HTTP_REQUESTS  # the module registers every family on import
    names = set(CLUSTER_FAMILIES)
    for collector in list(REGISTRY._collector_to_names):
        names.update(REGISTRY._collector_to_names[collector])
    return names


def check_expr(expr: str, exported: set[str], where: str) -> None:
    promql_parser.parse(expr)  # raises ValueError on a syntax error
    for name in _METRIC.findall(expr):
        base = name
        if name not in exported:
            for suffix in _SUFFIXES:
                if name.endswith(suffix) and name.removesuffix(suffix) in exported:
                    base = name.removesuffix(suffix)
                    break
        assert base in exported or name in exported, f"{where}: {name} is not exported by the server"


def alert_rules() -> list[dict]:
    document = yaml.safe_load((OPS / "alerts.yml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_alert_rules_parse_and_name_exported_metrics_and_existing_runbooks() -> None:
    exported = exported_names()
    rules = alert_rules()
    assert len(rules) >= 10
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names))
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert rule["labels"]["severity"] in {"page", "ticket"}
        assert re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]
        check_expr(rule["expr"], exported, rule["alert"])
        assert (REPO / rule["annotations"]["runbook"]).is_file(), rule["alert"]


def test_a_broken_rule_would_be_caught() -> None:
    with pytest.raises(ValueError):
        promql_parser.parse("sum(rate(openagents_http_requests_total[5m])")
    with pytest.raises(AssertionError):
        check_expr("rate(openagents_no_such_metric_total[5m])", exported_names(), "probe")


@pytest.mark.skipif(
    shutil.which("promtool") is None,
    reason="optional cross-check with Prometheus's own promtool, which is not installed here (Debian's "
           "96 MB prometheus package); every rule is already parsed by promql-parser and checked against "
           "the exported metrics in test_alert_rules_parse_and_name_exported_metrics_and_existing_runbooks")
def test_promtool_accepts_the_rules() -> None:
    result = subprocess.run(["promtool", "check", "rules", str(OPS / "alerts.yml")], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_slo_has_an_alert() -> None:
    slo = (OPS / "SLO.md").read_text()
    names = {rule["alert"] for rule in alert_rules()}
    mentioned = set(re.findall(r"`([A-Z][A-Za-z]+)`", slo)) & {n.split("…")[0] for n in names} | \
        {n for n in names if n in slo}
    for alert in ("ApiAvailabilityBudgetBurnFast", "ApiLatencyBudgetBurn", "KhalaDeliverySlow", "SmokeFailing",
                  "ShellAssetsFailing"):
        assert alert in names and alert in mentioned


def test_the_dashboard_loads_and_every_panel_query_is_valid() -> None:
    dashboard = json.loads((OPS / "grafana-dashboard.json").read_text())
    assert dashboard["uid"] and dashboard["panels"]
    exported = exported_names()
    covered = set()
    for panel in dashboard["panels"]:
        assert {"id", "type", "title", "gridPos", "targets"} <= set(panel)
        for target in panel["targets"]:
            check_expr(target["expr"], exported, panel["title"])
            covered.update(_METRIC.findall(target["expr"]))
    # the families each have a panel
    for needle in ("http_requests", "db_pool", "db_query", "khala_connections", "khala_subscriptions",
                   "khala_published", "khala_delivered", "khala_replay", "slow_consumer", "stale_cursors",
                   "auth.refresh.replay_detected", "runtime_run", "heartbeats", "client_telemetry", "bundle_in_use"):
        assert any(needle in target["expr"] for p in dashboard["panels"] for target in p["targets"]), needle


def runbook_commands() -> list[tuple[str, str]]:
    found = []
    for path in sorted((OPS / "runbooks").glob("*.md")):
        for block in re.findall(r"```sh\n(.*?)```", path.read_text(), re.DOTALL):
            for line in block.splitlines():
                line = line.strip()
                if line.startswith("openagents "):
                    found.append((path.name, line))
    return found


def test_every_runbook_names_a_metric_and_a_command() -> None:
    exported = exported_names()
    for path in sorted((OPS / "runbooks").glob("*.md")):
        text = path.read_text()
        metrics = _METRIC.findall(text)
        assert metrics, path.name
        for name in metrics:
            check_expr(name, exported, path.name)
        assert any(f == path.name for f, _ in runbook_commands()), path.name


def parse_command_line(line: str) -> None:
    """Resolve ``openagents …`` down to its command and parse every level's arguments as the CLI
    would, without running it (unknown commands, options or missing arguments raise)."""
    command = typer.main.get_command(cli_app)
    ctx = command.make_context("openagents", shlex.split(line)[1:])
    while hasattr(command, "resolve_command"):  # a group: go down one level
        name, sub, rest = command.resolve_command(ctx, [*getattr(ctx, "_protected_args", []), *ctx.args])
        assert sub is not None, line
        command = sub
        ctx = sub.make_context(name, rest, parent=ctx)


@pytest.mark.parametrize(("runbook", "line"), runbook_commands())
def test_every_runbook_command_exists_and_its_arguments_parse(runbook: str, line: str) -> None:
    parse_command_line(line)


@pytest.mark.parametrize("line", ["openagents ops nope", "openagents ops maintenance on --bogus x",
                                  "openagents ops maintenance on", "openagents bundle rollback extra"])
def test_a_wrong_runbook_command_would_be_caught(line: str) -> None:
    with pytest.raises(Exception):  # noqa: B017 - click's usage errors have several types
        parse_command_line(line)
