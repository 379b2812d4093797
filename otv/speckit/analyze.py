"""A deterministic analysis of a spec-kit feature: findings, coverage, metrics.

The same tree always gives the same findings with the same ids: findings are
sorted (category, severity, file, line, text) and numbered within their
category (D001 duplication, A ambiguity, U underspecification, C constitution
alignment, G coverage gaps, I inconsistency).

Tasks are mapped to requirements in three steps, first match wins: the ids a
task names (``FR-001``); the requirements its user story (``[US1]``) names in
the spec; else word similarity (Jaccard of the content words) at or above
``similarity_threshold``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from otv.speckit.parse import (
    Constitution,
    Line,
    PlanDoc,
    SpecDoc,
    TasksDoc,
    parse_checklist,
    parse_constitution,
    parse_plan,
    parse_spec,
    parse_tasks,
    read,
)

Severity = Literal["CRITICAL", "HIGH", "MEDIUM", "LOW"]
SEVERITIES: tuple[Severity, ...] = ("CRITICAL", "HIGH", "MEDIUM", "LOW")
CATEGORIES = {
    "duplication": "D",
    "ambiguity": "A",
    "underspecification": "U",
    "constitution": "C",
    "coverage": "G",
    "inconsistency": "I",
}
DEFAULT_SIMILARITY = 0.35
CONSTITUTION_PATHS = (".specify/memory/constitution.md", "memory/constitution.md")

# Words that promise a quality without saying how much of it.
_VAGUE_HIGH = ("fast", "quickly", "quick", "secure", "scalable", "performant", "efficient")
_VAGUE = (
    "robust",
    "intuitive",
    "user-friendly",
    "easy",
    "simple",
    "reliable",
    "flexible",
    "seamless",
    "appropriate",
    "reasonable",
    "adequate",
    "good",
    "nice",
)
_VAGUE_WORD = re.compile(r"\b(" + "|".join(map(re.escape, _VAGUE_HIGH + _VAGUE)) + r")\b", re.I)
_MEASURE = re.compile(r"\d")
_PLACEHOLDER = re.compile(r"\b(TODO|TBD|FIXME|XXX)\b|\?\?\?|<[A-Z][A-Z_ ]+>|\[FEATURE[^\]]*\]")
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "from",
        "into",
        "must",
        "should",
        "shall",
        "will",
        "can",
        "may",
        "are",
        "was",
        "were",
        "has",
        "have",
        "not",
        "all",
        "any",
        "each",
        "its",
        "their",
        "them",
        "they",
        "users",
        "user",
        "system",
        "able",
        "when",
        "then",
        "than",
        "only",
        "also",
        "via",
        "per",
        "one",
        "two",
        "more",
        "most",
        "such",
        "been",
        "being",
    ]
)
_OPEN_PHASES = re.compile(r"setup|foundation|polish|cross-cutting", re.I)


@dataclass(frozen=True)
class Finding:
    id: str
    category: str
    severity: Severity
    summary: str
    locations: tuple[tuple[str, int], ...]
    recommendation: str


@dataclass
class FeatureAnalysis:
    feature: str
    findings: list[Finding]
    coverage: dict[str, list[str]]
    metrics: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "feature": self.feature,
            "metrics": self.metrics,
            "coverage": self.coverage,
            "findings": [
                asdict(f) | {"locations": [list(at) for at in f.locations]} for f in self.findings
            ],
        }


@dataclass
class _Draft:
    category: str
    severity: Severity
    summary: str
    locations: tuple[tuple[str, int], ...]
    recommendation: str

    def order(self) -> tuple[int, int, tuple[tuple[str, int], ...], str]:
        return (
            list(CATEGORIES).index(self.category),
            SEVERITIES.index(self.severity),
            self.locations,
            self.summary,
        )


def words(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z][a-z0-9-]{2,}", text.lower()) if w not in _STOP)


def similarity(a: str, b: str) -> float:
    left, right = words(a), words(b)
    return len(left & right) / len(left | right) if left and right else 0.0


def _at(line: Line) -> tuple[tuple[str, int], ...]:
    return ((line.path, line.line),)


class _Analysis:
    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.drafts: list[_Draft] = []

    def add(
        self,
        category: str,
        severity: Severity,
        summary: str,
        where: tuple[tuple[str, int], ...],
        recommendation: str,
    ) -> None:
        self.drafts.append(_Draft(category, severity, summary, where, recommendation))

    def spec(self, spec: SpecDoc) -> None:
        self._duplicates(spec)
        self._ambiguities(spec)
        self._underspecified(spec)

    def _duplicates(self, spec: SpecDoc) -> None:
        ids = Counter(r.text.split()[0] for r in [*spec.requirements, *spec.criteria])
        for rid, count in sorted(ids.items()):
            if count > 1:
                lines = [
                    r for r in [*spec.requirements, *spec.criteria] if r.text.split()[0] == rid
                ]
                self.add(
                    "duplication",
                    "HIGH",
                    f"{rid} is defined {count} times",
                    tuple((r.path, r.line) for r in lines),
                    f"give each {rid} an id of its own",
                )
        items = spec.requirements
        for index, first in enumerate(items):
            for second in items[index + 1 :]:
                body_a, body_b = first.text.split(" ", 1)[-1], second.text.split(" ", 1)[-1]
                if len(words(body_a)) >= 3 and similarity(body_a, body_b) >= 0.8:
                    a, b = first.text.split()[0], second.text.split()[0]
                    self.add(
                        "duplication",
                        "HIGH",
                        f"{a} and {b} say nearly the same",
                        ((first.path, first.line), (second.path, second.line)),
                        f"merge {b} into {a}, or say how they differ",
                    )

    def _ambiguities(self, spec: SpecDoc) -> None:
        stated = [
            (item, item.text.split(" ", 1)[-1]) for item in [*spec.requirements, *spec.criteria]
        ]
        stated += [(story.where, story.title) for story in spec.stories]
        for item, body in stated:  # the id's or the heading's own digits are no measure
            vague = sorted({m.lower() for m in _VAGUE_WORD.findall(body)})
            if vague and not _MEASURE.search(body):
                severity: Severity = "HIGH" if set(vague) & set(_VAGUE_HIGH) else "MEDIUM"
                self.add(
                    "ambiguity",
                    severity,
                    f"'{', '.join(vague)}' without a measure: {item.text[:120]}",
                    _at(item),
                    "say how much: a number, a unit, a threshold a test can check",
                )
        for clarification in spec.clarifications:
            self.add(
                "ambiguity",
                "HIGH",
                f"needs clarification: {clarification.text[:120] or '(unspecified)'}",
                _at(clarification),
                "answer it (/speckit.clarify) before planning on it",
            )
        for line in spec.lines:
            if _PLACEHOLDER.search(line.text):
                self.add(
                    "ambiguity",
                    "MEDIUM",
                    f"a placeholder is left: {line.text[:120]}",
                    _at(line),
                    "replace the placeholder with the decision",
                )

    def _underspecified(self, spec: SpecDoc) -> None:
        for requirement in spec.requirements:
            if len(words(requirement.text.split(" ", 1)[-1])) < 3:
                self.add(
                    "underspecification",
                    "MEDIUM",
                    f"{requirement.text.split()[0]} says too little to be tested",
                    _at(requirement),
                    "state the behaviour and its condition",
                )
        for story in spec.stories:
            if not story.scenarios:
                self.add(
                    "underspecification",
                    "MEDIUM",
                    f"User Story {story.number} has no acceptance scenario",
                    _at(story.where),
                    "add Given/When/Then scenarios an independent test can follow",
                )
            if not story.priority:
                self.add(
                    "underspecification",
                    "LOW",
                    f"User Story {story.number} has no priority",
                    _at(story.where),
                    "add (Priority: P1..P3)",
                )

    def plan(self, plan: PlanDoc, spec: SpecDoc | None) -> None:
        for name, value in sorted(plan.fields.items()):
            if "NEEDS CLARIFICATION" in value.text:
                self.add(
                    "ambiguity",
                    "HIGH",
                    f"plan's {name} needs clarification",
                    _at(value),
                    "decide it before the tasks depend on it",
                )
        for item in plan.constitution_check:
            self.add(
                "constitution",
                "CRITICAL",
                f"constitution check not passed: {item.text[:120]}",
                _at(item),
                "resolve it, or justify it under Complexity Tracking",
            )
        if spec is not None:
            known = " ".join(line.text.lower() for line in spec.lines)
            for entity in plan.entities:
                if entity.text.lower() not in known:
                    self.add(
                        "inconsistency",
                        "MEDIUM",
                        f"the plan's entity {entity.text!r} is not in the spec",
                        _at(entity),
                        "add it to the spec's Key Entities, or drop it from the plan",
                    )

    def constitution(self, constitution: Constitution, tasks: TasksDoc | None) -> None:
        """A MUST about tests, and tasks none of which writes one."""
        must = next((m for m in constitution.musts if re.search(r"\btest", m.text, re.I)), None)
        if must is None or tasks is None or not tasks.tasks:
            return
        if any(re.search(r"\btests?\b", t.text, re.I) for t in tasks.tasks):
            return
        self.add(
            "constitution",
            "CRITICAL",
            f"the constitution requires tests, and no task writes one: {must.text[:100]}",
            ((must.path, must.line), (tasks.path, 0)),
            "add test tasks before the implementation tasks they cover",
        )

    def tasks(self, tasks: TasksDoc) -> None:
        ids = Counter(t.id for t in tasks.tasks)
        for tid, count in sorted(ids.items()):
            if count > 1:
                self.add(
                    "inconsistency",
                    "HIGH",
                    f"{tid} is used by {count} tasks",
                    tuple((t.where.path, t.where.line) for t in tasks.tasks if t.id == tid),
                    "number the tasks again",
                )
        position = {t.id: index for index, t in enumerate(tasks.tasks)}
        for index, task in enumerate(tasks.tasks):
            for needed in task.depends_on:
                if needed not in position:
                    self.add(
                        "inconsistency",
                        "HIGH",
                        f"{task.id} depends on {needed}, which does not exist",
                        _at(task.where),
                        f"fix the reference, or add {needed}",
                    )
                elif position[needed] > index:
                    self.add(
                        "inconsistency",
                        "HIGH",
                        f"{task.id} depends on {needed}, which comes after it",
                        _at(task.where),
                        f"move {needed} before {task.id}",
                    )
            if not task.paths and not _OPEN_PHASES.search(task.phase):
                self.add(
                    "underspecification",
                    "LOW",
                    f"{task.id} names no file",
                    _at(task.where),
                    "say which file the task creates or changes",
                )
        by_phase: dict[tuple[str, str], list[str]] = defaultdict(list)
        for task in tasks.tasks:
            if task.parallel:
                for path in task.paths:
                    by_phase[(task.phase, path)].append(task.id)
        for (phase, path), same in sorted(by_phase.items()):
            if len(same) > 1:
                lines = tuple((t.where.path, t.where.line) for t in tasks.tasks if t.id in same)
                self.add(
                    "inconsistency",
                    "MEDIUM",
                    f"[P] tasks {', '.join(same)} all change {path}"
                    + (f" in {phase}" if phase else ""),
                    lines,
                    "drop [P] from all but one, or split the file",
                )

    def coverage(self, spec: SpecDoc, tasks: TasksDoc) -> dict[str, list[str]]:
        story_refs = {
            s.number: set(re.findall(r"\bFR-\d{2,4}[a-z]?\b", s.text)) for s in spec.stories
        }
        covered: dict[str, list[str]] = {}
        for requirement in [*spec.requirements, *spec.criteria]:
            rid, body = requirement.text.split(" ", 1)[0], requirement.text.split(" ", 1)[-1]
            explicit = [t.id for t in tasks.tasks if rid in t.references]
            storied = [
                t.id for t in tasks.tasks if t.story and rid in story_refs.get(t.story, set())
            ]
            similar = [t.id for t in tasks.tasks if similarity(body, t.text) >= self.threshold]
            covered[rid] = sorted(set(explicit or storied or similar))
        for requirement in spec.requirements:
            rid = requirement.text.split()[0]
            if not covered[rid]:
                self.add(
                    "coverage",
                    "HIGH",
                    f"{rid} has no task",
                    _at(requirement),
                    f"add a task that implements {rid}, naming it",
                )
        for criterion in spec.criteria:
            rid = criterion.text.split()[0]
            if not covered[rid]:
                self.add(
                    "coverage",
                    "MEDIUM",
                    f"success criterion {rid} has no task that measures it",
                    _at(criterion),
                    "add a task that checks it (a test, a benchmark)",
                )
        mapped = {tid for tids in covered.values() for tid in tids}
        for task in tasks.tasks:
            if task.id not in mapped and task.story is None and not _OPEN_PHASES.search(task.phase):
                self.add(
                    "coverage",
                    "MEDIUM",
                    f"{task.id} serves no requirement or story",
                    _at(task.where),
                    "name the requirement or [USn] it serves, or drop it",
                )
        return covered

    def findings(self) -> list[Finding]:
        numbered = []
        counts: Counter[str] = Counter()
        for draft in sorted(self.drafts, key=_Draft.order):
            counts[draft.category] += 1
            fid = f"{CATEGORIES[draft.category]}{counts[draft.category]:03}"
            numbered.append(
                Finding(
                    fid,
                    draft.category,
                    draft.severity,
                    draft.summary,
                    draft.locations,
                    draft.recommendation,
                )
            )
        return numbered


def _load(root: Path, path: Path) -> tuple[str, list[str], str]:
    relative = path.relative_to(root).as_posix()
    reading = read(path)
    return relative, reading.lines, reading.problem


def analyze_feature(
    root: Path, feature: Path, threshold: float = DEFAULT_SIMILARITY
) -> FeatureAnalysis:
    """Analyse one feature folder (``specs/NNN-name``) of the repository at ``root``."""
    analysis = _Analysis(threshold)
    found: dict[str, tuple[str, list[str]]] = {}
    for name in ("spec.md", "plan.md", "impl-plan.md", "tasks.md"):
        if (feature / name).is_file():
            relative, lines, problem = _load(root, feature / name)
            found[name] = (relative, lines)
            if problem:
                severity: Severity = "HIGH" if "not analysed" in problem else "MEDIUM"
                analysis.add(
                    "underspecification",
                    severity,
                    f"{relative} {problem}",
                    ((relative, 0),),
                    "keep spec files UTF-8 and under 1 MiB",
                )
    folder = feature.relative_to(root).as_posix()
    spec = parse_spec(*found["spec.md"]) if "spec.md" in found else None
    plan_name = "plan.md" if "plan.md" in found else "impl-plan.md"
    plan = parse_plan(*found[plan_name]) if plan_name in found else None
    tasks = parse_tasks(*found["tasks.md"]) if "tasks.md" in found else None
    _missing(analysis, folder, spec, plan, tasks)
    if spec is not None:
        analysis.spec(spec)
    if plan is not None:
        analysis.plan(plan, spec)
    for candidate in CONSTITUTION_PATHS:
        if (root / candidate).is_file():
            relative, lines, _ = _load(root, root / candidate)
            analysis.constitution(parse_constitution(relative, lines), tasks)
            break
    if tasks is not None:
        analysis.tasks(tasks)
    coverage = analysis.coverage(spec, tasks) if spec is not None and tasks is not None else {}
    _checklists(analysis, root, feature)
    findings = analysis.findings()
    return FeatureAnalysis(folder, findings, coverage, _metrics(spec, tasks, coverage, findings))


def _missing(
    analysis: _Analysis,
    folder: str,
    spec: SpecDoc | None,
    plan: PlanDoc | None,
    tasks: TasksDoc | None,
) -> None:
    """An incomplete feature folder, said so (not a crash)."""
    where = ((folder, 0),)
    if spec is None:
        analysis.add(
            "underspecification",
            "CRITICAL",
            f"{folder} has no spec.md",
            where,
            "write the spec first (/speckit.specify)",
        )
    if tasks is None:
        analysis.add(
            "coverage",
            "CRITICAL",
            f"{folder} has no tasks.md: no requirement has a task",
            where,
            "break the plan into tasks (/speckit.tasks)",
        )
    if plan is None and spec is not None and tasks is not None:
        analysis.add(
            "underspecification",
            "MEDIUM",
            f"{folder} has no plan.md",
            where,
            "write the plan (/speckit.plan)",
        )


def _checklists(analysis: _Analysis, root: Path, feature: Path) -> None:
    folder = feature / "checklists"
    for checklist in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        relative, lines, _ = _load(root, checklist)
        for item in parse_checklist(relative, lines):
            analysis.add(
                "underspecification",
                "LOW",
                f"checklist item open: {item.text[:120]}",
                _at(item),
                "settle it, or say why it does not apply",
            )


def _metrics(
    spec: SpecDoc | None,
    tasks: TasksDoc | None,
    coverage: dict[str, list[str]],
    findings: list[Finding],
) -> dict[str, object]:
    requirements = [r for r in coverage if r.startswith("FR")]
    covered = sum(1 for r in requirements if coverage[r])
    return {
        "requirements": len(spec.requirements) if spec else 0,
        "success_criteria": len(spec.criteria) if spec else 0,
        "tasks": len(tasks.tasks) if tasks else 0,
        "coverage_percent": round(100 * covered / len(requirements), 1) if requirements else 0.0,
        **{s.lower(): sum(1 for f in findings if f.severity == s) for s in SEVERITIES},
    }


def feature_folders(root: Path, specs: str = "specs") -> list[Path]:
    base = root / specs
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
