"""How the report writes numbers: pounds with thousands separators, shares as percents.

Totals are whole pounds (`£4,112,415`), per-head figures keep pence (`£5.00`). The
same functions serve the pages (as Jinja filters) and the charts' alt text, so a
figure reads the same wherever it appears.
"""

from __future__ import annotations


def gbp(value: float | None, pence: bool = False) -> str:
    if value is None:
        return "n/a"
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value):,.{2 if pence else 0}f}"


def percent(share: float | None) -> str:
    return "n/a" if share is None else f"{share:.1%}"


def number(value: int | float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"
