"""Need codes of the synthetic region, grouped into competence bundles.

The codes are data·inclusion v1 thematiques, read from the installed schema package, plus the
contract's extra codes. The generator grants competences by *bundle*: a set of leaf codes that
every service holds together or not at all. Two leaves of one bundle therefore always have the
same competent services, which is what lets a referral carry two needs without creating an
accidental neglected pair (indicators.md, "Neglected services").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from data_inclusion.schema.v1.thematiques import Categorie, Thematique

EXTRA_CODES = ("protection-enfance", "justice", "violences", "handicap", "perte-autonomie")
FAMILIES = tuple(categorie.value for categorie in Categorie)
THEMATIQUES = tuple(thematique.value for thematique in Thematique)

# (bundle, family whose leaves it takes, leaf suffixes or None for the whole family,
#  extra codes, relative share of referrals). Families split into several bundles list
#  their suffixes; the module checks that every thematique lands in exactly one bundle.
_BUNDLE_TABLE = (
    ("demarches", "difficultes-administratives-ou-juridiques",
     ("accompagnement-aux-demarches-administratives", "accompagnement-pour-lacces-aux-droits",
      "accompagnement-pour-lacces-a-la-citoyennete"), (), 9.0),
    ("droits", "difficultes-administratives-ou-juridiques",
     ("beneficier-dune-mesure-daccompagnement-adapte",
      "connaitre-ses-droits-face-a-une-discrimination"), (), 2.0),
    ("judiciaire", "difficultes-administratives-ou-juridiques",
     ("prendre-en-compte-une-problematique-judiciaire",), ("justice",), 3.0),
    ("budget", "difficultes-financieres",
     ("situation-dendettement-surendettement", "ameliorer-sa-gestion-budgetaire",
      "prevenir-une-degradation-de-la-situation-financiere", "acquerir-une-autonomie-budgetaire"),
     (), 5.0),
    ("protection-financiere", "difficultes-financieres",
     ("mettre-en-place-une-mesure-de-protection-financiere",), (), 1.5),
    ("equipement", "equipement-et-alimentation", None, (), 6.0),
    ("enfance", "famille", ("soutien-a-la-parentalite-et-a-leducation", "garde-denfants"), (), 4.0),
    ("aidants", "famille", ("prise-en-charge-personne-dependante", "soutien-aidants"), (), 2.0),
    ("violences", "famille", ("surmonter-conflits-separation-violence",), ("violences",), 2.5),
    ("savoirs", "lecture-ecriture-calcul", None, (), 2.0),
    ("acces-logement", "logement-hebergement",
     ("sinformer-sur-les-demarches-liees-a-lacces-au-logement", "louer-un-logement",
      "changer-de-logement", "acheter-un-logement"), (), 5.0),
    ("hebergement", "logement-hebergement",
     ("rechercher-une-solution-dhebergement-temporaire",), (), 6.0),
    ("maintien-logement", "logement-hebergement",
     ("se-maintenir-dans-le-logement", "reduire-les-impayes-de-loyer"), (), 3.0),
    ("mobilite", "mobilite", None, (), 4.0),
    ("numerique", "numerique", None, (), 4.0),
    ("candidature", "preparer-sa-candidature", None, (), 4.0),
    ("remobilisation", "remobilisation", None, (), 4.0),
    ("soins", "sante", ("acces-aux-soins", "sante-sexuelle"), (), 5.0),
    ("addictions", "sante", ("addictions",), (), 2.5),
    ("sante-mentale", "sante", ("sante-mentale",), (), 4.0),
    ("handicap", "sante", ("constituer-un-dossier-mdph-invalidite",), ("handicap",), 3.0),
    ("formation", "se-former", None, (), 3.0),
    ("metier", "choisir-un-metier", None, (), 2.5),
    ("entreprise", "creer-une-entreprise", None, (), 1.0),
    ("international", "souvrir-a-linternational", None, (), 0.5),
    ("emploi", "trouver-un-emploi", None, (), 6.0),
    ("protection-enfance", None, (), ("protection-enfance",), 2.5),
    ("perte-autonomie", None, (), ("perte-autonomie",), 2.0),
)

# Bundles each sector's clients most often need elsewhere (twice the base share).
SECTOR_FOCUS = {
    "social": ("hebergement", "equipement", "budget", "emploi", "sante-mentale"),
    "medico-social": ("aidants", "perte-autonomie", "handicap", "soins", "demarches"),
    "sante": ("demarches", "hebergement", "addictions", "handicap", "perte-autonomie"),
    "justice": ("hebergement", "emploi", "addictions", "sante-mentale", "formation"),
    "emploi-insertion": ("mobilite", "hebergement", "soins", "savoirs", "budget", "numerique"),
    "logement": ("budget", "maintien-logement", "demarches", "emploi", "sante-mentale"),
    "education": ("enfance", "protection-enfance", "sante-mentale", "metier", "savoirs"),
    "associatif": ("demarches", "numerique", "equipement", "emploi", "violences"),
}


def family(code: str) -> str:
    """Return the family of a need code: the part before ``--`` (the code itself if none)."""
    return code.split("--", 1)[0]


@dataclass(frozen=True)
class NeedCatalogue:
    """Leaf need codes (the only codes referrals carry) and their bundles.

    Attributes
    ----------
    codes : tuple of str
        Leaf codes, indexed by need number.
    bundles : tuple of str
        Bundle names, indexed by bundle number.
    bundle_needs : tuple of tuple of int
        Need numbers of each bundle, most frequent first.
    need_bundle : numpy.ndarray
        Bundle number of each need.
    need_weight : numpy.ndarray
        Share of referrals carrying each need (sums to 1).
    """

    codes: tuple[str, ...]
    bundles: tuple[str, ...]
    bundle_needs: tuple[tuple[int, ...], ...]
    need_bundle: np.ndarray
    need_weight: np.ndarray

    def bundle(self, name: str) -> int:
        return self.bundles.index(name)

    def written_competences(self, bundle_ids: set[int]) -> str:
        """The ``competences`` cell of a service holding these bundles.

        A family whose every leaf is held is written as the family code, the way directories
        often do; otherwise the leaves are listed. Extra codes are written as they are.
        """
        held = {self.codes[need] for bundle in bundle_ids for need in self.bundle_needs[bundle]}
        written = []
        for fam in FAMILIES:
            leaves = [code for code in THEMATIQUES if family(code) == fam]
            if all(code in held for code in leaves):
                written.append(fam)
            else:
                written.extend(code for code in leaves if code in held)
        written.extend(code for code in EXTRA_CODES if code in held)
        return "|".join(written)


def build_catalogue() -> NeedCatalogue:
    """Build the catalogue and check every thematique sits in exactly one bundle."""
    codes: list[str] = []
    bundle_needs: list[tuple[int, ...]] = []
    weights: list[float] = []
    for _name, fam, suffixes, extras, share in _BUNDLE_TABLE:
        if fam is None:
            leaves = []
        elif suffixes is None:
            leaves = [code for code in THEMATIQUES if family(code) == fam]
        else:
            leaves = [f"{fam}--{suffix}" for suffix in suffixes]
        leaves += list(extras)
        unknown = [code for code in leaves if code not in THEMATIQUES and code not in EXTRA_CODES]
        if unknown:
            raise RuntimeError(f"need codes absent from data-inclusion-schema: {unknown}")
        # Within a bundle the first leaves are the usual request, later ones rarer.
        leaf_shares = np.array([0.62 ** rank for rank in range(len(leaves))])
        leaf_shares = share * leaf_shares / leaf_shares.sum()
        bundle_needs.append(tuple(range(len(codes), len(codes) + len(leaves))))
        codes.extend(leaves)
        weights.extend(leaf_shares.tolist())
    expected = set(THEMATIQUES) | set(EXTRA_CODES)
    if sorted(codes) != sorted(expected):
        raise RuntimeError("bundles do not cover each need code exactly once")
    need_bundle = np.empty(len(codes), dtype=np.int64)
    for bundle, needs in enumerate(bundle_needs):
        need_bundle[list(needs)] = bundle
    weight = np.asarray(weights)
    return NeedCatalogue(
        codes=tuple(codes),
        bundles=tuple(row[0] for row in _BUNDLE_TABLE),
        bundle_needs=tuple(bundle_needs),
        need_bundle=need_bundle,
        need_weight=weight / weight.sum(),
    )


def sector_need_weights(catalogue: NeedCatalogue, sector: str) -> np.ndarray:
    """Need shares of the referrals a service of ``sector`` makes (sums to 1)."""
    weight = catalogue.need_weight.copy()
    for bundle in SECTOR_FOCUS[sector]:
        weight[list(catalogue.bundle_needs[catalogue.bundle(bundle)])] *= 2.0
    return weight / weight.sum()
