"""``otv completion SHELL``: the script that completes otv's commands and options."""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

SHELLS = ("bash", "zsh", "fish")


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(context: click.Context, shell: str) -> int:
    """Print the shell completion script for SHELL.

    \b
    Examples:
      otv completion bash > ~/.local/share/bash-completion/completions/otv
      otv completion zsh > "${fpath[1]}/_otv"
      otv completion fish > ~/.config/fish/completions/otv.fish
    """
    root = context.find_root().command
    completer = get_completion_class(shell)
    assert completer is not None  # every shell in SHELLS has one
    click.echo(completer(root, {}, "otv", "_OTV_COMPLETE").source())
    return 0
