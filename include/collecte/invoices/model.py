"""The invoice contract (shared/contracts/invoice.schema.json) as pydantic models.

This is the project's own statement of the contract's meaning: amounts in euros (negative on
a credit note), energy in kWh, ISO dates, fields not printed are null. ``model_dump(mode="json")``
gives exactly the shape of the sample JSON files (same keys, same order).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Number = int | float
Category = Literal["energy", "subscription", "network", "capacity", "tax", "other"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Reading(_Model):
    """Meter indexes of one time-of-use period (electricity) or the gas volume index."""

    period: str = Field(description="BASE, HP, HC, HPH, HCH, HPB, HCB, P, or GAS")
    index_start: Number | None = None
    index_end: Number | None = None
    unit: Literal["kWh", "m3"] | None = None
    conversion_coefficient: Number | None = Field(None, description="gas: kWh per m3")
    reading_type: Literal["actual", "estimated"] | None = None
    kwh: Number


class Line(_Model):
    """One billed line; CTA lines have null quantity, unit and unit price."""

    category: Category
    label: str
    period: str | None = None
    quantity: Number | None = None
    unit: str | None = Field(None, description="kWh, MWh, kVA, kvarh, day, month, unit")
    unit_price: Number | None = None
    amount_excl_tax: Number
    vat_rate: Number | None = Field(None, description="a fraction: 0.2, 0.055")


class Site(_Model):
    """One delivery point of the invoice (PRM/PDL for electricity, PCE for gas)."""

    meter_id: str
    site_name: str | None = None
    site_address: str | None = None
    period_start: date
    period_end: date
    tariff_option: str | None = None
    subscribed_power_kva: Number | None = None
    max_power_kva: Number | None = None
    consumption_kwh: Number
    readings: list[Reading] = Field(default_factory=list)
    lines: list[Line]
    total_excl_tax: Number


class Invoice(_Model):
    """A supplier invoice or credit note, as extracted."""

    supplier: str
    document_type: Literal["invoice", "credit_note"]
    invoice_number: str
    invoice_date: date
    due_date: date | None = None
    customer_account: str | None = None
    customer_name: str | None = None
    energy: Literal["electricity", "gas"]
    currency: Literal["EUR"] = "EUR"
    total_excl_tax: Number
    total_vat: Number
    total_incl_tax: Number
    sites: list[Site] = Field(min_length=1)
