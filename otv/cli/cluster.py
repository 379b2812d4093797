"""``otv cluster up|down|status``: the local cluster, three NATS nodes and two of each service."""

from __future__ import annotations

import json
from pathlib import Path

import click

from otv.cli.output import output_options
from otv.cluster import ClusterState, LocalCluster
from otv.cluster.processes import is_running
from otv.settings import Settings

_DIR_OPTION = click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the cluster keeps its state, stores and logs (default: ~/.cache/otv/cluster).",
)


def _cluster(directory: Path | None) -> LocalCluster:
    settings = Settings.from_env()
    return LocalCluster(directory or settings.cache_dir / "cluster", settings.nats_server_bin)


@click.group()
def cluster() -> None:
    """A local cluster like the Kubernetes deployment, to try and to break.

    Three nats-server nodes clustered on loopback (JetStream streams and
    buckets with three replicas) and two replicas of every service, each its
    own process, left running in the background until `otv cluster down`.

    \b
    Example:
      otv cluster up
      otv cluster status
      otv cluster down
    """


@cluster.command()
@_DIR_OPTION
def up(directory: Path | None) -> int:
    """Start the cluster and wait until every process is ready.

    \b
    Example:
      otv cluster up --dir /tmp/otv-cluster
    """
    local = _cluster(directory)
    state = local.up()
    click.echo(_describe(state))
    return 0


@cluster.command()
@_DIR_OPTION
def down(directory: Path | None) -> int:
    """Stop every process of the cluster (services first, then NATS).

    The stores stay in the directory; the next `otv cluster up` uses them again.

    \b
    Example:
      otv cluster down --dir /tmp/otv-cluster
    """
    local = _cluster(directory)
    if local.state() is None:
        click.echo(f"no cluster in {local.directory}", err=True)
        return 0
    killed = local.down()
    if killed:
        click.echo(f"killed (did not stop in time): {', '.join(killed)}", err=True)
    click.echo("cluster stopped")
    return 0


@cluster.command()
@_DIR_OPTION
@output_options("Print the processes as JSON.")
def status(directory: Path | None, mode: str) -> int:
    """Show each process of the cluster and whether it runs.

    Exits 1 when a process the cluster started is not running.

    \b
    Example:
      otv cluster status --json
    """
    local = _cluster(directory)
    state = local.state()
    if state is None:
        click.echo(f"no cluster in {local.directory}: run `otv cluster up`", err=True)
        return 1
    rows = [
        {
            "name": record.name,
            "pid": record.pid,
            "running": is_running(record),
            "log": str(record.log_file),
        }
        for record in state.processes
    ]
    if mode == "json":
        click.echo(json.dumps({"server": state.server, "processes": rows}, indent=2))
    elif mode != "quiet":
        for row in rows:
            click.echo(
                f"{row['name']:<12} {'running' if row['running'] else 'stopped':<8} "
                f"pid {row['pid']:<8} {row['log']}"
            )
    return 0 if all(row["running"] for row in rows) else 1


def _describe(state: ClusterState) -> str:
    return (
        "otv cluster is up\n"
        f"  NATS:      {state.server}\n"
        f"  gRPC API:  {', '.join(state.grpc_addresses)}\n"
        f"  admin key: {state.admin_key_file} (readable only by you)\n"
        f"  logs:      {state.directory / 'logs'}\n"
        f"Use it with: export OTV_SERVER={state.server} "
        f"OTV_API_KEY_FILE={state.admin_key_file}\n"
        f"Stop it with: otv cluster down --dir {state.directory}"
    )
