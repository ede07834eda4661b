//! The operations a node answers, typed: one module per operation owning its arguments, its
//! `apply` against the core and its answer. The CLI runs them in-process on a store it opened or
//! sends them through the control socket of a running node; the web console will run the same
//! ones. Every call names its [`Actor`], which the core records with what the call changed.
//!
//! Layering (checked by `node/tests/module_layers.rs`): `core` knows nothing above it; `driver`
//! runs sessions and serves the control socket without knowing what an operation means;
//! `operations` uses both; `render` and the binary use `operations`.

pub mod backup;
pub mod changes;
pub mod completeness;
pub mod confirm;
pub mod define_return;
pub mod delete;
mod error;
pub mod explain;
pub mod export;
pub mod export_parquet;
pub mod import;
pub mod next_key;
pub mod publish_topology;
pub mod put_rows;
pub mod records;
pub mod recovery;
pub mod report;
pub mod review;
pub mod set_lock;
mod shared;
pub mod status;
pub mod submit;
pub mod users;
pub mod verify;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::clock::unix_ms;
use crate::core::{Actor, NodeCore};
use crate::driver::{ControlHandler, NodeHandle, json_control_handler};

pub use error::{ErrorDetails, OperationError};
pub use shared::{FigureView, NodeView, figure_views};

/// What a call may use besides the core: who asks, the time, and the running node (its links and
/// hold-offs) when there is one.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub actor: &'a Actor,
    pub now_ms: i64,
    pub running: Option<&'a NodeHandle>,
}

/// One operation: its arguments are the implementing type.
pub trait Operation {
    /// What it answers.
    type Answer;

    /// Runs it against the core (under the core's lock on a running node).
    fn apply(
        self,
        core: &mut NodeCore,
        context: &Context<'_>,
    ) -> Result<Self::Answer, OperationError>;
}

/// Every operation's arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "operation", rename_all = "snake_case")]
pub enum Request {
    Import(import::ImportRequest),
    Submit(submit::SubmitRequest),
    Status(status::StatusRequest),
    Report(report::ReportRequest),
    Export(export::ExportRequest),
    Review(review::ReviewRequest),
    Completeness(completeness::CompletenessRequest),
    DefineReturn(define_return::DefineReturnRequest),
    SetLock(set_lock::SetLockRequest),
    Explain(explain::ExplainRequest),
    Verify(verify::VerifyRequest),
    PublishTopology(publish_topology::PublishTopologyRequest),
    LoadNextKey(next_key::LoadNextKeyRequest),
    Records(records::RecordsRequest),
    Delete(delete::DeleteRequest),
    Confirm(confirm::ConfirmRequest),
    Users(users::UsersRequest),
    PutRows(put_rows::PutRowsRequest),
    Changes(changes::ChangesRequest),
    Backup(backup::BackupRequest),
    ExportParquet(export_parquet::ExportParquetRequest),
    EndRecovery(recovery::EndRecoveryRequest),
}

/// Every operation's answer, in the same order as [`Request`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "operation", content = "answer", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)]
pub enum Response {
    Import(import::ImportAnswer),
    Submit(crate::core::SubmitOutcome),
    Status(status::StatusView),
    Report(report::ReportView),
    Export(schemas::returns::StatReturn),
    Review(crate::core::DocumentReview),
    Completeness(completeness::CompletenessView),
    DefineReturn(define_return::DefineReturnAnswer),
    SetLock(set_lock::SetLockAnswer),
    Explain(explain::ExplainView),
    Verify(crate::core::VerifyReport),
    PublishTopology(publish_topology::PublishTopologyAnswer),
    LoadNextKey(next_key::LoadNextKeyAnswer),
    Records(records::RecordsAnswer),
    Delete(crate::core::drafts::DeleteOutcome),
    Confirm(confirm::ConfirmAnswer),
    Users(users::UsersAnswer),
    PutRows(put_rows::PutRowsAnswer),
    Changes(changes::ChangesAnswer),
    Backup(crate::backup::BackupSummary),
    ExportParquet(crate::export::parquet::ParquetExport),
    EndRecovery(recovery::EndRecoveryAnswer),
}

/// A request and who makes it: what crosses the control socket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub actor: Actor,
    pub request: Request,
}

/// The answer to a call, as it crosses the control socket.
pub type Outcome = Result<Response, OperationError>;

/// Work done before taking the core's lock (reading and checking an import file), so that a
/// running node keeps syncing while a large file is parsed.
enum Prepared {
    Import(import::ParsedFile),
    Nothing,
}

