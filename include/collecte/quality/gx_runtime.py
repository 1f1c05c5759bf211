"""Great Expectations, imported quietly and once: an ephemeral context per process.

GX Core is used inside tasks only (importing it takes seconds). Before the import, its logger is
set to WARNING (it logs about 200 INFO lines per process otherwise) and its progress bars are
switched off (they reach Airflow task logs at error level).
"""

from __future__ import annotations

import functools
import logging
from typing import Any


@functools.cache
def gx_module() -> Any:
    """The `great_expectations` module, imported with its logging quietened."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations

    return great_expectations


@functools.cache
def context() -> Any:
    """The process-wide ephemeral data context (no files, no cloud), progress bars off."""
    gx = gx_module()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx


@functools.cache
def batch_definition(dataset: str) -> Any:
    """A whole-DataFrame batch definition for one dataset (created once per process)."""
    source = context().data_sources.add_pandas(f"collecte_{dataset}")
    return source.add_dataframe_asset(dataset).add_batch_definition_whole_dataframe(dataset)
