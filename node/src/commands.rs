//! The commands a node answers, whether the CLI opened its store directly or reached it through
//! the control socket of a running node. Each returns JSON; the CLI renders it for people.

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use schemas::table::Table;
use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};

use crate::clock::unix_ms;
use protocol::Verdict;
use topology::{DivisionCode, Topology};

use crate::core::{CoreError, NodeCore};
use crate::driver::NodeHandle;
use crate::import::{ImportTarget, ParsedImport, Progress, findings_error, parse_file};
use crate::{returns, views};

/// A command, as the CLI sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Import a CSV file or a sheet of a workbook into this node's draft of a ledger and period.
    Import {
        ledger: String,
        period: String,
        table: Option<String>,
        #[serde(default)]
        sheet: Option<String>,
        path: PathBuf,
    },
    /// Sign this node's draft of a ledger and period.
    Submit { ledger: String, period: String },
    /// The node, its links, documents and rollups.
    Status,
    /// The node's consolidated figures for a ledger and period.
    Report { ledger: String, period: String },
    /// The node's statistical return for a ledger and period.
    Export { ledger: String, period: String },
    /// Decide, as its parent, on a child's latest submission: accept, or return with a reason.
    Review {
        ledger: String,
        period: String,
        node: String,
        /// `None` accepts; `Some(reason)` returns the submission for correction.
        returned_because: Option<String>,
    },
    /// Where every document of the subtree stands: submitted, accepted, returned, missing.
    Completeness { ledger: String, period: String },
    /// At the root: define (or revise) the return of a ledger for a period.
    DefineReturn {
        ledger: String,
        period: String,
        /// The last day of submission, `YYYY-MM-DD` (Beijing time).
        deadline: String,
        blocking_rules: Vec<String>,
        coefficients_version: Option<String>,
    },
    /// At the root: close a return's period (or reopen it).
    SetLock {
        ledger: String,
        period: String,
        closed: bool,
    },
    /// How one figure was made, down to every signed submission under it.
    Explain {
        ledger: String,
        period: String,
        figure: String,
    },
    /// Re-check every signature and recompute every rollup from the raw replicas.
    Verify,
    /// At the root: put a newer topology (signed by the root) in force; it goes down the tree
    /// with the next sessions.
    PublishTopology { text: String },
    /// Take the next key from the node directory (`huizong key new` made it).
    LoadNextKey { key_file: PathBuf },
}

fn parse_ledger_period(ledger: &str, period: &str) -> Result<(Ledger, Period)> {
    Ok((ledger.parse()?, period.parse()?))
}

/// Work that can be done before taking the core's lock: reading and parsing an import file.
enum Prepared {
    Import {
        ledger: Ledger,
        period: Period,
        parsed: Vec<ParsedImport>,
        file: String,
    },
    Other,
}

/// Reads and checks an import file against the node's topology: the work done before taking the
/// core's lock, and done by the CLI too before it hands a file to a running node, so that a clerk
/// sees progress and errors at once.
pub fn parse_import(
    topology: &Topology,
    ledger: &str,
    period: &str,
    table: Option<&str>,
    sheet: Option<&str>,
    path: &Path,
    progress: &Progress,
) -> Result<(Ledger, Period, Vec<ParsedImport>)> {
    let (ledger, period) = parse_ledger_period(ledger, period)?;
    let table: Option<Table> = table
        .map(str::parse)
        .transpose()
        .map_err(|error| anyhow!("{error}"))?;
    let target = ImportTarget {
        ledger,
        period,
        table,
        topology: Some(topology),
    };
    let parsed = parse_file(path, sheet, &target, progress)?;
    Ok((ledger, period, parsed))
}

