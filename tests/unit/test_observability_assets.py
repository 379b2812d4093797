"""The dashboard and the alert rules read metrics otv really exposes, and the rules pass
promtool's own checks and unit tests."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry

from otv.metrics import (
    API_BUCKETS_S,
    STATUS_SLO_S,
    VERIFICATION_BUCKETS_S,
    VERIFICATION_DURATION_SLO_S,
    ScenarioMetrics,
    ServiceMetrics,
    VerificationMetrics,
    auth_decisions,
)
from services.auth.webhook_server import webhook_counter
from services.reporter.publishing import publish_counter

DEPLOY = Path(__file__).parents[2] / "deploy"
DASHBOARD = DEPLOY / "grafana" / "otv.json"
RULES = DEPLOY / "prometheus" / "rules.yaml"
needs_promtool = pytest.mark.skipif(
    shutil.which("promtool") is None,
    reason="promtool (Debian's prometheus package, installed by .ci/run) is not on PATH",
)


def exposed_names() -> set[str]:
    """Every series name otv's registries can expose."""
    metrics = ServiceMetrics("test")
    registry: CollectorRegistry = metrics.registry
    VerificationMetrics.register(registry)
    ScenarioMetrics.register(registry)
    auth_decisions(registry)
    publish_counter(registry)
    webhook_counter(registry)
    suffixes = {
        "counter": ("_total",),
        "histogram": ("_bucket", "_count", "_sum"),
        "gauge": ("",),
        "info": ("_info",),
    }
    return {
        family.name + suffix for family in registry.collect() for suffix in suffixes[family.type]
    }


def dashboard_expressions() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def rules() -> list[dict[str, str]]:
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def referenced(expression: str, pattern: str) -> set[str]:
    # Label values and matchers are quoted; only bare names are series.
    bare = re.sub(r'"[^"]*"', "", expression)
    return set(re.findall(pattern, bare))


def test_the_dashboard_and_the_rules_use_only_metrics_otv_exposes() -> None:
    names = exposed_names()
    expressions = dashboard_expressions() + [rule["expr"] for rule in rules()]
    used = set().union(*(referenced(e, r"\botv_[a-z_]+\b") for e in expressions))
    assert used, "no otv metric is used at all"
    assert used <= names, f"not exposed by any service: {sorted(used - names)}"


def test_every_recording_rule_the_dashboard_reads_is_defined() -> None:
    recorded = {rule["record"] for rule in rules() if "record" in rule}
    read = set().union(*(referenced(e, r"\botv:[a-z0-9_:]+") for e in dashboard_expressions()))
    assert read and read <= recorded, sorted(read - recorded)


def test_the_dashboard_shows_what_an_sre_needs_and_its_panels_are_distinct() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    text = " ".join(dashboard_expressions())
    for needed in (
        "otv_verifications_total",  # verdicts over time
        "otv_events_consumed_total",  # RED per service
        "otv_consumer_pending_messages",  # queue lag
        "otv:cache_hit:ratio_rate5m",
        "otv_auth_decisions_total",
        'otv_api_request_duration_seconds_bucket{endpoint="status"}',  # status latency
    ):
        assert needed in text, needed
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    assert "datasource" in variables


def test_each_slo_threshold_is_a_histogram_bucket() -> None:
    assert STATUS_SLO_S in API_BUCKETS_S
    assert VERIFICATION_DURATION_SLO_S in VERIFICATION_BUCKETS_S
    slo_rules = [
        rule["expr"] for rule in rules() if rule.get("record", "").startswith("otv:status")
    ]
    assert slo_rules and all(f'le="{STATUS_SLO_S}"' in expr for expr in slo_rules)


def test_every_alert_says_how_bad_and_what_it_is_about() -> None:
    alerts = [rule for rule in rules() if "alert" in rule]
    assert {a["alert"] for a in alerts} >= {
        "OtvVerificationErrorBudgetBurn",
        "OtvStatusLatencyBudgetBurn",
        "OtvConsumerLag",
        "OtvAuthFailureSpike",
        "OtvServiceDown",
    }
    for alert in alerts:
        assert alert["labels"]["severity"] in ("page", "ticket"), alert["alert"]
        assert alert["annotations"]["summary"] and alert["annotations"]["description"]


@needs_promtool
def test_promtool_accepts_the_rules_and_their_unit_tests_pass() -> None:
    checked = subprocess.run(
        ["promtool", "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run(
        ["promtool", "test", "rules", "rules_test.yaml"],
        cwd=RULES.parent,
        check=False,
        capture_output=True,
        text=True,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout
