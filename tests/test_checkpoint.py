"""The world checkpoint: two files (the declaration part apart), both checked against the cycle, the
timeline and the code; the world saved stays whole in memory."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone

import pytest

from pipelines.apply import checkpoint
from pipelines.apply.checkpoint import declarations_path, load_checkpoint, save_checkpoint
from pipelines.apply.engine import Replay
from pipelines.world.model import Declaration, LeadProvider, LineItem, User

MOMENT = datetime(2024, 11, 1, tzinfo=timezone.utc)


def _replay() -> Replay:
    replay = Replay()
    world = replay.world
    world.add_lead_provider(LeadProvider("lp", "Alder", "alder", True))
    world.users["u1"] = User("u1", "Ann", "ann@example.com", MOMENT, MOMENT)
    world.add_declaration(Declaration("d1", "lp", "u1", "p1", "ect", "ecf-induction", "started", MOMENT, "", 2024,
                                      "eligible", None, None, None, False, False, None, None, MOMENT, MOMENT))
    world.add_line_item(LineItem("d1", "s1", "billable", "eligible", MOMENT, MOMENT))
    return replay


@pytest.fixture(autouse=True)
def _nothing_in_memory(monkeypatch):
    monkeypatch.setattr(checkpoint, "_LAST_SAVED", {})


def test_saved_world_reads_back_whole_or_without_its_declarations(tmp_path):
    replay = _replay()
    save_checkpoint(tmp_path, replay, 3, 40)
    assert replay.world.declarations["d1"].state == "eligible"  # the part is put back on the live world
    checkpoint._LAST_SAVED.clear()
    whole = load_checkpoint(tmp_path, 3, 40, to_change=False)
    assert list(whole.world.declarations) == ["d1"] and whole.world.line_items_by_statement["s1"][0].state == "eligible"
    # one line item object under both indexes, as before saving
    assert whole.world.line_items["d1"][0] is whole.world.line_items_by_statement["s1"][0]
    assert whole.world.users["u1"].full_name == "Ann"
    alone = load_checkpoint(tmp_path, 3, 40, to_change=False, declarations=False)
    assert alone.world.users["u1"].full_name == "Ann"
    for name in checkpoint.DECLARATION_PART:
        with pytest.raises(RuntimeError, match=f"World.{name} is not loaded"):
            len(getattr(alone.world, name))


def test_a_checkpoint_of_another_cycle_or_a_mismatched_pair_is_refused(tmp_path):
    save_checkpoint(tmp_path, _replay(), 3, 40)
    checkpoint._LAST_SAVED.clear()
    assert load_checkpoint(tmp_path, 4, 40) is None
    assert load_checkpoint(tmp_path, 3, 41) is None
    other = tmp_path / "other"
    other.mkdir()
    save_checkpoint(other, _replay(), 2, 30)
    shutil.copy(declarations_path(other), declarations_path(tmp_path))  # as if a save stopped half-way
    checkpoint._LAST_SAVED.clear()
    assert load_checkpoint(tmp_path, 3, 40) is None
    assert load_checkpoint(tmp_path, 3, 40, declarations=False) is not None  # publishing needs only the rest
    declarations_path(tmp_path).unlink()
    assert load_checkpoint(tmp_path, 3, 40) is None
