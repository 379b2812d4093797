from __future__ import annotations

from pathlib import Path

import pytest

from otv.errors import ProfileError
from otv.outcomes import Severity
from otv.profiles import ProfilesFile, packaged_profiles, read_profiles_file, select_profiles
from otv.scenarios import ScenarioRegistry

REGISTRY = ScenarioRegistry.from_entry_points()

VALID = """\
version: 1
profiles:
  default:
    scenarios:
      - {id: mergeable, type: merge, severity: blocking}
      - id: tests
        type: command
        run: [python3, -m, pytest, -q]
        timeout: 600
  strict:
    extends: default
    scenarios:
      - {id: tests, type: command, run: [python3, -m, pytest], severity: blocking}
      - {id: lint, type: command, run: [ruff, check]}
  stricter:
    extends: strict
"""


def error_of(text: str, profile: str = "default") -> str:
    with pytest.raises(ProfileError) as caught:
        ProfilesFile.parse(text, "profiles.yaml").resolve(profile, REGISTRY)
    return caught.value.message


def test_a_valid_profile_resolves_with_defaults_filled_in() -> None:
    profile = ProfilesFile.parse(VALID, "profiles.yaml").resolve("default", REGISTRY)
    assert [s.id for s in profile.scenarios] == ["mergeable", "tests"]
    mergeable, tests = profile.scenarios
    assert mergeable.severity is Severity.BLOCKING
    assert tests.severity is Severity.WARNING  # warning unless it says blocking
    assert tests.timeout_s == 600
    assert tests.config == {"run": ["python3", "-m", "pytest", "-q"]}
    assert tests.where == "profiles.yaml:6"


def test_extends_inherits_and_overrides_scenarios_by_id_over_several_levels() -> None:
    profile = ProfilesFile.parse(VALID, "profiles.yaml").resolve("stricter", REGISTRY)
    assert [s.id for s in profile.scenarios] == ["mergeable", "tests", "lint"]
    tests = profile.scenarios[1]
    assert tests.severity is Severity.BLOCKING
    assert tests.config == {"run": ["python3", "-m", "pytest"]}


def test_fail_on_is_inherited_and_each_scenario_knows_its_line() -> None:
    text = VALID.replace("  strict:\n", "  strict:\n    fail_on: warning\n")
    profiles = ProfilesFile.parse(text, "profiles.yaml")
    assert profiles.resolve("default", REGISTRY).fail_on == "blocking"
    stricter = profiles.resolve("stricter", REGISTRY)
    assert stricter.fail_on == "warning"
    assert [(s.id, s.line) for s in stricter.scenarios] == [
        ("mergeable", 5),
        ("tests", 14),
        ("lint", 15),
    ]
    assert stricter.path == "profiles.yaml"
    assert error_of(VALID.replace("  strict:\n", "  strict:\n    fail_on: never\n"), "strict") == (
        "profiles.yaml:11: profiles.strict.fail_on: Input should be 'blocking' or 'warning'"
    )
    assert packaged_profiles().path == "otv/defaults/verification_profiles.yaml"


def test_invalid_yaml_names_the_line_and_column() -> None:
    message = error_of("version: 1\nprofiles:\n  default: [\n")
    assert message.startswith("profiles.yaml:4:1: invalid YAML")


def test_an_unknown_field_is_named_with_its_line() -> None:
    text = VALID.replace("        timeout: 600\n", "        timeout: 600\n        timout: 5\n")
    assert error_of(text) == "profiles.yaml:10: command scenario 'tests': unknown field 'timout'"


def test_a_bad_common_field_is_named_with_its_line() -> None:
    text = VALID.replace("severity: blocking}", "severity: fatal}", 1)
    message = error_of(text)
    assert message.startswith("profiles.yaml:5: profiles.default.scenarios.0.severity:")
    assert "'warning' or 'blocking'" in message


def test_an_unknown_scenario_type_lists_the_known_ones() -> None:
    message = error_of(VALID.replace("type: merge", "type: mergee"))
    assert message == (
        f"profiles.yaml:5: unknown scenario type 'mergee' (known: {', '.join(REGISTRY.names())})"
    )
    assert "kubernetes-manifests" in message


def test_a_missing_type_field_is_reported() -> None:
    message = error_of(VALID.replace("        run: [python3, -m, pytest, -q]\n", ""))
    assert message == (
        "profiles.yaml:6: command scenario 'tests': "
        "give exactly one of 'run' (a list) or 'shell' (a command line)"
    )


def test_an_unknown_profile_lists_the_profiles() -> None:
    assert error_of(VALID, "nightly") == (
        "profiles.yaml: no profile 'nightly' (profiles: default, strict, stricter)"
    )


def test_a_cycle_in_extends_is_refused() -> None:
    text = VALID.replace("  default:\n", "  default:\n    extends: stricter\n")
    assert error_of(text, "strict") == (
        "profiles.yaml:17: profiles extend each other in a cycle: "
        "strict -> default -> stricter -> strict"
    )


def test_extending_an_unknown_profile_is_refused() -> None:
    text = VALID.replace("extends: default", "extends: base")
    assert error_of(text, "strict") == "profiles.yaml:11: 'strict' extends unknown profile 'base'"


def test_a_scenario_id_used_twice_is_refused() -> None:
    text = VALID.replace("id: tests\n", "id: mergeable\n", 1)
    assert "scenario id 'mergeable' is used twice" in error_of(text)


