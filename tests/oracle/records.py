"""The records of a home as the oracle reads them: services, referrals, supports, conventions."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass
class Service:
    service_id: str
    sector: str
    commune: str
    competences: list[str]
    served_area: list[str]
    capacity: Fraction  #: as written: shares add up exactly (expected ≥ 3 at 3)
    opened_on: str
    closed_on: str


@dataclass
class Referral:
    origin: str
    target: str
    person_id: str
    referral_date: str
    needs: set[str]  # declared, else the target's only competence, else none
    declared: bool  # needs were declared by a copy of the referral
    status: str | None
    professional_id: str | None
    territory_commune: str | None  # None: the postcode's communes agree on a wider level
    departement: str | None
    region: str


@dataclass
class Support:
    exporter: str
    support_id: str
    support_date: str
    service_id: str
    person_id: str | None
    supporter_kind: str
    supporter_id: str | None
    territory_commune: str
    departement: str
    region: str


@dataclass
class Convention:
    convention_id: str
    service_a: str
    service_b: str
    start_date: str
    end_date: str

    def active_on(self, date: str) -> bool:
        """Active from ``start_date`` to ``end_date`` included; an empty bound is open."""
        return (self.start_date or "0000-01-01") <= date <= (self.end_date or "9999-12-31")

    def meets(self, first_day: str, last_day: str) -> bool:
        return (self.start_date or "0000-01-01") <= last_day and \
            (self.end_date or "9999-12-31") >= first_day
