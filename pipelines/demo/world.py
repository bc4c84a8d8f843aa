"""The demo's fixed world: lead providers, delivery partners and their relationships, schools,
uplifts, each school's choice per cohort (partnerships, induction programmes) and the contracts.

Everything here is reference data (finance-owned, `valid_from`) or the school-cohort skeleton of
the registrations; participants are made in `participants.py`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from pipelines.demo.calendar import COHORTS
from pipelines.demo.model import (
    BEGINNING_OF_TIME, CIP_ONLY_TYPES, DAY, ELIGIBLE_TYPES, FIRST_NAMES, HOUR, INELIGIBLE_TYPES, LAST_NAMES,
    SAINTS, SCHOOL_KINDS, Ids, Scale, day_start, fmt_instant, place_name,
)


@dataclass(frozen=True)
class Provider:
    index: int
    id: str
    name: str
    slug: str
    vat_chargeable: bool
    share: float
    # API version habits: (share of v1, share of v2) after v3 became available; the rest is v3
    legacy_share: tuple[float, float]


PROVIDER_FACTS = (
    # name, slug, VAT chargeable, market share, (v1, v2) share once v3 exists
    ("Ashgrove Teacher Development", "ashgrove", True, 0.26, (0.00, 0.04)),
    ("Brightwater Education Partnership", "brightwater", True, 0.22, (0.02, 0.06)),
    ("Calder Valley Institute", "calder-valley", False, 0.18, (0.10, 0.35)),
    ("Dunmore Learning Trust", "dunmore", True, 0.14, (0.25, 0.05)),
    ("Elmstead Professional Learning", "elmstead", True, 0.12, (0.00, 0.00)),
    ("Fenwick Training Alliance", "fenwick", False, 0.08, (0.05, 0.15)),
)


@dataclass
class DeliveryPartner:
    index: int
    id: str
    name: str
    providers: list[int]
    from_cohort: int


@dataclass
class School:
    index: int
    id: str
    urn: str
    name: str
    eligible: bool
    cip_only: bool
    establishment_type: str
    tutor_name: str
    tutor_email: str
    uplifts: dict[int, tuple[bool, bool]] = field(default_factory=dict)  # cohort -> (pupil premium, sparsity)


class SchoolCohort:
    """A school's registration for one cohort and, for FIP, its partnership."""

    __slots__ = ("school", "cohort", "choice", "provider", "delivery_partner", "partnership_id", "programme_id",
                 "partnership_at", "recorded_at", "api_partnered", "challenge_reason", "challenged_at",
                 "repartner", "participant_count", "mentors")

    def __init__(self, school: School, cohort: int, choice: str):
        self.school = school
        self.cohort = cohort
        self.choice = choice
        self.provider: int | None = None
        self.delivery_partner: int | None = None
        self.partnership_id: str | None = None
        self.programme_id: str = ""
        self.partnership_at = 0  # when the partnership was recorded (or reported through the API)
        self.recorded_at = 0
        self.api_partnered = False  # the provider reports the partnership through POST /partnerships/ecf
        self.challenge_reason: str | None = None
        self.challenged_at = 0
        self.repartner: tuple[int, int, int] | None = None  # (provider, delivery partner, POST instant)
        self.participant_count = 0
        self.mentors: list = []

    @property
    def partnered(self) -> bool:
        return self.provider is not None


