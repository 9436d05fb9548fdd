"""Refuse direct identifiers before anything of a file reaches the warehouse.

Exports are anonymised (data-contract.md): a column that is, by its header or by its
content, a name, a birth date, an address, a phone number, an e-mail, a NIR or a France
Travail number makes the whole file refused.

Headers are matched word by word after folding case and accents. ``Nom`` with a word of an
organisation (``Nom structure employeur``, ``Nom organisation prescripteur``, ``Nom du
service destinataire``) is not a person's name, unless a word of a person comes with it
(``Nom utilisateur prescripteur``, ``Nom du référent de la structure``). A header that is a
person alone (``Bénéficiaire``, ``Usager``: DORA's ``Bénéficiaire`` holds a first and last
name) is a name; a header the exporter's profile maps to the contract (``Usager`` mapped to
``person_id``) is the contract's and is allowed by the caller. A France Travail (Pôle emploi)
number is refused by its header (``Identifiant FT``, ``beneficiary_france_travail_number``);
``beneficiary_contact_preferences`` (``EMAIL``, ``TELEPHONE``) names a preference, not
contact data.

Content patterns are searched in every value of every column, the columns réseau ignores
included, anywhere in the value (free text, a URL's query). A phone number, a NIR and a
street number must stand alone: bounded by the start or end of the value or by a character
that is not an ASCII letter or digit. That is what keeps pseudonyms unflagged: the digits of
a UUID (any case, with or without hyphens), of a hex digest (md5, sha1, sha256... 16 to 128
hex characters) or of a token in a link (DORA's ``?token=<uuid>&h=<sha256>``) are always
next to another hex character or inside a longer run of digits, so a ten-digit run in them
is not a phone number and a thirteen-digit run is not a NIR. For the same reason ids such as
``S0100-000049`` or ``P000123``, dates, postcodes, INSEE codes (``2A004``) and SIRET
numbers (14 digits) are never flagged. An e-mail is flagged wherever it is, in a URL's
query too, its ``@`` written or encoded (``%40``). A NIR is 13 characters, or 15 whose
control key is right (``2A``/``2B`` départements counted as 19/18).

A file's rows are searched once for all the patterns together, each row's values joined by a
separator no pattern takes (one vectorised pass per file); only when something matched is
each column searched, then each column that matched is searched again, kind by kind, to name
the kind.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

import polars as pl

from pipelines.ingest.formats import UnreadableFile
from reseau.contract import plain

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
#: A whole header that is a person: the column holds that person's name (DORA's
#: ``Bénéficiaire``). ``Réf. usager`` or ``Commune bénéficiaire`` are other headers.
PERSON_HEADERS = {"beneficiaire", "beneficiaires", "beneficiary", "beneficiaries", "usager",
                  "usagere", "usagers"}
#: A name column of a service or an organisation is not a person's name...
NOT_A_PERSON = {"service", "structure", "organisme", "organisation", "organization",
                "partenaire", "etablissement", "entreprise", "association",
                "dispositif", "orienteur", "destinataire", "commune", "ville", "besoin",
                "motif", "fichier", "territoire", "departement", "region"}
#: ...unless a word of a person comes with it (``Nom utilisateur prescripteur``).
PERSON_WORDS = {"utilisateur", "user", "candidat", "candidate", "beneficiaire", "beneficiary",
                "usager", "usagere", "personne", "person", "referent", "referente",
                "conseiller", "conseillere", "agent", "aidant", "aidante", "demandeur",
                "salarie", "salariee", "contact", "responsable", "interlocuteur"}
#: A France Travail (formerly Pôle emploi) number: one of these with a word of an identifier.
FRANCE_TRAVAIL = {"ft", "pe", "francetravail", "poleemploi"}
FRANCE_TRAVAIL_PAIRS = {("france", "travail"), ("pole", "emploi")}
ID_WORDS = {"identifiant", "ident", "id", "numero", "num", "no", "n", "number", "matricule",
            "ref", "reference"}
FRANCE_TRAVAIL_HEADERS = {"idft", "identifiantft", "numeroft", "idpe", "identifiantpe",
                          "numerope"}

# A phone number, a street number or a NIR stands alone: no ASCII letter or digit touches it,
# so that the digit runs of a UUID or a hex digest are never one.
_BEFORE = r"(?:^|[^0-9A-Za-z])"
_AFTER = r"(?:[^0-9A-Za-z]|$)"
_EMAIL = r"[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
# Ten digits written as one block, or in pairs with one separator throughout.
_PHONE = (_BEFORE + r"(?:\+33 ?|0033 ?|0)[1-9](?:[0-9]{8}|(?: [0-9]{2}){4}|(?:\.[0-9]{2}){4}|"
          r"(?:-[0-9]{2}){4})" + _AFTER)
_ADDRESS = (_BEFORE + r"(?i:[0-9]{1,4} ?(?:bis|ter)?,? (?:rue|avenue|boulevard|bd|chemin|"
            r"allée|allee|impasse|place|route|quai|cours|square|résidence|residence|"
            r"lotissement)\b)")
# Sex, year, month, département (2A/2B in Corsica), commune, order number; the key is apart.
_NIR_BODY = (r"[12] ?[0-9]{2} ?(?:0[1-9]|1[0-2]|[2-9][0-9]) ?(?:[0-9]{2}|2[ABab]) ?[0-9]{3} ?"
             r"[0-9]{3}")
_NIR = _BEFORE + _NIR_BODY + r"(?: ?[0-9]{2})?" + _AFTER
CONTENT_PATTERNS = {"e-mail": _EMAIL, "phone number": _PHONE, "address": _ADDRESS,
                    "NIR": _NIR}
_ANY = "|".join(f"(?:{pattern})" for pattern in CONTENT_PATTERNS.values())
# To check a NIR's key: the candidate and what touches it on the right (a longer token is
# not a NIR); the right boundary is not consumed, so that two NIRs one space apart are both
# found.
_NIR_13 = _BEFORE + _NIR_BODY + r"[0-9A-Za-z]*"
_NIR_15 = _BEFORE + _NIR_BODY + r" ?[0-9]{2}[0-9A-Za-z]*"


class IdentifyingData(UnreadableFile):
    """The file holds direct identifiers: it is refused whole; the message names the column
    and why."""


def _words(header: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", plain(header))


def header_reason(header: str) -> str | None:
    """What a header names, when it names a direct identifier."""
    words = _words(header)
    joined = "".join(words)
    for pair, kind in HEADER_PAIRS.items():
        if all(word in words for word in pair):
            return kind
    if joined in PERSON_HEADERS:
        return "name"
    for kind, vocabulary in HEADER_WORDS.items():
        if joined in vocabulary or any(word in vocabulary for word in words):
            if (kind == "name" and NOT_A_PERSON.intersection(words)
                    and not PERSON_WORDS.intersection(words)):
                continue
            return kind
    france_travail = (FRANCE_TRAVAIL.intersection(words)
                      or any(all(word in words for word in pair)
                             for pair in FRANCE_TRAVAIL_PAIRS))
    if joined in FRANCE_TRAVAIL_HEADERS or (france_travail and ID_WORDS.intersection(words)):
        return "France Travail number"
    return None


def content_reason(values: pl.Series) -> str | None:
    """What a column's values are, when one of them is a direct identifier."""
    return content_reasons(values.to_frame("values")).get("values")


