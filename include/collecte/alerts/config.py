"""Alert settings (include/config/alerts.yaml): channels, recipients, thresholds."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from collecte.config.loader import config_dir


class Channels(BaseModel):
    """Where alerts go: e-mail through an Airflow `smtp` connection, and/or a webhook (`http` connection)."""

    model_config = ConfigDict(extra="forbid")
    smtp_conn_id: str | None = "collecte_smtp"
    webhook_conn_id: str | None = None
    from_email: str = "collecte <alerts@collecte.local>"


class AlertConfig(BaseModel):
    """Who is told what, and when."""

    model_config = ConfigDict(extra="forbid")
    channels: Channels = Field(default_factory=Channels)
    recipients: list[str] = Field(min_length=1, description="default recipients of every alert and the digest")
    organization_recipients: dict[str, list[str]] = Field(default_factory=dict,
                                                           description="extra recipients per organization id")
    expiry_warning_days: int = Field(30, ge=1, le=365)
    kinds: list[str] | None = Field(None, description="incident kinds to alert on (default: all)")
    digest_hour: int = Field(7, ge=0, le=23, description="Paris hour of the daily digest")

    def recipients_for(self, organization_id: str | None) -> list[str]:
        """The default recipients plus the organization's own, without duplicates."""
        extra = self.organization_recipients.get(organization_id or "", [])
        return list(dict.fromkeys([*self.recipients, *extra]))


def load_alert_config(path: str | None = None) -> AlertConfig:
    """Read and validate alerts.yaml (COLLECTE_CONFIG_DIR may point at another folder)."""
    return _load(str(Path(path) if path else config_dir() / "alerts.yaml"))


@lru_cache(maxsize=8)
def _load(path: str) -> AlertConfig:
    file = Path(path)
    try:
        return AlertConfig.model_validate(yaml.safe_load(file.read_text()) or {})
    except Exception as exc:
        raise ValueError(f"{file}: {exc}") from exc
