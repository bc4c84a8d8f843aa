"""Every reachable error string of the spec is produced by the product's rule functions.

The exact `detail` strings are read in place from the spec tables and lists:

* `declarations.md` §1.2 (declaration pipeline, steps 0–14), §1.4 (`evidence_held`), §2.1 (void),
  §4.3 (withdraw / defer / resume), §4.4 (change schedule);
* `partnerships-and-finance.md` §1.3 (`POST` partnerships), §1.4 (`PUT` partnerships).

Nothing the spec says is copied here: a string is a back-quoted span of the table's `detail` /
`message` column (or, in §1.4 and §2.1, which have no message table, of the section's prose), or
the `"detail"` member of a back-quoted JSON snippet. Templated strings (`%{cohort}`,
`%{withdrawal_date}`) become patterns. A string is exempt only where the spec itself marks its row
or list item unreachable; the exemption carries the spec's own words as the reason.

The strings are then looked for in what the rule functions *produce* — `check_declaration`,
`check_void`, the participant-action checks and the partnership checks — driven with small
literal worlds (the builders of `test_declaration_rules.py` and
`test_participant_and_partnership_rules.py`), one scenario per error. A produced detail is the
messages of one attribute joined with `", "`, so a spec string counts as produced when it is one
or more whole components of a produced detail, under the title the spec's table gives it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import test_declaration_rules as D
import test_participant_and_partnership_rules as P
from conftest import SHARED
from pipelines.validate.declaration_rules import check_declaration, check_void
from pipelines.validate.envelope import Response
from pipelines.validate.participant_action_rules import (
    check_change_schedule, check_defer, check_resume, check_withdraw,
)
from pipelines.validate.partnership_rules import check_partnership_create, check_partnership_update
from pipelines.world.model import MENTOR
from test_declaration_rules import reference  # noqa: F401 - the shipped cohorts and schedules (a fixture)

SPEC = SHARED / "spec"
DECLARATIONS_MD = SPEC / "declarations.md"
PARTNERSHIPS_MD = SPEC / "partnerships-and-finance.md"

# Where the strings live: (document, section, how to read it).
TABLE, PROSE = "table", "prose"
SOURCES = (
    (DECLARATIONS_MD, "1.2", TABLE),
    (DECLARATIONS_MD, "1.4", PROSE),
    (DECLARATIONS_MD, "2.1", PROSE),
    (DECLARATIONS_MD, "4.3", TABLE),
    (DECLARATIONS_MD, "4.4", TABLE),
    (PARTNERSHIPS_MD, "1.3", TABLE),
    (PARTNERSHIPS_MD, "1.4", TABLE),
)

needs_spec = pytest.mark.skipif(not SPEC.is_dir(), reason=f"the shared spec is absent ({SPEC})")


# ============================================================================ reading the spec

_HEADING = re.compile(r"^(#{2,6})\s+(\S+)")
_SPAN = re.compile(r"`([^`]+)`")
_WORDS = re.compile(r"[A-Za-z]\S*\s+\S*[A-Za-z]")  # a message has at least two words
_TEMPLATE = re.compile(r"%\{(\w+)\}")
_TEMPLATE_VALUES = {"cohort": r"\d{4}", "withdrawal_date": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"}


def section_lines(document: Path, number: str) -> list[str]:
    """The lines of section `number` (e.g. "1.2"), up to the next heading of any level."""
    lines, inside = [], False
    for line in document.read_text(encoding="utf-8").splitlines():
        heading = _HEADING.match(line)
        if heading:
            if inside:
                break
            inside = heading.group(2) == number
            continue
        if inside:
            lines.append(line)
    if not lines:
        raise LookupError(f"no section {number} in {document.name}")
    return lines


def table_cells(row: str) -> list[str]:
    """The cells of a markdown table row (a `|` inside back-quotes does not split)."""
    body = row.strip()
    body = body[1:-1] if body.endswith("|") else body[1:]
    cells, current, in_code = [], [], False
    for char in body:
        if char == "`":
            in_code = not in_code
        if char == "|" and not in_code:
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    cells.append("".join(current).strip())
    return cells


def messages_in(text: str) -> list[tuple[str, str | None]]:
    """Back-quoted messages of a piece of spec text, each with the title the text gives it (if any):
    whole multi-word spans (not fragments such as a prefix ending in a space), and the `"detail"` of
    back-quoted JSON snippets (with their `"title"`)."""
    found: list[tuple[str, str | None]] = []
    for span in _SPAN.findall(text):
        if span.startswith("{"):
            title = re.search(r'"title"\s*:\s*"((?:[^"\\]|\\.)*)"', span)
            found += [(json.loads(f'"{value}"'), json.loads(f'"{title.group(1)}"') if title else None)
                      for value in re.findall(r'"detail"\s*:\s*"((?:[^"\\]|\\.)*)"', span)]
        elif span == span.strip() and _WORDS.search(span):
            found.append((span, None))
    return found


def _tables(lines: list[str]) -> list[list[str]]:
    tables, rows = [], []
    for line in lines:
        if line.lstrip().startswith("|"):
            rows.append(line)
        elif rows:
            tables.append(rows)
            rows = []
    if rows:
        tables.append(rows)
    return tables


@dataclass
class SpecString:
    text: str
    titles: set[str] = field(default_factory=set)  # empty: the spec gives no title (prose)
    places: list[str] = field(default_factory=list)
    reachable_somewhere: bool = False
    unreachable_because: list[str] = field(default_factory=list)

    @property
    def regex(self) -> str:
        """The string as a regular expression: literal, with each `%{name}` as the value's shape."""
        parts = _TEMPLATE.split(self.text)
        return "".join(re.escape(part) if i % 2 == 0 else _TEMPLATE_VALUES[part] for i, part in enumerate(parts))

    @property
    def pattern(self) -> re.Pattern:
        """Matches the string as one whole `", "`-joined component of a detail."""
        return re.compile(rf"(?:^|, ){self.regex}(?:, |$)")

    @property
    def exempt(self) -> bool:
        return not self.reachable_somewhere


