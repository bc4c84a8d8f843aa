"""The read-only resources no write endpoint returns: statements, delivery partners, schools,
unfunded mentors and transfers (`api.md` §3.4, §3.6, §3.8–§3.10).

Pure functions over the world, like `api_export.serializers` (which holds the resources the write
endpoints also return): each returns `{"id","type","attributes"}` with the attributes in the live
serializer's order; `api_export.json_bytes.live_json` turns it into bytes.
"""

from __future__ import annotations

import re
from datetime import datetime

from api_export.serializers import FLAG_2025, iso_date, rfc3339
from pipelines.world.model import STATEMENT_PAID, DeliveryPartner, School, Statement
from pipelines.world.visibility import delivery_partner_cohorts, school_in_partnership, transfers, transfers_updated_at
from pipelines.world.world import World

__all__ = ["statement_resource", "delivery_partner_resource", "school_resource", "unfunded_mentor_resource",
           "transfer_resource", "programme_choice", "CHOICE_2025"]

# `ProgrammeTypeMappings.training_programme` with `programme_type_changes_2025` on (api.md §3.9).
# (inferred) The spec lists the four values; the pairing follows the programme names: the two
# provider-delivered programmes are provider-led, the two school-delivered ones school-led.
CHOICE_2025 = {
    "full_induction_programme": "provider_led",
    "school_funded_fip": "provider_led",
    "core_induction_programme": "school_led",
    "design_our_own": "school_led",
    "no_early_career_teachers": "no_early_career_teachers",
    "not_yet_known": "not_yet_known",
}
_FIRST_DIGITS = re.compile(r"\d+")


def statement_resource(statement: Statement) -> dict:
    """§3.6: month (first word of the name), year (first run of digits in the name), type `ecf`, cohort,
    cut_off_date (the deadline), payment_date, paid, created_at, updated_at."""
    digits = _FIRST_DIGITS.search(statement.name)
    attributes = {
        "month": statement.name.split(" ", 1)[0] if statement.name else None,
        "year": digits.group(0) if digits else None,
        "type": "ecf",
        "cohort": str(statement.cohort),
        "cut_off_date": iso_date(statement.deadline_on),
        "payment_date": iso_date(statement.payment_on),
        "paid": statement.status == STATEMENT_PAID,
        "created_at": rfc3339(statement.created_at),
        "updated_at": rfc3339(statement.updated_at),
    }
    return {"id": statement.statement_id, "type": "statement", "attributes": attributes}


def delivery_partner_resource(world: World, lead_provider_id: str, delivery_partner: DeliveryPartner) -> dict:
    """§3.8: name, created_at, updated_at, cohort (this provider's relationship years, sorted strings)."""
    attributes = {
        "name": delivery_partner.name,
        "created_at": rfc3339(delivery_partner.created_at),
        "updated_at": rfc3339(delivery_partner.updated_at),
        "cohort": delivery_partner_cohorts(world, lead_provider_id, delivery_partner.delivery_partner_id),
    }
    return {"id": delivery_partner.delivery_partner_id, "type": "delivery-partner", "attributes": attributes}


def programme_choice(world: World, school: School, cohort: int) -> str:
    """The school cohort's `induction_programme_choice` (`not_yet_known` when unset), mapped to the 2025
    names while the `programme_type_changes_2025` flag is on."""
    school_cohort = world.school_cohorts.get((school.school_id, cohort))
    choice = school_cohort.induction_programme_choice if school_cohort is not None else None
    choice = choice or "not_yet_known"
    return CHOICE_2025.get(choice, choice) if world.flag(FLAG_2025) else choice


def school_resource(world: World, school: School, cohort: int) -> dict:
    """§3.9, for the filter cohort: name, urn, cohort, in_partnership, induction_programme_choice,
    created_at, updated_at (the later of the school and that cohort's school cohort)."""
    school_cohort = world.school_cohorts.get((school.school_id, cohort))
    stamps = [school.updated_at] + ([school_cohort.updated_at] if school_cohort is not None else [])
    attributes = {
        "name": school.name,
        "urn": school.urn,
        "cohort": str(cohort),
        "in_partnership": school_in_partnership(world, school.school_id, cohort),
        "induction_programme_choice": programme_choice(world, school, cohort),
        "created_at": rfc3339(school.created_at),
        "updated_at": rfc3339(max(stamps)),
    }
    return {"id": school.school_id, "type": "school", "attributes": attributes}


def unfunded_mentor_resource(world: World, user_id: str) -> dict:
    """§3.10: full_name, email, teacher_reference_number, created_at, updated_at (the user's).

    (inferred) The email is the user's (no induction record of the mentor's own with this provider picks
    a preferred identity); the TRN is the first non-null among the user's profiles (the world keeps no
    validation-data TRN to fall back to)."""
    user = world.users[user_id]
    profiles = sorted(world.profiles_of_user(user_id), key=lambda p: (p.created_at, p.profile_id))
    attributes = {
        "full_name": user.full_name,
        "email": user.email,
        "teacher_reference_number": next((p.trn for p in profiles if p.trn is not None), None),
        "created_at": rfc3339(user.created_at),
        "updated_at": rfc3339(user.updated_at),
    }
    return {"id": user_id, "type": "unfunded-mentor", "attributes": attributes}


def transfer_resource(world: World, lead_provider_id: str, user_id: str, as_of: datetime) -> dict:
    """§3.4: updated_at, transfers (clock-dependent `status` at the cycle's `as_of`)."""
    attributes = {
        "updated_at": rfc3339(transfers_updated_at(world, lead_provider_id, user_id)),
        "transfers": transfers(world, lead_provider_id, user_id, as_of),
    }
    return {"id": user_id, "type": "participant-transfer", "attributes": attributes}
