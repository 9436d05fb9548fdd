"""From placed slots to referral records: persons, statuses, decisions and professionals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from reseau_synthetic.demand import Slots
from reseau_synthetic.directory import Directory
from reseau_synthetic.needs import NeedCatalogue
from reseau_synthetic.plan import Plan

REFUSAL_REASONS = ("Hors critères", "Pas de place disponible", "Personne non joignable",
                   "Demande réorientée", "Hors périmètre géographique", "Liste d'attente saturée")
OUT_OF_MISSION_REASON = "Hors mission du service"
_LETTERS = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ"))


@dataclass
class Referrals:
    """Every generated referral (valid or cancelled), one row each."""

    origin: np.ndarray
    target: np.ndarray
    day: np.ndarray
    month: np.ndarray
    person: np.ndarray
    person_commune: np.ndarray
    commune_kind: np.ndarray
    territory: np.ndarray
    need1: np.ndarray
    need2: np.ndarray
    status: np.ndarray  # index in reseau.contract.STATUSES
    decision_day: np.ndarray  # -1: none
    reason: np.ndarray  # -1: none, -2: out of mission, else index in REFUSAL_REASONS
    professional: np.ndarray  # -1: not recorded
    stream: np.ndarray  # a key person's referral on their link
    out_of_mission: np.ndarray
    key_professionals: list[int]  # professional of each planted key-person link

    def __len__(self) -> int:
        return len(self.origin)


def pseudonyms(rng: np.random.Generator, count: int, prefix: str) -> np.ndarray:
    """``count`` distinct pseudonyms like ``P-KQZV4821``: letters then digits, so that no
    pseudonym can look like a phone number or a social security number."""
    space = len(_LETTERS) ** 4 * 10_000
    values = np.unique(rng.integers(0, space, size=int(count * 1.2) + 16))
    while len(values) < count:
        values = np.unique(np.concatenate([values, rng.integers(0, space, size=count)]))
    values = rng.permutation(values)[:count]
    letters, digits = np.divmod(values, 10_000)
    text = np.full(count, prefix, dtype=object)
    for _ in range(4):
        letters, letter = np.divmod(letters, len(_LETTERS))
        text = text + _LETTERS[letter].astype(object)
    return (text + np.char.zfill(digits.astype(str), 4).astype(object)).astype(str)


def build_referrals(rng, slots: Slots, target: np.ndarray, added: Slots, directory: Directory,
                    catalogue: NeedCatalogue, plan: Plan, starts: list[dt.date]) -> Referrals:
    """Join placed and added slots, make keys unique, then draw statuses and professionals."""
    keep = target >= 0
    columns = {}
    for name in ("origin", "month", "day", "person_commune", "commune_kind", "territory",
                 "need1", "need2", "cancelled", "person"):
        columns[name] = np.concatenate([getattr(slots, name)[keep], getattr(added, name)])
    columns["target"] = np.concatenate([target[keep], added.forced_target])
    stream = np.concatenate([(slots.forced_target >= 0)[keep], np.zeros(len(added.origin), bool)])
    person = columns["person"]
    fresh = person < 0
    person[fresh] = person.max() + 1 + np.arange(fresh.sum())
    _unique_keys(columns, person)
    size = len(person)
    bundles = directory.bundles
    oom = np.array([catalogue.need_bundle[n] not in bundles[t]
                    for n, t in zip(columns["need1"].tolist(), columns["target"].tolist(),
                                    strict=True)])
    status = _statuses(rng, columns["month"], columns["cancelled"], oom, plan.months)
    delivery = np.array([_delivery(start).toordinal() for start in starts])
    delay = rng.integers(0, 15, size=size)
    decided = (status == 1) | (status == 2)
    decision = np.where(decided, np.minimum(columns["day"] + delay,
                                            delivery[columns["month"]] - 1), -1)
    reason = np.where(status == 2, rng.integers(0, len(REFUSAL_REASONS), size=size), -1)
    reason = np.where((status == 2) & oom, -2, reason)
    professional, key_professionals = _professionals(
        rng, columns["origin"], columns["month"], columns["day"], columns["cancelled"], stream,
        plan)
    return Referrals(origin=columns["origin"], target=columns["target"], day=columns["day"],
                     month=columns["month"], person=person,
                     person_commune=columns["person_commune"],
                     commune_kind=columns["commune_kind"], territory=columns["territory"],
                     need1=columns["need1"], need2=columns["need2"], status=status,
                     decision_day=decision, reason=reason, professional=professional,
                     stream=stream, out_of_mission=oom, key_professionals=key_professionals)


def _delivery(start: dt.date) -> dt.date:
    """Files of a month are delivered on the 5th of the next month."""
    return (start + dt.timedelta(days=32)).replace(day=5)


def _unique_keys(columns: dict, person: np.ndarray) -> None:
    """Give a new person to any referral sharing (origin, target, person, date) with another,
    which the pipeline would otherwise merge into one referral."""
    while True:
        keys = np.stack([columns["origin"], columns["target"], person, columns["day"]], axis=1)
        _, first, counts = np.unique(keys, axis=0, return_index=True, return_counts=True)
        duplicated = np.ones(len(person), dtype=bool)
        duplicated[first] = False
        if not duplicated.any():
            return
        person[duplicated] = person.max() + 1 + np.arange(duplicated.sum())


def _statuses(rng, month, cancelled, oom, months) -> np.ndarray:
    """Recent referrals are often undecided; out-of-mission ones are mostly refused."""
    size = len(month)
    age = months - 1 - month
    pending = np.where(age == 0, 0.45, np.where(age == 1, 0.15, 0.04))
    draw = rng.random(size)
    outcome = rng.random(size)
    decided = np.where(oom, np.where(outcome < 0.25, 1, np.where(outcome < 0.9, 2, 3)),
                       np.where(outcome < 0.7, 1, np.where(outcome < 0.9, 2, 3)))
    status = np.where(draw < pending, 0, decided)
    return np.where(cancelled, 4, status).astype(np.int64)


def _professionals(rng, origin, month, day, cancelled, stream, plan: Plan):
    """Workers of each origin take its valid referrals in turn within a month.

    Each service has about one worker per three referrals of its quietest month, so every
    worker refers every month: otherwise a quiet month would look like a key person leaving.
    The key persons of planted links make exactly the link's referrals.
    """
    size = len(origin)
    n_services = len(plan.exporters)
    regular = ~cancelled & ~stream
    per_month = np.zeros((n_services, plan.months), dtype=np.int64)
    np.add.at(per_month, (origin[regular], month[regular]), 1)
    active = (np.arange(plan.months)[None, :] >= plan.opened[:, None]) & \
        (np.arange(plan.months)[None, :] <= plan.closed[:, None])
    quietest = np.where(active, per_month, np.iinfo(np.int64).max).min(axis=1)
    workers = np.clip(quietest // 3, 1, 40)
    first_worker = np.concatenate([[0], np.cumsum(workers)[:-1]])
    order = np.lexsort((rng.random(size), day, month, origin, ~regular))
    group = origin[order] * plan.months + month[order]
    starts = np.flatnonzero(np.diff(group, prepend=-1))
    rank = np.arange(size) - np.repeat(starts, np.diff(np.append(starts, size)))
    shift = rng.integers(0, 1 << 30, size=size)[order]
    turn = (rank + shift[np.repeat(starts, np.diff(np.append(starts, size)))]) % \
        workers[origin[order]]
    professional = np.empty(size, dtype=np.int64)
    professional[order] = first_worker[origin[order]] + turn
    chance = rng.integers(0, 1 << 30, size=size) % workers[origin]
    professional = np.where(cancelled, first_worker[origin] + chance, professional)
    key_professionals = [int(workers.sum()) + k for k in range(len(plan.key_links))]
    for (o, _t, _left), key in zip(plan.key_links, key_professionals, strict=True):
        professional[stream & (origin == o)] = key
    return np.where(plan.tracks_professionals[origin], professional, -1), key_professionals
