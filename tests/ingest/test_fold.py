"""One way to compare words: reseau.contract.fold, its polars twin and the dbt macro agree."""

from pathlib import Path

import duckdb
import jinja2
import polars as pl

from pipelines.ingest.columns import fold_column
from reseau.contract import fold, plain

MACROS = Path(__file__).resolve().parents[2] / "dbt_project" / "macros" / "parsing.sql"
WORDS = [
    "Action préalable à l’embauche", "action prealable a l'embauche", " MODÉRATION_EN_COURS ",
    "Ouverte / en cours de traitement", "Œuvre d'Entraide", "CCAS de Saint-Étienne",
    "Date\u00a0d'orientation", "\ufeffreferral_id", "Ça\tva", "İstanbul", "ÀÉÎÕÜÇ", "ß", "",
    "12 rue 3", "EXPIRÉE",
]


def test_fold_is_plain_without_what_is_not_a_letter_or_a_digit():
    assert plain("Évaluée") == "evaluee"
    assert fold("Action préalable à l’embauche") == "actionprealablealembauche"
    assert fold(" MODÉRATION_EN_COURS ") == "moderationencours"


def test_python_polars_and_sql_fold_every_word_alike():
    macro = jinja2.Environment().from_string(
        MACROS.read_text(encoding="utf-8") + "{{ fold('word') }}").render(var=None)
    sql = duckdb.execute(f"select word, {macro} from unnest(?) as t(word)", [WORDS]).fetchall()
    polars = pl.DataFrame({"word": WORDS}).select(fold_column(pl.col("word")))["word"]
    assert [fold(word) for word in WORDS] == [folded for _, folded in sql] == polars.to_list()
