//! Completeness of the subtree (a table, and a tree of nodes coloured by state with the overdue
//! named) and the review of a child's submission: its header, findings, what changed since its
//! previous submission, its history; accept, or return with a reason.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use protocol::DocumentKey;
use serde::Serialize;
use topology::DivisionCode;

use super::home::state_name;
use super::{Frame, ledger_label, ledger_period, name_in, not_found, read, run, see_other};
use crate::console::auth::SignedIn;
use crate::console::server::Console;
use crate::console::view;
use crate::console_answer;
use crate::core::accounts::Permission;
use crate::operations::Request;
use crate::operations::completeness::{CompletenessRequest, CompletenessRow, Timeliness};
use crate::operations::review::ReviewRequest;

pub fn routes() -> Router<Arc<Console>> {
    Router::new()
        .route("/completeness/{ledger}/{period}", get(completeness))
        .route(
            "/review/{node}/{ledger}/{period}",
            get(review_page).post(decide),
        )
}

/// One node of the completeness tree.
#[derive(Debug, Serialize)]
struct TreeNode {
    code: String,
    name: String,
    state: &'static str,
    overdue: bool,
    late: bool,
    /// Whether this node reviews it (a child of this node).
    reviewable: bool,
    children: Vec<TreeNode>,
}

fn tree(
    topology: &topology::Topology,
    code: DivisionCode,
    own: DivisionCode,
    rows: &HashMap<DivisionCode, &CompletenessRow>,
    language: schemas::Language,
) -> TreeNode {
    let row = rows.get(&code);
    TreeNode {
        code: code.to_string(),
        name: name_in(topology, code, language),
        state: row.map_or("missing", |row| state_name(&row.document.review)),
        overdue: row.is_some_and(|row| row.timeliness == Timeliness::Overdue),
        late: row.is_some_and(|row| row.timeliness == Timeliness::Late),
        reviewable: topology.parent_of(code) == Some(own),
        children: topology
            .children_of(code)
            .iter()
            .map(|child| tree(topology, *child, own, rows, language))
            .collect(),
    }
}

async fn completeness(
    State(console): State<Arc<Console>>,
    signed_in: SignedIn,
    Path((ledger, period)): Path<(String, String)>,
) -> Response {
    let Some((ledger, period)) = ledger_period(&ledger, &period) else {
        return not_found(signed_in.language);
    };
    let here = format!("/completeness/{}/{period}", ledger.slug());
    let answer = run(
        &console,
        &signed_in,
        Request::Completeness(CompletenessRequest { ledger, period }),
    )
    .await;
    let view = match console_answer!(answer, Completeness) {
        Ok(view) => view,
        Err(error) => return super::failure_page(&console, &signed_in, &here, &error).await,
    };
    let frame = Frame::of(&console, &signed_in, &here).await;
    let language = signed_in.language;
    let view_for_tree = view.clone();
    let root = read(&console, language, move |core| {
        let rows: HashMap<DivisionCode, &CompletenessRow> = view_for_tree
            .documents
            .iter()
            .map(|row| (row.node.code, row))
            .collect();
        let own = core.code();
        tree(core.topology(), own, own, &rows, language)
    })
    .await;
    let rows: Vec<_> = view
        .documents
        .iter()
        .map(|row| {
            minijinja::context! {
                code => row.node.code.to_string(),
                name => match language {
                    schemas::Language::Chinese => row.node.name_zh.clone(),
                    schemas::Language::English => row.node.name_en.clone(),
                },
                state => state_name(&row.document.review),
                reason => match &row.document.review {
                    crate::core::ReviewState::Returned { reason } => Some(reason.clone()),
                    _ => None,
                },
                timeliness => serde_json::to_value(row.timeliness).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default(),
                sequence => row.document.sequence,
                submitted_at_ms => row.document.submitted_at_ms,
                confirmed => row.confirmed.as_ref().map(|confirmation| confirmation.reason.clone()),
            }
        })
        .collect();
    view::page(
        &console.templates,
        language,
        "completeness.html",
        minijinja::context! {
            frame,
            ledger => ledger.slug(),
            ledger_label => ledger_label(ledger, signed_in.language),
            period => period.to_string(),
            view,
            rows,
            root,
        },
    )
}

async fn review_page(
    State(console): State<Arc<Console>>,
    signed_in: SignedIn,
    Path((node, ledger, period)): Path<(String, String, String)>,
) -> Response {
    show_review(
        &console,
        &signed_in,
        &node,
        &ledger,
        &period,
        None,
        StatusCode::OK,
    )
    .await
}

