"""Every query of docs/analysts.md runs on a generated region and returns rows."""

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

DOC = Path(__file__).resolve().parents[2] / "docs" / "analysts.md"
MANIFEST = Path(__file__).resolve().parents[2] / "dbt_project" / "target" / "manifest.json"
QUERIES = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_guide_has_queries():
    assert len(QUERIES) >= 6


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.split("\n")[0][:40])
def test_each_query_of_the_guide_returns_rows(generated, query):
    _, _, con = generated
    assert con.execute(query).fetchall()


def test_the_warehouse_documentation_is_published_column_by_column(generated):
    """`dbt docs generate --static` output, published under the home: every column of
    every contracted mart carries its yml description."""
    root, _, _ = generated
    page = (root / "published" / "dbt-docs" / "index.html").read_text(encoding="utf-8")
    manifest = json.loads((MANIFEST).read_text(encoding="utf-8"))
    marts = [node for node in manifest["nodes"].values()
             if node["resource_type"] == "model" and node["schema"] == "marts"]
    assert len(marts) >= 10
    for node in marts:
        assert node["unique_id"] in page
        for column in node["columns"].values():
            assert column["description"].strip(), (node["name"], column["name"])
            assert json.dumps(column["description"])[1:-1] in page, (node["name"], column)
