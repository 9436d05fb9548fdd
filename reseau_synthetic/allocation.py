"""Choosing each referral's target: healthy by default, planted deviations where planned.

The background must show no phenomenon, so targets follow indicators.md's own model: a
referral for need ``n`` is owed to the competent services of its territory commune (other than
the origin) in proportion to capacity. Independent random draws would leave small services
with no referral by chance, i.e. false "neglected" pairs. Instead the allocation is
deterministic and sequential, per (service, need, département):

- ``deficit`` = expected share received so far - referrals received; the referral goes to the
  allowed competent service with the largest deficit (smooth weighted round robin);
- ``unserved`` = expected share accumulated since the pair's last referral, per département
  and per région; a pair reaching its limit (below 3) is served first. This bounds the
  expected volume between two referrals of any non-planted pair below 3, the eligibility
  threshold of the neglect indicator, at both levels and for any window.

"Allowed" removes what the plan forbids (a planted neglected pair, both directions of the
dormant convention, a key-person link except for the key person's own referrals) and, for an
origin that does not export, every target that does not export either: such referrals would
be invisible, and the ground truth is about what the pipeline can see. When a competent
service the origin may not reach is already due, the referral is given other needs instead
(see :meth:`Allocator.place`), so exclusions never starve a pair.
"""

from __future__ import annotations

import numpy as np

from reseau_synthetic.directory import Directory
from reseau_synthetic.needs import NeedCatalogue
from reseau_synthetic.plan import Plan
from reseau_synthetic.territory import Territory

UNSERVED_LIMIT = 1.6
# A service that does not export can only be reached by referrals from services that do
# (the others are invisible), so it is served earlier, at the first such referral.
NON_EXPORTER_LIMIT = 0.9
# In the concentration département the other services are served later (but still before
# 3), so that the hubs can take their planted share.
HUB_DEPARTEMENT_LIMIT = 2.3
HUB_DEPARTEMENT_NON_EXPORTER_LIMIT = 1.5
HUB_SHARE = 0.74  # a little above 70%: urgent referrals elsewhere take some turns
BOOST = 10.0  # unserved value that puts an opening or closing service first in line


