"""The registered reparsers: the only parsers `reprocess_quarantine` may run on a raw object.

A reparser rebuilds the records of one raw object with the current (fixed) parser; the replay
then checks and loads them (`collecte.quality.replay`). The DAG's `reparser` Param names one of
`names()`; nothing else is importable or callable from a Param. Register a parser here, in code
review, with `@register("name")` on a factory taking the raw zone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Reparser = Callable[[str], Mapping[str, Any]]
_REGISTRY: dict[str, Callable[[Any], Reparser]] = {}


def register(name: str) -> Callable[[Callable[[Any], Reparser]], Callable[[Any], Reparser]]:
    """Decorator: register a reparser factory `factory(zone) -> reparse(raw_key)` under `name`."""

    def decorate(factory: Callable[[Any], Reparser]) -> Callable[[Any], Reparser]:
        if name in _REGISTRY:
            raise ValueError(f"reparser {name!r} is already registered")
        _REGISTRY[name] = factory
        return factory

    return decorate


def names() -> list[str]:
    """The registered reparser names, sorted."""
    return sorted(_REGISTRY)


def reparser(name: str | None, zone: Any) -> Reparser | None:
    """The reparser registered as `name`, bound to the raw zone (None for None or ''); ValueError otherwise."""
    if not name:
        return None
    if name not in _REGISTRY:
        raise ValueError(f"unknown reparser {name!r}: registered ones are {names()}")
    return _REGISTRY[name](zone)


@register("invoice_pdf")
def _invoice_pdf(zone: Any) -> Reparser:
    """A supplier invoice PDF, extracted again by the current templates."""

    def reparse(raw_key: str) -> Mapping[str, Any]:
        from collecte.invoices import extract_invoice

        result = extract_invoice(zone.get(raw_key), name=raw_key)
        if result.invoice is None:
            raise ValueError(f"{raw_key}: still not extractable ({result.status}): {'; '.join(result.reasons)}")
        return {"invoice": [result.invoice]}

    return reparse


def _m023(parse_name: str, dataset: str) -> Callable[[Any], Reparser]:
    def factory(zone: Any) -> Reparser:
        def reparse(raw_key: str) -> Mapping[str, Any]:
            from collecte.metering import m023

            parsed = getattr(m023, parse_name)(zone.get(raw_key), raw_key)
            if parsed.rejects:  # replay releases the quarantine: nothing may be dropped on the way
                raise ValueError(f"{raw_key}: the parser still sets aside {len(parsed.rejects)} record(s), e.g. "
                                 f"{parsed.rejects[0].reason}")
            return {dataset: parsed[dataset].to_pandas()}

        return reparse

    return factory


register("m023_curve")(_m023("parse_m023", "load_curve"))            # an M023 curve result (R63), read again
register("m023_billing")(_m023("parse_m023_billing", "billing_energy"))  # M023 billing measures (R67)


@register("sge_flow")
def _sge_flow(zone: Any) -> Reparser:
    """An Enedis R50/R151 flow archive, opened again (e.g. once the flows key in the `enedis_sge` connection
    is corrected): decrypted, unzipped within bounds, parsed into its datasets."""

    def reparse(raw_key: str) -> Mapping[str, Any]:
        from collecte.airflow.hooks.enedis_sge import EnedisSgeHook
        from collecte.sources.enedis.config import load_enedis
        from collecte.stages.sge_flows import FlowOptions, kind_of_key

        config = load_enedis()
        options = FlowOptions.from_extra(EnedisSgeHook(config.sge_conn_id).flows_key(), config)
        tables = options.open(zone.get(raw_key), raw_key=raw_key, kind=kind_of_key(raw_key))
        frames = {}
        for name, table in tables.items():
            frame = table.to_pandas()
            for column in frame.columns:  # dictionary-encoded text -> plain; NaT/NaN -> None (NULL)
                if frame[column].dtype == "category" or frame[column].isna().any():
                    frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
            frames[name] = frame
        return frames

    return reparse
