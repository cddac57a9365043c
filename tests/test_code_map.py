"""The code map a reader sees says what the import rules enforce.

``tests/test_layout.py`` holds the rules (``ALLOWED``) and checks every import against them.
This test holds the two tables a reader sees, in the README and in docs/architecture.md, to
those rules: a part missing from a table, a table naming a part that does not exist, or a
"may import" cell that says other than the rule fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

from test_layout import ALLOWED

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "dodo_transform"


def read_table(page: Path) -> dict[str, frozenset[str]]:
    """Part ("sandbox", "transform", "__init__"…, as ALLOWED names them) -> what it may import
    ("*" for everything), from the table under the page's "## Code map" heading."""
    text = page.read_text(encoding="utf-8")
    section = re.search(r"^## Code map\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert section, f"{page.name} has no '## Code map' section"
    rules: dict[str, frozenset[str]] = {}
    for line in section[1].split("\n"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) != 3 or cells[0] == "part":
            continue
        if set(cells[0]) <= {"-", ":"}:  # the header's underline
            continue
        may = cells[2]
        if may == "everything":
            allowed = frozenset({"*"})
        else:
            allowed = frozenset(re.findall(r"`([^`]+)`", may))
            assert allowed or may == "nothing", f"{page.name}: cannot read {may!r}"
        for part in re.findall(r"`([^`]+)`", cells[0]):
            assert (PACKAGE / part).exists(), f"{page.name} names {part}, which does not exist"
            rules[part.removesuffix("/").removesuffix(".py")] = allowed
    assert rules, f"{page.name}: the code map table is empty"
    return rules


def test_the_readme_code_map_says_what_the_import_rules_enforce():
    assert read_table(ROOT / "README.md") == {k: frozenset(v) for k, v in ALLOWED.items()}


def test_the_architecture_page_has_the_same_code_map():
    assert read_table(ROOT / "docs" / "architecture.md") == read_table(ROOT / "README.md")