async fn show_review(
    console: &Arc<Console>,
    signed_in: &SignedIn,
    node: &str,
    ledger: &str,
    period: &str,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    let language = signed_in.language;
    let (Some((ledger, period)), Ok(node)) =
        (ledger_period(ledger, period), node.parse::<DivisionCode>())
    else {
        return not_found(language);
    };
    let here = format!("/review/{node}/{}/{period}", ledger.slug());
    let frame = Frame::of(console, signed_in, &here).await;
    let details = read(console, language, move |core| {
        let key = DocumentKey::new(node, ledger, period);
        let in_subtree = core.topology().subtree(core.code()).contains(&node);
        if !in_subtree {
            return None;
        }
        let is_child = core.topology().parent_of(node) == Some(core.code());
        let history = core.document_history(key).ok();
        let findings: Vec<_> = core
            .subtree_findings(ledger, period)
            .unwrap_or_default()
            .into_iter()
            .filter(|finding| finding.owner == node)
            .collect();
        let name = name_in(core.topology(), node, language);
        Some((is_child, history, findings, name))
    })
    .await;
    let Some((is_child, history, findings, name)) = details else {
        return not_found(language);
    };
    let changes = changes_of(console, signed_in, node, ledger, period).await;
    let may_decide = is_child
        && signed_in.session.role.may(Permission::ReviewChildren)
        && history
            .as_ref()
            .is_some_and(|history| history.sequence.is_some());
    let mut page = view::page(
        &console.templates,
        language,
        "review.html",
        minijinja::context! {
            frame,
            node => node.to_string(),
            name,
            ledger => ledger.slug(),
            ledger_label => ledger_label(ledger, signed_in.language),
            period => period.to_string(),
            history,
            state => history_state(&history_state_of(console, node, ledger, period, language).await),
            findings,
            changes,
            may_decide,
            is_child,
            problem,
        },
    );
    *page.status_mut() = status;
    page
}

async fn history_state_of(
    console: &Arc<Console>,
    node: DivisionCode,
    ledger: schemas::Ledger,
    period: schemas::Period,
    language: schemas::Language,
) -> crate::core::ReviewState {
    read(console, language, move |core| {
        core.document_review(DocumentKey::new(node, ledger, period))
            .review
    })
    .await
}

fn history_state(state: &crate::core::ReviewState) -> &'static str {
    state_name(state)
}

/// What changed since the child's previous submission, when the node can tell.
async fn changes_of(
    console: &Arc<Console>,
    signed_in: &SignedIn,
    node: DivisionCode,
    ledger: schemas::Ledger,
    period: schemas::Period,
) -> Option<crate::core::changes::SubmissionChanges> {
    let request = Request::Changes(crate::operations::changes::ChangesRequest {
        ledger,
        period,
        node,
    });
    console_answer!(run(console, signed_in, request).await, Changes)
        .ok()
        .and_then(|answer| answer.changes)
}

#[derive(Debug, serde::Deserialize)]
struct DecisionForm {
    csrf: String,
    verdict: String,
    #[serde(default)]
    reason: String,
}

async fn decide(
    State(console): State<Arc<Console>>,
    signed_in: SignedIn,
    Path((node, ledger, period)): Path<(String, String, String)>,
    Form(form): Form<DecisionForm>,
) -> Response {
    if let Err(refused) = signed_in.check_csrf(&form.csrf) {
        return *refused;
    }
    if let Err(refused) = signed_in.require(Permission::ReviewChildren) {
        return *refused;
    }
    let (Some((ledger_value, period_value)), Ok(code)) = (
        ledger_period(&ledger, &period),
        node.parse::<DivisionCode>(),
    ) else {
        return not_found(signed_in.language);
    };
    let returned_because = match form.verdict.as_str() {
        "accept" => None,
        "return" => Some(form.reason.trim().to_owned()),
        _ => return not_found(signed_in.language),
    };
    if returned_because.as_deref() == Some("") {
        let problem = signed_in
            .language
            .scope(|| crate::t!("console.review.reason_needed").into_owned());
        return show_review(
            &console,
            &signed_in,
            &node,
            &ledger,
            &period,
            Some(problem),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let request = Request::Review(ReviewRequest {
        ledger: ledger_value,
        period: period_value,
        node: code,
        returned_because,
    });
    match run(&console, &signed_in, request).await {
        Ok(_) => see_other(&format!(
            "/completeness/{}/{period_value}",
            ledger_value.slug()
        )),
        Err(error) => {
            let status = match error.kind {
                crate::core::ErrorKind::RefusedByTree => StatusCode::FORBIDDEN,
                crate::core::ErrorKind::NotFound => StatusCode::NOT_FOUND,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            show_review(
                &console,
                &signed_in,
                &node,
                &ledger,
                &period,
                Some(error.message),
                status,
            )
            .await
        }
    }
}
