"""``otv speckit analyze``: the spec-kit analysis of a repository, here and now."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from otv.cli.output import console
from otv.errors import UsageError
from otv.speckit.analyze import DEFAULT_SIMILARITY, analyze_feature, feature_folders


@click.group()
def speckit() -> None:
    """Check spec-kit features: goals (requirements, criteria, stories) against tasks.

    \b
    Example:
      otv speckit analyze
    """


@speckit.command()
@click.argument("path", default=".", type=click.Path(exists=True, path_type=Path))
@click.option("--specs", default="specs", show_default=True, help="Folder of the features.")
@click.option(
    "--similarity",
    "threshold",
    type=click.FloatRange(0.01, 1.0),
    default=DEFAULT_SIMILARITY,
    show_default=True,
    help="Word overlap at which a task counts for a requirement it does not name.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the analysis as JSON.")
def analyze(path: Path, specs: str, threshold: float, as_json: bool) -> int:
    """Analyse every feature under PATH/specs (or the one feature folder PATH is).

    Exit status: 1 when a finding is CRITICAL, 0 otherwise.

    \b
    Examples:
      otv speckit analyze
      otv speckit analyze specs/001-deploy-preview --json
    """
    root, folders = _where(path.resolve(), specs)
    analyses = [analyze_feature(root, folder, threshold) for folder in folders]
    if as_json:
        click.echo(json.dumps({"features": [a.to_dict() for a in analyses]}, indent=2))
    else:
        out = console()
        for analysis in analyses:
            metrics = analysis.metrics
            out.print(
                f"[bold]{escape(analysis.feature)}[/]: {metrics['requirements']} requirements, "
                f"{metrics['tasks']} tasks, {metrics['coverage_percent']}% covered",
                highlight=False,
            )
            table = Table(box=None, header_style="bold", pad_edge=False)
            for column in ("id", "severity", "finding", "where", "do"):
                table.add_column(column, overflow="fold")
            for found in analysis.findings:
                where = ", ".join(f"{p}:{n}" if n else p for p, n in found.locations[:2])
                table.add_row(
                    found.id,
                    found.severity,
                    escape(found.summary),
                    escape(where),
                    escape(found.recommendation),
                )
            out.print(table)
            if analysis.coverage:
                covered = Table(box=None, header_style="bold", pad_edge=False)
                covered.add_column("requirement")
                covered.add_column("tasks")
                for requirement, tasks in analysis.coverage.items():
                    covered.add_row(requirement, ", ".join(tasks) or "[red]none[/]")
                out.print(covered)
            out.print()
    critical = any(f.severity == "CRITICAL" for a in analyses for f in a.findings)
    return 1 if critical else 0


def _where(path: Path, specs: str) -> tuple[Path, list[Path]]:
    """The repository root and the feature folders to analyse."""
    if (path / "spec.md").is_file() or (path / "tasks.md").is_file():
        root = path
        while root != root.parent and not (root / specs).is_dir():
            root = root.parent
        return (root if (root / specs).is_dir() else path.parent), [path]
    folders = feature_folders(path, specs)
    if not folders:
        raise UsageError(f"no spec-kit feature folders under {path / specs}")
    return path, folders