@dataclass
class Unreferenced:
    place: str
    row: str


def read_spec_strings() -> tuple[dict[str, SpecString], list[Unreferenced]]:
    """Every detail string of SOURCES, and the table rows that name no string of their own."""
    strings: dict[str, SpecString] = {}
    unreferenced: list[Unreferenced] = []

    def note(text: str, place: str, row_text: str, title: str | None) -> None:
        entry = strings.setdefault(text, SpecString(text))
        entry.places.append(place)
        if title:
            entry.titles.add(title)
        if "unreachable" in row_text.lower():
            entry.unreachable_because.append(f"{place}: " + re.sub(r"\s+", " ", row_text.strip(" |")))
        else:
            entry.reachable_somewhere = True

    for document, number, how in SOURCES:
        lines = section_lines(document, number)
        place = f"{document.name} §{number}"
        if how == TABLE:
            tables = [rows for rows in _tables(lines)
                      if any(re.search(r"detail|message", cell, re.I) for cell in table_cells(rows[0]))]
            assert tables, f"{place}: no table with a detail/message column"
            for rows in tables:
                header = table_cells(rows[0])
                detail_column = max(i for i, cell in enumerate(header) if re.search(r"detail|message", cell, re.I))
                title_column = next((i for i, cell in enumerate(header) if cell.strip("` ") == "title"), None)
                for row in rows[2:]:
                    cells = table_cells(row)
                    title = _SPAN.findall(cells[title_column])[0] if title_column is not None else None
                    found = messages_in(cells[detail_column])
                    if not found:
                        unreferenced.append(Unreferenced(place, row))
                    for text, _ in found:
                        note(text, place, row, title)
        else:
            for line in lines:
                if line.lstrip().startswith("|"):
                    continue  # §1.4's tables list allowed values, not messages
                for text, title in messages_in(line):
                    note(text, place, line, title)
    return strings, unreferenced


def produced(strings_and_titles: list[tuple[str, str]], entry: SpecString) -> bool:
    return any(entry.pattern.search(detail) and (not entry.titles or title in entry.titles)
               for title, detail in strings_and_titles)


# ============================================================================ driving the rule functions

def _errors(result) -> list[tuple[str, str]]:
    if isinstance(result, Response) and isinstance(result.body, dict):
        return [(error["title"], error["detail"]) for error in result.body.get("errors", ())]
    return []


