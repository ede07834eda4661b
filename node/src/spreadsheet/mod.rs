//! Spreadsheets: reading XLSX workbooks for import and writing returns and templates as XLSX.