fn prepare(topology: &Topology, command: &Command) -> Result<Prepared> {
    match command {
        Command::Import {
            ledger,
            period,
            table,
            sheet,
            path,
        } => {
            let (ledger, period, parsed) = parse_import(
                topology,
                ledger,
                period,
                table.as_deref(),
                sheet.as_deref(),
                path,
                &Progress::hidden(),
            )?;
            Ok(Prepared::Import {
                ledger,
                period,
                parsed,
                file: path.display().to_string(),
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
        ) => import_parsed(core, ledger, period, &parsed, file)?,
        (Command::Submit { ledger, period }, _) => {
            let (ledger, period) = parse_ledger_period(ledger, period)?;
            serde_json::to_value(core.submit(ledger, period, now_ms)?)?
        }
        (Command::Status, _) => serde_json::to_value(views::status(core, running)?)?,
        (Command::Report { ledger, period }, _) => {
            let (ledger, period) = parse_ledger_period(ledger, period)?;
            serde_json::to_value(views::report(core, ledger, period)?)?
        }
        (Command::Export { ledger, period }, _) => {
            let (ledger, period) = parse_ledger_period(ledger, period)?;
            serde_json::to_value(returns::build(core, ledger, period)?)?
        }
        (
            Command::Review {
                ledger,
                period,
                node,
                returned_because,
            },
            _,
        ) => {
            let (ledger, period) = parse_ledger_period(ledger, period)?;
            let owner =
                DivisionCode::parse(node).map_err(|error| anyhow!("--node {node}: {error}"))?;
            let verdict = match returned_because {
                None => Verdict::Accepted,
                Some(reason) => Verdict::Returned {
                    reason: reason.clone(),
                },
            };
            let key = protocol::DocumentKey::new(owner, ledger, period);
            core.decide(key, verdict, now_ms)?;
            serde_json::to_value(core.document_history(key)?)?
        }
        (Command::Completeness { ledger, period }, _) => {
            let (ledger, period) = parse_ledger_period(ledger, period)?;
            serde_json::to_value(views::completeness(core, ledger, period, now_ms)?)?
        }
        (
            Command::Explain {
                ledger,
                period,
                figure,
            },
            _,
        ) => {
            let (ledger, period) = parse_ledger_period(ledger, period)?;
            if !schemas::figures::catalog(ledger)
                .iter()
                .any(|spec| spec.name == *figure)
            {
                return Err(anyhow!(
                    "{figure:?} is not a figure of ledger {ledger}; `huizong report --json` lists \
                     the figures by name"
                ));
            }
            serde_json::to_value(views::ExplainView {
                node: views::NodeView::of(core.topology(), core.code()),
                ledger: ledger.slug().to_owned(),
                period: period.to_string(),
                figure: figure.clone(),
                contribution: core.explain(ledger, period, figure)?,
            })?
        }
        (
            Command::DefineReturn {
                ledger,
                period,
                deadline,
                blocking_rules,
                coefficients_version,
            },
            _,
        ) => {
            let (ledger, period) = parse_ledger_period(ledger, period)?;
            let deadline_ms = crate::clock::end_of_day_ms(deadline).ok_or_else(|| {
                anyhow!("--deadline {deadline:?}: must be a date written YYYY-MM-DD")
            })?;
            let version = coefficients_version
                .clone()
                .unwrap_or_else(|| schemas::coefficients::current().version().to_owned());
            serde_json::to_value(core.define_return(
                ledger,
                period,
                deadline_ms,
                blocking_rules.clone(),
                version,
                now_ms,
            )?)?
        }
        (
            Command::SetLock {
                ledger,
                period,
                closed,
            },
            _,
        ) => {
            let (ledger, period) = parse_ledger_period(ledger, period)?;
            core.set_lock(ledger, period, *closed, now_ms)?;
            serde_json::json!({
                "ledger": ledger.slug(),
                "period": period.to_string(),
                "closed": closed,
            })
        }
        (Command::Verify, _) => serde_json::to_value(core.verify()?)?,
        (Command::PublishTopology { text }, _) => {
            if core.topology().root().code != core.code() {
                return Err(anyhow!(
                    "only the root ({}) publishes the topology; this node is {}. A topology \
                     reaches the other nodes from their parents",
                    core.topology().root().code,
                    core.code()
                ));
            }
            match core.adopt_topology_text(text)? {
                protocol::TopologyAdoption::Adopted { version } => {
                    serde_json::json!({ "version": version, "adopted": true })
                }
                protocol::TopologyAdoption::AlreadyHeld => serde_json::json!({
                    "version": core.topology().version(),
                    "adopted": false,
                }),
                protocol::TopologyAdoption::Refused { reason } => {
                    return Err(anyhow!("the topology is not published: {reason}"));
                }
            }
        }
        (Command::LoadNextKey { key_file }, _) => {
            let key = crate::directory::read_key(key_file)?;
            core.set_next_key(Some(key));
            serde_json::json!({
                "next_public_key": core.next_public_key().map(|key| key.to_string()),
                "signing_key_current": core.signing_key_is_current(),
            })
        }
        (Command::Import { .. }, Prepared::Other) => {
            unreachable!("an import is always prepared")
        }
    };
    Ok(value)
}

/// Writes parsed records into the core's draft; an import that breaks a rule spanning records is
/// refused with the rows at fault.
pub fn import_parsed(
    core: &mut NodeCore,
    ledger: Ledger,
    period: Period,
    parsed: &[ParsedImport],
    file: String,
) -> Result<serde_json::Value> {
    let records: Vec<schemas::Record> = parsed
        .iter()
        .flat_map(|sheet| sheet.records.iter().cloned())
        .collect();
    let outcome = match core.import_records(ledger, period, &records, unix_ms()) {
        Err(CoreError::RulesBroken { findings, .. }) => {
            return Err(findings_error(parsed, &findings).into());
        }
        other => other?,
    };
    let tables: Vec<&str> = parsed.iter().map(|sheet| sheet.table.slug()).collect();
    Ok(serde_json::to_value(views::ImportView {
        file,
        table: tables.join(", "),
        outcome,
    })?)
}

/// Runs a command on a core opened directly (no node running in the directory).
pub fn execute_local(core: &mut NodeCore, command: &Command) -> Result<serde_json::Value> {
    let prepared = prepare(core.topology(), command)?;
    apply(core, command, prepared, None)
}

/// Runs a command on a running node, parsing files before taking the core's lock.
pub fn execute_running(handle: &NodeHandle, command: &Command) -> Result<serde_json::Value> {
    let topology = handle.with_core(|core| core.topology().clone());
    let prepared = prepare(&topology, command)?;
    handle.with_core(|core| apply(core, command, prepared, Some(handle)))
}