def declaration_scenarios(reference) -> dict[str, object]:  # noqa: F811 - the fixture's value
    """`check_declaration` and `check_void` (declarations.md §1.2, §1.4, §2.1) on literal worlds."""
    results: dict[str, object] = {}

    def fresh(setup=D.standard_2024, **kwargs):
        builder = D.Builder(reference)
        return builder, setup(builder, **kwargs)

    def post(name, builder, attributes, now=D.OCT_15):
        results[name] = check_declaration(builder.world, D.LP_A, attributes, now)

    b, _ = fresh()
    post("0 npq course", b, D.started(course_identifier="npq-leading-teaching"))
    post("1 unknown participant", b, D.started(participant_id="00000000-0000-4000-8000-00000000dead"))
    b, _ = fresh(D.withdrawn_2024)
    post("2 withdrawn before the date", b, D.started(declaration_date="2024-10-05T09:00:00Z"))
    b, _ = fresh()
    post("3 no date", b, D.started(declaration_date=D.ABSENT))
    post("4 blank type", b, D.started(declaration_type=""))
    post("5 future date", b, D.started(declaration_date="2024-10-15T12:00:01Z"))
    post("6 not RFC 3339", b, D.started(declaration_date="2024-10-01 09:00:00"))
    post("7a before the milestone start", b, D.started(declaration_type="retained-1", evidence_held="other",
                                                         declaration_date="2024-12-31T23:59:59Z"), D.FEB_10)
    post("7b after the milestone end", b, D.started(declaration_date="2025-01-01T00:00:00Z"), D.FEB_10)
    post("9 type not in the schedule", b, D.started(declaration_type="extended-1", evidence_held="other"))
    post("12 course of another type", b, D.started(course_identifier="ecf-mentor"))
    post("14 evidence missing", b, D.started(declaration_type="retained-1", declaration_date="2025-02-01T09:00:00Z"),
         D.FEB_10)
    post("14 evidence not allowed", b, D.started(declaration_type="retained-1", evidence_held="anything",
                                                 declaration_date="2025-02-01T09:00:00Z"), D.FEB_10)

    b = D.Builder(reference)  # a fundable participant whose provider has no statement in the cohort
    b.record(b.participant(), D.LP_A, "2024-09-01T00:00:00Z")
    post("8 no open output-fee statement", b, D.started())

    b, profile = fresh()
    b.declaration("d-1", profile, D.LP_B, "started", state="submitted")
    post("10 the slot is taken", b, D.started())

    b, _ = fresh(D.standard_2025, participant_type=MENTOR)
    post("11 2025 mentor retained", b, D.started(course_identifier="ecf-mentor", declaration_type="retained-1",
                                                 declaration_date="2025-11-01T09:00:00Z", evidence_held="other"),
         D.NOV_10_2025)

    def void(name, builder, now):
        results[name] = check_void(builder.world, D.LP_A, "d-1", now)

    b, profile = fresh()
    b.declaration("d-1", profile, D.LP_A, "started", state="paid", refund_statement="statement-LP-A-2024-April 2025")
    void("void: paid, already refunded", b, D.FEB_10)
    b = D.Builder(reference)
    profile = b.participant(cohort=2021)
    b.record(profile, D.LP_A, "2021-09-01T00:00:00Z")
    b.declaration("d-1", profile, D.LP_A, "started", state="paid")
    void("void: paid, cohort closed", b, D.at("2024-09-10T12:00:00Z"))
    for state in ("voided", "awaiting_clawback", "clawed_back"):
        b, profile = fresh()
        b.declaration("d-1", profile, D.LP_A, "started", state=state)
        void(f"void: {state}", b, D.FEB_10)
    return results