class World:
    def __init__(self, scale: Scale, ids: Ids, rng: random.Random):
        self.scale = scale
        self.ids = ids
        self.providers = [
            Provider(i, ids(f"lead_provider:{i}"), name, slug, vat, share, legacy)
            for i, (name, slug, vat, share, legacy) in enumerate(PROVIDER_FACTS)
        ]
        self.delivery_partners = self._delivery_partners(rng)
        # provider -> cohort -> delivery partner indexes with a kept relationship
        self.relationships: dict[int, dict[int, list[int]]] = {p.index: {c: [] for c in COHORTS} for p in self.providers}
        for dp in self.delivery_partners:
            for provider in dp.providers:
                for cohort in COHORTS:
                    if cohort >= dp.from_cohort:
                        self.relationships[provider][cohort].append(dp.index)
        self.schools = self._schools(rng)
        self.school_cohorts: dict[int, list[SchoolCohort]] = {c: [] for c in COHORTS}
        self.lapsed_schools: list[School] = []  # partnered for 2024, no school cohort for 2025
        self._school_cohorts(rng)
        # (school, cohort, provider) -> (partnership id, programme id, recorded_at) for relationship partnerships
        self.relationship_partnerships: dict[tuple[int, int, int], tuple[str, str, int, int]] = {}

    # ------------------------------------------------------------------------------ reference
    def _delivery_partners(self, rng: random.Random) -> list[DeliveryPartner]:
        weights = [p.share for p in self.providers]
        names: set[str] = set()
        out = []
        for i in range(self.scale.delivery_partners):
            while True:
                style = rng.random()
                if style < 0.5:
                    name = f"{place_name(rng)} Teaching School Hub"
                elif style < 0.8:
                    name = f"{place_name(rng)} Learning Partnership"
                else:
                    name = f"{place_name(rng)} and {place_name(rng)} Schools Alliance"
                if name not in names:
                    names.add(name)
                    break
            home = rng.choices(range(len(self.providers)), weights)[0]
            providers = [home]
            if rng.random() < 0.15:
                other = rng.choices(range(len(self.providers)), weights)[0]
                if other != home:
                    providers.append(other)
            from_cohort = 2021 if rng.random() < 0.8 else rng.choice(COHORTS[1:])
            out.append(DeliveryPartner(i, self.ids(f"delivery_partner:{i}"), name, providers, from_cohort))
        # every provider works with at least three delivery partners from 2021
        for provider in self.providers:
            have = [dp for dp in out if provider.index in dp.providers and dp.from_cohort == 2021]
            for dp in out:
                if len(have) >= 3:
                    break
                if dp not in have and dp.from_cohort == 2021 and len(dp.providers) == 1:
                    dp.providers.append(provider.index)
                    have.append(dp)
        return out

    def _schools(self, rng: random.Random) -> list[School]:
        n = self.scale.schools
        urns = rng.sample(range(100_000, 100_000 + max(60_000, n * 3)), n)
        out = []
        for i in range(n):
            place = place_name(rng)
            r = rng.random()
            if r < 0.12:
                name = f"{rng.choice(SAINTS)} {rng.choice(('Catholic Primary School', 'Church of England Primary School', 'Academy'))}, {place}"
            else:
                name = f"{place} {rng.choice(SCHOOL_KINDS)}"
            r = rng.random()
            if r < 0.03:
                eligible, cip_only, etype = False, True, rng.choice(CIP_ONLY_TYPES)
            elif r < 0.06:
                eligible, cip_only, etype = False, False, rng.choice(INELIGIBLE_TYPES)
            else:
                eligible, cip_only, etype = True, False, rng.choice(ELIGIBLE_TYPES)
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            domain = place.lower() + str(urns[i] % 97)
            email = f"{first.lower()}.{last.lower().replace(' ', '').replace(chr(39), '')}@{domain}.sch.example"
            school = School(i, self.ids(f"school:{i}"), str(urns[i]), name, eligible, cip_only, etype,
                            f"{first} {last}", email)
            pupil_premium, sparsity = rng.random() < 0.35, rng.random() < 0.12
            for cohort in COHORTS:
                if rng.random() < 0.08:
                    pupil_premium = not pupil_premium
                if rng.random() < 0.03:
                    sparsity = not sparsity
                school.uplifts[cohort] = (pupil_premium, sparsity)
            out.append(school)
        return out

    def _school_cohorts(self, rng: random.Random) -> None:
        weights = [p.share for p in self.providers]
        for school in self.schools:
            provider = None
            dp = None
            for cohort in COHORTS:
                if not school.eligible:
                    choice = "core_induction_programme" if school.cip_only else rng.choice(
                        ("design_our_own", "no_early_career_teachers", "core_induction_programme"))
                else:
                    r = rng.random()
                    choice = ("full_induction_programme" if r < 0.84 else "core_induction_programme" if r < 0.92
                              else "design_our_own" if r < 0.95 else "school_funded_fip" if r < 0.96
                              else "no_early_career_teachers")
                sc = SchoolCohort(school, cohort, choice)
                start = day_start(date(cohort, 5, 12).toordinal()) if cohort < 2025 else day_start(date(2025, 2, 3).toordinal())
                span_days = 70 if cohort < 2025 else 150
                if choice == "full_induction_programme":
                    if provider is None or rng.random() > 0.88:
                        provider = rng.choices(range(len(self.providers)), weights)[0]
                        dp = None
                    options = self.relationships[provider][cohort]
                    if dp not in options:
                        dp = rng.choice(options)
                    sc.provider, sc.delivery_partner = provider, dp
                    sc.partnership_id = self.ids(f"partnership:{school.index}:{cohort}:{provider}")
                    sc.partnership_at = start + rng.randrange(span_days) * DAY + (9 + rng.randrange(8)) * HOUR + rng.randrange(3600)
                    sc.recorded_at = sc.partnership_at + (1 + rng.randrange(14)) * DAY
                    sc.programme_id = self.ids(f"programme:{school.index}:{cohort}:fip")
                else:
                    sc.recorded_at = start + rng.randrange(span_days + 20) * DAY + (9 + rng.randrange(8)) * HOUR + rng.randrange(3600)
                    sc.programme_id = self.ids(f"programme:{school.index}:{cohort}:{choice}")
                self.school_cohorts[cohort].append(sc)
        # a few schools partnered in 2024 never register for 2025 (partnership step 4f)
        lapsing = [sc for sc in self.school_cohorts[2025] if sc.partnered]
        wanted = max(2, len(self.schools) // 150)
        chosen = set(sc.school.index for sc in rng.sample(lapsing, min(wanted, len(lapsing))))
        partnered_2024 = {sc.school.index for sc in self.school_cohorts[2024] if sc.partnered}
        chosen &= partnered_2024
        self.school_cohorts[2025] = [sc for sc in self.school_cohorts[2025] if sc.school.index not in chosen]
        self.lapsed_schools = [s for s in self.schools if s.index in chosen]
        # 2025: some schools' partnerships are reported by the provider through the API instead
        partnered_2025 = [sc for sc in self.school_cohorts[2025] if sc.partnered]
        api = [sc for sc in partnered_2025 if rng.random() < 0.05]
        if len(api) < self.scale.scenario_copies:
            api = rng.sample(partnered_2025, min(len(partnered_2025), self.scale.scenario_copies))
        for sc in api:
            sc.api_partnered = True
            sc.partnership_id = None  # the product creates it
            sc.partnership_at = sc.recorded_at + (3 + rng.randrange(30)) * DAY + rng.randrange(4 * HOUR)
        # challenged partnerships
        for cohort in COHORTS:
            for sc in self.school_cohorts[cohort]:
                if not sc.partnered or sc.api_partnered:
                    continue
                if cohort < 2025 and rng.random() < 0.012:
                    # the school says it has no ECTs or it was a mistake: no participants follow
                    sc.challenge_reason = rng.choice(("mistake", "not_confirmed", "do_not_recognise", "no_ects"))
                    sc.challenged_at = sc.partnership_at + (2 + rng.randrange(12)) * DAY + rng.randrange(4 * HOUR)
                    sc.participant_count = -1  # marker: no participants
                elif cohort == 2025 and rng.random() < 0.03:
                    # challenged after training began; another provider then partners the school
                    sc.challenge_reason = "another_provider"
                    sc.challenged_at = day_start(date(2025, 10, 1).toordinal()) + rng.randrange(40) * DAY + (9 + rng.randrange(6)) * HOUR
                    other = rng.choice([p.index for p in self.providers if p.index != sc.provider])
                    other_dp = rng.choice(self.relationships[other][2025])
                    sc.repartner = (other, other_dp, sc.challenged_at + (3 + rng.randrange(10)) * DAY + rng.randrange(3 * HOUR))

    def fip_school_cohorts(self, cohort: int) -> list[SchoolCohort]:
        return [sc for sc in self.school_cohorts[cohort] if sc.partnered and sc.participant_count >= 0
                and not sc.challenge_reason]

    def relationship_partnership(self, school: School, cohort: int, provider: int, delivery_partner: int,
                                 at: int) -> tuple[str, str]:
        """The relationship partnership (and its programme) of a transfer that keeps its provider."""
        key = (school.index, cohort, provider)
        if key not in self.relationship_partnerships:
            partnership_id = self.ids(f"relationship_partnership:{school.index}:{cohort}:{provider}")
            programme_id = self.ids(f"programme:{school.index}:{cohort}:relationship:{provider}")
            self.relationship_partnerships[key] = (partnership_id, programme_id, at, delivery_partner)
        entry = self.relationship_partnerships[key]
        return entry[0], entry[1]

    # ------------------------------------------------------------------------ reference rows
    def reference_rows(self) -> dict[str, list[tuple]]:
        """Base reference rows (valid from the beginning of time), without contracts."""
        rows: dict[str, list[tuple]] = {}
        rows["lead_providers"] = [(p.id, p.name, p.slug, _b(p.vat_chargeable), BEGINNING_OF_TIME) for p in self.providers]
        rows["delivery_partners"] = [(dp.id, dp.name, BEGINNING_OF_TIME) for dp in self.delivery_partners]
        rel = []
        for provider in self.providers:
            for cohort in COHORTS:
                for dp_index in sorted(self.relationships[provider.index][cohort]):
                    rel.append((provider.id, self.delivery_partners[dp_index].id, str(cohort), "false", BEGINNING_OF_TIME))
        rows["provider_relationships"] = rel
        rows["schools"] = [
            (s.id, s.urn, s.name, _b(s.eligible), _b(s.cip_only), s.establishment_type, s.tutor_name, s.tutor_email,
             BEGINNING_OF_TIME) for s in self.schools]
        rows["school_uplifts"] = [
            (s.id, str(c), _b(s.uplifts[c][0]), _b(s.uplifts[c][1]), BEGINNING_OF_TIME)
            for s in self.schools for c in COHORTS]
        rows["feature_flags"] = [("programme_type_changes_2025", "false", BEGINNING_OF_TIME)]
        return rows


def _b(value: bool) -> str:
    return "true" if value else "false"


def _money(value: float) -> str:
    text = f"{value:.2f}"
    return text[:-3] if text.endswith(".00") else text


def contract_rows(world: World, trained: dict[tuple[int, int, str], int], rng: random.Random) -> dict[str, list[tuple]]:
    """Contracts, bands and mentor contracts per provider and cohort, sized from the participants.

    `trained[(provider, cohort, "ect"|"mentor")]` is how many participants the provider trains.
    Targets sit 5–25 % above that volume, so bands A–C fill and band D (100 % output, on some
    contracts before 2025) takes the overflow. 2025 contracts have no band D; some have no uplift.
    """
    contracts, bands, mentor_contracts = [], [], []
    for provider in world.providers:
        base_price = 1020 + rng.randrange(80)
        for cohort in COHORTS:
            ects = trained.get((provider.index, cohort, "ect"), 0)
            mentors = trained.get((provider.index, cohort, "mentor"), 0)
            volume = ects if cohort >= 2025 else ects + mentors
            target = max(12, int(volume * (1.05 + rng.random() * 0.2)))
            set_up_fee = _money(round(target * (20 + rng.random() * 10)))
            monthly = ""
            if provider.index == 4 and cohort == 2023:
                monthly = _money(round(target * 16.5, 2))
            uplift = "100"
            if cohort >= 2025 and provider.index in (0, 2, 3, 5):
                uplift = ""
            contracts.append((provider.id, str(cohort), "1.0", str(target), set_up_fee, monthly, uplift,
                              "0.33" if uplift else "", BEGINNING_OF_TIME))
            price_a = base_price - (cohort - 2021) * 6
            price_b = price_a - 12 - rng.randrange(20)
            price_c = price_b - 8 - rng.randrange(18)
            a_max, b_max = max(1, round(target * 0.5)), max(2, round(target * 0.85))
            bands.append((provider.id, str(cohort), "1.0", "", str(a_max), _money(price_a), "60", "40", BEGINNING_OF_TIME))
            bands.append((provider.id, str(cohort), "1.0", str(a_max + 1), str(b_max), _money(price_b), "60", "40", BEGINNING_OF_TIME))
            bands.append((provider.id, str(cohort), "1.0", str(b_max + 1), str(target), _money(price_c), "60", "40", BEGINNING_OF_TIME))
            if cohort < 2025 and provider.index in (0, 2, 4):
                bands.append((provider.id, str(cohort), "1.0", str(target + 1), str(round(target * 1.5)),
                              _money(price_c), "100", "0", BEGINNING_OF_TIME))
            if cohort >= 2025:
                mentor_target = max(8, int(mentors * (1.05 + rng.random() * 0.2)))
                payment = "" if provider.index == 5 else "1000"
                mentor_contracts.append((provider.id, str(cohort), "1.0", str(mentor_target), payment, BEGINNING_OF_TIME))
    return {"contracts": contracts, "contract_bands": bands, "mentor_contracts": mentor_contracts}


def school_registration_rows(world: World) -> dict[str, list[tuple]]:
    """school_cohorts, induction_programmes, partnerships and partnership_challenges rows, with instants."""
    school_cohorts, programmes, partnerships, challenges = [], [], [], []
    for cohort in COHORTS:
        for sc in world.school_cohorts[cohort]:
            school = sc.school
            if sc.partnered and not sc.api_partnered:
                partnerships.append((sc.partnership_at, (
                    sc.partnership_id, world.providers[sc.provider].id, world.delivery_partners[sc.delivery_partner].id,
                    school.id, str(cohort), "false", "false")))
            training = sc.choice if sc.choice in ("full_induction_programme", "core_induction_programme",
                                                  "design_our_own", "school_funded_fip") else None
            default = sc.programme_id if training else ""
            school_cohorts.append((sc.recorded_at, (school.id, str(cohort), sc.choice, default)))
            if training:
                programmes.append((sc.recorded_at, (sc.programme_id, school.id, str(cohort), training,
                                                    sc.partnership_id or "")))
            if sc.challenge_reason:
                challenges.append((sc.challenged_at, (sc.partnership_id, sc.challenge_reason,
                                                      fmt_instant(sc.challenged_at))))
    for (school_index, cohort, provider), (partnership_id, programme_id, at, dp) in sorted(
            world.relationship_partnerships.items()):
        school = world.schools[school_index]
        partnerships.append((at, (partnership_id, world.providers[provider].id, world.delivery_partners[dp].id,
                                  school.id, str(cohort), "true", "false")))
        programmes.append((at + 60, (programme_id, school.id, str(cohort), "full_induction_programme", partnership_id)))
    return {"school_cohorts": school_cohorts, "induction_programmes": programmes, "partnerships": partnerships,
            "partnership_challenges": challenges}
