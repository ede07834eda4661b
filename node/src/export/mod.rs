//! Export of statistical returns: SDMX-CSV 2.0, CSV and JSON (XLSX is in `crate::spreadsheet`).