def participant_action_scenarios() -> dict[str, object]:
    """Withdraw, defer, resume (declarations.md §4.3) and change schedule (§4.4)."""
    ect, now = P.ECT, P.NOW
    results: dict[str, object] = {
        "unknown participant, no course": check_withdraw(P.participant_world(), P.LP_A, P.UNKNOWN_USER, {}, now),
        "no course": check_withdraw(P.participant_world(), P.LP_A, P.USER, {"reason": "other"}, now),
        "course of another type": check_defer(P.participant_world(), P.LP_A, P.USER,
                                              {"course_identifier": "ecf-mentor", "reason": "other"}, now),
        "provider without a record": check_resume(P.participant_world(), P.LP_B, P.USER, ect, now),
        "withdraw without a reason": check_withdraw(P.participant_world(), P.LP_A, P.USER, ect, now),
        "defer with a withdrawal reason": check_defer(P.participant_world(), P.LP_A, P.USER,
                                                      {**ect, "reason": "moved-school"}, now),
        "defer a deferred participant": check_defer(P.participant_world("deferred"), P.LP_A, P.USER,
                                                    {**ect, "reason": "career-break"}, now),
        "withdraw a withdrawn participant": check_withdraw(P.participant_world("withdrawn"), P.LP_A, P.USER,
                                                           {**ect, "reason": "other"}, now),
        "resume an active participant": check_resume(P.participant_world(), P.LP_A, P.USER, ect, now),
    }

    def change(name, world, when=now, **attributes):
        results[f"change schedule: {name}"] = check_change_schedule(world, P.LP_A, P.USER, {**ect, **attributes},
                                                                    when)

    change("blank schedule", P.participant_world(), schedule_identifier=" ")
    change("withdrawn participant", P.participant_world("withdrawn"), schedule_identifier="ecf-standard-january")
    change("schedule already held", P.participant_world(), schedule_identifier="ecf-standard-september")
    change("replacement schedule for an ECT", P.participant_world(), schedule_identifier="ecf-replacement-september")
    change("no partnership for the cohort", P.participant_world(), P.at("2025-09-10T12:00:00Z"),
           schedule_identifier="ecf-standard-september", cohort="2025")
    world = P.participant_world()
    P.add_partnership(world, "9a000002-0000-4000-8000-000000000002", cohort=2025)
    P.add_programme(world, "1a000002-0000-4000-8000-000000000002", "9a000002-0000-4000-8000-000000000002",
                    cohort=2025, default=True)
    P.add_declaration(world, "dd000001-0000-4000-8000-000000000001", "started", "2024-10-01T09:00:00Z", "eligible")
    change("new cohort with declarations", world, P.at("2025-09-10T12:00:00Z"),
           schedule_identifier="ecf-standard-september", cohort="2025")
    return results


def partnership_scenarios() -> dict[str, object]:
    """`POST` (partnerships-and-finance.md §1.3) and `PUT` (§1.4) partnerships."""
    def create(world=None, lead_provider_id=P.LP_A, **attributes):
        body = {"cohort": "2024", "school_id": P.SCHOOL, "delivery_partner_id": P.DP_1, **attributes}
        return check_partnership_create(world or P.partnership_world(), lead_provider_id,
                                        {k: v for k, v in body.items() if v is not None})

    def world_where(change):
        world = P.partnership_world()
        change(world)
        return world

    def school(**flags):
        return lambda world: [setattr(world.schools[P.SCHOOL], name, value) for name, value in flags.items()]

    results: dict[str, object] = {
        "POST: everything blank": create(cohort="", school_id=" ", delivery_partner_id=None),
        "POST: unknown cohort": create(world_where(school(eligible=False)), cohort="2031"),
        "POST: unknown school": create(school_id="5c000009-0000-4000-8000-000000000009"),
        "POST: CIP-only school": create(world_where(school(cip_only=True, eligible=False))),
        "POST: ineligible school": create(world_where(school(eligible=False))),
        "POST: already partnered": create(world_where(lambda w: P.add_partnership(w, P.PARTNERSHIP_A))),
        "POST: another provider": create(world_where(lambda w: P.add_partnership(w, P.PARTNERSHIP_A, P.LP_B))),
        "POST: previous cohort only": create(world_where(lambda w: P.add_partnership(w, P.PARTNERSHIP_A,
                                                                                      cohort=2023))),
        "POST: unknown delivery partner": create(delivery_partner_id="e0000009-0000-4000-8000-000000000009"),
        "POST: delivery partner not working with the provider": create(delivery_partner_id=P.DP_3),
    }

    def update(name, delivery_partner_id, **flags):
        world = P.partnership_world()
        P.add_partnership(world, P.PARTNERSHIP_A, **flags)
        attributes = {} if delivery_partner_id is None else {"delivery_partner_id": delivery_partner_id}
        results[f"PUT: {name}"] = check_partnership_update(world, P.LP_A, P.PARTNERSHIP_A, attributes)
        return world

    update("no delivery partner", None)
    update("unknown delivery partner", "e0000009-0000-4000-8000-000000000009")
    update("delivery partner not working with the provider", P.DP_3)
    update("challenged partnership", P.DP_2, challenged=True)
    world = P.partnership_world()
    P.add_partnership(world, P.PARTNERSHIP_A)
    P.add_partnership(world, "9a000002-0000-4000-8000-000000000002", delivery_partner_id=P.DP_2, relationship=True)
    results["PUT: relationship row with that delivery partner"] = check_partnership_update(
        world, P.LP_A, P.PARTNERSHIP_A, {"delivery_partner_id": P.DP_2})
    return results


