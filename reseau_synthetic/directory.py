"""The directory of services of the synthetic region (``reference/services.csv``).

Each département gets the usual cast of French social services (CCAS, solidarity centres,
missions locales, CMP, SIAO...) with competences that fit their mandate, plus a few services
serving a pair of départements, a région or all of France. Competence coverage is then
checked: every bundle of needs must have at least three competent services serving each
département, so that excluding a referral's origin (and a planted neglected service) always
leaves somewhere to send the person.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from reseau_synthetic.names import of
from reseau_synthetic.needs import NeedCatalogue
from reseau_synthetic.templates import (
    BUNDLE_HOSTS,
    HUB_NAMES,
    LOCAL_TEMPLATES,
    NATIONAL_TEMPLATES,
    WIDE_TEMPLATES,
)
from reseau_synthetic.territory import Territory


@dataclass
class Directory:
    """Services as parallel lists; index = service number, ``ids[i]`` = ``S%04d``."""

    ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    commune: list[int] = field(default_factory=list)
    dep: list[int] = field(default_factory=list)
    bundles: list[set[int]] = field(default_factory=list)
    served_kind: list[str] = field(default_factory=list)
    served_communes: list[list[int]] = field(default_factory=list)
    served_deps: list[list[int]] = field(default_factory=list)
    capacity: list[float] = field(default_factory=list)
    hubs: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, name, sector, kind, commune, dep, bundles, served_kind, served_communes,
            served_deps, capacity) -> int:
        self.ids.append(f"S{len(self.ids) + 1:04d}")
        for attribute, value in (("names", name), ("sectors", sector), ("kinds", kind),
                                 ("commune", commune), ("dep", dep), ("bundles", set(bundles)),
                                 ("served_kind", served_kind),
                                 ("served_communes", served_communes),
                                 ("served_deps", served_deps), ("capacity", capacity)):
            getattr(self, attribute).append(value)
        return len(self.ids) - 1


def _pick_communes(rng, territory: Territory, dep: int, count: int) -> list[int]:
    """Sites for ``count`` services of one kind: distinct communes, towns more likely."""
    members = territory.dep_communes[dep]
    weight = territory.commune_weight[members] ** 0.7
    count = min(count, len(members))
    return [int(c) for c in rng.choice(members, size=count, replace=False, p=weight / weight.sum())]


def build_directory(rng, territory: Territory, catalogue: NeedCatalogue, scale: float,
                    hub_dep: int) -> Directory:
    """Create every service; ``scale`` >= 1 multiplies repeatable local services."""
    directory = Directory()
    no_list = {parent for _, _, parent in territory.subordinates}
    dep_labels, reg_labels = territory.dep_labels, territory.region_labels
    for dep in range(len(territory.dep_codes)):
        for kind, sector, pattern, bundles, served, capacity, count in LOCAL_TEMPLATES:
            count = max(count, round(count * scale)) if count > 1 or served != "dep" else count
            sites = [territory.chef_lieu[dep]] if "{dep}" in pattern else \
                _pick_communes(rng, territory, dep, count)
            for site in sites:
                served_communes: list[int] = []
                # Communes of a commune nouvelle never appear in lists, so how the pipeline
                # rolls COMD codes up cannot change which services serve a person.
                if served == "commune" and site not in no_list:
                    served_communes = [site]
                elif served == "nearby" and site not in no_list:
                    others = [c for c in territory.dep_communes[dep] if c != site
                              and c not in no_list]
                    extra = rng.choice(others, size=int(rng.integers(3, 8)), replace=False)
                    served_communes = sorted([site, *map(int, extra)])
                directory.add(pattern.format(of_commune=of(territory.commune_labels[site]),
                                             dep=dep_labels[dep]),
                              sector, kind, site, dep, [catalogue.bundle(b) for b in bundles],
                              "communes" if served_communes else "dep", served_communes, [dep],
                              round(capacity * float(rng.lognormal(0.0, 0.35)), 2))
        if dep == hub_dep:
            _add_hubs(rng, directory, territory, catalogue, dep)
    for reg in range(len(territory.region_codes)):
        deps = [int(d) for d in np.flatnonzero(territory.dep_region == reg)]
        for kind, sector, pattern, bundles, served, capacity in WIDE_TEMPLATES:
            dep = deps[int(rng.integers(len(deps)))]
            site = _pick_communes(rng, territory, dep, 1)[0]
            served_deps = deps if served == "region" else sorted(
                [dep, deps[(deps.index(dep) + 1) % len(deps)]])
            directory.add(pattern.format(of_commune=of(territory.commune_labels[site]),
                                         region=reg_labels[reg]),
                          sector, kind, site, dep, [catalogue.bundle(b) for b in bundles],
                          served, [], served_deps, round(capacity * float(rng.lognormal(0, .3)), 2))
    every_dep = list(range(len(territory.dep_codes)))
    for kind, sector, name, bundles, served, capacity in NATIONAL_TEMPLATES:
        dep = int(rng.integers(len(every_dep)))
        directory.add(name, sector, kind, territory.chef_lieu[dep], dep,
                      [catalogue.bundle(b) for b in bundles], served, [], every_dep, capacity)
    _fill_coverage(rng, directory, catalogue, len(every_dep))
    return directory


def _add_hubs(rng, directory: Directory, territory: Territory, catalogue: NeedCatalogue,
              dep: int) -> None:
    """Three large generalist services competent for every need (planted concentration).

    Their capacity is set so that, by capacity alone, they would get about 40% of the
    département's referrals; the planted 70% is then a deviation, not their fair share.
    """
    local = [s for s in range(len(directory)) if directory.dep[s] == dep]
    per_bundle = [sum(directory.capacity[s] for s in local if b in directory.bundles[s])
                  for b in range(len(catalogue.bundles))]
    hub_capacity = round(0.75 * float(np.median(per_bundle)) / 3.0, 2)
    everything = range(len(catalogue.bundles))
    for pattern, site in zip(HUB_NAMES, _pick_communes(rng, territory, dep, 3), strict=True):
        directory.hubs.append(directory.add(
            pattern.format(of_commune=of(territory.commune_labels[site])), "social", "hub", site,
            dep,
            everything, "dep", [], [dep], hub_capacity))


def _fill_coverage(rng, directory: Directory, catalogue: NeedCatalogue, n_deps: int) -> None:
    """Give a bundle to same-sector services of a département where fewer than 3 serve it."""
    for dep in range(n_deps):
        for bundle, name in enumerate(catalogue.bundles):
            serving = [s for s in range(len(directory)) if bundle in directory.bundles[s]
                       and dep in directory.served_deps[s] and not directory.served_communes[s]]
            missing = 3 - len(serving)
            if missing <= 0:
                continue
            hosts = BUNDLE_HOSTS[name]
            candidates = [s for s in range(len(directory)) if directory.dep[s] == dep
                          and directory.kinds[s] in hosts and s not in serving
                          and directory.served_kind[s] == "dep"]
            candidates.sort(key=lambda s: (hosts.index(directory.kinds[s]), rng.random()))
            if len(candidates) < missing:
                raise RuntimeError(f"cannot cover {name} in département {dep}")
            for s in candidates[:missing]:
                directory.bundles[s].add(bundle)
