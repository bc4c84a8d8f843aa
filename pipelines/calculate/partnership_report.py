"""What a successful partnership report writes (`partnerships-and-finance.md` §1.6).

`report_partnership(world, lead_provider_id, school_id, cohort, delivery_partner_id, now, ids)` is the
live `Partnerships::Report` followed by `Induction::ChangePartnership`, run for a valid `POST` and for a
`PUT` that changes the delivery partner (`pipelines/validate/partnership_rules.py` decides those). It
changes the world in place and returns the saved partnership. `ids(role)` gives the id of each new
row (the caller derives a UUIDv5 from the request's provenance); roles used: `"partnership"`,
`"induction_programme"` and `"induction_record:<id of the record copied>"`.

In order:

1. **Which row** (`reported_row`): the provider's relationship row for the school, cohort and
   requested delivery partner (turned into a normal partnership); else the provider's
   non-relationship row for the school and cohort, whatever its delivery partner or challenge state
   (if there are several the database picks one: here the oldest, by creation time then id); else a
   new row.
2. **Partnership attributes** (`write_report`): the delivery partner; `challenged_at` and
   `challenge_reason` cleared; `pending` and `relationship` false; `updated_at` now (the save always
   changes something — the new `report_id`). The world does not keep `report_id` or
   `challenge_deadline` (nothing the API shows reads them).
3. **Touches** (`touch_school_and_participants`): the school's `updated_at`; every participant profile
   at the school (all cohorts, programmes and providers) and each profile's user get `updated_at` now.
4. **School cohort** (`school_cohort_for_report`): created with choice `full_induction_programme` and
   no default programme when missing (step 0).
5. **Programmes** (`change_partnership`), D being the school cohort's default programme:
   A. D is FIP without partnership → D is linked to P, then the sweep;
   B. D is FIP, linked to another partnership that is challenged (`challenge_reason` set) → new FIP
      programme N linked to P, D's active records move to N, N becomes the default, then the sweep;
   C. D is FIP, linked to P or to another unchallenged partnership → nothing (no sweep);
   D. no default, or D not FIP → choice `full_induction_programme`; new FIP programme N linked to the
      school's first active (unchallenged, not pending) non-relationship partnership for the cohort —
      P after the save; "first" as Rails' `.first` orders, by id; D's active records (if D exists)
      move to N; N becomes the default; then the sweep.
   **Sweep**: every FIP programme of the school cohort (other than the default) with an active record
   and whose partnership is missing or has `challenged_at` set (relationship ones included) → its
   active records move into the default programme.
6. **Moving record R into programme T** (`move_record`): R starting in the future is changed in place;
   otherwise R ends now as `changed` and a copy R′ (new id and timestamps, programme T, start now,
   every other column copied) is added; R′ has `school_transfer` false unless R had a future end date,
   in which case R′ takes R's value and R's becomes false. The copies and the records changed in place
   carry `source="partnership_report"` (a closed record keeps its own); all go through `World.add_record`.

"Active induction record" (§1.1, `is_active_record`): `induction_status` active, end null or in the
future, and either start in the past or `school_transfer` false; training status is not looked at.

Event log entries and the notification emails of the live report are not part of the world.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Callable

from pipelines.world.model import InductionProgramme, InductionRecord, Partnership, SchoolCohort
from pipelines.world.world import World

__all__ = [
    "FIP", "change_partnership", "is_active_record", "move_record", "report_partnership", "reported_row",
    "school_cohort_for_report", "sweep_unpartnered_programmes", "touch_school_and_participants", "write_report",
]

FIP = "full_induction_programme"
SOURCE = "partnership_report"

Ids = Callable[[str], str]
RecordMoved = Callable[[InductionRecord, InductionRecord], None]


def report_partnership(world: World, lead_provider_id: str, school_id: str, cohort: int, delivery_partner_id: str,
                       now: datetime, ids: Ids, on_record_moved: RecordMoved | None = None) -> Partnership:
    """Apply §1.6 and return the saved partnership. `on_record_moved(closed, copy)`, when given, is
    called for every record closed and copied (not for a future record changed in place), so the
    caller can follow school placements to their current record."""
    partnership = reported_row(world, lead_provider_id, school_id, cohort, delivery_partner_id)
    if partnership is None:
        partnership = Partnership(ids("partnership"), lead_provider_id, delivery_partner_id, school_id, cohort,
                                  relationship=False, pending=False, challenged_at=None, challenge_reason=None,
                                  created_at=now, updated_at=now)
        world.add_partnership(partnership)
    write_report(partnership, delivery_partner_id, now)
    touch_school_and_participants(world, school_id, now)
    school_cohort = school_cohort_for_report(world, school_id, cohort, now)
    change_partnership(world, school_cohort, partnership, now, ids, on_record_moved)
    return partnership


# ---------------------------------------------------------------------------- the partnership row
def reported_row(world: World, lead_provider_id: str, school_id: str, cohort: int,
                 delivery_partner_id: str) -> Partnership | None:
    """The existing row the report saves, or None when a new row is needed ("Which row")."""
    rows = [p for p in world.partnerships_of_school_cohort(school_id, cohort) if p.lead_provider_id == lead_provider_id]
    relationship = [p for p in rows if p.relationship and p.delivery_partner_id == delivery_partner_id]
    if relationship:
        return relationship[0]
    normal = sorted((p for p in rows if not p.relationship), key=lambda p: (p.created_at, p.partnership_id))
    return normal[0] if normal else None


def write_report(partnership: Partnership, delivery_partner_id: str, now: datetime) -> None:
    partnership.delivery_partner_id = delivery_partner_id
    partnership.challenged_at = None
    partnership.challenge_reason = None
    partnership.pending = False
    partnership.relationship = False
    partnership.updated_at = now


def touch_school_and_participants(world: World, school_id: str, now: datetime) -> None:
    """The school, every participant profile at the school and each profile's user: `updated_at` now."""
    school = world.schools.get(school_id)
    if school is not None:
        school.updated_at = now
    for profile in world.profiles_at_school(school_id):
        profile.updated_at = now
        identity = world.identities.get(profile.identity_id)
        user = world.users.get(identity.user_id) if identity else None
        if user is not None:
            user.updated_at = now


