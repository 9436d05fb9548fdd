"""Refuse direct identifiers before anything of a file reaches the warehouse.

Exports are anonymised (data-contract.md): a column that is, by its header or by its
content, a name, a birth date, an address, a phone number, an e-mail or a NIR makes the
whole file refused. Headers are matched word by word after folding case and accents; content
patterns are searched in every value of every column, the columns réseau ignores included.
"""

from __future__ import annotations

import re
import unicodedata

import polars as pl

from pipelines.ingest.formats import UnreadableFile

#: Header words, folded, that name a direct identifier.
HEADER_WORDS = {
    "name": {"nom", "noms", "prenom", "prenoms", "name", "names", "firstname", "lastname",
             "surname", "givenname", "fullname", "patronyme", "nomprenom", "prenomnom"},
    "birth date": {"naissance", "birth", "birthdate", "birthday", "dob", "ddn",
                   "datenaissance", "datedenaissance"},
    "address": {"adresse", "address", "rue", "street", "domicile", "adressepostale"},
    "phone number": {"telephone", "tel", "phone", "portable", "mobile", "gsm", "fax"},
    "e-mail": {"email", "mail", "courriel", "mel"},
    "NIR": {"nir", "nss", "secu", "securitesociale", "numerosecu"},
}
#: Two-word headers (``numéro de sécurité sociale``, ``date de naissance``).
HEADER_PAIRS = {("securite", "sociale"): "NIR", ("social", "security"): "NIR"}
#: A name column of a service or an organisation is not a person's name.
NOT_A_PERSON = {"service", "structure", "organisme", "partenaire", "etablissement",
                "dispositif", "orienteur", "destinataire", "commune", "ville", "besoin",
                "motif", "fichier", "territoire", "departement", "region"}

_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
# Ten digits written as one block, or in pairs with one separator throughout.
_PHONE = (r"(?:^|[^0-9])(?:\+33 ?|0033 ?|0)[1-9](?:[0-9]{8}|(?: [0-9]{2}){4}|(?:\.[0-9]{2}){4}|"
          r"(?:-[0-9]{2}){4})(?:[^0-9]|$)")
_ADDRESS = (r"(?i)(^|[^0-9])[0-9]{1,4} ?(bis|ter)?,? (rue|avenue|boulevard|bd|chemin|allée|"
            r"allee|impasse|place|route|quai|cours|square|résidence|residence|lotissement)\b")
_NIR = (r"^[12] ?[0-9]{2} ?(0[1-9]|1[0-2]|[2-9][0-9]) ?([0-9]{2}|2[AB]) ?[0-9]{3} ?[0-9]{3}"
        r"( ?[0-9]{2})?$")
CONTENT_PATTERNS = {"e-mail": _EMAIL, "phone number": _PHONE, "address": _ADDRESS,
                    "NIR": _NIR}


class IdentifyingData(UnreadableFile):
    """The file holds direct identifiers: it is refused whole; the message names the column
    and why."""


def _words(header: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", header.lstrip("\ufeff"))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    return re.findall(r"[a-z0-9]+", plain)


def header_reason(header: str) -> str | None:
    """What a header names, when it names a direct identifier."""
    words = _words(header)
    joined = "".join(words)
    for pair, kind in HEADER_PAIRS.items():
        if all(word in words for word in pair):
            return kind
    for kind, vocabulary in HEADER_WORDS.items():
        if joined in vocabulary or any(word in vocabulary for word in words):
            if kind == "name" and NOT_A_PERSON.intersection(words):
                continue
            return kind
    return None


def _nir_key_ok(value: str) -> bool:
    digits = value.replace(" ", "").upper().replace("2A", "19").replace("2B", "18")
    if len(digits) != 15:
        return True  # 13 characters: no key to check, the structure decides
    return 97 - int(digits[:13]) % 97 == int(digits[13:])


def content_reason(values: pl.Series) -> str | None:
    """What a column's values are, when one of them is a direct identifier."""
    return _content_reasons(values.to_frame("values")).get("values")


def _content_reasons(frame: pl.DataFrame) -> dict[str, str]:
    """Column -> the first kind of identifier found in its values (one pass per file)."""
    if frame.height == 0:
        return {}
    text = {column: pl.col(column).cast(pl.String).str.strip_chars() for column in frame.columns}
    flags = frame.select(
        text[column].str.contains(pattern).any().alias(f"{index}|{kind}")
        for index, column in enumerate(frame.columns)
        for kind, pattern in CONTENT_PATTERNS.items()
    ).row(0, named=True)
    reasons: dict[str, str] = {}
    for name, found in flags.items():
        index, kind = name.split("|")
        column = frame.columns[int(index)]
        if not found or column in reasons:
            continue
        if kind == "NIR":  # the structure matched: a 15-digit value must also have its key
            candidates = frame[column].cast(pl.String).str.strip_chars()
            candidates = candidates.filter(candidates.str.contains(CONTENT_PATTERNS["NIR"]))
            if not any(_nir_key_ok(value) for value in candidates.to_list()):
                continue
        reasons[column] = kind
    return reasons


def check_identifiers(frame: pl.DataFrame, allowed: set[str] = frozenset()) -> None:
    """Raise :class:`IdentifyingData` for the first column that is a direct identifier.

    ``allowed`` holds headers the contract defines (``id_personne`` is a pseudonym, not a
    name); their content is still searched.
    """
    found = _content_reasons(frame)
    for column in frame.columns:
        reason = None if column in allowed else header_reason(column)
        if reason is not None:
            raise IdentifyingData(
                f"column {column!r} is a direct identifier by its header ({reason}): exports "
                "must be anonymised; "
                "delete this file and ask for an export without that column")
        reason = found.get(column)
        if reason is not None:
            raise IdentifyingData(
                f"column {column!r} holds a direct identifier in its values ({reason}): "
                "exports must be anonymised; delete this file and ask for an export without it")
