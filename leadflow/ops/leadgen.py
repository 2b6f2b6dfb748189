"""Synthetic leads for the demo and the benchmarks: many countries and time zones,
half-hour zones included, some frozen, some blacklisted, plausible phone numbers."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers

from leadflow.leads.services import zone_set_id_for


@dataclass(frozen=True)
class Region:
    country: str
    zones: tuple[str, ...]


# 15 zone sets over 12 countries; Kolkata, St Johns and Adelaide are half-hour zones,
# Kathmandu a 45-minute one, and one US set spans two zones (callable only when both are).
REGIONS: tuple[Region, ...] = (
    Region("US", ("America/New_York",)),
    Region("US", ("America/Chicago",)),
    Region("US", ("America/Denver",)),
    Region("US", ("America/Los_Angeles",)),
    Region("US", ("America/Chicago", "America/New_York")),
    Region("CA", ("America/St_Johns",)),
    Region("GB", ("Europe/London",)),
    Region("DE", ("Europe/Berlin",)),
    Region("IN", ("Asia/Kolkata",)),
    Region("NP", ("Asia/Kathmandu",)),
    Region("AU", ("Australia/Adelaide",)),
    Region("AU", ("Australia/Sydney",)),
    Region("BR", ("America/Sao_Paulo",)),
    Region("JP", ("Asia/Tokyo",)),
    Region("ZA", ("Africa/Johannesburg",)),
)

FIRST_NAMES = ("Ava", "Liam", "Noah", "Mia", "Aarav", "Yuki", "Lena", "Lucas", "Zoe", "Omar",
               "Priya", "Jack", "Chloe", "Mateo", "Emma", "Kenji", "Sofia", "Ethan", "Isla", "Ravi")
LAST_NAMES = ("Smith", "Patel", "Müller", "Silva", "Tanaka", "Brown", "Nkosi", "Garcia",
              "Wilson", "Sharma", "Schmidt", "Costa", "Kato", "Taylor", "Dlamini", "Martin")


@dataclass
class LeadRow:
    phone: str
    first_name: str
    last_name: str
    country: str
    zone_set_id: int
    status_id: int
    weight: int
    frozen_until: datetime | None
    is_blacklisted: bool
    created_at: datetime


def _phone_prefix(country: str) -> str:
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)[:-6]


def generate_leads(
    *, count: int, status_ids: Sequence[int], now: datetime, seed: int = 7,
    frozen_share: float = 0.05, blacklisted_share: float = 0.03,
) -> Iterator[LeadRow]:
    """Yield ``count`` leads; statuses are skewed towards the first ones (New, No Answer…)."""
    rng = random.Random(seed)
    regions = [(r, zone_set_id_for(r.zones), _phone_prefix(r.country)) for r in REGIONS]
    status_weights = [max(1, 40 // (i + 1)) for i in range(len(status_ids))]
    statuses = rng.choices(status_ids, weights=status_weights, k=min(count, 100_000))
    for i in range(count):
        region, zone_set_id, prefix = regions[i % len(regions)]
        roll = rng.random()
        yield LeadRow(
            phone=f"{prefix}{rng.randrange(1_000_000):06d}",
            first_name=FIRST_NAMES[rng.randrange(len(FIRST_NAMES))],
            last_name=LAST_NAMES[rng.randrange(len(LAST_NAMES))],
            country=region.country,
            zone_set_id=zone_set_id,
            status_id=statuses[i % len(statuses)],
            weight=10_000 + rng.randrange(500) if roll > 0.98 else rng.randrange(100),
            frozen_until=now + timedelta(days=rng.randrange(1, 15)) if roll < frozen_share
            else None,
            is_blacklisted=frozen_share <= roll < frozen_share + blacklisted_share,
            created_at=now - timedelta(minutes=rng.randrange(60 * 24 * 60)),
        )
