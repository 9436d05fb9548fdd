"""How French names of places are written inside service names: "CCAS d'Aix", "du Luc"."""

from __future__ import annotations

import unicodedata


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