def school_cohort_for_report(world: World, school_id: str, cohort: int, now: datetime) -> SchoolCohort:
    """Step 0: the school cohort, created as FIP without a default programme when missing."""
    key = (school_id, cohort)
    if key not in world.school_cohorts:
        world.school_cohorts[key] = SchoolCohort(school_id, cohort, FIP, None, now, now)
    return world.school_cohorts[key]


# ---------------------------------------------------------------------------- induction programmes
def _programmes_of(world: World, school_cohort: SchoolCohort) -> list[InductionProgramme]:
    return sorted(world.programmes_of_school_cohort(school_cohort.school_id, school_cohort.cohort),
                  key=lambda p: (p.created_at, p.induction_programme_id))


def _new_fip_programme(world: World, school_cohort: SchoolCohort, partnership_id: str | None, now: datetime,
                       ids: Ids) -> InductionProgramme:
    programme = InductionProgramme(ids("induction_programme"), school_cohort.school_id, school_cohort.cohort, FIP,
                                   partnership_id, now)
    world.add_programme(programme)
    return programme


def _make_default(school_cohort: SchoolCohort, programme: InductionProgramme, now: datetime) -> None:
    school_cohort.default_induction_programme_id = programme.induction_programme_id
    school_cohort.updated_at = now


def _first_active_partnership(world: World, school_cohort: SchoolCohort) -> Partnership | None:
    """The school's first active (unchallenged, not pending) non-relationship partnership for the cohort."""
    active = [p for p in world.partnerships_of_school_cohort(school_cohort.school_id, school_cohort.cohort)
              if not p.relationship and p.unchallenged and not p.pending]
    return min(active, key=lambda p: p.partnership_id, default=None)


