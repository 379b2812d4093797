"""Every report format, checked against its official schema or a strict parser."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
import xmlschema
from history import History, Scenario

from otv.outcomes import Verdict
from otv.report import SCHEMA_FILE, Report, report_json_schema
from services.reporter.renderers import RENDERERS, render
from services.reporter.renderers.agent import tokens
from services.reporter.renderers.markdown import MAX_CHARS, render_markdown
from services.reporter.report import build_report
from services.reporter.state import fold

ROOT = Path(__file__).parents[2]
SHARED_SCHEMAS = ROOT.parent / "shared" / "schemas"


def report_of(history: History, *extra: object) -> Report:
    state = None
    for event in [*history.events(), *extra]:
        state = fold(state, event)  # type: ignore[arg-type]
    assert state is not None
    return build_report(state)


def rich() -> Report:
    """Two targets; a blocking failure with places, a warning, an infra error, a skip; waived."""
    history = History(
        targets={
            "main": [
                Scenario("mergeable", "blocking"),
                Scenario(
                    "manifests",
                    "blocking",
                    "failed",
                    message="2 invalid manifests\ndeploy/app.yaml: spec.replicas: not an integer",
                    locations=(("deploy/app.yaml", 12), ("deploy/db.yaml", 0)),
                ),
                Scenario("lint", "warning", "failed", output="E501 line too long <&> # \\"),
                Scenario("registry", "warning", "errored", message="registry.local: timed out"),
                Scenario("docs", "warning", "skipped", message="not run: needs lint"),
            ],
            "release/1.0": [
                Scenario("mergeable", "blocking"),
                Scenario("manifests", "blocking"),
                Scenario("lint", "warning", "failed", message="1 # problem\x1b[31m red"),
                Scenario("registry", "warning"),
                Scenario("docs", "warning"),
            ],
        }
    )
    return report_of(history, history.reviewed(waived=True, reason="hotfix; SRE approved"))


def passed() -> Report:
    return report_of(History(targets={"main": [Scenario("mergeable", "blocking")]}))


def errored() -> Report:
    history = History(targets={"main": [Scenario("mergeable", "blocking")]})
    state = None
    for event in [*history.start()[:3], history.errored("collector", "unknown target 'nope'")]:
        state = fold(state, event)  # type: ignore[arg-type]
    assert state is not None
    return build_report(state)


def packaged() -> Report:
    history = History(
        targets={"main": [Scenario("tests", "blocking", "failed")]},
        profiles_path="otv/defaults/verification_profiles.yaml",
    )
    return report_of(history)


def huge() -> Report:
    scenarios = [
        Scenario(f"check-{n:03}", "blocking" if n % 3 else "warning", "failed", output="x" * 9000)
        for n in range(300)
    ]
    history = History(targets={f"release/{n}": scenarios for n in range(6)})
    state = None
    for event in [*history.start(), *(history.target_events(name)[-1] for name in history.targets)]:
        state = fold(state, event)  # type: ignore[arg-type]
    assert state is not None
    return build_report(state)


REPORTS = {"rich": rich, "passed": passed, "errored": errored, "packaged": packaged}


@pytest.fixture(params=sorted(REPORTS))
def report(request: pytest.FixtureRequest) -> Report:
    return REPORTS[request.param]()


def test_the_committed_report_schema_is_generated_from_the_models() -> None:
    committed = json.loads((ROOT / SCHEMA_FILE).read_text())
    assert committed == report_json_schema(), "run: make schemas"


def test_json_reports_are_valid_against_the_report_schema(report: Report) -> None:
    schema = json.loads((ROOT / SCHEMA_FILE).read_text())
    document = json.loads(render(report, "json"))
    jsonschema.Draft202012Validator(schema).validate(document)
    assert Report.from_json(render(report, "json")) == report


def test_the_report_schema_refuses_what_is_not_a_report() -> None:
    schema = json.loads((ROOT / SCHEMA_FILE).read_text())
    document = json.loads(render(rich(), "json"))
    document["verdict"] = "fine"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(document)


def test_the_vendored_schemas_are_the_official_ones() -> None:
    if not SHARED_SCHEMAS.is_dir():
        pytest.skip(f"{SHARED_SCHEMAS} is not on this machine")
    for name in ("junit.xsd", "sarif-schema-2.1.0.json"):
        vendored = (ROOT / "schemas" / "vendor" / name).read_bytes()
        assert vendored == (SHARED_SCHEMAS / name).read_bytes(), name


# JUnit


JUNIT = xmlschema.XMLSchema(str(ROOT / "schemas" / "vendor" / "junit.xsd"))


def test_junit_reports_are_valid_against_the_ant_schema(report: Report) -> None:
    JUNIT.validate(render(report, "junit"))


def test_junit_has_one_suite_per_target_and_counts_what_failed() -> None:
    root = ET.fromstring(render(rich(), "junit"))  # noqa: S314 — our own output
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["main", "release/1.0"]
    main = suites[0]
    assert (main.get("tests"), main.get("failures"), main.get("errors"), main.get("skipped")) == (
        "5",
        "2",
        "1",
        "1",
    )
    failures = {c.get("name"): c.find("failure") for c in main.findall("testcase")}
    manifests = failures["manifests"]
    assert manifests is not None and manifests.get("type") == "blocking"
    assert "deploy/app.yaml:12" in (manifests.text or "")
    lint = failures["lint"]
    assert lint is not None and lint.get("type") == "warning"
    properties = {p.get("name"): p.get("value") for p in main.iter("property")}
    assert properties["otv.review.waived"] == "true"
    assert properties["otv.verdict"] == "warned"


def test_an_errored_verification_is_one_suite_with_the_error() -> None:
    root = ET.fromstring(render(errored(), "junit"))  # noqa: S314 — our own output
    error = root.find("testsuite/testcase/error")
    assert error is not None and error.get("type") == "infrastructure"
    assert "unknown target 'nope'" in (error.text or "")


# SARIF


SARIF = json.loads((ROOT / "schemas" / "vendor" / "sarif-schema-2.1.0.json").read_text())


def test_sarif_reports_are_valid_against_the_sarif_schema(report: Report) -> None:
    document = json.loads(render(report, "sarif"))
    jsonschema.Draft4Validator(SARIF).validate(document)
    assert document["version"] == "2.1.0"


def test_sarif_has_a_rule_per_scenario_and_a_location_for_every_result() -> None:
    run = json.loads(render(rich(), "sarif"))["runs"][0]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert rules == ["mergeable", "manifests", "lint", "registry", "docs"]
    results = run["results"]
    assert [(r["ruleId"], r["properties"]["target"]) for r in results] == [
        ("manifests", "main"),  # blocking failures first
        ("lint", "main"),
        ("lint", "release/1.0"),
        ("registry", "main"),
    ]
    for result in results:
        assert result["locations"], result
        assert rules[result["ruleIndex"]] == result["ruleId"]
    first = results[0]["locations"][0]["physicalLocation"]
    assert first["artifactLocation"] == {"uri": "deploy/app.yaml", "uriBaseId": "%SRCROOT%"}
    assert first["region"] == {"startLine": 12}
    # No place named by the check: the profile's line that defines the scenario.
    lint = results[1]["locations"][0]["physicalLocation"]
    assert lint["artifactLocation"] == {"uri": ".otv/profiles.yaml", "uriBaseId": "%SRCROOT%"}
    assert lint["region"]["startLine"] == 18
    assert (results[0]["level"], results[1]["level"], results[3]["kind"]) == (
        "error",
        "warning",
        "open",
    )


def test_a_waiver_suppresses_the_failures_with_its_reason() -> None:
    run = json.loads(render(rich(), "sarif"))["runs"][0]
    failures = [r for r in run["results"] if r["kind"] == "fail"]
    assert failures and all(
        r["suppressions"][0]["justification"] == "waived by release-manager: hotfix; SRE approved"
        for r in failures
    )
    assert run["properties"]["review"]["verdictBefore"] == "failed"
    assert "suppressions" not in json.loads(render(packaged(), "sarif"))["runs"][0]["results"][0]


def test_sarif_points_at_otvs_own_profiles_relative_to_the_package() -> None:
    run = json.loads(render(packaged(), "sarif"))["runs"][0]
    artifact = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact["uriBaseId"] == "OTV"
    assert "OTV" in run["originalUriBaseIds"]


# HTML


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.matrix: list[list[str]] = []
        self.in_matrix = False
        self.text: dict[str, str] = {}
        self._current_id: str | None = None
        self._id_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        if tag not in ("br", "meta"):
            self.stack.append(tag)
        if found.get("id") == "matrix":
            self.in_matrix = True
        if self.in_matrix and tag == "tr":
            self.matrix.append([])
        if found.get("id"):
            self._current_id = found["id"]
            self._id_depth = len(self.stack)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()
        if len(self.stack) < self._id_depth:
            self._current_id = None
        if tag == "table":
            self.in_matrix = False

    def handle_data(self, data: str) -> None:
        if self.in_matrix and self.matrix and self.stack[-1] in ("td", "th"):
            self.matrix[-1].append(data)
        if self._current_id:
            self.text[self._current_id] = self.text.get(self._current_id, "") + data


def test_html_is_one_well_formed_page_with_the_matrix() -> None:
    page = _Page()
    page.feed(render(rich(), "html"))
    page.close()
    assert page.stack == []
    assert page.text["verdict"] == "warned"
    header, *rows = page.matrix
    assert header[:3] == ["scenario", "main", "failed"]  # the waiver is the verification's
    assert [row[0] for row in rows] == ["mergeable", "manifests", "lint", "registry", "docs"]
    assert rows[1][1].startswith("✗ failed") and rows[1][2].startswith("✓ passed")
    assert "Waived" in render(rich(), "html")


def test_html_loads_nothing_from_elsewhere(report: Report) -> None:
    page = _Page()
    page.feed(render(report, "html"))
    for tag, attrs in page.tags:
        assert tag not in ("script", "link", "img", "iframe"), tag
        assert not any(name in ("src", "href") for name in attrs), (tag, attrs)


def test_html_escapes_what_the_report_holds() -> None:
    text = render(rich(), "html")
    assert "E501 line too long &lt;&amp;&gt;" in text
    assert "<&>" not in text


# TAP 14

_TAP_LINE = re.compile(
    r"^(?P<indent>(    )*)(?:"
    r"(?P<version>TAP version 14)"
    r"|(?P<plan>1\.\.\d+)"
    r"|(?P<point>(not )?ok \d+ - (?:[^#\\]|\\[#\\])+( # (SKIP|TODO)( .*)?)?)"
    r"|(?P<comment># .*)"
    r"|(?P<yaml>  (---|\.\.\.|.*))"
    r")$"
)


def check_tap(text: str) -> list[tuple[int, str]]:
    """A strict TAP 14 reading; the test points found, with their depth."""
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "TAP version 14"
    points: list[tuple[int, str]] = []
    plans: dict[int, int] = {}
    counters: dict[int, int] = {}
    in_yaml = False
    for line in lines[1:]:
        match = _TAP_LINE.match(line)
        assert match, f"not TAP 14: {line!r}"
        depth = len(match["indent"]) // 4
        if in_yaml:
            assert line.startswith("    " * depth + "  "), f"YAML not indented: {line!r}"
            in_yaml = line.strip() != "..."
            continue
        if match["yaml"] is not None:
            assert match["yaml"].strip() == "---", f"YAML without its start: {line!r}"
            in_yaml = True
        elif match["plan"]:
            plans[depth] = int(match["plan"][3:])
            counters[depth] = 0
        elif match["point"]:
            counters[depth] = counters.get(depth, 0) + 1
            number = int(match["point"].removeprefix("not ").split()[1])
            assert number == counters[depth], line
            points.append((depth, match["point"]))
            if depth + 1 in plans:  # a subtest ends with its test point
                assert counters[depth + 1] == plans.pop(depth + 1)
    assert not in_yaml
    assert counters[0] == plans[0]
    return points


def test_tap_reports_follow_the_tap14_grammar(report: Report) -> None:
    check_tap(render(report, "tap"))


def test_tap_marks_what_does_not_block_as_todo() -> None:
    points = check_tap(render(rich(), "tap"))
    main = [p for depth, p in points if depth == 1][:5]
    assert main[0] == "ok 1 - mergeable"
    assert main[1] == "not ok 2 - manifests"
    assert main[2].startswith("not ok 3 - lint # TODO warning")
    assert main[4].startswith("ok 5 - docs # SKIP")
    assert next(p for depth, p in points if depth == 0).startswith(
        "not ok 1 - main # TODO waived by release-manager"
    )


def test_tap_escapes_hashes_in_descriptions() -> None:
    history = History(targets={"fix#12": [Scenario("a#b")]})
    points = check_tap(render(report_of(history), "tap"))
    assert points == [(1, "ok 1 - a\\#b"), (0, "ok 1 - fix\\#12")]


# Markdown

MATRIX = "### Scenarios \u00d7 targets"


def test_markdown_shows_what_needs_attention_first_and_folded() -> None:
    text = render_markdown(rich())
    attention = text.index("### Needs attention (4)")
    assert attention < text.index(MATRIX)
    assert text.index("<code>manifests</code> on <code>main</code>") < text.index(
        "<code>lint</code> on <code>main</code>"
    )
    assert "Where: `deploy/app.yaml:12`, `deploy/db.yaml`" in text
    assert "> **waived (failed → warned)** by key `release-manager`" in text
    assert "| `mergeable` | ✅ 0.25 s | ✅ 0.25 s |" in text


def test_markdown_stays_under_the_comment_limit_however_large() -> None:
    report = huge()
    assert len(report.to_json()) > 10 * MAX_CHARS
    text = render_markdown(report)
    assert len(text) <= MAX_CHARS
    assert "Not shown, to stay within 65,536 characters" in text
    assert f"otv report {report.verification_id} --format json" in text
    assert MATRIX in text  # the matrix keeps room of its own


# Agent


def test_agent_summaries_keep_to_their_budget_most_important_first() -> None:
    report = huge()
    for budget in (100, 300, 2000, 5000):
        text = render(report, "agent", max_tokens=budget)
        assert tokens(text) <= budget, budget
        assert text.startswith("otv verdict: FAILED")
    text = render(report, "agent", max_tokens=2000)
    first = text.index("1. [blocking failure]")
    assert "[warning]" not in text[:first]
    assert "more: otv report v1 --format json (300" not in text  # 1,800 problems in all
    assert "problems in all" in text


def test_agent_summary_of_a_small_report_is_whole() -> None:
    text = render(rich(), "agent")
    assert "not shown" not in text
    assert "1. [blocking failure] manifests (command) on main" in text
    assert "   at: deploy/app.yaml:12, deploy/db.yaml" in text
    assert "waived by release-manager: hotfix; SRE approved" in text
    assert tokens("abcd") == 1 and tokens("abcde") == 2


def test_every_format_renders_every_kind_of_report(report: Report) -> None:
    for fmt in RENDERERS:
        assert render(report, fmt).strip(), fmt
    assert report.verdict in (Verdict.WARNED, Verdict.PASSED, Verdict.ERRORED, Verdict.FAILED)
