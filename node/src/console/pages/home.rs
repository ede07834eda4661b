//! The start page: every return the root has defined, where this node's own document of it
//! stands, how many children have submitted, and what the person's role can do next.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use protocol::DocumentKey;
use serde::Serialize;

use super::{Frame, ledger_label, read};
use crate::console::auth::SignedIn;
use crate::console::server::Console;
use crate::console::view;
use crate::core::ReviewState;

pub fn routes() -> Router<Arc<Console>> {
    Router::new().route("/", get(home))
}

/// One return on the start page.
#[derive(Debug, Serialize)]
struct ReturnRow {
    ledger: String,
    ledger_label: String,
    period: String,
    deadline_ms: i64,
    closed: bool,
    /// This node's own document: `missing`, `submitted`, `accepted`, `returned`.
    own_state: &'static str,
    own_reason: Option<String>,
    own_sequence: Option<u64>,
    unsubmitted_changes: bool,
    children: usize,
    children_submitted: usize,
}

/// The state's name, as pages colour it.
pub fn state_name(state: &ReviewState) -> &'static str {
    match state {
        ReviewState::Missing => "missing",
        ReviewState::Submitted => "submitted",
        ReviewState::Accepted => "accepted",
        ReviewState::Returned { .. } => "returned",
    }
}

async fn home(State(console): State<Arc<Console>>, signed_in: SignedIn) -> Response {
    let frame = Frame::of(&console, &signed_in, "/").await;
    let (returns, activity) = read(&console, signed_in.language, |core| {
        let code = core.code();
        let children = core.topology().children_of(code).len();
        let mut rows: Vec<ReturnRow> = core
            .definitions()
            .into_iter()
            .map(|definition| {
                let key = DocumentKey::new(code, definition.ledger, definition.period);
                let review = core.document_review(key);
                let draft = core.draft_heads(&key).ok().flatten();
                let unsubmitted = match (core.latest_submission_of(&key), draft) {
                    (Some(latest), Some(heads)) => latest.submission.payload().heads != heads,
                    (None, Some(_)) => true,
                    _ => false,
                };
                let children_submitted = core
                    .topology()
                    .children_of(code)
                    .iter()
                    .filter(|child| {
                        core.document_review(DocumentKey::new(
                            **child,
                            definition.ledger,
                            definition.period,
                        ))
                        .sequence
                        .is_some()
                    })
                    .count();
                ReturnRow {
                    ledger: definition.ledger.slug().to_owned(),
                    ledger_label: ledger_label(definition.ledger, schemas::Language::current()),
                    period: definition.period.to_string(),
                    deadline_ms: definition.deadline_ms,
                    closed: core
                        .locked_since(definition.ledger, definition.period)
                        .is_some(),
                    own_state: state_name(&review.review),
                    own_reason: match &review.review {
                        ReviewState::Returned { reason } => Some(reason.clone()),
                        _ => None,
                    },
                    own_sequence: review.sequence,
                    unsubmitted_changes: unsubmitted,
                    children,
                    children_submitted,
                }
            })
            .collect();
        rows.sort_by(|a, b| b.period.cmp(&a.period).then(a.ledger.cmp(&b.ledger)));
        let activity = core.recent_activity(10).unwrap_or_default();
        (rows, activity)
    })
    .await;
    view::page(
        &console.templates,
        signed_in.language,
        "home.html",
        minijinja::context! { frame, returns, activity },
    )
}
