"""Where the command line finds server, key and profile; what it takes from a CI run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from otv.cli.ci import detect
from otv.cli.config import default_profile, resolve_connection
from otv.errors import UsageError


def write_config(tmp_path: Path, text: str) -> dict[str, str]:
    (tmp_path / "otv").mkdir(exist_ok=True)
    (tmp_path / "otv" / "config.toml").write_text(text)
    return {"XDG_CONFIG_HOME": str(tmp_path)}


def key_file(tmp_path: Path, name: str, key: str, mode: int = 0o600) -> Path:
    path = tmp_path / name
    path.write_text(key + "\n")
    path.chmod(mode)
    return path


def test_flags_win_over_the_environment_which_wins_over_the_config_file(tmp_path: Path) -> None:
    config_key = key_file(tmp_path, "config.key", "otv_from_config")
    env = write_config(
        tmp_path,
        f'server = "nats://config:4222"\napi_key_file = "{config_key}"\nprofile = "strict"\n',
    )
    from_config = resolve_connection(None, None, None, env)
    assert (from_config.server, from_config.api_key) == ("nats://config:4222", "otv_from_config")
    assert from_config.server_from.endswith("config.toml")
    assert default_profile(env) == "strict"
    env |= {"OTV_SERVER": "nats://env:4222", "OTV_API_KEY": "otv_from_env", "OTV_PROFILE": "fast"}
    from_env = resolve_connection(None, None, None, env)
    assert (from_env.server, from_env.api_key) == ("nats://env:4222", "otv_from_env")
    assert (from_env.server_from, from_env.key_from) == ("OTV_SERVER", "OTV_API_KEY")
    assert default_profile(env) == "fast"
    flag_file = key_file(tmp_path, "flag.key", "otv_from_flag_file")
    from_flags = resolve_connection("nats://flag:4222", None, flag_file, env)
    assert (from_flags.server, from_flags.api_key) == ("nats://flag:4222", "otv_from_flag_file")
    assert from_flags.key_from == str(flag_file)


def test_no_configuration_at_all_means_no_server_and_the_default_profile(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "none")}
    nothing = resolve_connection(None, None, None, env)
    assert (nothing.server, nothing.api_key) == (None, None)
    assert default_profile(env) == "default"


def test_a_key_file_others_can_read_is_refused_and_its_key_not_shown(tmp_path: Path) -> None:
    open_file = key_file(tmp_path, "open.key", "otv_secret_value", mode=0o644)
    with pytest.raises(UsageError) as refused:
        resolve_connection(None, None, open_file, {})
    assert refused.value.message == (
        f"the API key file {open_file} is readable by others: chmod 600 {open_file}"
    )
    assert "otv_secret_value" not in refused.value.message
    with pytest.raises(UsageError, match="cannot read the API key file"):
        resolve_connection(None, None, tmp_path / "missing.key", {})


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('api_key = "otv_abc"\n', "keep the key out of the configuration"),
        ('sever = "nats://x"\n', "unknown setting 'sever' (settings: server, api_key_file"),
        ("server = 4222\n", "server must be a non-empty string"),
        ("server = [\n", "is not valid TOML"),
    ],
)
def test_a_bad_config_file_is_one_clear_error(tmp_path: Path, text: str, error: str) -> None:
    env = write_config(tmp_path, text)
    with pytest.raises(UsageError) as refused:
        resolve_connection(None, None, None, env)
    assert error in refused.value.message
    assert "otv_abc" not in refused.value.message


def test_github_actions_gives_the_pull_requests_head_its_base_and_the_run(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 17, "head": {"sha": "a" * 40}}}))
    run = detect(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_SHA": "b" * 40,  # the merge GitHub made, not the head
            "GITHUB_BASE_REF": "release/1.0",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_RUN_ID": "9876543210",
            "GITHUB_RUN_ATTEMPT": "2",
        }
    )
    assert run is not None
    assert (run.head, run.targets, run.correlation_id) == (
        "a" * 40,
        ("release/1.0",),
        "gh-9876543210-2",
    )
    assert run.change_number == 17
    push = detect({"GITHUB_ACTIONS": "true", "GITHUB_SHA": "c" * 40, "GITHUB_RUN_ID": "5"})
    assert push is not None and (push.head, push.targets) == ("c" * 40, ())


def test_gitlab_ci_gives_the_merge_requests_target_and_the_pipeline() -> None:
    run = detect(
        {
            "GITLAB_CI": "true",
            "CI_COMMIT_SHA": "d" * 40,
            "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
            "CI_PIPELINE_ID": "4242",
            "CI_JOB_ID": "77",
            "CI_MERGE_REQUEST_IID": "12",
        }
    )
    assert run is not None and run.change_number == 12
    assert run is not None
    assert (run.head, run.targets, run.correlation_id) == ("d" * 40, ("main",), "gl-4242-77")
    assert detect({"CI": "true"}) is None
