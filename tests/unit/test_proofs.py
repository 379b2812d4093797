"""z3's proofs about profiles: each kind of defect gives its exact finding, sound profiles
pass, and what z3 calls satisfiable has a witness the runner's own code agrees with."""

from __future__ import annotations

import time
from pathlib import Path

import z3
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from otv.globs import matches, matches_branch
from otv.outcomes import Outcome, Severity
from otv.permissions import REQUIRED_ROLE, Permission, Role
from otv.profiles import ProfilesFile
from otv.profiles.proofs import (
    OUTCOMES,
    can_run,
    check_profile,
    permission_findings,
    specifier_formula,
    verdict_policy_findings,
    verdict_rules,
    version_witness,
)
from otv.profiles.resolve import ResolvedScenario
from otv.scenarios import ScenarioRegistry
from services.reporter.verdict import target_verdict

ROOT = Path(__file__).parents[2]
REGISTRY = ScenarioRegistry.from_entry_points()


def findings(yaml_text: str, profile: str = "default") -> list[tuple[str, str, str]]:
    loaded = ProfilesFile.parse(yaml_text, "p.yaml")
    return [(f.kind, f.where, f.message) for f in check_profile(loaded.resolve(profile, REGISTRY))]


HEAD = "version: 1\nprofiles:\n  default:\n    targets: [main, 'release/*']\n    scenarios:\n"


def test_a_dead_scenario_is_found_with_its_line() -> None:
    found = findings(HEAD + "      - {id: hot, type: merge, when: {targets: ['hotfix/*']}}\n")
    assert found == [
        (
            "dead-scenario",
            "p.yaml:6",
            "hot never runs: its when.targets ['hotfix/*'] match none of the profile's "
            "targets ['main', 'release/*']",
        )
    ]


def test_a_need_that_is_skipped_where_it_is_needed_is_found_with_a_witness() -> None:
    found = findings(
        HEAD
        + "      - {id: docs, type: merge, when: {changed: ['docs/**']}}\n"
        + "      - {id: publish, type: merge, needs: [docs]}\n"
    )
    assert len(found) == 1
    kind, where, message = found[0]
    assert (kind, where) == ("needs-skippable", "p.yaml:7")
    assert message.startswith("publish needs docs, which is skipped where publish runs (target ")
    # Needing a scenario that runs wherever the needer runs is fine.
    assert (
        findings(
            HEAD
            + "      - {id: docs, type: merge, when: {targets: ['release/*']}}\n"
            + "      - {id: publish, type: merge, needs: [docs], when: {targets: ['release/*']}}\n"
        )
        == []
    )


def test_contradicting_dependency_constraints_name_the_minimal_conflict() -> None:
    found = findings(
        HEAD
        + "      - {id: a, type: dependencies, constraints: {django: '>=4.2,<5', rich: '>=13'}}\n"
        + "      - {id: b, type: dependencies, constraints: {requests: '>=2'}}\n"
        + "      - {id: c, type: dependencies, constraints: {Django: '~=5.1'}}\n"
        + "      - {id: d, type: dependencies, constraints: {requests: '<3,!=2.31.0'}}\n"
    )
    assert found == [
        (
            "dependency-conflict",
            "p.yaml:6",
            "no version of django meets every constraint: a (p.yaml:6) wants django>=4.2,<5; "
            "c (p.yaml:8) wants django~=5.1",
        )
    ]
    # Pre-releases: <2 excludes 2.0's own pre-releases, ==2.0rc1 is one of them.
    assert (
        findings(
            HEAD
            + "      - {id: a, type: dependencies, constraints: {x: '<2'}}\n"
            + "      - {id: b, type: dependencies, constraints: {x: '==2.0rc1'}}\n"
        )[0][0]
        == "dependency-conflict"
    )


