"""Small shared pieces of the demo generator: scales, time helpers, deterministic ids and names.

Instants are carried as integer seconds since 1970-01-01T00:00:00Z and dates as proleptic
ordinals (`date.toordinal()`), both rendered only when a file is written. Every random choice
comes from a `random.Random` seeded from the demo seed and a stage name; every id is a UUIDv5 of
the seed's namespace and a role string. Nothing reads the clock or depends on hash order.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone

from pipelines.demo.calendar import cycle_as_ofs

UTC = timezone.utc
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
DAY = 86_400
HOUR = 3_600
DEMO_NAMESPACE = uuid.UUID("0c6f3c1e-5a7d-5b8e-9f10-6d2e8a4b7c31")
BEGINNING_OF_TIME = "0001-01-01T00:00:00Z"


@dataclass(frozen=True)
class Scale:
    name: str
    schools: int
    delivery_partners: int
    ects_per_school_cohort: float
    mentors_per_school_cohort: float
    scenario_copies: int  # how many times each deliberate scenario is generated (at least)
    resend_rate: float  # share of accepted declarations a provider's system posts a second time


SCALES = {
    "small": Scale("small", schools=120, delivery_partners=24, ects_per_school_cohort=3.3,
                   mentors_per_school_cohort=1.6, scenario_copies=3, resend_rate=0.03),
    "national": Scale("national", schools=19_000, delivery_partners=220, ects_per_school_cohort=2.4,
                      mentors_per_school_cohort=1.17, scenario_copies=120, resend_rate=0.40),
}


def epoch(dt: datetime) -> int:
    return int(dt.timestamp())


def day_start(ordinal: int) -> int:
    return (ordinal - EPOCH_ORDINAL) * DAY


def ordinal_of(instant: int) -> int:
    return instant // DAY + EPOCH_ORDINAL


def fmt_instant(instant: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(instant))


def fmt_date(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def month_key(instant: int) -> int:
    """year * 12 + month - 1 of an instant."""
    t = time.gmtime(instant)
    return t.tm_year * 12 + t.tm_mon - 1


AS_OFS = cycle_as_ofs()
FIRST_AS_OF = epoch(AS_OFS[0])
LAST_AS_OF = epoch(AS_OFS[-1])
# Generated rows are timed 07:00–20:00 UTC; nothing is generated after this instant.
HORIZON = LAST_AS_OF - 6 * HOUR
# programme_type_changes_2025 is off until this instant, then on (a later reference row).
FLAG_ON_AT = epoch(datetime(2025, 6, 2, 8, tzinfo=UTC))


def check_instant(instant: int, where: str) -> int:
    """Every generated row is timed 03:00–23:59 UTC and before the horizon, so the calendar month of its
    instant decides its cycle (the windows end at 02:00 on the 1st)."""
    if instant % DAY < 3 * HOUR or instant > HORIZON:
        raise AssertionError(f"{where}: instant {fmt_instant(instant)} outside the generated hours or horizon")
    return instant


def rng_for(seed: int, stage: str) -> random.Random:
    """A random stream of its own for each stage, so stages do not disturb one another."""
    return random.Random(f"ecf-demo:{seed}:{stage}")


class Ids:
    """UUIDv5 ids from the seed's namespace and a role string (uuid5 computed directly, for speed)."""

    def __init__(self, seed: int):
        self._namespace = uuid.uuid5(DEMO_NAMESPACE, f"seed:{seed}").bytes

    def __call__(self, role: str) -> str:
        digest = bytearray(hashlib.sha1(self._namespace + role.encode()).digest()[:16])
        digest[6] = (digest[6] & 0x0F) | 0x50
        digest[8] = (digest[8] & 0x3F) | 0x80
        h = digest.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# ------------------------------------------------------------------------------------- names
FIRST_NAMES = (
    "Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Ivy", "Leo", "Freya", "Oscar",
    "Lily", "Harry", "Florence", "Archie", "Willow", "Jack", "Rosie", "Charlie", "Sophia", "Freddie",
    "Evie", "Theo", "Ella", "Alfie", "Grace", "Thomas", "Poppy", "Henry", "Daisy", "Jacob", "Alice",
    "Joshua", "Sienna", "William", "Matilda", "Samuel", "Elsie", "Muhammad", "Aisha", "Yusuf", "Zara",
    "Priya", "Arjun", "Chloe", "Daniel", "Niamh", "Ciaran", "Siobhan", "Rhys", "Ffion", "Kwame", "Ama",
    "Tomasz", "Zofia", "Mateo", "Lucia", "Kofi", "Imani", "Hannah", "Ruth", "Ewan", "Morag",
)
LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Thomas", "Clarke",
    "Jackson", "Wood", "Harris", "Edwards", "Turner", "Martin", "Cooper", "Hill", "Ward", "Hughes",
    "Moore", "Clark", "King", "Harrison", "Lewis", "Baker", "Lee", "Allen", "Morris", "Khan", "Scott",
    "Watson", "Davis", "Parker", "James", "Bennett", "Young", "Phillips", "Richardson", "Mitchell",
    "Bailey", "Carter", "Cook", "Singh", "Shaw", "Bell", "Collins", "Morgan", "Kelly", "Begum", "Miller",
    "Cox", "Hussain", "Marshall", "Simpson", "Price", "Anderson", "Adams", "Wilkinson", "Ali", "Ahmed",
    "Foster", "Ellis", "Murphy", "Chapman", "Mason", "Gray", "Richards", "Webb", "Griffiths", "O'Connor",
    "O'Brien", "Nowak", "Okafor", "Mensah", "Da Silva", "Kowalski", "McLeod", "Ní Bhriain",
)
PLACE_HEADS = (
    "Ash", "Oak", "Elm", "Birch", "Hazel", "Willow", "Alder", "Rowan", "Holly", "Maple", "Cedar", "Beech",
    "Thorn", "Brook", "Mill", "Stone", "Fern", "Heath", "Moor", "Lark", "Wren", "Kings", "Queens", "Church",
    "Bridge", "Castle", "Green", "High", "West", "East", "North", "South", "Red", "White", "Black", "Hart",
    "Long", "Brad", "Hather", "Sand",
)
PLACE_TAILS = (
    "field", "wood", "ley", "ton", "bury", "ford", "ham", "wick", "dale", "gate", "bridge", "combe", "stead",
    "worth", "mere", "hurst", "well", "ridge", "more", "by", "thorpe", "cliffe",
)
SCHOOL_KINDS = (
    "Primary School", "Academy", "Church of England Primary School", "Community School", "Infant School",
    "Junior School", "High School", "Secondary School", "Catholic Primary School", "Free School",
    "School", "Primary Academy", "Nursery and Primary School",
)
SAINTS = ("St Mary's", "St John's", "St Anne's", "St Peter's", "St Joseph's", "St Michael's", "Holy Trinity",
          "Christ Church", "St Bede's", "Our Lady's")
ELIGIBLE_TYPES = ("Community school", "Academy converter", "Academy sponsor led", "Foundation school",
                  "Voluntary aided school", "Voluntary controlled school", "Free schools",
                  "Community special school", "Academy special converter")
CIP_ONLY_TYPES = ("Other independent school", "Other independent special school", "Welsh establishment",
                  "British schools overseas")
INELIGIBLE_TYPES = ("Further education", "Secure units", "Online provider")


def place_name(rng: random.Random) -> str:
    return rng.choice(PLACE_HEADS) + rng.choice(PLACE_TAILS)
