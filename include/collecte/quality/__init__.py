"""Checks before anything reaches anyone: Great Expectations suites, quarantine, cross-source checks.

- `validation.validate(dataset, df, related=...) -> ValidationOutcome`: one suite per canonical dataset
  (`suites/`), passed / failed / warned rows with the expectations each failed.
- `staged_check.check_staged(...)`, `staged_check.screen_invoices(...)`: the check stage of the DAGs.
- `results.store_validation(...)`: GX result JSON + HTML report in `staged/validation/`, summary row in
  `validation_result`.
- `quarantine`: failed rows / invoices / batches set aside with their reasons; `replay.replay(...)`.
- `crosscheck.crosscheck(...)`: invoice kWh against operator metering, into `discrepancy`.
Heavy libraries (pandas, GX) are imported inside functions.
"""
