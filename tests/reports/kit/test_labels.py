"""German labels (reports/labels.py): every code of the exchange format has one."""

from __future__ import annotations

import pytest

from reports import labels


def test_labels_cover_exchange_format_code_lists():
    exchange_format = pytest.importorskip("kim.contract")
    for name, column in (
        ("residence_status", "RESIDENCE_STATUS"),
        ("closing_reason", "CLOSING_REASON"),
        ("referral_source", "REFERRAL_SOURCE"),
        ("category", "NEED_CATEGORY"),
        ("status", "NEED_STATUS"),
        ("unmet_reason", "UNMET_REASON"),
        ("target_service", "TARGET_SERVICE"),
        ("outcome", "HANDOVER_OUTCOME"),
        ("channel", "CONTACT_CHANNEL"),
        ("gender", "GENDER"),
    ):
        codes = getattr(exchange_format, column, None)
        if codes is None:
            continue
        assert set(codes) <= set(labels.CODE_LISTS[name]), name
    assert labels.code_label("target_service", "agentur_fuer_arbeit") == "Agentur für Arbeit"
    assert labels.code_label("target_service", "jmd") == "Jugendmigrationsdienst (JMD)"
    assert labels.code_label("category_reason", "wohnen|kein_angebot") == "Wohnen: Kein passendes Angebot"
    assert labels.code_label("category", "neu_code") == "neu_code"
