"""The import layering of docs/architecture.md holds: arrows point down, never back.

Read from the source with ``ast``, so a new import that turns an arrow back fails here
before it can quietly tangle the layers.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from configuration import PROJECT_ROOT


def _layers() -> dict[str, int]:
    """Package -> layer number, from the table in docs/architecture.md ("Layers")."""
    doc = (PROJECT_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d) \| `(\w+)/` \|", doc, re.M)
    return {package: int(layer) for layer, package in rows}


LAYERS = _layers()
# A package may import only packages of a lower layer (a higher number).
ALLOWED = {p: {q for q, low in LAYERS.items() if low > layer} for p, layer in LAYERS.items()}


def _imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(ALLOWED)


def test_imports_point_one_way() -> None:
    backwards = []
    for package, allowed in ALLOWED.items():
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            for imported in sorted(_imported_packages(path) - allowed - {package}):
                backwards.append(f"{path.relative_to(PROJECT_ROOT)} imports {imported}")
    assert backwards == []


def test_the_docs_name_every_package_and_its_imports() -> None:
    packages = {p.parent.name for p in PROJECT_ROOT.glob("*/__init__.py")} - {"tests"}
    assert set(LAYERS) == packages
    doc = (PROJECT_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for package, layer in LAYERS.items():
        row = re.search(rf"^\| {layer} \| `{package}/` \|.*\| ([^|]+) \|$", doc, re.M)
        lowest = max(LAYERS.values())
        if layer == lowest:
            expected = "nothing"
        elif layer == 1:
            expected = "everything below"
        else:
            expected = f"{layer + 1}-{lowest}" if layer + 1 < lowest else str(lowest)
        assert row is not None and row.group(1) == expected, package


def test_the_checker_sees_a_backward_import(tmp_path: Path) -> None:
    module = tmp_path / "probe.py"
    module.write_text("import os\nfrom orchestration.dbt import MART_KEYS\nimport ingest.bucket\n")
    assert _imported_packages(module) == {"orchestration", "ingest"}
