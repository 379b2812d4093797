"""Proofs about a resolved profile, with z3: what can never happen is found before a
verification runs into it.

- a **dead scenario**: its ``when.targets`` match none of the profile's targets;
- a scenario that **needs one that can be skipped when it runs** (it would then
  be skipped itself, always on those targets or changes): shown with a witness;
- **contradictory dependency constraints** across the profile's ``dependencies``
  scenarios: no version satisfies them all; the conflicting scenarios named (an
  unsat core, made minimal);
- the **permission table** is monotone and only Admin manages keys.

Globs are encoded as z3 regular expressions with the runner's own semantics
(``fnmatch`` for branches; ``otv.globs`` for paths); versions as PEP 440 release
segments and a pre-release flag. A witness z3 gives is checked by tests against
the runner's own filter code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import z3
from packaging.version import InvalidVersion, Version

from otv.permissions import REQUIRED_ROLE, Permission, Role
from otv.profiles.resolve import ResolvedProfile, ResolvedScenario

_SEGMENTS = 4
_ANY = z3.AllChar(z3.ReSort(z3.StringSort()))
_NOT_SLASH = z3.Intersect(_ANY, z3.Complement(z3.Re("/")))


@dataclass(frozen=True)
class ProofFinding:
    kind: str  # dead-scenario, needs-skippable, dependency-conflict, permissions
    where: str  # file:line
    message: str


def _class(body: str) -> z3.ReRef:
    negate = body.startswith("!")
    chars = body[1:] if negate else body
    options = []
    index = 0
    while index < len(chars):
        if index + 2 < len(chars) and chars[index + 1] == "-":
            options.append(z3.Range(chars[index], chars[index + 2]))
            index += 3
        else:
            options.append(z3.Re(chars[index]))
            index += 1
    found = options[0] if len(options) == 1 else z3.Union(*options)
    return z3.Intersect(_ANY, z3.Complement(found)) if negate else found


def glob_regex(pattern: str, paths: bool) -> z3.ReRef:
    """``pattern`` as z3 sees it: a branch glob (fnmatch: ``*`` crosses ``/``) or a path
    glob (``otv.globs``: ``*`` within a directory, ``**`` across, a bare name at any depth)."""
    if paths and "/" not in pattern:
        pattern = "**/" + pattern
    parts: list[z3.ReRef] = []
    index = 0
    while index < len(pattern):
        if paths and pattern.startswith("**/", index):
            parts.append(z3.Star(z3.Concat(z3.Plus(_NOT_SLASH), z3.Re("/"))))
            index += 3
        elif paths and pattern.startswith("**", index):
            parts.append(z3.Star(_ANY))
            index += 2
        elif pattern[index] == "*":
            parts.append(z3.Star(_NOT_SLASH if paths else _ANY))
            index += 1
        elif pattern[index] == "?":
            parts.append(_NOT_SLASH if paths else _ANY)
            index += 1
        elif pattern[index] == "[" and (end := pattern.find("]", index + 2)) != -1:
            parts.append(_class(pattern[index + 1 : end]))
            index = end + 1
        else:
            parts.append(z3.Re(pattern[index]))
            index += 1
    if not parts:
        return z3.Re("")
    return parts[0] if len(parts) == 1 else z3.Concat(*parts)


def _any_of(value: z3.SeqRef, patterns: tuple[str, ...], paths: bool) -> z3.BoolRef:
    return z3.Or(*(z3.InRe(value, glob_regex(p, paths)) for p in patterns))


def runs(
    scenario: ResolvedScenario,
    target: z3.SeqRef,
    changed: z3.SeqRef,
    profile_targets: tuple[str, ...],
) -> z3.BoolRef:
    """When ``scenario`` runs on ``target`` with ``changed`` among the changed files."""
    # Real names: printable, no spaces (git refuses control characters in ref names).
    printable = z3.Plus(z3.Range("!", "~"))
    conditions = [z3.InRe(target, printable), z3.InRe(changed, printable)]
    if profile_targets:
        conditions.append(_any_of(target, profile_targets, paths=False))
    if scenario.when_targets:
        conditions.append(_any_of(target, scenario.when_targets, paths=False))
    if scenario.when_changed:
        conditions.append(_any_of(changed, scenario.when_changed, paths=True))
    return z3.And(*conditions)


@dataclass(frozen=True)
class Witness:
    target: str
    changed: str


def _witness(solver: z3.Solver, target: z3.SeqRef, changed: z3.SeqRef) -> Witness:
    model = solver.model()
    return Witness(
        model.eval(target, model_completion=True).as_string(),
        model.eval(changed, model_completion=True).as_string(),
    )


def skipped_need(
    scenario: ResolvedScenario, needed: ResolvedScenario, profile_targets: tuple[str, ...]
) -> Witness | None:
    """A target and a changed file on which ``scenario`` runs and ``needed`` does not."""
    target, changed = z3.String("target"), z3.String("changed")
    solver = z3.Solver()
    solver.add(runs(scenario, target, changed, profile_targets))
    solver.add(z3.Not(runs(needed, target, changed, profile_targets)))
    return _witness(solver, target, changed) if solver.check() == z3.sat else None


def can_run(scenario: ResolvedScenario, profile_targets: tuple[str, ...]) -> Witness | None:
    target, changed = z3.String("target"), z3.String("changed")
    solver = z3.Solver()
    solver.add(runs(scenario, target, changed, profile_targets))
    return _witness(solver, target, changed) if solver.check() == z3.sat else None


# --- versions ---------------------------------------------------------------------------

_SPECIFIER = re.compile(r"^\s*(~=|===|==|!=|<=|>=|<|>)\s*([^\s,]+)\s*$")


def _key(version: Version) -> tuple[int, ...]:
    """Release segments padded, then 1 for a final release, 0 for a pre-release."""
    release = (*version.release, *([0] * _SEGMENTS))[:_SEGMENTS]
    return (*release, 0 if version.pre or version.dev else 1)


def _lt(a: list[Any], b: tuple[int, ...]) -> z3.BoolRef:
    if not a:
        return z3.BoolVal(False)
    return z3.Or(a[0] < b[0], z3.And(a[0] == b[0], _lt(a[1:], b[1:])))


def _eq(a: list[Any], b: tuple[int, ...]) -> z3.BoolRef:
    return z3.And(*(x == y for x, y in zip(a, b, strict=True)))


def specifier_formula(version: list[Any], specifier: str) -> z3.BoolRef:
    """A PEP 440 specifier set (``>=1.2,<2``) over the symbolic ``version``."""
    clauses = []
    for part in specifier.split(","):
        if not part.strip():
            continue
        found = _SPECIFIER.match(part)
        if found is None:
            raise ValueError(f"not a version specifier: {part.strip()!r}")
        operator, text = found.groups()
        if text.endswith(".*") and operator in ("==", "!="):
            prefix = tuple(int(x) for x in text[:-2].split("."))
            same = z3.And(*(version[i] == value for i, value in enumerate(prefix)))
            clauses.append(same if operator == "==" else z3.Not(same))
            continue
        try:
            bound = _key(Version(text))
        except InvalidVersion:
            raise ValueError(f"not a version: {text!r}") from None
        if operator in ("==", "==="):
            clauses.append(_eq(version, bound))
        elif operator == "!=":
            clauses.append(z3.Not(_eq(version, bound)))
        elif operator == ">=":
            clauses.append(z3.Not(_lt(version, bound)))
        elif operator == ">":
            clauses.append(z3.And(z3.Not(_lt(version, bound)), z3.Not(_eq(version, bound))))
        elif operator == "<=":
            clauses.append(z3.Or(_lt(version, bound), _eq(version, bound)))
        elif operator == "<":
            # PEP 440: <2 excludes 2's own pre-releases as well.
            below = (*bound[:-1], 0) if bound[-1] == 1 else bound
            clauses.append(_lt(version, below))
        else:  # ~=X.Y: >= X.Y and == X.*
            release = Version(text).release
            clauses.append(z3.Not(_lt(version, bound)))
            clauses.append(z3.And(*(version[i] == release[i] for i in range(len(release) - 1))))
    return z3.And(*clauses) if clauses else z3.BoolVal(True)


def version_witness(model: z3.ModelRef, version: list[Any]) -> str:
    values = [model.eval(v, model_completion=True).as_long() for v in version]
    text = ".".join(str(x) for x in values[:_SEGMENTS])
    return text + ("rc1" if values[-1] == 0 else "")


def _symbolic_version(name: str) -> list[Any]:
    return [z3.Int(f"{name}_{i}") for i in range(_SEGMENTS)] + [z3.Int(f"{name}_final")]


def dependency_conflicts(profile: ResolvedProfile) -> list[ProofFinding]:
    """Packages whose constraints across the profile's scenarios no version meets."""
    by_package: dict[str, list[tuple[ResolvedScenario, str]]] = {}
    for scenario in profile.scenarios:
        if scenario.type != "dependencies":
            continue
        for package, specifier in sorted(scenario.config.get("constraints", {}).items()):
            by_package.setdefault(package.lower(), []).append((scenario, specifier))
    findings = []
    for package, constraints in sorted(by_package.items()):
        version = _symbolic_version(re.sub(r"\W", "_", package))
        solver = z3.Solver()
        solver.add(*(segment >= 0 for segment in version[:-1]))
        solver.add(z3.Or(version[-1] == 0, version[-1] == 1))
        tracked = {}
        for index, (scenario, specifier) in enumerate(constraints):
            flag = z3.Bool(f"c{index}")
            tracked[flag.decl().name()] = (scenario, specifier)
            solver.add(z3.Implies(flag, specifier_formula(version, specifier)))
        flags = [z3.Bool(name) for name in tracked]
        if solver.check(*flags) != z3.unsat:
            continue
        core = [c for c in solver.unsat_core()]
        for flag in list(core):  # make the core minimal: drop what is not needed
            rest = [c for c in core if not c.eq(flag)]
            if solver.check(*rest) == z3.unsat:
                core = rest
        culprits = [tracked[c.decl().name()] for c in core]
        said = "; ".join(f"{s.id} ({s.where}) wants {package}{spec}" for s, spec in culprits)
        findings.append(
            ProofFinding(
                "dependency-conflict",
                culprits[0][0].where,
                f"no version of {package} meets every constraint: {said}",
            )
        )
    return findings