# ============================================================================ the tests

def _spec_params() -> list:
    if not SPEC.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"the shared spec is absent ({SPEC})"),
                             id="no-spec")]
    strings, _ = read_spec_strings()
    return [pytest.param(text, id=text[:60]) for text in strings]


@pytest.fixture(scope="module")
def spec_strings() -> dict[str, SpecString]:
    if not SPEC.is_dir():
        pytest.skip(f"the shared spec is absent ({SPEC})")
    return read_spec_strings()[0]


@pytest.fixture(scope="module")
def produced_errors(reference) -> list[tuple[str, str]]:  # noqa: F811
    outcomes = {**declaration_scenarios(reference), **participant_action_scenarios(), **partnership_scenarios()}
    unanswered = [name for name, result in outcomes.items() if not _errors(result)]
    assert not unanswered, f"scenarios that produced no error at all (a broken scenario): {unanswered}"
    return [error for result in outcomes.values() for error in _errors(result)]


@needs_spec
def test_the_spec_reading_finds_every_message_row():
    """A table row with no string of its own must refer to a message read elsewhere (e.g. 'same "not
    recognised" message as step 1'), so that a change in the spec's layout cannot silently shrink the set."""
    strings, unreferenced = read_spec_strings()
    for row in unreferenced:
        references = re.findall(r'"([^"]+)"', row.row)
        assert references, f"{row.place}: a message row without a string or a reference: {row.row}"
        for reference_text in references:
            assert any(reference_text in text for text in strings), (
                f"{row.place}: the row refers to {reference_text!r}, which no string read contains")
    for _, number, _ in SOURCES:
        assert any(any(place.endswith(f"§{number}") for place in entry.places) for entry in strings.values()), (
            f"no string read from §{number}")


@needs_spec
def test_exemptions_are_only_what_the_spec_marks_unreachable():
    strings, _ = read_spec_strings()
    exempt = {text: entry.unreachable_because for text, entry in strings.items() if entry.exempt}
    # Each exemption quotes the spec's own reason; and they stay few (a layout change marking whole
    # tables unreachable would otherwise empty the check).
    assert all(reasons for reasons in exempt.values())
    assert len(exempt) <= len(strings) // 5, exempt


@pytest.mark.parametrize("text", _spec_params())
def test_spec_detail_is_produced_by_the_rules(text, spec_strings, produced_errors):
    entry = spec_strings[text]
    if entry.exempt:
        pytest.skip("the spec marks it unreachable: " + " | ".join(entry.unreachable_because))
    assert produced(produced_errors, entry), (
        f"no rule function produced {text!r} (title {sorted(entry.titles) or 'any'}; read from "
        f"{', '.join(entry.places)}). Produced:\n" + "\n".join(sorted({f"{t}: {d}" for t, d in produced_errors})))


@needs_spec
def test_every_produced_detail_is_made_of_spec_strings(spec_strings, produced_errors):
    """The converse: each produced detail splits into spec strings (of its title where the spec says),
    so a scenario cannot pass on a message the spec does not have (a typo would show up here too)."""
    entries = list(spec_strings.values())

    def splits(detail: str, title: str) -> bool:
        for entry in entries:
            if entry.titles and title not in entry.titles:
                continue
            match = re.match(entry.regex, detail)
            if match is None:
                continue
            rest = detail[match.end():]
            if rest == "" or (rest.startswith(", ") and splits(rest[2:], title)):
                return True
        return False

    strays = sorted({(title, detail) for title, detail in produced_errors if not splits(detail, title)})
    assert not strays, f"produced details that are not spec strings (under that title): {strays}"
