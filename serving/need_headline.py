"""The needs-based headline: how much of each year's value reached the most deprived fifth.

One query on the published ``marts.need_distribution`` (England, IMD deciles 1 and 2),
shared by the run summary (``svw run``) and the place report, so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True)
class NeedHeadline:
    """How much of a year's value reached the most deprived fifth of English districts."""

    financial_year: str
    imd_edition: str
    value_share: float  # of the value delivered in English districts with an index
    population_share: float  # of the residents of those districts

    @property
    def ratio(self) -> float | None:
        """Value share over population share: above 1, more than a population share."""
        return self.value_share / self.population_share if self.population_share else None

    def __str__(self) -> str:
        ratio = f"{self.ratio:.2f}" if self.ratio is not None else "n/a"
        return (
            f"{self.financial_year}: {self.value_share:.1%} of social value in England "
            f"reached the most deprived fifth of districts ({self.imd_edition} deciles "
            f"1-2), home to {self.population_share:.1%} of its people: "
            f"{ratio} x their population share"
        )


# The query behind the headline: marts.need_distribution, England, deciles 1 and 2.
_NEED_HEADLINE_SQL = """
    select financial_year, imd_edition, sum(value_share), sum(population_share)
    from marts.need_distribution
    where scope_type = 'country' and imd_decile <= 2 and value_share is not null
    group by financial_year, imd_edition
    order by financial_year
"""


def need_headlines(connection: sa.Connection) -> list[NeedHeadline]:
    """The needs-based view in one line per financial year (from marts.need_distribution)."""
    rows = connection.execute(sa.text(_NEED_HEADLINE_SQL)).all()
    return [
        NeedHeadline(year, edition, float(value), float(people))
        for year, edition, value, people in rows
    ]
