"""Made-up people: names and birth dates of the persons and workers of the synthetic region,
and the regional pseudonym each one gets.

Real software exports names (DORA, les emplois de l'inclusion); services turn them into the
regional pseudonym with ``reseau prepare`` under the linkage key they share. So that every
export of one person carries the same pseudonym, whatever its shape, the generator gives
each person and worker a name, and writes in canonical exports the pseudonym the kit
computes from that name. The rule is this module's own copy of the kit's (HMAC-SHA256 of
the name's words, folded and sorted): if the two drift apart, a region delivered in real
shapes stops matching its canonical twin, and the end-to-end tests say so.

Names are unique by construction: a first name and one surname, or two surnames joined by a
hyphen, first names and surnames sharing no word, so that no two people have the same words;
past 700,770 people (1e7 referrals), a number after the surname.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import hmac
import itertools
import re
import unicodedata

FIRST_NAMES = (
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Françoise", "Valérie", "Christine",
    "Sandrine", "Céline", "Aurélie", "Émilie", "Julie", "Camille", "Léa", "Manon", "Chloé",
    "Inès", "Sarah", "Yasmina", "Fatima", "Aïcha", "Nadia", "Samira", "Océane", "Lucie",
    "Anaïs", "Pauline", "Mélanie", "Sophie", "Jean", "Philippe", "Michel", "Alain", "Patrick",
    "Nicolas", "Christophe", "Pierre", "Stéphane", "Frédéric", "Sébastien", "Julien",
    "Olivier", "David", "Éric", "Laurent", "Mathieu", "Hugo", "Lucas", "Théo", "Enzo",
    "Mohamed", "Karim", "Youssef", "Mehdi", "Rachid", "Kévin", "Jordan", "Dylan", "Bastien",
    "Yannick", "Gaëtan", "Loïc", "Hervé", "Joël", "Ludovic", "Noémie", "Clémence", "Maëlys",
    "Zoé",
)
SURNAMES = (
    "Lefebvre", "Leroy", "Moreau", "Simon", "Michaud", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert",
    "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc",
    "Guerin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu",
    "Clement", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson",
    "Sanchez", "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Gautier", "Roger", "Roche",
    "Roy", "Noël", "Meyer", "Lucas", "Meunier", "Jean", "Perez", "Marchand", "Dufour",
    "Blanchard", "Marie", "Barbier", "Brun", "Dumas", "Brunet", "Schmitt", "Leroux", "Colin",
    "Fernandez", "Pierre", "Renard", "Arnaud", "Rolland", "Caron", "Aubert", "Giraud",
    "Leclerc", "Vidal", "Bourgeois", "Renaud", "Lemoine", "Picard", "Gaillard", "Philippe",
    "Leclercq", "Lacroix", "Fabre", "Dupuis", "Olivier", "Rodriguez", "Da Silva", "Hubert",
    "Louis", "Charles", "Guillot", "Riviere", "Le Gall", "Guillaume", "Adam", "Rey", "Moulin",
    "Gonzalez", "Berger", "Lecomte", "Menard", "Fleury", "Deschamps", "Carpentier", "Julien",
    "Benoit", "Paris", "Maillard", "Marchal", "Aubry", "Vasseur", "Le Roux", "Renault",
    "Jacquet", "Collet", "Prevost", "Poirier", "Charpentier", "Royer", "Huet", "Baron",
    "Dupuy", "Pons", "Paul", "Laine", "Carre", "Breton", "Remy", "Schneider", "Perrot",
    "Guyot", "Barre", "Marty", "Cousin", "Benali", "Haddad", "Mansouri", "Nguyen", "Traoré",
    "Diallo", "Kone", "Cissé", "Ferreira", "Santos", "Pereira", "Oliveira", "Costa",
)
# A word shared by a first name and a surname would let two people's words coincide.
_FIRST_WORDS = {word for name in FIRST_NAMES for word in name.lower().split()}
SURNAMES = tuple(name for name in SURNAMES if not {w for w in name.lower().split()}
                 & _FIRST_WORDS)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


#: Distinct names of one first name and one or two surnames.
_PAIRS = len(SURNAMES) * (len(SURNAMES) - 1) // 2
CAPACITY = len(FIRST_NAMES) * (len(SURNAMES) + _PAIRS)
#: The rank of the first pair (a, a + 1) of each row a.
_ROW_STARTS = list(itertools.accumulate((len(SURNAMES) - 1 - a for a in range(len(SURNAMES))),
                                       initial=0))[:-1]


def name(index: int) -> tuple[str, str]:
    """``(first name, surname)`` of person number ``index``; distinct indices, distinct
    words. Past ``CAPACITY`` (700,770) people, the surname is followed by a number (2, 3...),
    a word no name has."""
    generation, index = divmod(index, CAPACITY)
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    family = index // len(FIRST_NAMES)
    if family < len(SURNAMES):
        surname = SURNAMES[family]
    else:
        # Pairs (a, b) with a < b, enumerated row by row.
        family -= len(SURNAMES)
        a = bisect.bisect_right(_ROW_STARTS, family) - 1
        surname = f"{SURNAMES[a]}-{SURNAMES[a + 1 + family - _ROW_STARTS[a]]}"
    return first, surname if generation == 0 else f"{surname} {generation + 1}"


def birth_date(index: int) -> dt.date:
    """A birth date between 1950 and 2006, fixed by the index."""
    return dt.date(1950, 1, 1) + dt.timedelta(days=(index * 7919) % (56 * 365))


def linkage_pseudonym(key: bytes, role: str, first: str, surname: str) -> str:
    """The pseudonym ``reseau prepare`` computes for a person (``role`` "person") or a worker
    ("worker") of that name: HMAC-SHA256 over the name's folded words, sorted."""
    words = sorted(re.findall(r"[a-z0-9]+", _fold(f"{first} {surname}")))
    message = f"{role}|name:{' '.join(words)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def linkage_key(seed: int) -> bytes:
    """The linkage key the region's services share (generated: derived from the seed)."""
    return f"synthetic-linkage-key-{seed:08d}".encode()
