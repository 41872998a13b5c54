"""The row-level rules a commitment return must pass: the commitment suite.

A commitment return (:data:`expectations.fields.COMMITMENT_FIELDS`) shares the rules of
any line (missing values, dates, amounts, the supplier, the catalogue, the place) with
a delivery return, built by ``return_lines``; what is its own is here: the contract's
and the commitment's dates in order, the commitment inside the contract, and one
contract value per contract in a file.
"""

from __future__ import annotations

from expectations.fields import COMMITMENT_FIELDS, COMMITMENTS, Typing
from expectations.return_lines import (
    CATALOGUE_RULES,
    ORGANISATION_RULES,
    PLACE_RULE,
    Amount,
    amount_rules,
    date_rules,
    end_before_start_rule,
    missing_value_rules,
    reported_raw_columns,
)
from expectations.rules import BATCH_FILE, Rule, Suite, sql_rule

_OUTSIDE_CONTRACT = sql_rule(
    "commitment_outside_contract",
    "commitment_start",
    f"""
    select source_row, {BATCH_FILE},
        coalesce(commitment_start, contract_start) || ' to '
            || coalesce(commitment_end, contract_end) as value,
        contract_start, contract_end
    from line
    where coalesce(commitment_start_value, contract_start_value) < contract_start_value
        or coalesce(commitment_end_value, contract_end_value) > contract_end_value
    """,
    "The commitment's period {value} is not inside the contract ({contract_start} to "
    "{contract_end}). A commitment is delivered during its contract: correct "
    "commitment_start and commitment_end, or leave them empty to use the contract's dates.",
)

# Every row of a contract after the first that states its value, whose value differs.
_CONTRACT_VALUE_INCONSISTENT = sql_rule(
    "contract_value_gbp_inconsistent",
    "contract_value_gbp",
    f"""
    select source_row, {BATCH_FILE}, value, contract_ref, first_text, first_row
    from (
        select
            source_row,
            {BATCH_FILE},
            contract_value_gbp as value,
            contract_value_gbp_value as stated,
            contract_ref,
            first_value(contract_value_gbp) over contract_rows as first_text,
            first_value(contract_value_gbp_value) over contract_rows as first_stated,
            first_value(source_row) over contract_rows as first_row
        from line
        where contract_value_gbp_value is not null
        window contract_rows as (
            partition by {BATCH_FILE}, organisation_id, contract_ref order by source_row
        )
    ) as stated_values
    where stated <> first_stated
    """,
    "contract_value_gbp '{value}' differs from '{first_text}' on row {first_row} for "
    "contract {contract_ref}. A contract has one total value: write the same value on "
    "every row of the contract (or leave it empty on all but one).",
)

RULES: tuple[Rule, ...] = (
    *missing_value_rules(COMMITMENT_FIELDS),
    *ORGANISATION_RULES,
    *(rule for field in COMMITMENTS.of_typing(Typing.DATE) for rule in date_rules(field)),
    end_before_start_rule("contract_start", "contract_end", "the contract"),
    end_before_start_rule("commitment_start", "commitment_end", "the commitment's period"),
    _OUTSIDE_CONTRACT,
    *amount_rules(
        COMMITMENTS.by_name("committed_quantity"),
        Amount(
            "Committed quantity",
            "Commitments are amounts promised",
            "the amount actually committed",
        ),
    ),
    *amount_rules(
        COMMITMENTS.by_name("contract_value_gbp"),
        Amount(
            "Contract value",
            "A contract value is an amount of money",
            "the contract's total value in pounds",
        ),
    ),
    _CONTRACT_VALUE_INCONSISTENT,
    *CATALOGUE_RULES,
    PLACE_RULE,
)

SUITE = Suite(
    name="commitment_lines",
    rules=RULES,
    reported_columns=reported_raw_columns(RULES),
    column_order=COMMITMENTS.names,
)
