"""Reading a spec-kit feature folder: spec.md, plan.md, tasks.md, checklists, and the
project's constitution — tolerant of the formats found in real projects.

Nothing here judges: a parser returns what it found with file and line, and the
problems of reading (too large, not UTF-8) as notes for the analysis to report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE_BYTES = 1024 * 1024

_REQUIREMENT = re.compile(r"^\s*[-*]?\s*\*{0,2}((?:FR|SC)-\d{2,4}[a-z]?)\*{0,2}\s*[:.-]?\s*(.*)$")
_STORY = re.compile(
    r"^#{2,4}\s+User Story\s+(\d+)\s*[-\u2013\u2014:]\s*(.+?)\s*(?:\(Priority:\s*(P\d)\))?\s*$",
    re.I,
)
_CLARIFICATION = re.compile(r"\[NEEDS CLARIFICATION(?::\s*([^\]]*))?\]")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BOLD_ITEM = re.compile(r"^\s*[-*]\s+\*\*([^*]+)\*\*")
_TASK = re.compile(r"^\s*[-*]\s*\[( |x|X)\]\s+\*{0,2}(T\d{3,})\*{0,2}\b\s*(.*)$")
_CHECK_ITEM = re.compile(r"^\s*[-*]\s*\[( |x|X)\]\s+(.*)$")
_PHASE = re.compile(r"^#{2,4}\s+Phase\s+(\d+(?:\.\d+)?)\s*[:.-]?\s*(.*)$", re.I)
_DEPENDS = re.compile(
    r"\b(?:depends on|after|requires|blocked by)\s+((?:T\d{3,}(?:\s*(?:,|and)\s*)?)+)", re.I
)
_TASK_ID = re.compile(r"\bT\d{3,}\b")
_REFERENCE = re.compile(r"\b(?:FR|SC)-\d{2,4}[a-z]?\b")
_PATH = re.compile(r"`([^`\s]+\.[A-Za-z0-9]+)`|(?<![\w/])((?:[\w.-]+/)+[\w.-]+\.[A-Za-z0-9]+)\b")
_FIELD = re.compile(r"^\s*\*\*([^*]+)\*\*\s*:\s*(.*)$")


@dataclass(frozen=True)
class Line:
    """A piece of text and where it is."""

    path: str
    line: int
    text: str


@dataclass
class SpecDoc:
    path: str
    requirements: list[Line] = field(default_factory=list)  # text: "FR-001 ..."
    criteria: list[Line] = field(default_factory=list)
    stories: list[Story] = field(default_factory=list)
    clarifications: list[Line] = field(default_factory=list)
    entities: list[Line] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)


@dataclass
class Story:
    number: int
    title: str
    priority: str
    where: Line
    scenarios: list[Line] = field(default_factory=list)
    text: str = ""


@dataclass
class Task:
    id: str
    done: bool
    parallel: bool
    story: int | None
    text: str
    where: Line
    phase: str
    depends_on: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)


@dataclass
class TasksDoc:
    path: str
    tasks: list[Task] = field(default_factory=list)


@dataclass
class PlanDoc:
    path: str
    fields: dict[str, Line] = field(default_factory=dict)
    constitution_check: list[Line] = field(default_factory=list)  # open or failing items
    entities: list[Line] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)


@dataclass
class Constitution:
    path: str
    musts: list[Line] = field(default_factory=list)
    shoulds: list[Line] = field(default_factory=list)


@dataclass
class Reading:
    """A file's lines, or why it could not be read whole."""

    lines: list[str]
    problem: str = ""


