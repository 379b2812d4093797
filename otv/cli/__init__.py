"""The ``otv`` command line.

``main`` runs a command and returns its exit code: 0 passed or warned,
1 failed, 2 a usage or configuration error, 3 otv itself failed. Every error
is one line on stderr saying what went wrong and what to do; never a traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import click

from otv import __version__
from otv.bus.api import ApiError
from otv.cli.annotate import annotate
from otv.cli.audit import audit
from otv.cli.cluster import cluster
from otv.cli.completion import completion
from otv.cli.doctor import doctor
from otv.cli.hooks import hooks
from otv.cli.keys import keys
from otv.cli.profiles import profiles
from otv.cli.reports import list_verifications, report, review, watch
from otv.cli.serve import serve
from otv.cli.speckit import speckit
from otv.cli.status import status
from otv.cli.up import up
from otv.cli.verify import verify
from otv.errors import OtvError
from otv.redaction import redact


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="otv")
def cli() -> None:
    """otv verifies a change against every target branch before it is merged.

    Server and key come from --server / --api-key-file, else OTV_SERVER /
    OTV_API_KEY, else ~/.config/otv/config.toml. `otv doctor` checks them.

    \b
    Examples:
      otv verify --target main --target release/1.0
      otv doctor
      otv completion bash > ~/.local/share/bash-completion/completions/otv
    """


cli.add_command(verify)
cli.add_command(up)
cli.add_command(cluster)
cli.add_command(serve)
cli.add_command(status)
cli.add_command(watch)
cli.add_command(report)
cli.add_command(list_verifications)
cli.add_command(review)
cli.add_command(keys)
cli.add_command(audit)
cli.add_command(profiles)
cli.add_command(doctor)
cli.add_command(hooks)
cli.add_command(annotate)
cli.add_command(speckit)
cli.add_command(completion)


# What to do about a refusal, by its code.
_HINTS = {
    "401": "check the key given with --api-key-file, OTV_API_KEY or config.toml (otv doctor)",
    "403": "ask an admin for a key with that role",
}


def main(argv: Sequence[str] | None = None) -> int:  # noqa: PLR0911 — one exit per kind of failure
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = cli.main(args=args, prog_name="otv", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("otv: interrupted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except ApiError as exc:
        hint = _HINTS.get(exc.code)
        click.echo(f"otv: error: {exc.message}" + (f" ({hint})" if hint else ""), err=True)
        return exc.exit_code
    except OtvError as exc:
        click.echo(f"otv: error: {exc.message}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("otv: interrupted", err=True)
        return 130
    except Exception as exc:  # the last resort: one line, never a traceback
        logging.getLogger("otv").debug("unexpected error", exc_info=exc)
        click.echo(
            f"otv: internal error: {type(exc).__name__}: {redact(str(exc))[:300]} "
            "(run with OTV_LOG_LEVEL=DEBUG for details, and please report it)",
            err=True,
        )
        return 3
    return result if isinstance(result, int) else 0


def run() -> None:
    raise SystemExit(main())