def check_profile(profile: ResolvedProfile) -> list[ProofFinding]:
    """Every finding about ``profile``, in the order of its scenarios."""
    findings = []
    by_id = {s.id: s for s in profile.scenarios}
    for scenario in profile.scenarios:
        if profile.targets and can_run(scenario, profile.targets) is None:
            findings.append(
                ProofFinding(
                    "dead-scenario",
                    scenario.where,
                    f"{scenario.id} never runs: its when.targets "
                    f"{list(scenario.when_targets)} match none of the profile's targets "
                    f"{list(profile.targets)}",
                )
            )
            continue
        for needed_id in scenario.needs:
            needed = by_id.get(needed_id)
            if needed is None:
                continue  # resolution reports unknown needs
            witness = skipped_need(scenario, needed, profile.targets)
            if witness is not None:
                findings.append(
                    ProofFinding(
                        "needs-skippable",
                        scenario.where,
                        f"{scenario.id} needs {needed_id}, which is skipped where "
                        f"{scenario.id} runs (target {witness.target!r}, changed file "
                        f"{witness.changed!r}): {scenario.id} would be skipped too",
                    )
                )
    return findings + dependency_conflicts(profile)


def permission_findings(
    table: dict[Permission, Role] | None = None,
) -> list[ProofFinding]:
    """The permission table is monotone, and key management is Admin's alone."""
    role, higher = z3.Int("role"), z3.Int("higher")
    roles = [r.value for r in Role]
    findings = []
    for permission, required in (table or REQUIRED_ROLE).items():

        def allowed(who: z3.ArithRef, needed: int = required.value) -> z3.BoolRef:
            return who >= needed

        solver = z3.Solver()
        solver.add(z3.Or(*(role == r for r in roles)), z3.Or(*(higher == r for r in roles)))
        solver.add(higher >= role, allowed(role), z3.Not(allowed(higher)))
        if solver.check() == z3.sat:
            findings.append(
                ProofFinding("permissions", "otv/permissions.py", f"{permission} is not monotone")
            )
        if permission is Permission.MANAGE_KEYS:
            solver = z3.Solver()
            solver.add(z3.Or(*(role == r for r in roles)), allowed(role))
            solver.add(role != Role.ADMIN.value)
            if solver.check() == z3.sat:
                findings.append(
                    ProofFinding(
                        "permissions",
                        "otv/permissions.py",
                        f"a role below admin may {permission}",
                    )
                )
    return findings


