"""The hand-written place table agrees with the official ONS geography.

Reads ../shared/reference (never committed into the project) and skips when absent.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from configuration import PLACES_SEED, PROJECT_ROOT

ONS_DISTRICTS = PROJECT_ROOT.parent / "shared" / "reference" / "geography" / "la_all_codes.csv"


@pytest.mark.skipif(not ONS_DISTRICTS.exists(), reason=f"{ONS_DISTRICTS} not present")
def test_every_place_is_a_current_district_with_its_official_region() -> None:
    with ONS_DISTRICTS.open(encoding="utf-8-sig", newline="") as handle:
        official = {row["LADCD"]: row for row in csv.DictReader(handle)}
    with Path(PLACES_SEED).open(newline="") as handle:
        places = list(csv.DictReader(handle))

    assert len(places) >= 15
    for place in places:
        district = official[place["place_code"]]
        assert district["Current"] == "TRUE", place
        assert district["LADNM"] == place["place_name"], place
        assert district["RGNCD"] == place["region_code"], place
        assert district["RGNNM"] == place["region_name"], place
        assert district["CTRYCD"] == place["country_code"], place
        assert district["CTRYNM"] == place["country_name"], place