fn prepare(request: &Request, topology: &topology::Topology) -> Result<Prepared, OperationError> {
    match request {
        Request::Import(import) => Ok(Prepared::Import(
            import.parse(topology, &crate::import::Progress::hidden())?,
        )),
        _ => Ok(Prepared::Nothing),
    }
}

/// What a request that changes the node is called in the activity log, and what it is about;
/// `None` for requests that only read.
fn activity_of(request: &Request, code: topology::DivisionCode) -> Option<(&'static str, String)> {
    let document = |ledger, period| protocol::DocumentKey::new(code, ledger, period).to_string();
    Some(match request {
        Request::Import(import) => ("import", document(import.ledger, import.period)),
        Request::Submit(submit) => ("submit", document(submit.ledger, submit.period)),
        Request::Delete(delete) => ("delete", document(delete.ledger, delete.period)),
        Request::Confirm(confirm) => ("confirm", document(confirm.ledger, confirm.period)),
        Request::Review(review) => (
            "review",
            protocol::DocumentKey::new(review.node, review.ledger, review.period).to_string(),
        ),
        Request::DefineReturn(define) => (
            "define_return",
            format!("{}/{}", define.ledger, define.period),
        ),
        Request::SetLock(lock) => ("set_lock", format!("{}/{}", lock.ledger, lock.period)),
        Request::PublishTopology(_) => ("publish_topology", code.to_string()),
        Request::LoadNextKey(_) => ("load_next_key", code.to_string()),
        Request::EndRecovery(end) => (
            "end_recovery",
            end.child
                .map_or_else(|| code.to_string(), |child| child.to_string()),
        ),
        Request::PutRows(rows) if rows.check_only => return None,
        Request::PutRows(rows) => ("edit", document(rows.ledger, rows.period)),
        Request::Users(users) => match users {
            users::UsersRequest::List => return None,
            users::UsersRequest::Add { login, .. } => ("user_add", login.clone()),
            users::UsersRequest::ResetPassword { login, .. } => {
                ("user_reset_password", login.clone())
            }
            users::UsersRequest::ChangeOwnPassword { login, .. } => {
                ("user_change_password", login.clone())
            }
            users::UsersRequest::SetRole { login, role } => {
                ("user_set_role", format!("{login}={}", role.slug()))
            }
            users::UsersRequest::Remove { login } => ("user_remove", login.clone()),
        },
        Request::Status(_)
        | Request::Report(_)
        | Request::Export(_)
        | Request::Completeness(_)
        | Request::Explain(_)
        | Request::Verify(_)
        | Request::Records(_)
        | Request::Changes(_)
        | Request::Backup(_)
        | Request::ExportParquet(_) => return None,
    })
}

fn apply(
    request: Request,
    prepared: Prepared,
    core: &mut NodeCore,
    context: &Context<'_>,
) -> Outcome {
    let code = core.code();
    let activity = activity_of(&request, code);
    let response = match apply_request(request, prepared, core, context) {
        Ok(response) => response,
        Err(error) => {
            if let Some((operation, subject)) = &activity {
                tracing::info!(
                    node = %code,
                    operation,
                    subject = %subject,
                    person = %context.actor,
                    "operation refused: {error}"
                );
            }
            return Err(error);
        }
    };
    if let Some((operation, subject)) = &activity {
        // One log event per change of the node: what, on which document, by whom; a submission
        // names its sequence.
        let sequence = match &response {
            Response::Submit(outcome) => Some(outcome.sequence),
            _ => None,
        };
        tracing::info!(
            node = %code,
            operation,
            subject = %subject,
            person = %context.actor,
            sequence,
            "operation done"
        );
    }
    if let Some((operation, subject)) = activity {
        core.record_activity(&crate::core::activity::ActivityEntry {
            time_ms: context.now_ms,
            actor: context.actor.clone(),
            operation: operation.to_owned(),
            subject,
        })?;
    }
    Ok(response)
}

/// Whether a request makes the node sign something its children or parent will hold: refused
/// while a node restored from a backup still waits for what its children give back.
fn signs(request: &Request) -> bool {
    matches!(
        request,
        Request::Submit(_)
            | Request::Review(_)
            | Request::DefineReturn(_)
            | Request::SetLock(_)
            | Request::PublishTopology(_)
            | Request::LoadNextKey(_)
    )
}

