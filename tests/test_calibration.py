"""The sample data reproduces the published national figures for July 2016 – December 2018,
recomputed from the warehouse (not from the generator's own numbers)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from reportkit.analysis import indicators as I
from reportkit.core.periods import Period
from reportkit.store.warehouse import load

WINDOW = Period.parse("2016-07..2018-12")


def test_documents_sent_and_over_the_network(sample_env: Path) -> None:
    act = load("activity", period=WINDOW)
    assert act["unit_code"].nunique() == 63
    assert int(act["docs_sent"].sum()) == 40_976
    assert int(act["docs_sent_network"].sum()) == 17_472


def test_petitions_received_and_processing_rate(sample_env: Path) -> None:
    pet = load("petitions", period=WINDOW, rule="calendar")
    assert len(pet) == 69_160
    end = pd.Timestamp(2018, 12, 31)
    handled = pet["handled_on"].notna() & (pet["handled_on"] <= end)
    rates = handled.groupby(pet["unit_code"]).mean()
    assert len(rates) == 63
    assert round(rates.mean() * 100, 1) == 75.5
    assert int((rates == 1.0).sum()) == 22


def test_indicator_layer_agrees(sample_env: Path) -> None:
    nat = I.national(WINDOW, rule="calendar")
    assert nat["docs_sent"] == 40_976
    assert nat["petitions_received"] == 69_160
    assert round(nat["processing_rate"] * 100, 1) == 75.5
    assert round(nat["network_share"], 6) == round(17_472 / 40_976, 6)


def test_no_personal_data_unless_asked(sample_env: Path) -> None:
    pet = load("petitions", units="Lào Cai", period="2025-Q3")
    assert not {"petitioner_name", "petitioner_id", "petitioner_phone",
                "petitioner_address"} & set(pet.columns)
    assert len(pet) > 0
    assert set(pet["unit_code"]) == {"15"}
