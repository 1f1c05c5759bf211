"""Enedis recurring flows for C5 meters subscribed through SGE → canonical records.

- R50 (CommandeCollectePublicationMesures CDC, F300C): load curves. `R50/PRM/Donnees_Releve` per
  day (`Date_Releve`, `Id_Affaire`) holds `PDC` points: `H` the end of the interval as ISO 8601
  with its offset (so the repeated autumn hour is unambiguous), `V` the average power in W, `IV`
  the likelihood index; the step is `En_Tete_Flux/Pas_Publication` (minutes).
- R151 (IDX, F305): daily indexes per time class and the day's maximum power.
  `Donnees_Releve` holds `Classe_Temporelle_Distributeur` (distributor calendar, the registers)
  and `Classe_Temporelle` (supplier calendar) with `Id_Classe_Temporelle` and `Valeur` (Wh, per
  `Unite_Mesure_Index`), and `Puissance_Maximale/Valeur` (VA, per `Unite_Mesure_Puissance`).

The layouts are those of real anonymised files published in the public repository
consometers/sge-tiers; Enedis's XSDs of these flows are not public. What the files leave unsaid
is decided here and named: R151 gives no time for the maximum power (reached_at stays empty) and
no time for the reading, taken as 00:00 Paris time of `Date_Releve` like the daily indexes of
ConsultationMesuresDetaillees; the registers kept are the distributor's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree

from collecte.metering.records import LOAD_CURVE, MAX_POWER, METER_INDEX

PARIS = ZoneInfo("Europe/Paris")
SOURCE = "enedis"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


class FlowFormatError(ValueError):
    """A file that is not the flow it claims to be (named file and reason)."""


def _root(content: bytes, raw_key: str, flow: str) -> etree._Element:
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise FlowFormatError(f"{raw_key}: not XML: {exc}") from None
    if root.tag != flow or root.findtext("En_Tete_Flux/Identifiant_Flux") != flow:
        raise FlowFormatError(f"{raw_key}: not an {flow} flow (root {root.tag}, "
                              f"Identifiant_Flux {root.findtext('En_Tete_Flux/Identifiant_Flux')})")
    return root


def _int(text: str | None, raw_key: str, what: str) -> int:
    try:
        return int(text or "")
    except ValueError:
        raise FlowFormatError(f"{raw_key}: {what} {text!r} is not an integer") from None


def parse_r50(content: bytes, raw_key: str) -> Any:
    """The load-curve table of one R50 file (canonical schema)."""
    import pyarrow as pa

    root = _root(content, raw_key, "R50")
    step = _int(root.findtext("En_Tete_Flux/Pas_Publication"), raw_key, "Pas_Publication")
    rows: dict[str, list[Any]] = {name: [] for name in LOAD_CURVE.column_names}
    for prm in root.iterfind("PRM"):
        meter = prm.findtext("Id_PRM")
        for reading in prm.iterfind("Donnees_Releve"):
            for point in reading.iterfind("PDC"):
                value = point.findtext("V")
                if value is None or value == "":
                    continue  # a missing measure: a gap, not a zero
                try:
                    end = datetime.fromisoformat(point.findtext("H") or "")
                except ValueError:
                    raise FlowFormatError(f"{raw_key}: PRM {meter}: H {point.findtext('H')!r} "
                                          "is not an ISO time") from None
                if end.tzinfo is None:
                    raise FlowFormatError(f"{raw_key}: PRM {meter}: H {point.findtext('H')!r} has no offset")
                power = _int(value, raw_key, f"PRM {meter} V")
                for name, item in (("meter_id", meter), ("interval_end", end.astimezone(UTC)), ("direction", "CONS"),
                                   ("interval_minutes", step), ("power_w", power),
                                   ("energy_wh", power * step / 60), ("source", SOURCE), ("raw_key", raw_key)):
                    rows[name].append(item)
    return pa.Table.from_pydict(rows, schema=LOAD_CURVE.arrow_schema())


def parse_r151(content: bytes, raw_key: str) -> dict[str, Any]:
    """{"meter_index": table, "max_power": table} of one R151 file (canonical schemas)."""
    import pyarrow as pa

    root = _root(content, raw_key, "R151")
    index_unit = root.findtext("En_Tete_Flux/Unite_Mesure_Index") or "Wh"
    power_unit = root.findtext("En_Tete_Flux/Unite_Mesure_Puissance") or "VA"
    if index_unit != "Wh" or power_unit != "VA":
        raise FlowFormatError(f"{raw_key}: units {index_unit}/{power_unit}, expected Wh/VA")
    index: dict[str, list[Any]] = {name: [] for name in METER_INDEX.column_names}
    power: dict[str, list[Any]] = {name: [] for name in MAX_POWER.column_names}
    for prm in root.iterfind("PRM"):
        meter = prm.findtext("Id_PRM")
        for reading in prm.iterfind("Donnees_Releve"):
            try:
                day = date.fromisoformat(reading.findtext("Date_Releve") or "")
            except ValueError:
                raise FlowFormatError(f"{raw_key}: PRM {meter}: Date_Releve "
                                      f"{reading.findtext('Date_Releve')!r} is not a date") from None
            at = datetime.combine(day, time(0), PARIS).astimezone(UTC)
            for klass in reading.iterfind("Classe_Temporelle_Distributeur"):
                for name, item in (("meter_id", meter), ("reading_at", at),
                                   ("time_class", klass.findtext("Id_Classe_Temporelle")), ("direction", "CONS"),
                                   ("index_wh", _int(klass.findtext("Valeur"), raw_key, f"PRM {meter} index")),
                                   ("context", "R151"), ("source", SOURCE), ("raw_key", raw_key)):
                    index[name].append(item)
            top = reading.findtext("Puissance_Maximale/Valeur")
            if top:
                for name, item in (("meter_id", meter), ("day", day), ("direction", "CONS"),
                                   ("max_power_va", _int(top, raw_key, f"PRM {meter} Puissance_Maximale")),
                                   ("reached_at", None), ("source", SOURCE), ("raw_key", raw_key)):
                    power[name].append(item)
    return {"meter_index": pa.Table.from_pydict(index, schema=METER_INDEX.arrow_schema()),
            "max_power": pa.Table.from_pydict(power, schema=MAX_POWER.arrow_schema())}
