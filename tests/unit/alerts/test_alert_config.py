"""alerts.yaml: the shipped file validates; a mistake names the file and the field."""

from __future__ import annotations

import pytest

from collecte.alerts.config import load_alert_config


def test_shipped_config_is_valid() -> None:
    config = load_alert_config()
    assert config.recipients and config.expiry_warning_days == 30
    assert config.recipients_for("unknown") == config.recipients


def test_mistake_names_file_and_field(tmp_path) -> None:
    bad = tmp_path / "alerts.yaml"
    bad.write_text("recipients: []\nexpiry_warning_days: 0\n")
    with pytest.raises(ValueError) as err:
        load_alert_config(str(bad))
    assert str(bad) in str(err.value) and "recipients" in str(err.value) and "expiry_warning_days" in str(err.value)


def test_organization_recipients_are_added_once(tmp_path) -> None:
    file = tmp_path / "alerts.yaml"
    file.write_text("recipients: [a@x.fr]\norganization_recipients: {o1: [b@x.fr, a@x.fr]}\n")
    assert load_alert_config(str(file)).recipients_for("o1") == ["a@x.fr", "b@x.fr"]
