"""The live checks of the two partnership write endpoints (`partnerships-and-finance.md` §1.2–§1.4).

* `check_partnership_create(world, lead_provider_id, attributes)` — `POST /api/v3/partnerships/ecf`
  (`Partnerships::Create`): every check of §1.3 in the table's order, with its gating, so the 422
  envelope lists the attributes in the order each *first* failed (presence checks 1a–1d, then the
  lookups of cohort, school, delivery partner). Returns `PartnershipCreateAccepted` or the `Response`.
* `check_partnership_update(world, lead_provider_id, partnership_id, attributes)` —
  `PUT|PATCH /api/v3/partnerships/ecf/{id}` (`Partnerships::Update`): the `{id}` lookup first (404),
  then §1.4's checks. A request naming the partnership's current delivery partner that passes the
  checks is accepted with `changes=False`: the live service writes nothing and answers with the
  partnership unchanged. Returns `PartnershipUpdateAccepted` or the `Response`.

Both are pure: they read the world and never change it. What a successful report writes is
`pipelines/calculate/partnership_report.py` (§1.6).

`attributes` is `data.attributes` after the permit list (`request_body.attributes`): only
`cohort`, `school_id`, `delivery_partner_id`, scalars as sent. The caller has already answered the
token, `filter` and missing-`data` cases (§1.2 steps 1, 2, 4). `lead_provider_id` always comes from
the token, so the two `lead_provider_id` messages of §1.3 (steps 1c and 3) are unreachable and not
produced here; likewise the PUT's `partnership` presence message (§1.4 step 1a), which the 404
lookup pre-empts.

How values are read (§1.2):

* "Blank" is Rails `blank?` (`request_body.is_blank`): missing, `null`, `false`, `""`, whitespace.
* `cohort` is matched against the cohorts' start years after Rails' integer casting
  (`rails_integer`): `2024`, `"2024"`, `" 2024"`, `"+2024"` and `"2024/25"` all find 2024; a string
  that does not start with a digit (after whitespace and a sign) finds nothing. Any cohort row
  counts (open, closed or payments-frozen); only the provider relationship restricts it.
* `school_id`, `delivery_partner_id` and `{id}` are cast as Rails casts a PostgreSQL `uuid`
  (`rails_uuid`): upper case, braces and missing hyphens are accepted and normalised to the
  canonical lower-case form; anything else finds nothing (the "invalid" message, or 404 for `{id}`),
  never a 400. The world's ids are canonical lower-case UUIDs.

School eligibility. Steps 4b ("CIP only") and 4c (eligible) use the School record's `cip_only` and
`eligible` flags. They are inputs computed upstream from the school's GIAS facts (status, type,
administrative district, section 41 approval) exactly as §1.3 defines them; this module does not
recompute them.

Delivery partners and provider relationships: the world holds only kept (not discarded) ones, so a
discarded delivery partner is "invalid" (5a/2a) and a discarded relationship fails 5b/2b.

**Deliberate difference from the live service** (`product.md` §5). §1.3 "500 instead of 422": when
`cohort` is blank or names no cohort and the school passes 4a–4c, the live code reads the year of a
missing cohort while checking 4d–4f and answers 500 `{"error":"Internal server error"}`. The product
skips 4d–4f in that case (they are about a cohort that does not exist) and answers the ordinary 422
with the errors already found — always including the `cohort` error (1a or 2) and, for a known
delivery partner, 5b. With a blank school, or one that fails 4a–4c, this is exactly the live 422.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from pipelines.validate.envelope import (
    DELIVERY_PARTNER_INVALID, DELIVERY_PARTNER_MISSING, DELIVERY_PARTNER_NOT_WORKING_WITH_PROVIDER, NOT_FOUND,
    ErrorCollector, Response,
)
from pipelines.validate.request_body import is_blank
from pipelines.world.model import Partnership, School
from pipelines.ids import canonical_uuid
from pipelines.world.world import World

__all__ = [
    "COHORT_INVALID", "COHORT_MISSING", "PARTNERSHIP_CHALLENGED", "PartnershipCreateAccepted",
    "PartnershipUpdateAccepted", "RELATIONSHIP_WITH_DELIVERY_PARTNER_EXISTS", "SCHOOL_ALREADY_PARTNERED_BY_PROVIDER",
    "SCHOOL_CIP_ONLY", "SCHOOL_INELIGIBLE", "SCHOOL_INVALID", "SCHOOL_MISSING", "SCHOOL_NOT_CONFIRMED_FOR_COHORT",
    "SCHOOL_PARTNERED_BY_ANOTHER_PROVIDER", "check_partnership_create", "check_partnership_update",
    "addressable_partnership", "cohort_year_of", "confirmed_partnerships", "rails_integer", "rails_uuid",
]

# --- messages (config/locales/en.yml, partnerships/create and partnerships/update) ----------------

COHORT_MISSING = "Enter a '#/cohort'."  # 1a
SCHOOL_MISSING = "Enter a '#/school_id'."  # 1b
COHORT_INVALID = "The '#/cohort' you have entered is invalid. Check cohort details and try again."  # 2
SCHOOL_INVALID = (  # 4a
    "The '#/school_id' you have entered is invalid. Check school details and try again. "
    "Contact the DfE for support if you are unable to find the '#/school_id'.")
SCHOOL_CIP_ONLY = (  # 4b
    "The school you have entered has not registered to deliver DfE-funded training. "
    "Contact the school for more information.")
SCHOOL_INELIGIBLE = (  # 4c
    "The school you have entered is currently ineligible for DfE funding. Contact the school for more information.")
SCHOOL_ALREADY_PARTNERED_BY_PROVIDER = (  # 4d
    "You are already in a confirmed partnership with this school for the entered cohort.")
SCHOOL_PARTNERED_BY_ANOTHER_PROVIDER = (  # 4e
    "Another provider is in a confirmed partnership with the school for the cohort you entered. "
    "Contact the school for more information.")
SCHOOL_NOT_CONFIRMED_FOR_COHORT = (  # 4f
    "The school you have entered has not yet confirmed they will deliver DfE-funded training. "
    "Contact the school for more information.")
PARTNERSHIP_CHALLENGED = (  # PUT 2c
    "Your update cannot be made as this partnership has been challenged by the school. If this partnership "
    "has been challenged in error, submit a new partnership confirmation using the endpoint "
    "POST /api/v3/partnerships/ecf.")
RELATIONSHIP_WITH_DELIVERY_PARTNER_EXISTS = (  # PUT 2d
    "We are unable to process this request. You are already confirmed to be in partnership with the entered "
    "delivery partner. Contact the DfE for support.")


# --- Rails casting ------------------------------------------------------------------------------

_RUBY_TO_I = re.compile(r"[ \t\n\v\f\r]*([+-]?)(\d+(?:_\d+)*)")
_NUMERIC_START = re.compile(r"[ \t\n\v\f\r]*[+-]?\d")


def rails_integer(value: Any) -> int | None:
    """ActiveModel's integer cast (Rails 7.1 `ActiveModel::Type::Integer`): what a where-clause on
    an integer column, or an `attribute :x, :integer`, makes of a request value.

    Blank (`None`, `""`, whitespace) → None; `True` → 1, `False` → 0; a number → truncated towards
    zero (NaN and infinities → None); a string → Ruby's `String#to_i`: leading whitespace, an
    optional sign, then the leading digits (single underscores between digits allowed), so
    `"2024/25"` → 2024 and a string that does not start with a digit → 0, which names no cohort.
    """
    if value is None or value is True or value is False:
        return None if value is None else int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else int(value)
    if isinstance(value, str):
        if is_blank(value):
            return None
        match = _RUBY_TO_I.match(value)
        if match is None:
            return 0
        number = int(match.group(2).replace("_", ""))
        return -number if match.group(1) == "-" else number
    return None


def cohort_year_of(value: Any) -> int | None:
    """The start year a `where(start_year: value)` looks for (`ActiveModel::Type::Integer#serialize`):
    a string that does not start with a digit (after whitespace and a sign) looks for nothing."""
    if isinstance(value, str) and not _NUMERIC_START.match(value):
        return None
    return rails_integer(value)


# Rails' PostgreSQL `uuid` cast lives with the product's ids (`pipelines/ids.py`).
rails_uuid = canonical_uuid


# --- decisions ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PartnershipCreateAccepted:
    """A valid `POST`: report the partnership (§1.6) with these canonical values."""
    lead_provider_id: str
    school_id: str
    cohort: int
    delivery_partner_id: str


@dataclass(frozen=True)
class PartnershipUpdateAccepted:
    """A valid `PUT`. `changes=False`: the current delivery partner was named, nothing is written and
    the answer is `partnership` as it is. `changes=True`: report (§1.6) with the partnership's
    school, cohort and provider and the new delivery partner."""
    partnership: Partnership
    lead_provider_id: str
    school_id: str
    cohort: int
    delivery_partner_id: str
    changes: bool


# --- queries ------------------------------------------------------------------------------------

def confirmed_partnerships(world: World, school_id: str, cohort: int) -> list[Partnership]:
    """The school's partnerships for the cohort that count as confirmed for §1.3 4d–4f: unchallenged
    (`challenged_at` and `challenge_reason` both null) and not relationship rows; pending ones count."""
    return [p for p in world.partnerships_of_school_cohort(school_id, cohort) if not p.relationship and p.unchallenged]


def _has_provider_relationship(world: World, lead_provider_id: str, delivery_partner_id: str,
                               cohort: int | None) -> bool:
    return cohort is not None and (lead_provider_id, delivery_partner_id, cohort) in world.provider_relationships


def _school_error(world: World, lead_provider_id: str, school: School, cohort: int) -> str | None:
    """Steps 4b–4f for an existing school and a known cohort: the first that fails."""
    if school.cip_only:
        return SCHOOL_CIP_ONLY
    if not school.eligible:
        return SCHOOL_INELIGIBLE
    confirmed = confirmed_partnerships(world, school.school_id, cohort)
    if any(p.lead_provider_id == lead_provider_id for p in confirmed):
        return SCHOOL_ALREADY_PARTNERED_BY_PROVIDER
    if confirmed:
        return SCHOOL_PARTNERED_BY_ANOTHER_PROVIDER
    previous_cohort_partnered = bool(confirmed_partnerships(world, school.school_id, cohort - 1))
    if previous_cohort_partnered and (school.school_id, cohort) not in world.school_cohorts:
        return SCHOOL_NOT_CONFIRMED_FOR_COHORT
    return None


def _school_error_without_cohort(school: School) -> str | None:
    """Steps 4b–4c only: the deliberate difference for a blank or unknown cohort (module docstring)."""
    if school.cip_only:
        return SCHOOL_CIP_ONLY
    if not school.eligible:
        return SCHOOL_INELIGIBLE
    return None


# --- POST ---------------------------------------------------------------------------------------

def check_partnership_create(world: World, lead_provider_id: str,
                             attributes: dict[str, Any]) -> PartnershipCreateAccepted | Response:
    """`Partnerships::Create` validation (§1.3): all checks run; 422 with every failure, or accepted."""
    raw_cohort = attributes.get("cohort")
    raw_school = attributes.get("school_id")
    raw_partner = attributes.get("delivery_partner_id")
    errors = ErrorCollector()
    # 1a–1d: presence (1c, lead_provider_id, is unreachable: it comes from the token)
    if is_blank(raw_cohort):
        errors.add("cohort", COHORT_MISSING)
    if is_blank(raw_school):
        errors.add("school_id", SCHOOL_MISSING)
    if is_blank(raw_partner):
        errors.add("delivery_partner_id", DELIVERY_PARTNER_MISSING)
    # 2: cohort lookup
    cohort_year = cohort_year_of(raw_cohort)
    cohort = cohort_year if cohort_year in world.cohorts and not is_blank(raw_cohort) else None
    if not is_blank(raw_cohort) and cohort is None:
        errors.add("cohort", COHORT_INVALID)
    # 3 (lead provider lookup) is unreachable. 4a–4f: school
    school_id = rails_uuid(raw_school)
    school = world.schools.get(school_id) if school_id else None
    if not is_blank(raw_school):
        if school is None:
            errors.add("school_id", SCHOOL_INVALID)
        else:
            problem = (_school_error(world, lead_provider_id, school, cohort) if cohort is not None
                       else _school_error_without_cohort(school))
            if problem:
                errors.add("school_id", problem)
    # 5a–5b: delivery partner
    delivery_partner_id = rails_uuid(raw_partner)
    if not is_blank(raw_partner):
        if delivery_partner_id not in world.delivery_partners:
            errors.add("delivery_partner_id", DELIVERY_PARTNER_INVALID)
        elif not _has_provider_relationship(world, lead_provider_id, delivery_partner_id, cohort):
            errors.add("delivery_partner_id", DELIVERY_PARTNER_NOT_WORKING_WITH_PROVIDER)
    if errors:
        return errors.response(422)
    return PartnershipCreateAccepted(lead_provider_id, school.school_id, cohort, delivery_partner_id)


# --- PUT ----------------------------------------------------------------------------------------

def addressable_partnership(world: World, lead_provider_id: str, partnership_id: Any) -> Partnership | None:
    """§1.4 lookup: one of the provider's non-relationship partnerships (challenged and pending ones
    included); anything else (unknown, malformed, another provider's, a relationship row) → None."""
    key = rails_uuid(partnership_id)
    partnership = world.partnerships.get(key) if key else None
    if partnership is None or partnership.lead_provider_id != lead_provider_id or partnership.relationship:
        return None
    return partnership


def _relationship_with_partner_exists(world: World, partnership: Partnership, delivery_partner_id: str) -> bool:
    """§1.4 2d: another row of this provider, a relationship one, for the same school and cohort with
    the requested delivery partner."""
    return any(p.partnership_id != partnership.partnership_id and p.relationship
               and p.lead_provider_id == partnership.lead_provider_id and p.delivery_partner_id == delivery_partner_id
               for p in world.partnerships_of_school_cohort(partnership.school_id, partnership.cohort))


def check_partnership_update(world: World, lead_provider_id: str, partnership_id: Any,
                             attributes: dict[str, Any]) -> PartnershipUpdateAccepted | Response:
    """`Partnerships::Update` (§1.4): 404 for an id the provider cannot address, then the checks;
    only `delivery_partner_id` can fail, so a 422 has exactly one entry."""
    partnership = addressable_partnership(world, lead_provider_id, partnership_id)
    if partnership is None:
        return Response(404, NOT_FOUND)
    raw_partner = attributes.get("delivery_partner_id")
    errors = ErrorCollector()
    delivery_partner_id = rails_uuid(raw_partner)
    if is_blank(raw_partner):  # 1b
        errors.add("delivery_partner_id", DELIVERY_PARTNER_MISSING)
    elif delivery_partner_id not in world.delivery_partners:  # 2a
        errors.add("delivery_partner_id", DELIVERY_PARTNER_INVALID)
    elif not _has_provider_relationship(world, lead_provider_id, delivery_partner_id, partnership.cohort):  # 2b
        errors.add("delivery_partner_id", DELIVERY_PARTNER_NOT_WORKING_WITH_PROVIDER)
    elif partnership.challenged:  # 2c: the model's own test, challenge_reason set
        errors.add("delivery_partner_id", PARTNERSHIP_CHALLENGED)
    elif _relationship_with_partner_exists(world, partnership, delivery_partner_id):  # 2d
        errors.add("delivery_partner_id", RELATIONSHIP_WITH_DELIVERY_PARTNER_EXISTS)
    if errors:
        return errors.response(422)
    return PartnershipUpdateAccepted(
        partnership, lead_provider_id, partnership.school_id, partnership.cohort, delivery_partner_id,
        changes=delivery_partner_id != partnership.delivery_partner_id)
