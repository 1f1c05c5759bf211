"""Enedis M023 history result files (CSV, `;`) → canonical load-curve rows.

A row per point: PRM, order span, physical quantity (PA: average power), direction (CONS/PROD),
stage, unit (W), `Horodate` (end of the interval, ISO 8601 with its offset, so the repeated autumn
hour is unambiguous), value, nature, step (PT10M, PT30M, PT60M). Parsed by Arrow's CSV reader.
"""

from __future__ import annotations

import io
from typing import Any

from collecte.metering.records import LOAD_CURVE

M023_SOURCE = "enedis"  # same measures as Data Connect: same source, same keys


class M023FormatError(ValueError):
    """A result file without the expected columns."""


def parse_m023_csv(content: bytes, raw_key: str) -> Any:
    """The load-curve table of one M023 CSV file (canonical schema)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    try:
        table = pcsv.read_csv(io.BytesIO(content), parse_options=pcsv.ParseOptions(delimiter=";"),
                              convert_options=pcsv.ConvertOptions(
                                  column_types={"Identifiant PRM": pa.string(), "Horodate": pa.timestamp("s", tz="UTC"),
                                                "Valeur": pa.int64(), "Pas": pa.string(),
                                                "Grandeur métier": pa.string()},
                                  include_columns=["Identifiant PRM", "Grandeur métier", "Horodate", "Valeur", "Pas"]))
    except (pa.ArrowInvalid, KeyError) as exc:
        raise M023FormatError(f"{raw_key}: not an M023 curve file: {exc}") from None
    if not table.num_rows:
        return LOAD_CURVE.arrow_schema().empty_table()
    pas = table.column("Pas").combine_chunks()
    number = pc.cast(pc.replace_substring_regex(pas, pattern=r"^PT(\d+)[MH]$", replacement=r"\1"), pa.int16())
    minutes = pc.if_else(pc.ends_with(pas, "H"), pc.multiply(number, pa.scalar(60, pa.int16())), number)
    power = table.column("Valeur")
    energy = pc.divide(pc.multiply(pc.cast(power, pa.float64()), pc.cast(minutes, pa.float64())), 60.0)
    n = table.num_rows

    def const(value: str) -> Any:
        return pa.DictionaryArray.from_arrays(pa.array([0] * n, pa.int32()), pa.array([value]))

    arrays = [table.column("Identifiant PRM").combine_chunks().dictionary_encode(),
              table.column("Horodate").combine_chunks(),
              table.column("Grandeur métier").combine_chunks().dictionary_encode(),
              minutes, pc.cast(power, pa.int32()).combine_chunks(), energy.combine_chunks(),
              const(M023_SOURCE), const(raw_key)]
    return pa.Table.from_arrays(arrays, schema=LOAD_CURVE.arrow_schema())

