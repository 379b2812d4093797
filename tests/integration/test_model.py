"""The Promela model of the event protocol: generated from the reporter's phase table,
proved by spin, and able to fail: spin finds the faults of two broken variants."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from otv.queries import Phase
from services.reporter.model import MODEL_PATH, PROPERTIES, render, verify
from services.reporter.phases import REACHABLE

ROOT = Path(__file__).parents[2]
MODEL = ROOT / MODEL_PATH
needs_spin = pytest.mark.skipif(
    shutil.which("spin") is None or shutil.which("cc") is None,
    reason="spin (Debian's spin package, installed by .ci/run via make tools) or cc is missing",
)


def test_the_committed_model_is_generated_from_the_phase_table() -> None:
    assert MODEL.read_text() == render(), "formal/pipeline.pml is stale: run `make model`"
    text = MODEL.read_text()
    for phase in Phase:
        for following in REACHABLE[phase]:
            assert f"proposed == {following.value.upper()}" in text


@needs_spin
def test_spin_proves_every_property_of_the_model() -> None:
    verdicts = verify(MODEL)
    assert [v.prop for v in verdicts] == list(PROPERTIES)
    assert all(v.errors == 0 for v in verdicts), verdicts


@needs_spin
@pytest.mark.parametrize(
    ("variant", "broken"),
    [("BROKEN_FOLD", "completes_when_finished"), ("LOST_REDELIVERY", "authorized_ends")],
)
def test_spin_finds_the_fault_of_a_broken_variant(variant: str, broken: str) -> None:
    verdicts = {v.prop: v.errors for v in verify(MODEL, variant, (broken, "completes_once"))}
    assert verdicts[broken] >= 1  # a counterexample: the check can fail
    assert verdicts["completes_once"] == 0  # the phase table still forbids a second completion