def test_a_duplicate_key_is_refused_rather_than_silently_overwritten() -> None:
    text = VALID.replace("  stricter:\n    extends: strict\n", "  strict:\n    extends: default\n")
    assert error_of(text) == "profiles.yaml:15: key 'strict' appears twice"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "profiles.yaml: expected a mapping with 'version' and 'profiles'"),
        ("- a\n- b\n", "profiles.yaml: expected a mapping with 'version' and 'profiles'"),
        ("version: 2\nprofiles: {a: {}}\n", "profiles.yaml:1: version: Input should be 1"),
        ("version: 1\nprofiles: {}\n", "profiles.yaml:2: profiles:"),
    ],
)
def test_documents_of_the_wrong_shape_are_refused(text: str, expected: str) -> None:
    assert error_of(text).startswith(expected)


def test_non_utf8_and_oversized_documents_are_refused() -> None:
    with pytest.raises(ProfileError, match="not UTF-8"):
        ProfilesFile.parse(b"version: 1\n\xff\xfe", "p.yaml")
    with pytest.raises(ProfileError, match="larger than 1024 KiB"):
        ProfilesFile.parse("#" * (1024 * 1024 + 1), "p.yaml")


def test_a_missing_profiles_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"profiles file not found: .*nope\.yaml"):
        read_profiles_file(tmp_path / "nope.yaml")


def test_the_packaged_profiles_resolve() -> None:
    profiles = packaged_profiles()
    assert profiles.profile_names() == ["default", "python", "strict"]
    for name in profiles.profile_names():
        assert profiles.resolve(name, REGISTRY).scenarios
    assert packaged_profiles().resolve("strict", REGISTRY).fail_on == "warning"


def test_profiles_come_from_the_client_then_the_repository_then_the_service(tmp_path: Path) -> None:
    service = tmp_path / "service.yaml"
    service.write_text(VALID.replace("stricter", "service-only"))
    client = VALID.replace("stricter", "client-only").encode()
    repository = VALID.replace("stricter", "repo-only").encode()

    def chosen(**overrides: object) -> list[str]:
        arguments: dict[str, object] = {
            "client_document": client,
            "client_document_name": "mine.yaml",
            "repository_document": repository,
            "service_file": service,
            "allow_client": True,
            "allow_repository": True,
        }
        arguments.update(overrides)
        return select_profiles(**arguments).profile_names()  # type: ignore[arg-type]

    assert "client-only" in chosen()
    assert "repo-only" in chosen(client_document=b"")
    assert "service-only" in chosen(client_document=b"", allow_repository=False)
    assert "service-only" in chosen(client_document=b"", repository_document=b"")
    assert chosen(client_document=b"", repository_document=b"", service_file=None) == [
        "default",
        "python",
        "strict",
    ]


def test_a_client_profiles_file_is_refused_where_the_deployment_does_not_allow_it() -> None:
    with pytest.raises(ProfileError, match="does not accept profiles files from clients"):
        select_profiles(
            client_document=VALID.encode(),
            client_document_name="mine.yaml",
            repository_document=b"",
            service_file=None,
            allow_client=False,
            allow_repository=False,
        )


NEEDS = """\
version: 1
profiles:
  base:
    targets: [main, "release/*"]
    parallelism: 2
    scenarios:
      - {id: build, type: merge}
      - {id: test, type: merge, needs: [build]}
  child:
    extends: base
    scenarios:
      - {id: deploy, type: merge, needs: [test], when: {targets: ["release/*"], changed: ["deploy/**"]}}
"""


def test_targets_parallelism_needs_and_when_resolve_through_extends() -> None:
    profile = ProfilesFile.parse(NEEDS, "p.yaml").resolve("child", REGISTRY)
    assert profile.targets == ("main", "release/*")
    assert profile.parallelism == 2
    deploy = profile.scenarios[-1]
    assert (deploy.needs, deploy.when_targets, deploy.when_changed) == (
        ("test",),
        ("release/*",),
        ("deploy/**",),
    )


def test_a_cycle_in_needs_is_refused() -> None:
    text = NEEDS.replace("{id: build, type: merge}", "{id: build, type: merge, needs: [deploy]}")
    with pytest.raises(ProfileError) as caught:
        ProfilesFile.parse(text, "p.yaml").resolve("child", REGISTRY)
    assert "scenarios need each other in a cycle: " in caught.value.message
    assert caught.value.message.startswith("p.yaml:")


def test_needing_an_unknown_scenario_is_refused() -> None:
    with pytest.raises(ProfileError, match=r"^p.yaml:8: 'test' needs unknown scenario 'lint'$"):
        ProfilesFile.parse(NEEDS.replace("needs: [build]", "needs: [lint]"), "p.yaml").resolve(
            "base", REGISTRY
        )


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (
            'changed: ["deploy/**"]',
            "p.yaml:12: profiles.child.scenarios.0.when.changed: invalid glob '/abs'",
        ),
        (
            'targets: ["release/*"]',
            "p.yaml:12: profiles.child.scenarios.0.when.targets: invalid glob 'rel[ease'",
        ),
    ],
)
def test_a_when_glob_that_cannot_compile_is_refused(broken: str, message: str) -> None:
    replacement = broken.replace('"deploy/**"', '"/abs"').replace('"release/*"', '"rel[ease"')
    with pytest.raises(ProfileError) as caught:
        ProfilesFile.parse(NEEDS.replace(broken, replacement), "p.yaml").resolve("child", REGISTRY)
    assert caught.value.message.startswith(message)
