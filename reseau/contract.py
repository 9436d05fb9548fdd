"""The data contract's own vocabulary (../shared/spec/data-contract.md), in one place: what
every layer above reads rather than writes again."""

#: The contract's codes for needs that the data·inclusion taxonomy lacks.
EXTRA_NEED_CODES = {
    "protection-enfance": "Protection de l'enfance",
    "justice": "Justice",
    "violences": "Violences",
    "handicap": "Handicap",
    "perte-autonomie": "Perte d'autonomie",
}
