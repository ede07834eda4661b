//! The commands a node answers, whether the CLI opened its store directly or reached it through
//! the control socket of a running node. Each returns JSON; the CLI renders it for people.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use schemas::table::Table;
use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};

use crate::clock::unix_ms;
use crate::core::NodeCore;
use crate::driver::NodeHandle;
use crate::import::{ParsedImport, parse_csv};
use crate::views;

/// A command, as the CLI sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Import a CSV file into this node's draft of a ledger and period.
    Import {
        ledger: String,
        period: String,
        table: Option<String>,
        path: PathBuf,
    },
    /// Sign this node's draft of a ledger and period.
    Submit { ledger: String, period: String },
    /// The node, its links, documents and rollups.
    Status,
    /// The node's consolidated figures for a ledger and period.
    Report { ledger: String, period: String },
    /// Re-check every signature and recompute every rollup from the raw replicas.
    Verify,
}

fn parse_ledger_period(ledger: &str, period: &str) -> Result<(Ledger, Period)> {
    Ok((ledger.parse()?, period.parse()?))
}

/// Work that can be done before taking the core's lock: reading and parsing an import file.
enum Prepared {
    Import {
        ledger: Ledger,
        period: Period,
        parsed: ParsedImport,
        file: String,
    },
    Other,
}

fn prepare(command: &Command) -> Result<Prepared> {
    match command {
        Command::Import {
            ledger,
            period,
            table,
            path,
        } => {
            let (ledger, period) = parse_ledger_period(ledger, period)?;
            let table: Option<Table> = table
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|error| anyhow!("{error}"))?;
            let file = path.display().to_string();
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {file}"))?;
            let parsed = parse_csv(&file, &bytes, ledger, period, table)?;
            Ok(Prepared::Import {
                ledger,
                period,
                parsed,
                file,
            })
        }
        _ => Ok(Prepared::Other),
    }
}

fn apply(
    core: &mut NodeCore,
    command: &Command,
    prepared: Prepared,
    running: Option<&NodeHandle>,
) -> Result<serde_json::Value> {
    let now_ms = unix_ms();
    let value = match (command, prepared) {
        (
            Command::Import { .. },
            Prepared::Import {
                ledger,
                period,
                parsed,
                file,
            },
        ) => {
            let outcome = core.import_records(ledger, period, &parsed.records, now_ms)?;
            serde_json::to_value(views::ImportView {
                file,
                table: parsed.table.slug().to_owned(),
                outcome,
            })?
        }
        (Command::Submit { ledger, period }, _) => {
            let (ledger, period) = parse_ledger_period(ledger, period)?;
            serde_json::to_value(core.submit(ledger, period, now_ms)?)?
        }
        (Command::Status, _) => serde_json::to_value(views::status(core, running)?)?,
        (Command::Report { ledger, period }, _) => {
            let (ledger, period) = parse_ledger_period(ledger, period)?;
            serde_json::to_value(views::report(core, ledger, period))?
        }
        (Command::Verify, _) => serde_json::to_value(core.verify()?)?,
        (Command::Import { .. }, Prepared::Other) => {
            unreachable!("an import is always prepared")
        }
    };
    Ok(value)
}

/// Runs a command on a core opened directly (no node running in the directory).
pub fn execute_local(core: &mut NodeCore, command: &Command) -> Result<serde_json::Value> {
    let prepared = prepare(command)?;
    apply(core, command, prepared, None)
}

/// Runs a command on a running node, parsing files before taking the core's lock.
pub fn execute_running(handle: &NodeHandle, command: &Command) -> Result<serde_json::Value> {
    let prepared = prepare(command)?;
    handle.with_core(|core| apply(core, command, prepared, Some(handle)))
}