def change_partnership(world: World, school_cohort: SchoolCohort, partnership: Partnership, now: datetime,
                       ids: Ids, on_record_moved: RecordMoved | None = None) -> None:
    """`Induction::ChangePartnership`: cases A–D, then the sweep (not after C)."""
    default = world.programmes.get(school_cohort.default_induction_programme_id or "")
    if default is not None and default.training_programme == FIP:
        linked = world.partnerships.get(default.partnership_id or "")
        if linked is None:  # A
            default.partnership_id = partnership.partnership_id
        elif linked.partnership_id != partnership.partnership_id and linked.challenged:  # B
            replacement = _new_fip_programme(world, school_cohort, partnership.partnership_id, now, ids)
            _move_active_records(world, default, replacement, now, ids, on_record_moved)
            _make_default(school_cohort, replacement, now)
        else:  # C
            return
    else:  # D
        school_cohort.induction_programme_choice = FIP
        school_cohort.updated_at = now
        first_active = _first_active_partnership(world, school_cohort)
        replacement = _new_fip_programme(world, school_cohort, first_active.partnership_id if first_active else None,
                                         now, ids)
        if default is not None:
            _move_active_records(world, default, replacement, now, ids, on_record_moved)
        _make_default(school_cohort, replacement, now)
    sweep_unpartnered_programmes(world, school_cohort, now, ids, on_record_moved)


def sweep_unpartnered_programmes(world: World, school_cohort: SchoolCohort, now: datetime, ids: Ids,
                                 on_record_moved: RecordMoved | None = None) -> None:
    """Move the active records of every FIP programme of the school cohort whose partnership is missing
    or has `challenged_at` set into the default programme."""
    default_id = school_cohort.default_induction_programme_id
    default = world.programmes.get(default_id or "")
    if default is None:
        return
    for programme in _programmes_of(world, school_cohort):
        if programme.induction_programme_id == default_id or programme.training_programme != FIP:
            continue
        linked = world.partnerships.get(programme.partnership_id or "")
        if linked is not None and linked.challenged_at is None:
            continue
        _move_active_records(world, programme, default, now, ids, on_record_moved)


# ---------------------------------------------------------------------------- induction records
def is_active_record(record: InductionRecord, now: datetime) -> bool:
    """§1.1 "active induction record": the records a report moves."""
    return (record.induction_status == "active"
            and (record.end_at is None or record.end_at > now)
            and (record.start_at < now or not record.school_transfer))


def _active_records_in(world: World, programme: InductionProgramme, now: datetime) -> list[InductionRecord]:
    return sorted((r for r in world.records_in_programme(programme.induction_programme_id) if is_active_record(r, now)),
                  key=lambda r: (r.start_at, r.created_at, r.induction_record_id))


def _move_active_records(world: World, source: InductionProgramme, target: InductionProgramme, now: datetime,
                         ids: Ids, on_record_moved: RecordMoved | None) -> None:
    for record in _active_records_in(world, source, now):
        move_record(world, record, target.induction_programme_id, now, ids, on_record_moved)


def move_record(world: World, record: InductionRecord, programme_id: str, now: datetime, ids: Ids,
                on_record_moved: RecordMoved | None = None) -> InductionRecord:
    """`Induction::ChangeInductionRecord` with a new programme; returns the record now in `programme_id`."""
    if record.start_at > now:
        record.induction_programme_id, record.updated_at, record.source = programme_id, now, SOURCE
        world.add_record(record)
        return record
    future_end = record.end_at is not None and record.end_at > now
    copy = replace(record, induction_record_id=ids(f"induction_record:{record.induction_record_id}"),
                   induction_programme_id=programme_id, start_at=now, created_at=now, updated_at=now,
                   school_transfer=record.school_transfer if future_end else False, source=SOURCE)
    record.induction_status, record.end_at, record.updated_at = "changed", now, now
    if future_end:
        record.school_transfer = False
    world.add_record(record)
    world.add_record(copy)
    if on_record_moved is not None:
        on_record_moved(record, copy)
    return copy