def _candidates(values: pl.Series, pattern: str) -> pl.Series:
    """Every match of ``pattern`` in ``values``, without its spaces and boundary."""
    return values.str.extract_all(pattern).explode().str.replace_all(r"[^0-9A-Za-z]", "")


def _nir_found(values: pl.Series) -> bool:
    """Whether a value holds a NIR: 13 characters alone, or 15 whose key is right."""
    if (_candidates(values, _NIR_13).str.len_chars() == 13).any():
        return True
    long = _candidates(values, _NIR_15).str.to_uppercase()
    long = (long.filter(long.str.len_chars() == 15)
            .str.replace("2A", "19", literal=True).str.replace("2B", "18", literal=True))
    body = long.str.slice(0, 13).cast(pl.Int64, strict=False)
    key = long.str.slice(13).cast(pl.Int64, strict=False)
    return bool((97 - body % 97 == key).any())


#: Between the values of a row searched as one text: neither a letter, a digit nor a
#: character any pattern can take, so that a pattern matches the joined text exactly when
#: it matches one of its values (it stands for a start or an end of value).
_JOIN = "\x1f"


def _any_match(frame: pl.DataFrame) -> bool:
    """Whether any value of ``frame`` holds any pattern: one search of each row's values
    joined, whatever the number of columns."""
    joined = pl.concat_str([pl.col(column).cast(pl.String) for column in frame.columns],
                           separator=_JOIN, ignore_nulls=True)
    return bool(frame.select(joined.str.contains(_ANY).any()).item())


def content_reasons(frame: pl.DataFrame) -> dict[str, str]:
    """Column -> the first kind of identifier found in its values.

    One pass over the file searches every column for all the patterns at once. Only the
    values that matched (a file about to be refused, or digits shaped like a NIR whose key
    may be wrong) are searched again, kind by kind, to name the kind and check a NIR's key.
    """
    if frame.height == 0 or not _any_match(frame):
        return {}
    matched = frame.select(pl.col(column).cast(pl.String).str.contains(_ANY).any()
                           .alias(str(index))
                           for index, column in enumerate(frame.columns)).row(0)
    reasons: dict[str, str] = {}
    for column, suspect in zip(frame.columns, matched, strict=True):
        if not suspect:
            continue
        values = frame[column].cast(pl.String)
        values = values.filter(values.str.contains(_ANY))
        flags = values.to_frame("value").select(
            pl.col("value").str.contains(pattern).any().alias(kind)
            for kind, pattern in CONTENT_PATTERNS.items() if kind != "NIR").row(0, named=True)
        reason = next((kind for kind, hit in flags.items() if hit), None)
        if reason is None and _nir_found(values):
            reason = "NIR"
        if reason is not None:
            reasons[column] = reason
    return reasons


@functools.lru_cache(maxsize=1024)  # most files of a run share a few header rows
def _header_reasons(headers: tuple[str, ...]) -> Mapping[str, str]:
    """:func:`content_reasons` of the header row read as a row of data."""
    return content_reasons(pl.DataFrame([headers], schema=[
        f"column {index}" for index in range(1, len(headers) + 1)], orient="row"))


def check_identifiers(frame: pl.DataFrame, allowed: set[str] = frozenset()) -> None:
    """Raise :class:`IdentifyingData` for the first column that is a direct identifier.

    ``allowed`` holds headers the contract defines (``id_personne`` is a pseudonym, not a
    name); their content is still searched.
    """
    found = content_reasons(frame)
    # A file without its header row has a row of data for headers: a header that is itself
    # an identifier is never written into a message (which reaches the warehouse).
    as_data = _header_reasons(tuple(frame.columns))
    for index, column in enumerate(frame.columns, start=1):
        if f"column {index}" in as_data:
            raise IdentifyingData(
                f"column {index}'s header holds a direct identifier "
                f"({as_data[f'column {index}']}): is the header row missing? Exports must be "
                "anonymised; delete this file and ask for an export with its header row and "
                "without identifiers")
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
