"""Invented French-sounding place names, and the INSEE forms of a name (TNCC, NCC, NCCENR).

The region is fictional on purpose: no real commune, département or service is described, so
nothing generated can be mistaken for data about real people or places.
"""

from __future__ import annotations

import unicodedata

import numpy as np

_ROOTS = (
    "Beau", "Bel", "Mont", "Val", "Roch", "Font", "Bois", "Champ", "Vill", "Cour", "Mar", "Ber",
    "Lan", "Sau", "Chal", "Bri", "Gré", "Lor", "Ver", "Mou", "Pon", "Sen", "Tor", "Lav", "Mer",
    "Aub", "Orm", "Ris", "Cler", "Dam", "Fer", "Gen", "Hau", "Jal", "Lis", "Mal", "Nor", "Pel",
    "Quin", "Rou", "Sal", "Tré", "Vau", "Arn", "Esc", "Cor", "Bav", "Roq", "Gir", "Pér", "Lus",
    "Mir", "Oz", "Fav", "Cast", "Marc", "Sév", "Vol", "Bour", "Cham", "Crav", "Dour", "Lez",
)
_SUFFIXES = (
    "ville", "court", "ac", "ay", "igny", "ières", "mont", "val", "bourg", "ans", "eux", "in",
    "oles", "anges", "ignac", "euil", "ette", "oy", "ars", "elles", "ange", "enne", "ey", "on",
    "ières", "ogne", "ard", "ency", "ac", "ois", "aux",
)
_SAINTS = (
    "Saint-Martin", "Saint-Étienne", "Saint-Germain", "Saint-Denis", "Saint-Aubin",
    "Saint-Hilaire", "Saint-Julien", "Saint-Laurent", "Saint-Pierre", "Saint-Rémy",
    "Saint-Sulpice", "Saint-Éloi", "Saint-Ouen", "Sainte-Marie", "Sainte-Foy", "Sainte-Colombe",
    "Sainte-Hélène", "Saint-Agnan", "Saint-Amand", "Saint-Yrieix",
)
_RIVERS = ("Brenne", "Sorne", "Vionne", "Arvel", "Lizon", "Dourbe", "Lèze", "Aubette", "Orvane")
_QUALIFIERS = (
    "-sur-{river}", "-en-{pays}", "-le-Château", "-les-Bains", "-la-Forêt", "-des-Prés",
    "-le-Vieux", "-sous-Bois", "-lès-{town}", "-sur-Mer",
)
_PAYS = ("Arvélie", "Bocage", "Causse", "Champagne", "Plaine", "Montagne", "Vallée")
# (article, TNCC) as INSEE codes them: 2 "Le", 3 "La", 4 "Les", 5 "L'".
_ARTICLES = (("Le ", 2), ("La ", 3), ("Les ", 4), ("L'", 5))


def ncc(name: str) -> str:
    """INSEE ``NCC`` form: upper case, no accent, hyphens and apostrophes as spaces."""
    decomposed = unicodedata.normalize("NFKD", name.replace("œ", "oe").replace("Œ", "OE"))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.replace("-", " ").replace("'", " ").upper().split())


def of(label: str) -> str:
    """``de`` + a place name, with French elision and contraction: "d'Ormville",
    "du Mans", "des Ormes", "de La Rochelle"."""
    if label.startswith("Le "):
        return "du " + label[3:]
    if label.startswith("Les "):
        return "des " + label[4:]
    if tncc_without_article(label) == 1 and not label.startswith("L'"):
        return "d'" + label
    return "de " + label


def strip_accents(text: str) -> str:
    """Drop diacritics, keeping case and punctuation."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def tncc_without_article(name: str) -> int:
    """TNCC of a name written without article: 1 if it starts with a vowel or mute h."""
    return 1 if strip_accents(name[0]).upper() in "AEIOUYH" else 0


def place_forms(rng: np.random.Generator, used: set[str]) -> tuple[int, str, str]:
    """Invent one unused commune name.

    Returns
    -------
    tuple
        ``(TNCC, NCCENR, LIBELLE)``: the name without article (NCCENR) and with it (LIBELLE).
    """
    while True:
        root = _ROOTS[rng.integers(len(_ROOTS))] + _SUFFIXES[rng.integers(len(_SUFFIXES))]
        draw = rng.random()
        if draw < 0.14:
            base = f"{_SAINTS[rng.integers(len(_SAINTS))]}-{root}" if rng.random() < 0.3 \
                else _SAINTS[rng.integers(len(_SAINTS))]
        else:
            base = root
        if rng.random() < 0.22:
            qualifier = _QUALIFIERS[rng.integers(len(_QUALIFIERS))]
            base += qualifier.format(river=_RIVERS[rng.integers(len(_RIVERS))],
                                     pays=_PAYS[rng.integers(len(_PAYS))],
                                     town=_ROOTS[rng.integers(len(_ROOTS))] + "ville")
        if base in used:
            continue
        used.add(base)
        if not base.startswith("Saint") and rng.random() < 0.12:
            article, tncc = _ARTICLES[rng.integers(len(_ARTICLES))]
            if tncc == 5 and tncc_without_article(base) == 0:
                article, tncc = "Le ", 2
            elif tncc in (2, 3) and tncc_without_article(base) == 1:
                article, tncc = "L'", 5
            return tncc, base, article + base
        return tncc_without_article(base), base, base


DEPARTEMENT_NAMES = (
    ("Haute-Sorne", 3), ("Val-d'Arvel", 2), ("Vionne", 3), ("Lizon", 2), ("Causses-Blancs", 4),
    ("Dourbe-et-Lèze", 3), ("Monts-d'Orvane", 4), ("Basse-Brenne", 3), ("Aubette", 1),
    ("Plateau-Marcel", 2),
)
REGION_NAMES = (("Arvélie", 1), ("Pays-de-Brenne", 2), ("Sorne-et-Lizon", 0), ("Orvanie", 1))
