"""``otv hooks install|uninstall|run``: otv's git hooks in a repository.

The hooks go where git looks for them (``core.hooksPath`` if set, else
``.git/hooks``). A hook already there that is not otv's is kept beside it as
``NAME.otv-saved`` and still runs first; ``uninstall`` puts it back.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import click

from otv.errors import UsageError

HOOKS = {"pre-commit": "pre-commit-hook.sh", "post-merge": "post-merge-hook.sh"}
MARK = "# installed by otv hooks install"


def script(name: str) -> str:
    """The text of one of otv's hook scripts (otv/hooks/, linked from scripts/)."""
    return files("otv.hooks").joinpath(name).read_text()


def hooks_dir(repository: Path) -> Path:
    """Where git runs this repository's hooks from (honours core.hooksPath)."""
    found = subprocess.run(
        ["git", "rev-parse", "--git-path", "hooks"],
        cwd=repository,
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode != 0:
        raise UsageError(f"{repository} is not a git repository")
    path = Path(found.stdout.strip())
    return path if path.is_absolute() else (repository / path)


def _otv_command() -> str:
    """How the installed hook runs this otv: the same executable, wherever PATH points."""
    found = shutil.which("otv")
    return found or f"{sys.executable} -m otv"


def _ours(path: Path) -> bool:
    try:
        return MARK in path.read_text(errors="replace")
    except OSError:
        return False


@click.group()
def hooks() -> None:
    """Install otv's git hooks: pre-commit (verify the staged change) and post-merge.

    \b
    Examples:
      otv hooks install
      OTV_HOOK_TARGETS="main release/1.0" git commit
      otv hooks uninstall
    """


@hooks.command()
@click.argument("repository", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--hook",
    "names",
    multiple=True,
    type=click.Choice(sorted(HOOKS)),
    help="Only this hook; repeatable (default: all).",
)
def install(repository: Path, names: tuple[str, ...]) -> int:
    """Install the hooks, keeping any hook already there (it still runs, first).

    \b
    Example:
      otv hooks install --hook pre-commit
    """
    directory = hooks_dir(repository)
    directory.mkdir(parents=True, exist_ok=True)
    command = _otv_command()
    for name in names or sorted(HOOKS):
        path = directory / name
        if path.exists() and not _ours(path):
            path.rename(directory / f"{name}.otv-saved")
            click.echo(f"kept the existing {name} hook as {name}.otv-saved; it still runs first")
        text = script(HOOKS[name])
        shebang, _, rest = text.partition("\n")
        # The otv that installed the hook runs it, unless OTV_BIN says otherwise.
        path.write_text(f'{shebang}\n{MARK}\nOTV_BIN=${{OTV_BIN:-"{command}"}}\n{rest}')
        path.chmod(0o755)
        click.echo(f"installed {path}")
    return 0


@hooks.command()
@click.argument("repository", default=".", type=click.Path(file_okay=False, path_type=Path))
def uninstall(repository: Path) -> int:
    """Remove otv's hooks and put back the ones they kept.

    \b
    Example:
      otv hooks uninstall
    """
    directory = hooks_dir(repository)
    for name in sorted(HOOKS):
        path = directory / name
        if path.exists() and _ours(path):
            path.unlink()
            click.echo(f"removed {path}")
        saved = directory / f"{name}.otv-saved"
        if saved.exists() and not path.exists():
            saved.rename(path)
            click.echo(f"restored the earlier {name} hook")
    return 0


@hooks.command(name="run", context_settings={"ignore_unknown_options": True})
@click.argument("hook", type=click.Choice([*sorted(HOOKS), "verify-changes"]))
@click.argument("arguments", nargs=-1, type=click.UNPROCESSED)
def run_hook(hook: str, arguments: tuple[str, ...]) -> int:
    """Run one of otv's hook scripts here (what the pre-commit framework calls).

    \b
    Example:
      otv hooks run pre-commit
    """
    name = HOOKS.get(hook, "verify-changes.sh")
    environment = {**os.environ, "OTV_BIN": os.environ.get("OTV_BIN", _otv_command())}
    finished = subprocess.run(
        ["sh", "-c", script(name), f"otv-{hook}", *arguments], env=environment, check=False
    )
    return finished.returncode
