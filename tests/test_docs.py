"""The README's configuration table names exactly the variables the settings read."""

from __future__ import annotations

import re

from configuration import PROJECT_ROOT


def _section(text: str, heading: str) -> str:
    return text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_readme_lists_every_setting_and_no_other() -> None:
    code = (PROJECT_ROOT / "configuration" / "__init__.py").read_text(encoding="utf-8")
    # Every read: env.get("X", ...), env["X"] or _number(env, "X", ...).
    reads = r"""(?:env\.get\(|env\[|_number\(env,\s*)["'](SVW_\w+|DAGSTER_HOME)["']"""
    read = set(re.findall(reads, code))
    table = _section((PROJECT_ROOT / "README.md").read_text(encoding="utf-8"), "Configuration")
    documented = {
        name
        for row in table.splitlines()
        if row.startswith("| `")
        for name in re.findall(r"`(SVW_\w+|DAGSTER_HOME)`", row.split(" | ")[0])
    }
    assert read, "no settings found: the pattern above no longer matches the code"
    assert documented == read


def test_readme_commands_are_make_targets() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z-]+):", (PROJECT_ROOT / "Makefile").read_text(), re.M))
    assert set(re.findall(r"^make (\w[\w-]*)", readme, re.M)) <= targets
    assert {"demo", "test"} <= set(re.findall(r"^make (\w+)", readme, re.M))