fn apply_request(
    request: Request,
    prepared: Prepared,
    core: &mut NodeCore,
    context: &Context<'_>,
) -> Outcome {
    if signs(&request) {
        core.refuse_signing_while_recovering()?;
    }
    Ok(match (request, prepared) {
        (Request::Import(import), Prepared::Import(parsed)) => {
            Response::Import(import::apply_parsed(&import, parsed, core, context)?)
        }
        (Request::Import(import), Prepared::Nothing) => {
            Response::Import(import.apply(core, context)?)
        }
        (Request::Submit(submit), _) => Response::Submit(submit.apply(core, context)?),
        (Request::Status(status), _) => Response::Status(status.apply(core, context)?),
        (Request::Report(report), _) => Response::Report(report.apply(core, context)?),
        (Request::Export(export), _) => Response::Export(export.apply(core, context)?),
        (Request::Review(review), _) => Response::Review(review.apply(core, context)?),
        (Request::Completeness(completeness), _) => {
            Response::Completeness(completeness.apply(core, context)?)
        }
        (Request::DefineReturn(define), _) => Response::DefineReturn(define.apply(core, context)?),
        (Request::SetLock(set_lock), _) => Response::SetLock(set_lock.apply(core, context)?),
        (Request::Explain(explain), _) => Response::Explain(explain.apply(core, context)?),
        (Request::Verify(verify), _) => Response::Verify(verify.apply(core, context)?),
        (Request::PublishTopology(publish), _) => {
            Response::PublishTopology(publish.apply(core, context)?)
        }
        (Request::LoadNextKey(load), _) => Response::LoadNextKey(load.apply(core, context)?),
        (Request::Records(records), _) => Response::Records(records.apply(core, context)?),
        (Request::Delete(delete), _) => Response::Delete(delete.apply(core, context)?),
        (Request::Confirm(confirm), _) => Response::Confirm(confirm.apply(core, context)?),
        (Request::Users(users), _) => Response::Users(users.apply(core, context)?),
        (Request::PutRows(rows), _) => Response::PutRows(rows.apply(core, context)?),
        (Request::Changes(changes), _) => Response::Changes(changes.apply(core, context)?),
        (Request::Backup(backup), _) => Response::Backup(backup.apply(core, context)?),
        (Request::ExportParquet(export), _) => {
            Response::ExportParquet(export.apply(core, context)?)
        }
        (Request::EndRecovery(end), _) => Response::EndRecovery(end.apply(core, context)?),
    })
}

/// Runs a call on a core opened directly (no node running in the directory).
pub fn execute_local(core: &mut NodeCore, call: Call) -> Outcome {
    let prepared = prepare(&call.request, core.topology())?;
    let context = Context {
        actor: &call.actor,
        now_ms: unix_ms(),
        running: None,
    };
    apply(call.request, prepared, core, &context)
}

/// Runs an import whose file the caller has already read and checked (the CLI does, to show
/// progress), on a core opened directly.
pub fn execute_local_import(
    core: &mut NodeCore,
    actor: &Actor,
    request: import::ImportRequest,
    parsed: import::ParsedFile,
) -> Outcome {
    let context = Context {
        actor,
        now_ms: unix_ms(),
        running: None,
    };
    apply(
        Request::Import(request),
        Prepared::Import(parsed),
        core,
        &context,
    )
}

/// Runs a call on a running node: files are parsed before the core's lock is taken.
pub fn execute_running(handle: &NodeHandle, call: Call) -> Outcome {
    let started = std::time::Instant::now();
    let is_import = matches!(call.request, Request::Import(_));
    let topology = handle.with_core(|core| core.topology().clone());
    let prepared = prepare(&call.request, &topology)?;
    let outcome = handle.with_core(|core| {
        let context = Context {
            actor: &call.actor,
            now_ms: unix_ms(),
            running: Some(handle),
        };
        apply(call.request, prepared, core, &context)
    });
    if is_import && outcome.is_ok() {
        handle
            .durations()
            .import_seconds
            .observe(started.elapsed().as_secs_f64());
    }
    outcome
}

/// The control socket's handler for a running node: calls in, outcomes out, as JSON lines.
pub fn control_handler(handle: Arc<NodeHandle>) -> ControlHandler {
    json_control_handler(
        move |call: Call| execute_running(&handle, call),
        |malformed: String| -> Outcome {
            Err(OperationError::invalid(schemas::t!(
                "errors.malformed_control_request",
                reason = malformed
            )))
        },
    )
}
