"""``otv profiles``: check a profiles file, and show a profile as it resolves."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
import yaml

from otv.cli.output import OutputMode, output_options
from otv.profiles import (
    REPOSITORY_PROFILES_PATH,
    ProfilesFile,
    packaged_profiles,
    read_profiles_file,
)
from otv.profiles.proofs import check_profile, permission_findings
from otv.profiles.resolve import ResolvedProfile
from otv.scenarios import ScenarioRegistry


@click.group()
def profiles() -> None:
    """Check verification profiles, and show what a profile runs.

    \b
    Examples:
      otv profiles check .otv/profiles.yaml
      otv profiles show default
    """


def _load(path: Path | None) -> ProfilesFile:
    """The file given, else the repository's own profiles here, else otv's defaults."""
    if path is not None:
        return read_profiles_file(path)
    if Path(REPOSITORY_PROFILES_PATH).is_file():
        return read_profiles_file(Path(REPOSITORY_PROFILES_PATH))
    return packaged_profiles()


@profiles.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@output_options("Print what was checked as JSON.")
def check(file: Path | None, mode: OutputMode) -> int:
    """Check a profiles file: every profile resolves, every scenario is valid, and z3
    proves them consistent (no dead scenario, no need that is skipped where it is
    needed, dependency constraints that some version meets). Exit 1 on a finding.

    FILE defaults to .otv/profiles.yaml here, else otv's own profiles.

    \b
    Example:
      otv profiles check .otv/profiles.yaml
    """
    loaded = _load(file)
    registry = ScenarioRegistry.from_entry_points()
    resolved = [loaded.resolve(name, registry) for name in loaded.profile_names()]
    count = sum(len(profile.scenarios) for profile in resolved)
    findings = permission_findings()
    seen: set[tuple[str, str]] = set()
    for profile in resolved:  # a profile and what extends it share scenarios: report once
        for found in check_profile(profile):
            if (found.where, found.message) not in seen:
                seen.add((found.where, found.message))
                findings.append(found)
    if mode == "json":
        summary = {
            "file": loaded.name,
            "valid": not findings,
            "profiles": {profile.name: len(profile.scenarios) for profile in resolved},
            "findings": [vars(found) for found in findings],
        }
        click.echo(json.dumps(summary, indent=2))
    elif mode == "text":
        for found in findings:
            click.echo(f"{found.where}: {found.kind}: {found.message}")
        verdict = "all valid" if not findings else f"{len(findings)} findings"
        click.echo(f"{loaded.name}: {len(resolved)} profiles, {count} scenarios, {verdict}")
    return 1 if findings else 0


@profiles.command()
@click.argument("name")
@click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A profiles file (default: .otv/profiles.yaml here, else otv's own).",
)
def show(name: str, file: Path | None) -> int:
    """Show profile NAME resolved: what it extends merged in, defaults filled, as YAML.

    \b
    Example:
      otv profiles show strict
    """
    profile = _load(file).resolve(name, ScenarioRegistry.from_entry_points())
    sys.stdout.write(yaml.safe_dump(_as_document(profile), sort_keys=False, allow_unicode=True))
    return 0


def _as_document(profile: ResolvedProfile) -> dict[str, Any]:
    scenarios = []
    for scenario in profile.scenarios:
        entry: dict[str, Any] = {
            "id": scenario.id,
            "type": scenario.type,
            "severity": str(scenario.severity),
            "timeout": scenario.timeout_s,
            "retries": scenario.retries,
        }
        if scenario.when_targets or scenario.when_changed:
            entry["when"] = {
                k: list(v)
                for k, v in (("targets", scenario.when_targets), ("changed", scenario.when_changed))
                if v
            }
        if scenario.needs:
            entry["needs"] = list(scenario.needs)
        if scenario.isolated:
            entry["isolated"] = True
        if scenario.cache is not None:
            entry["cache"] = scenario.cache
        entry.update(scenario.config)
        entry["defined_at"] = scenario.where
        scenarios.append(entry)
    document: dict[str, Any] = {"name": profile.name, "source": profile.source}
    if profile.targets:
        document["targets"] = list(profile.targets)
    document["parallelism"] = profile.parallelism
    context = profile.context.model_dump(mode="json", exclude_defaults=True)
    if context:
        document["context"] = context
    document["scenarios"] = scenarios
    return document
