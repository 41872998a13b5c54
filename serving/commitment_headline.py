"""The commitments headline: what suppliers committed on their contracts, what they have
delivered against it, and how many contracts are behind.

One query on the published ``marts.contract_summary`` for the run summary (``svw run``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True)
class CommitmentHeadline:
    """Contracts with current commitments, in one line."""

    contracts: int
    committed_gbp: float
    delivered_gbp: float  # delivered to date on those contracts
    behind: int  # contracts more than 25% behind a straight-line expectation

    def __str__(self) -> str:
        return (
            f"{self.contracts} contract(s) with commitments: £{self.committed_gbp:,.2f} "
            f"committed, £{self.delivered_gbp:,.2f} delivered against them; "
            f"{self.behind} more than 25% behind a straight-line expectation"
        )


_COMMITMENT_HEADLINE_SQL = """
    select count(*), sum(committed_value_gbp), sum(delivered_value_gbp),
        sum(case when is_behind then 1 else 0 end)
    from marts.contract_summary
    where is_committed
"""


def commitment_headline(connection: sa.Connection) -> CommitmentHeadline | None:
    """The headline from marts.contract_summary; None when no contract has commitments."""
    contracts, committed, delivered, behind = connection.execute(
        sa.text(_COMMITMENT_HEADLINE_SQL)
    ).one()
    if not contracts:
        return None
    return CommitmentHeadline(
        int(contracts), float(committed or 0), float(delivered or 0), int(behind or 0)
    )
