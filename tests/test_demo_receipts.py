"""The small demo's receipts, from one real run of `ecf demo` (about a minute).

* Every error of `declarations.md` §1.2 (steps 0–14, both evidence messages, the withdrawal and the
  cohort-closed messages by pattern) appears in some receipt body: the demo's deliberate errors
  reach every step of the live pipeline. The strings are read from the spec in place
  (`test_error_coverage.read_spec_strings`); skipped with the reason where ../shared is absent.
* Every receipt file has exactly one line per non-blank line of its batch, except the lines still
  waiting after the last cycle (submitted after its `as_of`), and agrees with the receipts table.
* The receipts table has no line twice and no line its batch does not have.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from helpers import rows
from pipelines.home import Home
from pipelines.instants import as_utc
from test_error_coverage import SPEC, SpecString, produced, read_spec_strings

DECLARATION_PIPELINE = "declarations.md §1.2"


@dataclass(frozen=True)
class Batch:
    file_id: int
    slug: str
    relative_path: str
    sha256: str
    text: str = field(repr=False)


@dataclass(frozen=True)
class DemoRun:
    home: Home
    last_as_of: object
    batches: list[Batch] = field(repr=False)
    receipts: list[tuple] = field(repr=False)  # (file_id, line_number, cycle_id, status, body_json)
    waiting: set[tuple[int, int]] = field(repr=False)  # (file_id, line_number) submitted after the last as_of


@pytest.fixture(scope="module")
def demo(small_demo) -> DemoRun:
    home, summaries = small_demo
    [(last_as_of,)] = rows(home, "SELECT max(as_of) FROM cycles WHERE status = 'complete'")
    assert as_utc(last_as_of).isoformat().startswith(summaries[-1].as_of[:19])
    batches = []
    for file_id, slug, relative, sha256 in rows(
            home, """SELECT file_id, lead_provider_slug, relative_path, content_sha256 FROM ingested_files
                     WHERE family = 'requests' ORDER BY file_id"""):
        data = (home.root / relative).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha256, f"{relative} changed after it was ingested"
        batches.append(Batch(file_id, slug, relative, sha256, data.decode("utf-8")))
    receipts = rows(home, "SELECT file_id, line_number, cycle_id, status, body_json FROM receipts "
                          "ORDER BY file_id, cycle_id, line_number")
    waiting = set(rows(home, "SELECT file_id, line_number FROM requests WHERE submitted_at > $as_of",
                       {"as_of": last_as_of}))
    return DemoRun(home, last_as_of, batches, receipts, waiting)


def non_blank_lines(text: str) -> list[int]:
    """1-based numbers of the lines holding more than JSON whitespace (the raw layer's numbering)."""
    return [n for n, line in enumerate(text.split("\n"), 1) if line.strip(" \t\r")]


def receipt_file(home: Home, batch: Batch) -> Path:
    return home.root / "receipts" / batch.slug / f"{Path(batch.relative_path).stem}-{batch.sha256[:8]}.jsonl"


# ============================================================================ §1.2 errors in the receipts

def _pipeline_strings() -> list:
    if not SPEC.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"the shared spec is absent ({SPEC})"),
                             id="no-spec")]
    strings, _ = read_spec_strings()
    return [pytest.param(entry, id=entry.text[:60]) for entry in strings.values()
            if DECLARATION_PIPELINE in entry.places]


@pytest.fixture(scope="module")
def receipt_errors(demo: DemoRun) -> list[tuple[str, str]]:
    errors = []
    for *_, status, body_json in demo.receipts:
        if status is not None and body_json:
            body = json.loads(body_json)
            if isinstance(body, dict):
                errors += [(error["title"], error["detail"]) for error in body.get("errors", ())]
    return errors


def test_the_spec_gives_every_step_of_the_declaration_pipeline():
    if not SPEC.is_dir():
        pytest.skip(f"the shared spec is absent ({SPEC})")
    entries = [entry for entry in read_spec_strings()[0].values() if DECLARATION_PIPELINE in entry.places]
    assert entries, "no string read from declarations.md §1.2"
    assert not [entry.text for entry in entries if entry.exempt], "§1.2 marks none of its steps unreachable"
    templated = [entry.text for entry in entries if "%{" in entry.text]
    assert len(templated) >= 2, f"the withdrawal and cohort-closed messages are templates: {templated}"


@pytest.mark.parametrize("entry", _pipeline_strings())
def test_every_declaration_pipeline_error_is_in_some_receipt(entry: SpecString, receipt_errors):
    assert produced(receipt_errors, entry), (
        f"no receipt of the small demo carries {entry.text!r} under "
        f"{sorted(entry.titles) or 'any title'}; details seen: "
        + "; ".join(sorted({detail[:60] for _, detail in receipt_errors})))


# ============================================================================ one receipt per line

def test_every_receipt_file_has_one_line_per_applied_batch_line(demo: DemoRun):
    checked = 0
    for batch in demo.batches:
        expected = [n for n in non_blank_lines(batch.text) if (batch.file_id, n) not in demo.waiting]
        path = receipt_file(demo.home, batch)
        if not expected:
            assert not path.exists() or path.read_bytes() == b"", f"{path}: receipts for a batch with no line due"
            continue
        assert path.exists(), f"no receipt file for {batch.relative_path}"
        data = path.read_bytes()
        assert data.endswith(b"\n"), path
        lines = [json.loads(line) for line in data.split(b"\n")[:-1]]
        numbers = [line["line"] for line in lines]
        assert len(lines) == len(expected), (
            f"{path.name}: {len(lines)} lines for {len(expected)} non-blank batch lines due "
            f"(missing {sorted(set(expected) - set(numbers))}, extra {sorted(set(numbers) - set(expected))})")
        assert sorted(numbers) == expected, f"{path.name}: receipt lines {numbers} vs batch lines {expected}"
        checked += 1
    assert checked, "the demo produced no receipt file"


def test_receipt_files_agree_with_the_receipts_table(demo: DemoRun):
    by_file: dict[int, list[tuple]] = {}
    for file_id, line, _, status, body_json in demo.receipts:
        by_file.setdefault(file_id, []).append((line, status, body_json))
    for batch in demo.batches:
        table = by_file.get(batch.file_id, [])
        path = receipt_file(demo.home, batch)
        written = [json.loads(line) for line in path.read_bytes().split(b"\n")[:-1]] if path.exists() else []
        assert [entry["line"] for entry in written] == [line for line, *_ in table], path
        for entry, (line, status, body_json) in zip(written, table):
            assert entry["status"] == status, (path.name, line)
            if status is None:
                assert {"error", "fix"} <= set(entry), (path.name, line, entry)
            else:
                assert entry["body"] == (json.loads(body_json) if body_json else None), (path.name, line)


def test_the_receipts_table_has_no_line_twice_and_no_line_the_batch_lacks(demo: DemoRun):
    counts = Counter((file_id, line) for file_id, line, *_ in demo.receipts)
    twice = sorted(key for key, count in counts.items() if count > 1)
    assert not twice, f"receipts for the same (file_id, line) more than once: {twice[:20]}"
    due = {(batch.file_id, n) for batch in demo.batches for n in non_blank_lines(batch.text)} - demo.waiting
    assert set(counts) == due, (f"receipts without a batch line: {sorted(set(counts) - due)[:20]}; "
                                f"batch lines without a receipt: {sorted(due - set(counts))[:20]}")
    statuses = Counter(status for *_, status, _ in demo.receipts)
    assert set(statuses) <= {None, 200, 400, 404, 405, 422}, statuses
    assert statuses[200] and statuses[422], statuses  # the demo has accepted and rejected requests
