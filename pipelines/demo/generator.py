"""`ecf demo`: write a realistic synthetic inbox and the plan of monthly cycles that runs it.

    plan = generate_demo_inputs(staging, scale="small", seed=2021)

writes every input under `staging/inbox/` and returns a `DemoPlan`: one `DemoCycle` per fixed
`as_of` instant, each listing the files (relative to `staging`) to land in the home's inbox just
before that cycle. The same seed gives byte-identical files.

Cycles (see `calendar.cycle_as_ofs`): the first, at 2025-01-01T02:00:00Z, takes all history from
2021; then one cycle at 02:00:00Z on the 1st of every month to 2026-10-01. A provider's batch for
calendar month M (`inbox/providers/<slug>/<YYYY-MM>.jsonl`) lands before the cycle on the 1st of
M+1; registrations and finance files are split the same way (`<kind>-<YYYY-MM>.csv`, or
`<kind>-<YYYY>.csv` for the history).

Deliberate exceptions, named by marker in the file name:
* `LATE_MARK` — one provider batch (`<slug>/2025-06-resent.jsonl`) lands one cycle late: its rows
  are dated in June 2025 but it lands before the 2025-08-01 cycle, so its rows take that
  cycle's window start as their effective instant.
* `HAND_EDITED_MARK` — two small batches hold quarantine-worthy lines (not JSON, no `path`, an
  unparseable `submitted_at`, a JSON array) beside one good line; every other batch holds only
  lines that are JSON objects with exactly `method`, `path`, `body`, `submitted_at`.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from pipelines.demo.batches import ACTION, DECL, RAW, VOID, Batches, render
from pipelines.demo.calendar import COHORTS, cycle_as_ofs, cycle_index_for_month, load_calendar
from pipelines.ids import declaration_id_for
from pipelines.demo.injection import Injector
from pipelines.demo.model import (
    DAY, FIRST_AS_OF, FLAG_ON_AT, HORIZON, SCALES, UTC, Ids, check_instant, day_start, epoch, fmt_instant,
    ordinal_of, rng_for,
)
from pipelines.demo.participants import (
    Context, ParticipantFactory, assign_roles, at_work, authorised_at, run_journeys,
)
from pipelines.demo.world import World, contract_rows, school_registration_rows
from pipelines.ingest.kinds import KINDS_BY_FOLDER

LATE_MARK = "-resent"
HAND_EDITED_MARK = "-hand-edited"
LATE_PROVIDER, LATE_MONTH = 2, (2025, 6)
HAND_EDITED = ((0, (2025, 3)), (3, (2025, 11)))

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoCycle:
    as_of: datetime  # tz-aware UTC; strictly increasing across cycles
    files: tuple[str, ...]  # paths relative to the staging root, each starting with "inbox/"


@dataclass(frozen=True)
class DemoPlan:
    scale: str
    seed: int
    cycles: tuple[DemoCycle, ...]
    counts: dict[str, int]


def _month_of(instant: int) -> tuple[int, int]:
    d = date.fromordinal(ordinal_of(instant))
    return d.year, d.month


def _cycle_of(instant: int) -> int:
    return cycle_index_for_month(*_month_of(instant))


class InboxWriter:
    """Writes files under staging/inbox and remembers the cycle each one lands in."""

    def __init__(self, staging: Path):
        self.staging = staging
        self.files: dict[str, int] = {}
        self.counts: Counter = Counter()

    def write_bytes(self, relative: str, content: bytes, cycle: int) -> str:
        assert relative not in self.files, relative
        path = self.staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        self.files[relative] = cycle
        return hashlib.sha256(content).hexdigest()

    def csv(self, family: str, kind: str, name: str, rows: list[tuple], cycle: int) -> None:
        columns = [c.name for c in KINDS_BY_FOLDER[(family, kind)].all_columns]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            assert len(row) == len(columns), (kind, row)
            writer.writerow(row)
        self.write_bytes(f"inbox/{family}/{name}.csv", buffer.getvalue().encode("utf-8"), cycle)
        self.counts[f"{family}_rows"] += len(rows)

    def timed_csv(self, family: str, kind: str, rows: list[tuple[int, tuple]]) -> None:
        """Rows (instant, values) split into one file per cycle window, instant column last."""
        groups: dict[str, list[tuple[int, int, tuple]]] = {}
        for order, (instant, values) in enumerate(rows):
            check_instant(instant, kind)
            if instant < FIRST_AS_OF:
                key = str(_month_of(instant)[0])
            else:
                key = "%04d-%02d" % _month_of(instant)
            groups.setdefault(key, []).append((instant, order, values))
        for key in sorted(groups):
            group = sorted(groups[key], key=lambda r: (r[0], r[1]))
            cycle = 0 if len(key) == 4 else cycle_index_for_month(int(key[:4]), int(key[5:]))
            self.csv(family, kind, f"{kind}-{key}", [(*values, fmt_instant(instant)) for instant, _, values in group],
                     cycle)


def generate_demo_inputs(staging: Path, scale: str = "small", seed: int = 2021,
                         progress: Progress | None = None) -> DemoPlan:
    """Write the demo inbox under `staging/inbox/` and return the plan of cycles."""
    if scale not in SCALES:
        raise ValueError(f"unknown demo scale {scale!r}: choose one of {', '.join(SCALES)}")
    staging = Path(staging)
    report = progress or (lambda label, done, total: None)
    config = SCALES[scale]
    calendar = load_calendar()
    ids = Ids(seed)
    world = World(config, ids, rng_for(seed, "world"))
    ctx = Context(calendar, world, ids, config, Batches())
    report("participants", 0, 1)
    factory = ParticipantFactory(ctx, rng_for(seed, "participants"))
    participants = factory.build()
    assign_roles(ctx, factory, rng_for(seed, "roles"))
    report("participants", 1, 1)
    run_journeys(ctx, factory, rng_for(seed, "journeys"), report)
    discarded = _discard_one_relationship(world, rng_for(seed, "relationships"))
    report("scenarios", 0, 1)
    injector = Injector(ctx, rng_for(seed, "scenarios"), participants)
    injector.run()
    report("scenarios", 1, 1)

    writer = InboxWriter(staging)
    counts: Counter = Counter()
    report("reference", 0, 1)
    _write_reference(writer, world, ctx, discarded, rng_for(seed, "contracts"), counts)
    report("reference", 1, 1)
    report("registrations", 0, 1)
    registration_rows = dict(ctx.regs)
    registration_rows.update(school_registration_rows(world))
    for kind in ("participant_identities", "participant_profiles", "school_cohorts", "induction_programmes",
                 "partnerships", "partnership_challenges", "induction_placements", "participant_id_changes"):
        writer.timed_csv("registrations", kind, registration_rows[kind])
        counts[f"registrations.{kind}"] = len(registration_rows[kind])
    del registration_rows
    ctx.regs.clear()
    report("registrations", 1, 1)
    report("finance", 0, 1)
    _write_finance(writer, world, ctx, rng_for(seed, "finance"), counts)
    report("finance", 1, 1)
    _write_batches(writer, world, ctx, injector, rng_for(seed, "batches"), counts, report)

    as_ofs = cycle_as_ofs()
    by_cycle: dict[int, list[str]] = {i: [] for i in range(len(as_ofs))}
    for relative, cycle in writer.files.items():
        by_cycle[cycle].append(relative)
    cycles = tuple(DemoCycle(as_ofs[i], tuple(sorted(by_cycle[i]))) for i in range(len(as_ofs)))
    counts.update(Counter({
        "lead_providers": len(world.providers),
        "delivery_partners": len(world.delivery_partners),
        "schools": len(world.schools),
        "school_cohorts": sum(len(v) for v in world.school_cohorts.values()),
        "participant_profiles": len(participants),
        "ects": sum(1 for p in participants if p.ptype == "ect"),
        "mentors": sum(1 for p in participants if p.ptype == "mentor"),
        "cycles": len(cycles),
        "files": len(writer.files),
        "reference_rows": writer.counts["reference_rows"],
        "registration_rows": writer.counts["registrations_rows"],
        "finance_rows": writer.counts["finance_rows"],
    }))
    for key, value in ctx.counts.items():
        counts[key] += value
    return DemoPlan(scale, seed, cycles, dict(sorted(counts.items())))


# ============================================================================ reference
def _discard_one_relationship(world: World, rng) -> tuple[int, int] | None:
    """A 2025 provider relationship no partnership uses, withdrawn from October 2025."""
    used = {(sc.provider, sc.delivery_partner) for sc in world.school_cohorts[2025] if sc.partnered}
    used |= {(sc.repartner[0], sc.repartner[1]) for sc in world.school_cohorts[2025] if sc.repartner}
    options = [(p, d) for p in sorted(world.relationships) for d in world.relationships[p][2025]
               if (p, d) not in used and len(world.relationships[p][2025]) > 2]
    if not options:
        return None
    provider, dp = rng.choice(options)
    world.relationships[provider][2025].remove(dp)
    return provider, dp


def _write_reference(writer: InboxWriter, world: World, ctx: Context, discarded, rng, counts: Counter) -> None:
    base = world.reference_rows()
    contracts = contract_rows(world, ctx.trained, rng)
    base.update(contracts)
    for kind in ("lead_providers", "delivery_partners", "provider_relationships", "schools", "school_uplifts",
                 "contracts", "contract_bands", "mentor_contracts", "feature_flags"):
        writer.csv("reference", kind, kind, base[kind], 0)
        counts[f"reference.{kind}"] = len(base[kind])
    providers, dps = world.providers, world.delivery_partners
    # programme_type_changes_2025 switches on in June 2025
    writer.csv("reference", "feature_flags", "feature_flags-2025-06",
               [("programme_type_changes_2025", "true", fmt_instant(FLAG_ON_AT))], _cycle_of(FLAG_ON_AT))
    # a second ECT contract version for one provider and cohort (finance repoints statements to it)
    changed = providers[1]
    valid_from = epoch(datetime(2025, 6, 10, 9, 30, tzinfo=UTC))
    old = next(r for r in contracts["contracts"] if r[0] == changed.id and r[1] == "2024")
    target = int(old[3])
    new_target = round(target * 1.12)
    writer.csv("reference", "contracts", "contracts-2025-06",
               [(changed.id, "2024", "1.1", str(new_target), old[4], old[5], old[6], old[7], fmt_instant(valid_from))],
               _cycle_of(valid_from))
    new_bands = []
    for band in (r for r in contracts["contract_bands"] if r[0] == changed.id and r[1] == "2024"):
        band_min, band_max = band[3], band[4]
        if band[6] != "100" and band_max == str(target):  # band C grows to the new target
            band_max = str(new_target)
        elif band[6] == "100":  # band D starts after it
            band_min, band_max = str(new_target + 1), str(max(int(band_max), new_target + 1))
        new_bands.append((band[0], band[1], "1.1", band_min, band_max, band[5], band[6], band[7],
                          fmt_instant(valid_from)))
    writer.csv("reference", "contract_bands", "contract_bands-2025-06", new_bands, _cycle_of(valid_from))
    # a second mentor contract version
    mentor_changed = providers[3]
    mentor_from = epoch(datetime(2025, 11, 3, 10, tzinfo=UTC))
    old_mentor = next(r for r in contracts["mentor_contracts"] if r[0] == mentor_changed.id)
    writer.csv("reference", "mentor_contracts", "mentor_contracts-2025-11",
               [(mentor_changed.id, "2025", "1.1", old_mentor[3], "1050", fmt_instant(mentor_from))],
               _cycle_of(mentor_from))
    # a relationship withdrawn, and a delivery partner that starts working with another provider
    relationship_at = epoch(datetime(2025, 10, 6, 9, tzinfo=UTC))
    rows = []
    if discarded:
        provider, dp = discarded
        rows.append((providers[provider].id, dps[dp].id, "2025", "true", fmt_instant(relationship_at)))
    joining = next((d for d in dps if 5 not in d.providers and d.from_cohort <= 2025), None)
    if joining is not None:
        rows.append((providers[5].id, joining.id, "2025", "false", fmt_instant(relationship_at)))
    if rows:
        writer.csv("reference", "provider_relationships", "provider_relationships-2025-10", rows,
                   _cycle_of(relationship_at))


# ============================================================================ finance
ADJUSTMENTS = ("Backdated service fee", "Correction to uplift payment", "Recovery of overpayment",
               "Additional mentor training support", "Exceptional travel costs", "Agreed contract variation")


def _money(amount: int) -> str:
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    return f"{sign}{amount // 100}.{amount % 100:02d}"


def _write_finance(writer: InboxWriter, world: World, ctx: Context, rng, counts: Counter) -> None:
    cal = ctx.cal
    providers = world.providers
    authorisations, adjustments, reconciles, changes = [], [], [], []
    authorised: dict[tuple[int, int, str], int] = {}
    for provider, cohort, name in sorted(ctx.tally):
        if ctx.tally[(provider, cohort, name)] <= 0:
            continue
        statement = next(s for s in cal.output_statements(cohort) if s.name == name)
        at = authorised_at(provider, statement)
        if at < HORIZON:
            authorised[(provider, cohort, name)] = at
            authorisations.append((at, (providers[provider].slug, str(cohort), name)))
    counts["authorisations"] = len(authorisations)
    # adjustments (add, change, remove) and a reconcile amount on statements before they are paid
    for provider in providers:
        open_later = [(cohort, s) for cohort in COHORTS for s in cal.output_statements(cohort)
                      if (provider.index, cohort, s.name) in authorised
                      and day_start(s.deadline_on.toordinal()) - 20 * DAY > FIRST_AS_OF - 400 * DAY]
        if len(open_later) < 3:
            continue
        picks = rng.sample(open_later, 3)
        for n, (cohort, statement) in enumerate(picks, start=1):
            ref = f"ADJ-{provider.slug.upper()}-{cohort}-{n:03d}"
            deadline = statement.deadline_on.toordinal()
            amount = rng.choice((1, 1, -1)) * (5_000 + rng.randrange(400_000))
            added = at_work(deadline - 15 - rng.randrange(10), rng, 9, 16)
            row = (ref, "add", provider.slug, str(cohort), statement.name, rng.choice(ADJUSTMENTS), _money(amount))
            adjustments.append((added, row))
            if n == 2:
                adjustments.append((at_work(deadline - 3, rng, 9, 16),
                                    (ref, "change", provider.slug, str(cohort), statement.name, row[5],
                                     _money(amount + rng.choice((-1, 1)) * (100 + rng.randrange(50_000))))))
            if n == 3:
                adjustments.append((at_work(deadline - 2, rng, 9, 16),
                                    (ref, "remove", provider.slug, str(cohort), statement.name, "", "")))
        cohort, statement = picks[0]
        reconciles.append((at_work(statement.deadline_on.toordinal() - 6, rng, 9, 16),
                           (provider.slug, str(cohort), statement.name,
                            _money(rng.choice((-1, 1)) * (100 + rng.randrange(30_000))))))
    changes.append((epoch(datetime(2025, 6, 12, 10, 15, tzinfo=UTC)),
                    (providers[1].slug, "2024", "ect", "1.1", "2025-10-25", "")))
    changes.append((epoch(datetime(2025, 11, 5, 11, 0, tzinfo=UTC)),
                    (providers[3].slug, "2025", "mentor", "1.1", "2026-04-25", "")))
    for kind, rows in (("authorisations", authorisations), ("adjustments", adjustments),
                       ("reconcile_amounts", reconciles), ("contract_changes", changes)):
        rows = [r for r in rows if r[0] < HORIZON]
        writer.timed_csv("finance", kind, rows)
        counts[f"finance.{kind}"] = len(rows)


# ============================================================================ provider batches
def _quarantine_lines(provider_slug: str, instant: int) -> list[bytes]:
    stamp = fmt_instant(instant)
    return [
        b"\n",  # a blank line (skipped by ingest, but it counts in line numbers)
        ('{"method": "POST", "path": "/api/v3/participant-declarations", "body": {"data": {"type": '
         '"participant-declaration", "attributes": {"declaration_type": "started"\n').encode(),
        ('{"method":"PUT","body":{},"submitted_at":"%s"}\n' % stamp).encode(),
        ('{"method":"POST","path":"/api/v3/participant-declarations","body":{"data":{"type":"participant-declaration",'
         '"attributes":{}}},"submitted_at":"31/03/2025 10:00"}\n').encode(),
        ('["POST","/api/v3/participant-declarations",{},"%s"]\n' % stamp).encode(),
    ]


def _write_batches(writer: InboxWriter, world: World, ctx: Context, injector: Injector, rng, counts: Counter,
                   report: Progress) -> None:
    batches = ctx.batches
    buckets = batches.buckets
    void_targets = {e[5] for bucket in buckets.values() for e in bucket if e[3] == VOID and isinstance(e[5], int)}
    blocked = void_targets | injector.used

    def movable(bucket, n):
        candidates = [e for e in bucket if e[3] == DECL and e[1] not in blocked and e[11] is not None
                      and not e[11].role and len(e[11].segments) == 1]
        if not candidates:
            return []
        return sorted(rng.sample(candidates, min(n, len(candidates))), key=lambda e: (e[0], e[1]))

    # the late batch: some of one provider's June 2025 declarations, landing a cycle late
    late_key = (LATE_MONTH[0] * 12 + LATE_MONTH[1] - 1, LATE_PROVIDER)
    late_events = movable(buckets.get(late_key, []), 12)
    for event in late_events:
        check_instant(event[0], "late request")
    for event in late_events:
        batches.remove(event)
    counts["scenario.late_file"] = counts["late_files"] = 1 if late_events else 0
    counts["late_file_lines"] = len(late_events)
    hand_edited: dict[tuple[int, int], list[tuple]] = {}
    for provider, (year, month) in HAND_EDITED:
        key = (year * 12 + month - 1, provider)
        moved = movable(buckets.get(key, []), 1)
        for event in moved:
            batches.remove(event)
        hand_edited[key] = moved

    declaration_ids: dict[int, str] = {}
    kinds = Counter()
    keys = sorted(buckets)
    total = len(keys)
    for n, key in enumerate(keys):
        month, provider = key
        events = sorted(buckets.pop(key), key=lambda e: (e[0], e[1]))
        if not events:
            continue
        for event in events:
            check_instant(event[0], "request")
        slug = world.providers[provider].slug
        stem = "%04d-%02d" % (month // 12, month % 12 + 1)
        cycle = cycle_index_for_month(month // 12, month % 12 + 1)
        lines = [render(e, declaration_ids) for e in events]
        sha = writer.write_bytes(f"inbox/providers/{slug}/{stem}.jsonl", b"".join(lines), cycle)
        for line_number, event in enumerate(events, start=1):
            kinds[event[3]] += 1
            if event[3] == RAW and "/partnerships/" in event[5]:
                kinds["partnership"] += 1
            if event[1] in void_targets:
                declaration_ids[event[1]] = declaration_id_for(slug, sha, line_number)
        counts["request_lines"] += len(lines)
        if key == late_key and late_events:
            late_lines = [render(e, declaration_ids) for e in late_events]
            writer.write_bytes(f"inbox/providers/{slug}/{stem}{LATE_MARK}.jsonl", b"".join(late_lines), cycle + 1)
            counts["late_file_cycle"] = cycle + 1
            counts["request_lines"] += len(late_lines)
            for event in late_events:
                kinds[event[3]] += 1
        if key in hand_edited:
            good = [render(e, declaration_ids) for e in hand_edited[key]]
            for event in hand_edited[key]:
                kinds[event[3]] += 1
            instant = events[len(events) // 2][0]
            bad = _quarantine_lines(slug, instant)
            content = b"".join(good + bad)
            writer.write_bytes(f"inbox/providers/{slug}/{stem}{HAND_EDITED_MARK}.jsonl", content, cycle)
            counts["request_lines"] += len(good) + len(bad) - 1
            for name in ("line_not_json", "line_missing_path", "submitted_at_unparseable", "line_not_an_object"):
                counts[f"scenario.{name}"] += 1
            counts["quarantine_lines"] += 4
        if n % max(1, total // 20) == 0:
            report("requests", n, total)
    report("requests", total, total)
    counts["declaration_requests"] = kinds[DECL]
    counts["void_requests"] = kinds[VOID]
    counts["action_requests"] = kinds[ACTION]
    counts["partnership_requests"] = kinds["partnership"]
    counts["other_requests"] = kinds[RAW] - kinds["partnership"]
    counts["request_files"] = sum(1 for f in writer.files if f.startswith("inbox/providers/"))
