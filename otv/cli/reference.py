"""The command-line reference (docs/cli.md), written from the commands themselves.

``python -m otv.cli.reference > docs/cli.md`` (``make docs``); a test fails when
the committed file differs, so the reference cannot drift from ``--help``.
"""

from __future__ import annotations

from collections.abc import Iterator

import click

from otv.cli import cli

_HEADER = """# Command-line reference

Generated from `otv --help` by `make docs`; do not edit by hand.

Server and key: `--server` / `--api-key-file` (or `--api-key`), else `OTV_SERVER` /
`OTV_API_KEY` (or `OTV_API_KEY_FILE`), else `~/.config/otv/config.toml`
(`server`, `api_key_file`, `profile`). Exit status: `0` passed or warned (or the
command did what it was asked), `1` failed, `2` a usage or configuration error,
`3` otv itself failed.
"""


def _commands(command: click.Command, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from _commands(command.commands[name], (*path, name))
    else:
        yield path


def _help(path: tuple[str, ...]) -> str:
    """What ``otv PATH --help`` prints, at a fixed width."""
    fixed = {"terminal_width": 100, "max_content_width": 100, **cli.context_settings}
    context = click.Context(cli, info_name="otv", **fixed)
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
        context = click.Context(command, info_name=name, parent=context, **fixed)
    return command.get_help(context)


def render() -> str:
    sections = [_HEADER]
    for path in _commands(cli, ()):
        sections.append(f"## `otv {' '.join(path)}`\n\n```text\n{_help(path)}\n```\n")
    return "\n".join(sections)


if __name__ == "__main__":
    print(render(), end="")
