"""Who and what each lead provider can see through the read API, computed from the in-memory world.

Pure functions over a `World` (no IO, no clock): the one clock-dependent value, a transfer's `status`,
takes the cycle's `as_of` explicitly (product.md §6: "clock-dependent values (`participant_status`,
transfer `status`) are computed at the cycle's `as_of`"). They answer the *scope* questions of the read
endpoints — which users, profiles, declarations, partnerships, delivery partners, schools and mentors a
list shows, in the live default order — and leave the resource bodies to `api_export.serializers`.
Where a scope rule already lives in `serializers.py` (the v1/v2 "latest record" per profile, the v3
enrolment record, the default cohort scope) it is called from there, so a participant is visible here
exactly when the serializer builds an object for it.

These are the rules stated one record at a time, as the live queries read. The snapshot computes the
same scopes over whole tables (`api_export.participant_records`, `declaration_records.declaration_scopes`,
`school_records`); tests/test_columnar_records.py holds the two equal on random worlds, and
tests/test_api_snapshot.py on the demo.

Public API
----------
`visible_participants_v1(world, lp, cohorts=None)`            [(user_id, profile_id)]   api.md §3.1
`visible_participants_v3(world, lp, cohorts=None, training_status=None)`  [user_id]     api.md §3.3
`visible_declarations_v1(world, lp)`                          [Declaration]             api.md §3.2
`visible_declarations_v3(world, lp, cohorts=None)`            [Declaration]             api.md §3.5
`declarations_v1_scope(world, lp)` / `declarations_v3_scope(…)`  polars filter of the same, over
                                                              `declaration_scope_frame` columns
`transfer_users(world, lp)`                                   [user_id]                 api.md §3.4 scope
`transfers(world, lp, user_id, as_of)`                        [transfer dict]           api.md §3.4 elements
`transfers_updated_at(world, lp, user_id)`                    datetime                  api.md §3.4 updated_at
`visible_partnerships(world, lp, cohorts=None)`               [Partnership]             api.md §3.7
`visible_delivery_partners(world, lp, cohorts=None)`          [DeliveryPartner]         api.md §3.8
`delivery_partner_cohorts(world, lp, delivery_partner_id)`    ["2021", …]               api.md §3.8 `cohort`
`visible_schools(world, cohort)`                              [School]                  api.md §3.9
`school_in_partnership(world, school_id, cohort)`             bool                      api.md §3.9 `in_partnership`
`unfunded_mentors(world, lp)`                                 [user_id]                 api.md §3.10

`cohorts` is a collection of start years (`filter[cohort]` already split); `None` means "no filter",
which for participants, partnerships and delivery partners is every cohort after 2020 (api.md §2.4
`FilterCohorts`) and for v3 declarations is no restriction at all. `updated_since`, `participant_id`,
`delivery_partner_id`, `urn`, `from_participant_id` and `sort` are left to the caller: they are plain
filters over these lists (except that `updated_since` switches v1/v2 participants and transfers to
`users.updated_at` order, api.md §3.1/§3.4).

Order: the live default order, with the tie-breakers the live service lacks (api.md §2.5 "There are no
tie-breakers") fixed as the id — users by (`users.created_at`, user id); declarations by (`created_at`,
declaration id); partnerships, delivery partners, schools by (`created_at`, id).

Decisions marked (inferred) in the docstrings below, collected:

* v3 `training_status` filter: matched on the same record that makes the user visible (the provider's
  latest unchallenged record of a profile, in the cohort filter).
* Declarations of other providers (v1 set 2, v3 sets 2–3) are matched through the declaration's own
  profile; a declaration whose profile is not yet known (imported before its registration) is visible
  only to its own provider. Challenged partnerships still count there (the live queries do not test the
  challenge), which is how the old and new provider keep seeing each other's live declarations.
* v3 set 3 compares `declaration_date` with the leaving record's `end_at` as instants, inclusive.
* Transfers: the joining record is the first record (creation order) not yet paired, not `leaving`, at
  another school and flagged `school_transfer` (`Api::V3::ECF::BuildTransfers`); `status` compares
  instants with `as_of`; "an incomplete transfer is listed only to the leaving provider" is read as "a
  transfer *without a joining record*" (see `transfers`).
* Schools: eligibility and "CIP only" are the school reference row's `eligible` / `cip_only` flags, taken
  as given; `in_partnership` counts relationship partnerships too (the spec says "any unchallenged").
* Unfunded mentors are de-duplicated by user (one row per mentor profile live).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import datetime

import polars as pl

from api_export.serializers import _cohort_ok, _entry_order, _school_urn_and_cohort, _v1_record, iso_date, rfc3339
from pipelines.world.model import (
    LIVE_STATES, Declaration, DeliveryPartner, InductionRecord, Partnership, Profile, School,
)
from pipelines.instants import naive_utc
from pipelines.world.world import World

__all__ = [
    "TRAINING_STATUSES", "visible_participants_v1",
    "visible_participants_v3", "visible_declarations_v1", "visible_declarations_v3", "declaration_scope_frame",
    "declarations_v1_scope", "declarations_v3_scope", "transfer_users", "transfers", "transfers_updated_at",
    "visible_partnerships", "visible_delivery_partners", "delivery_partner_cohorts", "visible_schools",
    "school_in_partnership", "unfunded_mentors",
]

TRAINING_STATUSES = ("active", "deferred", "withdrawn")  # the v3 `filter[training_status]` values (§2.6)
ACTIVE_OR_COMPLETED = frozenset({"active", "completed"})
LEAVING = "leaving"
CIP = "core_induction_programme"


# ---------------------------------------------------------------------------------------------- helpers
def _user_of_profile(world: World, profile: Profile) -> str | None:
    identity = world.identities.get(profile.identity_id)
    return identity.user_id if identity is not None else None


ProviderProfiles = dict[str, list[InductionRecord]]


def _provider_profiles(world: World, lead_provider_id: str) -> ProviderProfiles:
    """Every profile with at least one induction record in one of this provider's partnerships (any
    status, challenged or not, relationship or not), with those records — one pass over the records."""
    found: ProviderProfiles = defaultdict(list)
    for record in world.records.values():
        if world.provider_of_record(record) == lead_provider_id:
            found[record.profile_id].append(record)
    return found


def _users_in_order(world: World, user_ids: Iterable[str]) -> list[str]:
    """`users.created_at ASC`, ties by user id; ids without a user row are dropped."""
    users = [world.users[u] for u in set(user_ids) if u in world.users]
    return [u.user_id for u in sorted(users, key=lambda u: (u.created_at, u.user_id))]


# ---------------------------------------------------------------------------------------------- participants
def visible_participants_v1(world: World, lead_provider_id: str,
                            cohorts: Collection[int] | None = None) -> list[tuple[str, str]]:
    """The v1/v2 participants list scope (api.md §3.1): one `(user_id, profile_id)` per ECT or mentor
    profile that has a latest induction record in one of this provider's *unchallenged* partnerships
    whose schedule cohort is in `cohorts` (default every cohort after 2020) — the cohort filter applied
    *before* "latest" is chosen (`serializers._v1_record`, the same choice the serializer makes).
    Withdrawn participants are included. A challenged partnership hides the participant
    (declarations.md §5 "Visibility of participants").

    Order: `users.created_at ASC`, ties by user id; a user's two profiles in the serializer's order
    (ECT first, then mentor; live order undefined, inferred in `serializers`)."""
    entries = []
    for profile_id in _provider_profiles(world, lead_provider_id):
        profile = world.profiles.get(profile_id)
        user_id = _user_of_profile(world, profile) if profile is not None else None
        if user_id is None or user_id not in world.users:
            continue
        if _v1_record(world, profile_id, lead_provider_id, cohorts) is not None:
            entries.append((world.users[user_id], profile))
    entries.sort(key=lambda pair: ((pair[0].created_at, pair[0].user_id), _entry_order(pair[1])))
    return [(user.user_id, profile.profile_id) for user, profile in entries]


def _latest_unchallenged_records(world: World, lead_provider_id: str) -> dict[str, InductionRecord | None]:
    """Each profile's latest record in this provider's unchallenged partnerships (`World.latest_provider_record`
    with `unchallenged_only`), for every profile with a record with the provider."""
    return {profile_id: world.latest_provider_record(profile_id, lead_provider_id, unchallenged_only=True,
                                                     records=records)
            for profile_id, records in _provider_profiles(world, lead_provider_id).items()}


def visible_participants_v3(world: World, lead_provider_id: str, cohorts: Collection[int] | None = None,
                            training_status: str | None = None) -> list[str]:
    """The v3 participants list scope (api.md §3.3): users with at least one ECF profile whose latest
    induction record in this provider's *unchallenged* partnerships (`World.latest_provider_record(…,
    unchallenged_only=True)`, "latest" over all cohorts) has its schedule cohort in `cohorts` (default
    every cohort after 2020; the filter applied after "latest"). The same test as
    `serializers.participant_resource_v3` returning an object.

    The old provider keeps seeing a participant who left (its record, now `leaving`, stays its latest
    one), with `participant_status` `leaving` then `left` (declarations.md §5).

    `training_status` (`filter[training_status]`, one of `TRAINING_STATUSES`, else `ValueError` — the
    live 400): (inferred) matched against the same record that makes the user visible, so a user is kept
    when one profile's chosen record is both in the cohort filter and of that training status.

    Order: `users.created_at ASC`, ties by user id."""
    if training_status is not None and training_status not in TRAINING_STATUSES:
        raise ValueError(f"training_status must be one of {list(TRAINING_STATUSES)}, not {training_status!r}")
    users = set()
    for profile_id in _provider_profiles(world, lead_provider_id):
        profile = world.profiles.get(profile_id)
        user_id = _user_of_profile(world, profile) if profile is not None else None
        if user_id is None or user_id in users:
            continue
        record = world.latest_provider_record(profile_id, lead_provider_id, unchallenged_only=True)
        if record is None or not _cohort_ok(record.schedule_cohort, cohorts):
            continue
        if training_status is not None and record.training_status != training_status:
            continue
        users.add(user_id)
    return _users_in_order(world, users)


# ---------------------------------------------------------------------------------------------- declarations
# The declaration scopes are polars filters over one row per declaration, so the snapshot builder tests
# millions of declarations per provider at once; the list functions below apply the same filters.
_SCOPE_SCHEMA = {"id": pl.String, "lead_provider_id": pl.String, "profile_id": pl.String, "model_state": pl.String,
                 "declaration_date": pl.Datetime("us", "UTC"), "cohort": pl.Int32,
                 "created_at": pl.Datetime("us", "UTC")}
_NO_END = datetime.max  # a leaving record without an end date admits every declaration date


def declaration_scope_frame(declarations: Iterable[Declaration]) -> pl.DataFrame:
    """The columns the declaration scopes read (`_SCOPE_SCHEMA`), one row per declaration, in the lists'
    order: `created_at ASC`, ties by declaration id."""
    rows = [(d.declaration_id, d.lead_provider_id, d.profile_id, d.state, d.declaration_date, d.cohort, d.created_at)
            for d in declarations]
    columns = dict(zip(_SCOPE_SCHEMA, map(list, zip(*rows)) if rows else ([] for _ in _SCOPE_SCHEMA)))
    return pl.DataFrame(columns, schema=_SCOPE_SCHEMA).sort("created_at", "id")


def _profiles_in(values: Iterable[str]) -> pl.Expr:
    return pl.col("profile_id").is_in(pl.Series(sorted(values), dtype=pl.String).implode())


def declarations_v1_scope(world: World, lead_provider_id: str) -> pl.Expr:
    """The v1/v2 declarations scope (api.md §3.2), the union of

    1. the provider's own declarations, every state;
    2. other providers' declarations in `submitted/eligible/payable/paid` whose participant profile *now*
       has an induction record with status `active` or `completed` in one of this provider's partnerships
       (any dates; challenged and relationship partnerships count — the live query does not test them).

    No cohort restriction. Own declarations stay visible whatever happens to the partnership: a challenged
    partnership hides the participant but not their declarations (declarations.md §5).
    (inferred) Matched through `declaration.profile_id`; a declaration with no known profile is own-only."""
    records = _provider_profiles(world, lead_provider_id)
    active_profiles = [p for p, rs in records.items() if any(r.induction_status in ACTIVE_OR_COMPLETED for r in rs)]
    return (pl.col("lead_provider_id") == lead_provider_id) | (
        pl.col("model_state").is_in(sorted(LIVE_STATES)) & _profiles_in(active_profiles))


def declarations_v3_scope(world: World, lead_provider_id: str, cohorts: Collection[int] | None = None) -> pl.Expr:
    """The v3 declarations scope (api.md §3.5, declarations.md §5 "Visibility of declarations"), the
    union of three sets, each in the cohort filter — the declaration's own `cohort`; with `cohorts=None`
    there is **no** cohort restriction (api.md §2.4: not even `> 2020`):

    1. the provider's own declarations, every state;
    2. other providers' declarations in `submitted/eligible/payable/paid` for participants with an
       `active` or `completed` induction record in this provider's partnership on a non-CIP programme;
    3. the same, for participants with a `leaving` record in this provider's partnership, keeping only
       declarations dated on or before that record's end (all of them when it has no end date).
       (inferred) Instants compared, inclusive; any one leaving record that admits the date suffices,
       so the latest end (no end: no limit) decides.

    (inferred) As in v1, matched through the declaration's profile; challenged partnerships count."""
    records = _provider_profiles(world, lead_provider_id)
    active_profiles = [p for p, rs in records.items()
                       if any(r.induction_status in ACTIVE_OR_COMPLETED and _is_fip(world, r) for r in rs)]
    latest_end = {p: max(naive_utc(r.end_at) if r.end_at else _NO_END for r in leaving)
                  for p, rs in records.items() if (leaving := [r for r in rs if r.induction_status == LEAVING])}
    limit = pl.col("profile_id").replace_strict(
        pl.Series(list(latest_end), dtype=pl.String), pl.Series(list(latest_end.values()), dtype=pl.Datetime("us")),
        default=None, return_dtype=pl.Datetime("us"))
    leaving_admits = limit.is_not_null() & (pl.col("declaration_date").dt.replace_time_zone(None) <= limit)
    others = pl.col("model_state").is_in(sorted(LIVE_STATES)) & (_profiles_in(active_profiles) | leaving_admits)
    in_filter = pl.lit(True) if cohorts is None else pl.col("cohort").is_in(sorted(cohorts))
    return in_filter & ((pl.col("lead_provider_id") == lead_provider_id) | others)


def _is_fip(world: World, record: InductionRecord) -> bool:
    programme = world.programmes.get(record.induction_programme_id)
    return programme is not None and programme.training_programme != CIP


def _scoped(world: World, scope: pl.Expr) -> list[Declaration]:
    frame = declaration_scope_frame(world.declarations.values())
    return [world.declarations[declaration_id] for declaration_id in frame.filter(scope)["id"]]


def visible_declarations_v1(world: World, lead_provider_id: str) -> list[Declaration]:
    """`declarations_v1_scope` as a list. Order: `created_at ASC`, ties by declaration id."""
    return _scoped(world, declarations_v1_scope(world, lead_provider_id))


def visible_declarations_v3(world: World, lead_provider_id: str,
                            cohorts: Collection[int] | None = None) -> list[Declaration]:
    """`declarations_v3_scope` as a list. Order: `created_at ASC`, ties by declaration id."""
    return _scoped(world, declarations_v3_scope(world, lead_provider_id, cohorts))


# ---------------------------------------------------------------------------------------------- transfers
def transfer_users(world: World, lead_provider_id: str) -> list[str]:
    """The v3 transfers list scope (api.md §3.4, `TransfersQuery`): users with a profile that

    * has an induction record in one of this provider's partnerships that is a school transfer
      (`school_transfer = true`) or `leaving`, and
    * has at least one `leaving` induction record, with any provider.

    A user in scope can have an empty `transfers(...)` list (inferred in the spec). The show endpoint
    answers 404 for a user outside this list. Order: `users.created_at ASC`, ties by user id."""
    users = set()
    for profile_id, own_records in _provider_profiles(world, lead_provider_id).items():
        if not any(r.school_transfer or r.induction_status == LEAVING for r in own_records):
            continue
        if not any(r.induction_status == LEAVING for r in world.records_of(profile_id)):
            continue
        profile = world.profiles.get(profile_id)
        user_id = _user_of_profile(world, profile) if profile is not None else None
        if user_id is not None:
            users.add(user_id)
    return _users_in_order(world, users)


def _school_of_record(world: World, record: InductionRecord) -> str | None:
    programme = world.programmes.get(record.induction_programme_id)
    return programme.school_id if programme is not None else None


def _transfer_pairs(world: World, profile_id: str) -> list[tuple[InductionRecord, InductionRecord | None]]:
    """`Api::V3::ECF::BuildTransfers` pairing, provider-independent: the profile's records in creation
    order; each `leaving` record is paired with the first record not yet used that is not `leaving`, is at
    a different school and is flagged `school_transfer` (it may have been created before the leaving one),
    or with nothing. (inferred) Records created in the same instant are taken in id order; the
    `school_transfer` test follows the ECF1 guidance ("the next induction record which does not have
    `induction_status` as `leaving` and has `school_transfer` set to `true` is used for joining") and the
    later `BuildTransfers`; api.md §3.4 does not spell the joining rule out."""
    ordered = sorted(world.records_of(profile_id), key=lambda r: (r.created_at, r.induction_record_id))
    used: set[str] = set()
    pairs = []
    for leaving in ordered:
        if leaving.induction_status != LEAVING:
            continue
        used.add(leaving.induction_record_id)
        school = _school_of_record(world, leaving)
        joining = next((r for r in ordered
                        if r.induction_record_id not in used and r.induction_status != LEAVING
                        and r.school_transfer and _school_of_record(world, r) != school), None)
        if joining is not None:
            used.add(joining.induction_record_id)
        pairs.append((leaving, joining))
    return pairs


def _listed_pairs(world: World, lead_provider_id: str,
                  profile_id: str) -> list[tuple[InductionRecord, InductionRecord | None]]:
    """api.md §3.4: a transfer is listed only when this provider is on the leaving or the joining side;
    a transfer without a joining record only when it is on the leaving side."""
    listed = []
    for leaving, joining in _transfer_pairs(world, profile_id):
        on_leaving_side = world.provider_of_record(leaving) == lead_provider_id
        on_joining_side = joining is not None and world.provider_of_record(joining) == lead_provider_id
        if on_leaving_side or on_joining_side:
            listed.append((leaving, joining))
    return listed


def _profiles_in_order(world: World, user_id: str) -> list[Profile]:
    """(inferred) A user's profiles in creation order, then id (live: `user.participant_profiles`, no ORDER BY)."""
    return sorted(world.profiles_of_user(user_id), key=lambda p: (p.created_at, p.profile_id))


def _provider_name(world: World, record: InductionRecord) -> str | None:
    provider = world.lead_providers.get(world.provider_of_record(record) or "")
    return provider.name if provider is not None else None


def _side(world: World, record: InductionRecord, day: datetime | None) -> dict:
    school_urn, _ = _school_urn_and_cohort(world, record)
    return {"school_urn": school_urn, "provider": _provider_name(world, record), "date": iso_date(day)}


def _transfer_type(world: World, leaving: InductionRecord, joining: InductionRecord | None) -> str:
    """`new_provider` when both sides have a lead provider and they differ; `new_school` when there is a
    joining record otherwise (same provider, or a side without a partnership such as a CIP school);
    `unknown` when there is no joining record."""
    if joining is None:
        return "unknown"
    old, new = world.provider_of_record(leaving), world.provider_of_record(joining)
    return "new_provider" if old and new and old != new else "new_school"


def _transfer_status(leaving: InductionRecord, joining: InductionRecord | None, as_of: datetime) -> str:
    """`incomplete` if the later of the leaving end and the joining start is after `as_of`, else
    `complete` (api.md §3.4 "depends on the current date", here the cycle's `as_of`). (inferred) Instants
    are compared (as `participant_status` does), so the old provider's `leaving`/`left` and the transfer's
    `incomplete`/`complete` turn over at the same instant; with neither date known the transfer is
    `complete`."""
    instants = [i for i in (leaving.end_at, joining.start_at if joining is not None else None) if i is not None]
    return "incomplete" if instants and max(instants) > as_of else "complete"


def transfers(world: World, lead_provider_id: str, user_id: str, as_of: datetime) -> list[dict]:
    """The `transfers` array of one user as this provider sees it (api.md §3.4), built for every profile
    of the user and, within a profile, in the order the leaving records were created. Each element, keys
    in the live order:

    `training_record_id` (profile id), `transfer_type` (`new_provider` / `new_school` / `unknown`),
    `status` (`incomplete` / `complete` at `as_of`), `created_at` (the leaving record's, RFC 3339),
    `leaving` `{school_urn, provider, date}` (`date` = the leaving record's end, `YYYY-MM-DD` or null;
    `provider` = the lead provider's name, null without a partnership), `joining` (null, or the same
    three keys from the joining record, `date` = its start).

    Listed only when this provider is on the leaving or the joining side; a leaving record without a
    joining record only to the leaving provider. (inferred) The spec's "an incomplete transfer is listed
    only when this provider is on the leaving side" is read as the live `add_incomplete_transfer`: the
    *unpaired* transfer — the guidance's transfer table shows the joining provider "leaving and joining
    details" as soon as the new school reports the joiner, before the joining date.

    Scope is not tested here: call `transfer_users` for the list / the show's 404."""
    out = []
    for profile in _profiles_in_order(world, user_id):
        for leaving, joining in _listed_pairs(world, lead_provider_id, profile.profile_id):
            out.append({
                "training_record_id": profile.profile_id,
                "transfer_type": _transfer_type(world, leaving, joining),
                "status": _transfer_status(leaving, joining, as_of),
                "created_at": rfc3339(leaving.created_at),
                "leaving": _side(world, leaving, leaving.end_at),
                "joining": _side(world, joining, joining.start_at) if joining is not None else None,
            })
    return out


def transfers_updated_at(world: World, lead_provider_id: str, user_id: str) -> datetime | None:
    """The transfer resource's `updated_at` (api.md §3.4): the latest `updated_at` of the induction records
    that make up this provider's transfers of the user, or the user's `updated_at` when there are none
    (None for an unknown user). Formatting (`rfc3339`) is the serializer's job."""
    stamps = [r.updated_at for profile in _profiles_in_order(world, user_id)
              for pair in _listed_pairs(world, lead_provider_id, profile.profile_id) for r in pair if r is not None]
    if stamps:
        return max(stamps)
    user = world.users.get(user_id)
    return user.updated_at if user is not None else None


# ---------------------------------------------------------------------------------------------- partnerships
def visible_partnerships(world: World, lead_provider_id: str,
                         cohorts: Collection[int] | None = None) -> list[Partnership]:
    """The v3 partnerships list scope (api.md §3.7): this provider's partnerships with `relationship =
    false` — challenged (and pending) ones included — in `cohorts` (default every cohort after 2020).
    Relationship partnerships (made when a school takes on a transferring participant who keeps their
    provider) are never shown, and the show endpoint answers 404 for them.
    Order: `partnerships.created_at ASC`, ties by id."""
    found = [p for p in world.partnerships.values()
             if p.lead_provider_id == lead_provider_id and not p.relationship and _cohort_ok(p.cohort, cohorts)]
    return sorted(found, key=lambda p: (p.created_at, p.partnership_id))


def visible_delivery_partners(world: World, lead_provider_id: str,
                              cohorts: Collection[int] | None = None) -> list[DeliveryPartner]:
    """The v3 delivery partners list scope (api.md §3.8): delivery partners with a (kept) provider
    relationship with this provider for a cohort in `cohorts` (default every cohort after 2020). The world
    holds only kept relationships and delivery partners, so discarded ones are invisible. The show
    endpoint has no cohort restriction: a delivery partner is showable iff
    `delivery_partner_cohorts(...)` is non-empty. Order: `delivery_partners.created_at ASC`, ties by id."""
    ids = {dp for lp, dp, year in world.provider_relationships if lp == lead_provider_id and _cohort_ok(year, cohorts)}
    found = [world.delivery_partners[dp] for dp in ids if dp in world.delivery_partners]
    return sorted(found, key=lambda dp: (dp.created_at, dp.delivery_partner_id))


def delivery_partner_cohorts(world: World, lead_provider_id: str, delivery_partner_id: str) -> list[str]:
    """The delivery partner's `cohort` attribute (api.md §3.8): the start years of this provider's
    relationships with it, as strings, sorted. (inferred) Every relationship cohort, whatever the list's
    cohort filter."""
    years = {year for lp, dp, year in world.provider_relationships
             if lp == lead_provider_id and dp == delivery_partner_id}
    return [str(year) for year in sorted(years)]


# ---------------------------------------------------------------------------------------------- schools
def _unchallenged_partnerships(world: World, school_id: str, cohort: int) -> Iterable[Partnership]:
    return (p for p in world.partnerships_of_school_cohort(school_id, cohort) if p.unchallenged)


def visible_schools(world: World, cohort: int | None) -> list[School]:
    """The v3 schools list scope for `filter[cohort]` (api.md §3.9) — the same for every provider:
    schools that are eligible and not "CIP only", plus schools with an unchallenged, non-relationship
    partnership in that cohort with any provider (pending ones count). A cohort the world does not know
    (or none) gives `[]` (the live empty list; the missing-filter 400 is the server's).

    Approximated: "eligible" and "CIP only" are the school reference row's `eligible` and `cip_only`
    flags, taken as inputs — the live service derives them from GIAS establishment type/status and the
    school's CIP-only flag, which the world does not hold. Order: `schools.created_at ASC`, ties by id."""
    if cohort is None or cohort not in world.cohorts:
        return []
    partnered = {p.school_id for p in world.partnerships.values()
                 if p.cohort == cohort and p.unchallenged and not p.relationship}
    found = [s for s in world.schools.values() if (s.eligible and not s.cip_only) or s.school_id in partnered]
    return sorted(found, key=lambda s: (s.created_at, s.school_id))


def school_in_partnership(world: World, school_id: str, cohort: int) -> bool:
    """The school's `in_partnership` for the filter cohort (api.md §3.9): true if it has any unchallenged
    partnership for that cohort, with any provider. (inferred) Relationship partnerships count: the spec
    says "any unchallenged partnership", unlike the scope's "non-relationship"."""
    return any(True for _ in _unchallenged_partnerships(world, school_id, cohort))


# ---------------------------------------------------------------------------------------------- mentors
def unfunded_mentors(world: World, lead_provider_id: str) -> list[str]:
    """The v3 unfunded mentors list scope (api.md §3.10, `UnfundedMentorsQuery`): the user ids of mentors
    named (`mentor_profile_id`) on the latest induction record, in this provider's unchallenged
    partnerships, of some participant, when the mentor profile has no induction record of its own in this
    provider's unchallenged partnerships (so no latest one). No cohort filter; the mentor's records with
    other providers, or in this provider's challenged partnerships, do not stop them being listed.
    (inferred) One entry per user (live: per mentor profile). Order: `users.created_at ASC`, ties by id."""
    latest = _latest_unchallenged_records(world, lead_provider_id)
    latest_by_profile = {profile_id: record for profile_id, record in latest.items() if record is not None}
    users = set()
    for record in latest_by_profile.values():
        mentor_id = record.mentor_profile_id
        if not mentor_id or mentor_id in latest_by_profile:
            continue
        mentor = world.profiles.get(mentor_id)
        user_id = _user_of_profile(world, mentor) if mentor is not None else None
        if user_id is not None:
            users.add(user_id)
    return _users_in_order(world, users)