# --- the verdict policy ------------------------------------------------------------------

OUTCOMES = ("passed", "failed", "skipped", "errored")
VERDICTS = ("passed", "warned", "failed", "errored")


def verdict_rules(outcome: z3.ExprRef, blocking: z3.BoolRef) -> dict[str, z3.BoolRef]:
    """The documented policy (services/reporter/verdict.py), one rule per verdict, for one
    scenario whose severity blocks (``blocking``: severity blocking, or fail_on warning)."""
    failed, errored = outcome == OUTCOMES.index("failed"), outcome == OUTCOMES.index("errored")
    return {
        "failed": z3.And(blocking, failed),
        "errored": z3.And(blocking, errored),
        "warned": z3.And(z3.Not(blocking), z3.Or(failed, errored)),
        "passed": z3.Not(z3.Or(failed, errored)),
    }


def verdict_policy_findings() -> list[str]:
    """For every outcome and severity exactly one verdict follows: total, deterministic."""
    outcome, blocking = z3.Int("outcome"), z3.Bool("blocking")
    rules = verdict_rules(outcome, blocking)
    domain = z3.And(outcome >= 0, outcome < len(OUTCOMES))
    problems = []
    solver = z3.Solver()
    solver.add(domain, z3.Not(z3.Or(*rules.values())))
    if solver.check() == z3.sat:
        problems.append(f"no verdict follows for {solver.model()}")
    names = list(rules)
    for index, first in enumerate(names):
        for second in names[index + 1 :]:
            solver = z3.Solver()
            solver.add(domain, rules[first], rules[second])
            if solver.check() == z3.sat:
                problems.append(f"both {first} and {second} follow for {solver.model()}")
    return problems