class Allocator:
    """Stateful target chooser; call :meth:`place` on slots in date order."""

    def __init__(self, territory: Territory, directory: Directory, catalogue: NeedCatalogue,
                 plan: Plan):
        self.catalogue = catalogue
        self.n_deps = len(territory.dep_codes)
        self.n_regs = len(territory.region_codes)
        n_services, n_needs = len(directory), len(catalogue.codes)
        self.capacity = np.asarray(directory.capacity, dtype=float)
        self.bundles = directory.bundles
        self.deficit = np.zeros((n_needs * self.n_deps, n_services))
        self.unserved_dep = np.zeros((n_needs * self.n_deps, n_services))
        self.unserved_reg = np.zeros((n_needs * self.n_regs, n_services))
        serves = np.zeros((n_services, len(territory.commune_codes)), dtype=bool)
        for s in range(n_services):
            if directory.served_communes[s]:
                serves[s, directory.served_communes[s]] = True
            else:
                serves[s] = np.isin(territory.commune_dep, directory.served_deps[s])
        self.serves = serves
        # Communes served by exactly the same services share every competent set.
        _, self.class_commune, self.commune_class = np.unique(
            serves.T, axis=0, return_index=True, return_inverse=True)
        self.commune_class = self.commune_class.ravel()
        self.has_bundle = np.zeros((len(catalogue.bundle_needs), n_services), dtype=bool)
        for s in range(n_services):
            self.has_bundle[sorted(directory.bundles[s]), s] = True
        months = np.arange(plan.months)
        active = (months[:, None] >= plan.opened[None, :]) & (months[:, None] <= plan.closed)
        self.active = active
        self.exporters = plan.exporters
        self.limit = np.where(plan.exporters, UNSERVED_LIMIT, NON_EXPORTER_LIMIT)
        self.hub_dep_limit = np.where(plan.exporters, HUB_DEPARTEMENT_LIMIT,
                                      HUB_DEPARTEMENT_NON_EXPORTER_LIMIT)
        # Targets each origin may not refer to, as a mask over the services (np.isin per
        # referral was a third of the time).
        self.banned: dict[int, np.ndarray] = {}
        first, second = plan.dormant
        forbidden = [(first, second), (second, first)]
        # Only the key person refers on a key link (their stream is forced elsewhere).
        forbidden += [(origin, target) for origin, target, _left in plan.key_links]
        for origin, target in forbidden:
            self.banned.setdefault(origin, np.zeros(n_services, dtype=bool))[target] = True
        self.neglected: dict[int, np.ndarray] = {}
        for service, need in plan.neglected:
            self.neglected.setdefault(need, np.zeros(n_services, dtype=bool))[service] = True
        self.is_hub = np.zeros(n_services, dtype=bool)
        self.is_hub[list(directory.hubs)] = True
        self.hub_dep = plan.dep("concentration")
        self.hub_credit = 0.0
        self.oom = {o: [t, share, 0.0] for o, t, share in plan.oom_pairs}
        self.oom_dep = plan.dep("out_of_mission")
        self._base: dict[tuple[int, int], np.ndarray] = {}

    def _competent(self, cls: int, bundle: int, month: int) -> np.ndarray:
        """The services competent for ``bundle`` in communes of class ``cls`` in ``month``.

        Cached per (class, bundle) only, then narrowed to the month's open services: a cache
        per month, or per origin, grows with the region (millions of arrays at 1e7
        referrals and 5,000 services) and hardly ever hits.
        """
        key = (cls, bundle)
        if key not in self._base:
            commune = self.class_commune[cls]
            self._base[key] = np.flatnonzero(self.serves[:, commune] & self.has_bundle[bundle])
        idx = self._base[key]
        return idx[self.active[month, idx]]

    def candidates(self, origin: int, commune: int, bundle: int, month: int):
        """``(competent, shares, allowed, blocked)`` for a referral, or None when nobody is
        competent."""
        idx = self._competent(int(self.commune_class[commune]), bundle, month)
        idx = idx[idx != origin]
        if len(idx) == 0:
            return None
        caps = self.capacity[idx]
        allowed = np.ones(len(idx), dtype=bool)
        if not self.exporters[origin]:
            allowed &= self.exporters[idx]
        banned = self.banned.get(origin)
        if banned is not None:
            allowed &= ~banned[idx]
        return idx, caps / caps.sum(), idx[allowed], idx[~allowed]

    def place(self, origin, commune, dep, reg, needs, month, forced=-1, cancelled=False,
              flexible=False):
        """Target of one referral; -1 when no allowed target exists for these needs, -2 when
        the needs should be drawn again (see below).

        Updates the state unless the referral is cancelled: cancelled referrals are not
        valid (data-contract.md), so they count neither as expected nor as observed.

        A competent service the origin may not reach (it does not export and neither does
        the origin, or the plan forbids the pair) still gets its expected share from this
        referral. When such a service is already due, the referral takes other needs rather
        than push it towards a false "neglected" pair: a slight bend of the need mix of a
        few origins, invisible to the indicators. A ``flexible`` forced referral (a key
        person's) treats every other competent service that way.
        """
        found = self.candidates(origin, commune, int(self.catalogue.need_bundle[needs[0]]), month)
        if found is None:
            return -1
        idx, shares, allowed, blocked = found
        planted = [self.neglected[need] for need in needs if need in self.neglected]
        if planted:
            planted = np.logical_or.reduce(planted)
            allowed = allowed[~planted[allowed]]
            blocked = blocked[~planted[blocked]]
        if forced < 0 and len(allowed) == 0:
            return -1
        rows_dep = [need * self.n_deps + dep for need in needs]
        rows_reg = [need * self.n_regs + reg for need in needs]
        if cancelled:
            return int(allowed[np.argmax(self.deficit[rows_dep[0], allowed])])
        if forced < 0 and len(blocked) and self._excess(blocked, rows_dep, rows_reg,
                                                        dep).max() >= 0:
            return -2
        if flexible:
            # A key person's forced referral: every other competent service is passed over.
            rivals = idx[idx != forced]
            if len(rivals) and self._excess(rivals, rows_dep, rows_reg, dep).max() >= 0:
                return -2
        for row_dep, row_reg in zip(rows_dep, rows_reg, strict=True):
            self.deficit[row_dep, idx] += shares
            self.unserved_dep[row_dep, idx] += shares
            self.unserved_reg[row_reg, idx] += shares
        if forced >= 0:
            target = forced
            if target not in idx:
                return target
        else:
            if dep == self.hub_dep:
                # Planted concentration: 70% of the département's referrals go to three
                # hubs, the rest by capacity among the other competent services. Credit
                # accrues on every referral, so hubs catch up after urgent ones.
                self.hub_credit = min(self.hub_credit + HUB_SHARE, 3.0)
            due = self._out_of_mission(origin, dep, needs, month)
            target = self._urgent(allowed, rows_dep, rows_reg, dep)
            if target < 0 and due >= 0:
                self.oom[origin][2] -= 1.0
                return due  # not competent: nothing observed
            if target < 0:
                target = self._regular(allowed, rows_dep, dep)
        for row_dep, row_reg in zip(rows_dep, rows_reg, strict=True):
            self.deficit[row_dep, target] -= 1.0
            self.unserved_dep[row_dep, target] = 0.0
            self.unserved_reg[row_reg, target] = 0.0
        return target

    def _excess(self, services, rows_dep, rows_reg, dep) -> np.ndarray:
        """Expected share unserved since each service's last referral, minus its limit."""
        urgency = self.unserved_dep[rows_dep[0], services]
        urgency = np.maximum(urgency, self.unserved_reg[rows_reg[0], services])
        for row_dep, row_reg in zip(rows_dep[1:], rows_reg[1:], strict=True):
            urgency = np.maximum(urgency, self.unserved_dep[row_dep, services])
            urgency = np.maximum(urgency, self.unserved_reg[row_reg, services])
        return urgency - (self.hub_dep_limit if dep == self.hub_dep else self.limit)[services]

    def _urgent(self, allowed, rows_dep, rows_reg, dep) -> int:
        """The allowed pair longest unserved, if it reached the limit; else -1."""
        excess = self._excess(allowed, rows_dep, rows_reg, dep)
        most = int(np.argmax(excess))
        return int(allowed[most]) if excess[most] >= 0 else -1

    def _regular(self, allowed, rows_dep, dep) -> int:
        """The allowed service with the largest deficit (hubs first when it is their turn)."""
        score = self.deficit[rows_dep[0], allowed]
        for row_dep in rows_dep[1:]:
            score = score + self.deficit[row_dep, allowed]
        if dep == self.hub_dep:
            is_hub = self.is_hub[allowed]
            if is_hub.any() and (self.hub_credit >= 1.0 or is_hub.all()):
                self.hub_credit -= 1.0
                score = np.where(is_hub, score, -np.inf)
            else:
                score = np.where(is_hub, -np.inf, score)
        return int(allowed[int(np.argmax(score))])

    def _out_of_mission(self, origin, dep, needs, month) -> int:
        """Planted out-of-mission referrals: a share of a few origins' referrals go to a
        service competent for none of their needs. Returns that service when one is due
        (the caller spends the credit), else -1."""
        pair = self.oom.get(origin)
        if pair is None or dep != self.oom_dep:
            return -1
        target, share, credit = pair
        # Credit accrues on every referral of the origin there, and is spent on the next
        # one whose needs the target does not cover and that no due service claims.
        pair[2] = min(credit + share, 10.0)
        bundles = {int(self.catalogue.need_bundle[need]) for need in needs}
        if bundles & self.bundles[target] or not self.active[month, target]:
            return -1
        return target if pair[2] >= 1.0 else -1

    def boost(self, service: int, needs: list[int], deps: list[int], regs: list[int]) -> None:
        """Make a service first in line for each of its needs (its opening or closing month)."""
        for need in needs:
            for dep in deps:
                row = need * self.n_deps + dep
                self.unserved_dep[row, service] = max(self.unserved_dep[row, service],
                                                      BOOST)
            for reg in regs:
                row = need * self.n_regs + reg
                self.unserved_reg[row, service] = max(self.unserved_reg[row, service],
                                                      BOOST)
