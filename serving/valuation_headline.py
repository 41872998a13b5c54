"""How honestly the totals cover the lines: how many were valued, how many recorded only,
how many could not be valued, and why.

One query on the published ``marts.fct_social_value``, for the run summary (``svw run``,
``svw demo``), so a total is never silently short of the lines it leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

# What each status means to a reader of the summary (fct_social_value.valuation_status).
STATUS_WORDS = {
    "valued": "valued",
    "record_only": "record-only (stored with their quantities, never given pounds)",
    "no_local_proxy": "not valued: localised measure without a local proxy for the place",
    "not_mapped": "not valued: code of another framework that maps to no measure",
}


@dataclass(frozen=True)
class ValuationLine:
    status: str
    line_count: int
    social_value_gbp: Decimal | None  # exact and unrounded; None unless valued

    def __str__(self) -> str:
        words = STATUS_WORDS.get(self.status, self.status)
        if self.social_value_gbp is None:
            return f"{words}: {self.line_count} lines"
        # Rounded once, half away from zero, as the marts do.
        pounds = self.social_value_gbp.quantize(Decimal("0.01"), ROUND_HALF_UP)
        return f"{words}: {self.line_count} lines, £{pounds:,}"


_VALUATION_SQL = """
    select valuation_status, count(*), sum(social_value_gbp)
    from marts.fct_social_value
    group by valuation_status
    order by count(*) desc, valuation_status
"""


def valuation_headlines(connection: sa.Connection) -> list[ValuationLine]:
    """Current lines by valuation status (from marts.fct_social_value)."""
    rows = connection.execute(sa.text(_VALUATION_SQL)).all()
    return [
        # the sum of decimal(38, 10) values, exact (a Decimal from either engine)
        ValuationLine(status, int(count), None if value is None else Decimal(value))
        for status, count, value in rows
    ]
