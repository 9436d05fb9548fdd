"""Re-keying of pseudonyms with HMAC-SHA256, inside DuckDB.

The exporters' pseudonyms never reach a table: they are replaced on entry by
``HMAC-SHA256(key, pseudonym)`` under ``$RESEAU_PSEUDONYM_KEY``. The key lives only in the
process environment; the macro that applies it is temporary to one connection.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping

from reseau.errors import UserError

KEY_VARIABLE = "RESEAU_PSEUDONYM_KEY"
_BLOCK_SIZE = 64  # SHA-256 block size in bytes (RFC 2104)


class MissingKeyError(UserError):
    """The pseudonym key is not set: the run must stop before reading any export."""


def key_from_environment(environ: Mapping[str, str] | None = None) -> bytes:
    value = (os.environ if environ is None else environ).get(KEY_VARIABLE, "")
    if not value:
        raise MissingKeyError(
            f"{KEY_VARIABLE} is not set: export a secret of your choice (keep it outside the "
            f"home, e.g. `export {KEY_VARIABLE}=$(openssl rand -hex 32)`) and run again"
        )
    return value.encode("utf-8")


def rekey(key: bytes, pseudonym: str) -> str:
    """Reference implementation in Python; the SQL macro must give the same hex digest."""
    return hmac.new(key, pseudonym.encode("utf-8"), hashlib.sha256).hexdigest()


def install_rekey_macro(con, key: bytes) -> None:
    """Create the temporary SQL macro ``rekey(text)`` computing HMAC-SHA256 under ``key``.

    HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)); DuckDB has SHA-256 but no HMAC, so the
    padded keys are computed here and the two hashes run vectorised in SQL. Blank values stay
    NULL (an absent pseudonym is not a pseudonym).
    """
    if len(key) > _BLOCK_SIZE:
        key = hashlib.sha256(key).digest()
    padded = key.ljust(_BLOCK_SIZE, b"\0")
    inner = bytes(b ^ 0x36 for b in padded).hex()
    outer = bytes(b ^ 0x5C for b in padded).hex()
    con.execute(
        f"""
        create or replace temp macro rekey(value) as
        case when value is null or trim(value) = '' then null
        else sha256(unhex('{outer}') || unhex(sha256(unhex('{inner}') || encode(trim(value)))))
        end
        """
    )
