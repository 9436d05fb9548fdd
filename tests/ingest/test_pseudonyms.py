import duckdb
import pytest

from pipelines.ingest.pseudonyms import (
    MissingKeyError,
    install_rekey_macro,
    key_from_environment,
    rekey,
)


@pytest.mark.parametrize("key", [b"k", b"x" * 64, b"a much longer key " * 8])
def test_sql_macro_is_hmac_sha256(key):
    con = duckdb.connect()
    install_rekey_macro(con, key)
    values = ["P123", "personne-éà", " spaced "]
    got = [row[0] for row in con.execute(
        "select rekey(v) from unnest(?::varchar[]) as t(v)", [values]).fetchall()]
    assert got == [rekey(key, value.strip()) for value in values]


def test_blank_pseudonyms_stay_null():
    con = duckdb.connect()
    install_rekey_macro(con, b"k")
    assert con.execute("select rekey(''), rekey(null), rekey('  ')").fetchone() == (None,) * 3


def test_a_missing_key_is_a_clear_error():
    with pytest.raises(MissingKeyError, match="RESEAU_PSEUDONYM_KEY is not set"):
        key_from_environment({})
    assert key_from_environment({"RESEAU_PSEUDONYM_KEY": "s"}) == b"s"