def read(path: Path) -> Reading:
    """A Markdown file's lines; a huge or non-UTF-8 file says so instead of failing."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return Reading([], f"{size:,} bytes, over the {MAX_FILE_BYTES:,} read: not analysed")
        data = path.read_bytes()
    except OSError as exc:
        return Reading([], f"cannot be read ({exc.strerror})")
    try:
        return Reading(data.decode("utf-8").splitlines())
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="replace").splitlines()
        return Reading(text, f"is not UTF-8 (byte {exc.start}); read with replacements")


def _sections(lines: list[str]) -> list[str]:
    """The heading each line is under (its text, lower case)."""
    current = ""
    found = []
    for text in lines:
        heading = _HEADING.match(text)
        if heading:
            current = heading.group(2).strip().lower()
        found.append(current)
    return found


def parse_spec(path: str, lines: list[str]) -> SpecDoc:
    doc = SpecDoc(path)
    sections = _sections(lines)
    story: Story | None = None
    for number, (text, section) in enumerate(zip(lines, sections, strict=True), start=1):
        where = Line(path, number, text.strip())
        doc.lines.append(where)
        if (title := _STORY.match(text)) is not None:
            story = Story(int(title.group(1)), title.group(2).strip(), title.group(3) or "", where)
            doc.stories.append(story)
            continue
        if (heading := _HEADING.match(text)) is not None:
            if len(heading.group(1)) <= 3:  # a heading at the story's level or above ends it
                story = None
            continue
        if story is not None:
            story.text += " " + text.strip()
            if re.search(r"\*\*Given\*\*|^\s*\d+\.\s+.*\bGiven\b", text):
                story.scenarios.append(where)
        for clarification in _CLARIFICATION.finditer(text):
            doc.clarifications.append(Line(path, number, clarification.group(1) or ""))
        if (requirement := _REQUIREMENT.match(text)) is not None:
            item = Line(path, number, f"{requirement.group(1)} {requirement.group(2).strip()}")
            (doc.requirements if requirement.group(1).startswith("FR") else doc.criteria).append(
                item
            )
        elif "entit" in section and (bold := _BOLD_ITEM.match(text)) is not None:
            doc.entities.append(Line(path, number, bold.group(1).strip()))
    return doc


def parse_tasks(path: str, lines: list[str]) -> TasksDoc:
    doc = TasksDoc(path)
    phase = ""
    current: Task | None = None
    for number, text in enumerate(lines, start=1):
        if (heading := _PHASE.match(text)) is not None:
            phase = f"Phase {heading.group(1)}: {heading.group(2).strip()}".rstrip(": ")
            current = None
            continue
        if (found := _TASK.match(text)) is not None:
            body = found.group(3)
            current = Task(
                id=found.group(2),
                done=found.group(1) != " ",
                parallel="[P]" in body,
                story=int(story.group(1)) if (story := re.search(r"\[US(\d+)\]", body)) else None,
                text=body.strip(),
                where=Line(path, number, text.strip()),
                phase=phase,
            )
            doc.tasks.append(current)
        elif current is not None and text.strip() and text.startswith((" ", "\t")):
            current.text += " " + text.strip()  # a task wrapped over several lines
        else:
            current = None if not text.strip() or _HEADING.match(text) else current
    for task in doc.tasks:
        task.depends_on = sorted(
            {tid for group in _DEPENDS.findall(task.text) for tid in _TASK_ID.findall(group)}
        )
        task.paths = sorted({a or b for a, b in _PATH.findall(task.text)})
        task.references = sorted(set(_REFERENCE.findall(task.text)))
    return doc


def parse_plan(path: str, lines: list[str]) -> PlanDoc:
    doc = PlanDoc(path)
    sections = _sections(lines)
    for number, (text, section) in enumerate(zip(lines, sections, strict=True), start=1):
        where = Line(path, number, text.strip())
        doc.lines.append(where)
        if "technical context" in section and (found := _FIELD.match(text)) is not None:
            doc.fields[found.group(1).strip()] = Line(path, number, found.group(2).strip())
        if "constitution check" in section:
            item = _CHECK_ITEM.match(text)
            if (item is not None and item.group(1) == " ") or re.search(
                r"\b(FAIL|VIOLATION|VIOLATES)\b", text
            ):
                doc.constitution_check.append(where)
        if ("entit" in section or "data model" in section) and (
            bold := _BOLD_ITEM.match(text) or re.match(r"^#{3,4}\s+(\w[\w ]*)$", text)
        ) is not None:
            doc.entities.append(Line(path, number, bold.group(1).strip()))
    return doc


def parse_constitution(path: str, lines: list[str]) -> Constitution:
    doc = Constitution(path)
    for number, text in enumerate(lines, start=1):
        if text.lstrip().startswith("#") or text.lstrip().startswith("<!--"):
            continue
        if re.search(r"\bMUST\b", text):
            doc.musts.append(Line(path, number, text.strip()))
        elif re.search(r"\bSHOULD\b", text):
            doc.shoulds.append(Line(path, number, text.strip()))
    return doc


def parse_checklist(path: str, lines: list[str]) -> list[Line]:
    """A checklist's open items (``- [ ] CHK001 ...``)."""
    return [
        Line(path, number, item.group(2).strip())
        for number, text in enumerate(lines, start=1)
        if (item := _CHECK_ITEM.match(text)) is not None and item.group(1) == " "
    ]