def test_the_shipped_profiles_are_sound_and_checked_within_a_second() -> None:
    shipped = ProfilesFile.parse((ROOT / "config" / "verification_profiles.yaml").read_text(), "c")
    for name in shipped.profile_names():
        assert check_profile(shipped.resolve(name, REGISTRY)) == []
    many = HEAD + "".join(
        f"      - {{id: s{n}, type: merge, when: {{targets: ['release/*'], changed: ['src/{n}/**']}}"
        + (f", needs: [s{n - 1}]" if n % 5 else "")
        + "}\n"
        for n in range(50)
    )
    started = time.monotonic()
    findings(many)
    assert time.monotonic() - started < 5  # the measured figure is in bench/; this is a bound


def test_the_permission_table_is_monotone_and_only_admin_manages_keys() -> None:
    assert permission_findings() == []
    loose = {**REQUIRED_ROLE, Permission.MANAGE_KEYS: Role.REVIEW}
    assert [f.message for f in permission_findings(loose)] == ["a role below admin may manage-keys"]


def test_the_verdict_policy_is_total_deterministic_and_what_the_code_does() -> None:
    assert verdict_policy_findings() == []
    for outcome_index, outcome in enumerate(OUTCOMES):
        for severity in Severity:
            for fail_on in ("blocking", "warning"):
                blocking = severity is Severity.BLOCKING or fail_on == "warning"
                rules = verdict_rules(z3.IntVal(outcome_index), z3.BoolVal(blocking))
                chosen = [
                    name for name, rule in rules.items() if z3.simplify(rule).eq(z3.BoolVal(True))
                ]
                code = target_verdict([(severity, Outcome(outcome))], fail_on)  # type: ignore[arg-type]
                assert chosen == [code.value], (outcome, severity, fail_on)


BRANCH = st.from_regex(r"[a-z]{1,4}(/[a-z0-9]{1,4})?", fullmatch=True)
BRANCH_GLOB = st.from_regex(r"[a-z]{1,3}(\*|/\*|/[a-z]\?)?", fullmatch=True)
PATH_GLOB = st.from_regex(r"([a-z]{1,3}/)?(\*\*/)?[a-z*]{1,3}(\.[a-z]{1,2})?", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(st.lists(BRANCH_GLOB, min_size=1, max_size=2), st.lists(BRANCH_GLOB, max_size=2),
       st.lists(PATH_GLOB, max_size=2))  # fmt: skip
def test_a_runnable_witness_passes_the_runners_own_filter(
    profile_targets: list[str], when_targets: list[str], when_changed: list[str]
) -> None:
    scenario = ResolvedScenario(
        id="s", type="merge", severity=Severity.WARNING, timeout_s=1, retries=0, config={},
        where="p:1", when_targets=tuple(when_targets), when_changed=tuple(when_changed),
    )  # fmt: skip
    witness = can_run(scenario, tuple(profile_targets))
    if witness is None:
        return
    assert matches_branch(witness.target, profile_targets)
    if when_targets:
        assert matches_branch(witness.target, when_targets)
    if when_changed:
        assert matches(witness.changed, when_changed)


VERSION = st.from_regex(r"[0-3](\.[0-3]){0,2}(rc1)?", fullmatch=True)
SPECIFIER = st.tuples(st.sampled_from([">=", "<=", ">", "<", "==", "!=", "~="]), VERSION).filter(
    lambda s: s[0] != "~=" or "." in s[1]
)


@settings(max_examples=80, deadline=None)
@given(st.lists(SPECIFIER, min_size=1, max_size=3))
def test_a_version_z3_finds_meets_every_specifier_by_packagings_reading(
    specifiers: list[tuple[str, str]],
) -> None:
    text = ",".join(op + version for op, version in specifiers)
    version = [z3.Int(f"v{i}") for i in range(4)] + [z3.Int("final")]
    solver = z3.Solver()
    solver.add(*(v >= 0 for v in version[:-1]), z3.Or(version[-1] == 0, version[-1] == 1))
    solver.add(specifier_formula(version, text))
    if solver.check() != z3.sat:
        return
    found = Version(version_witness(solver.model(), version))
    assert SpecifierSet(text, prereleases=True).contains(found), (text, found)
