//! The console's pages, a module per group: sign-in and the person's own account (`account`),
//! the start page (`home`), a clerk's draft (`drafts`), completeness and review (`review`),
//! figures, their drill-down, charts and downloads (`figures`), the root's returns (`returns`),
//! sync health (`sync`) and accounts (`users`).
//!
//! Shared here: running an operation as the signed-in person, in their language, off the async
//! threads; and the context every page's layout needs.

mod account;
mod drafts;
mod figures;
mod home;
mod returns;
mod review;
mod sync;
mod users;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use schemas::{Language, Ledger, Period};
use serde::Serialize;

use super::auth::SignedIn;
use super::server::Console;
use crate::core::accounts::Permission;
use crate::core::{ErrorKind, NodeCore};
use crate::operations::{self, Call, OperationError, Request, Response as Answer};

/// Every route.
pub fn routes() -> Router<Arc<Console>> {
    Router::new()
        .merge(account::routes())
        .merge(home::routes())
        .merge(drafts::routes())
        .merge(review::routes())
        .merge(figures::routes())
        .merge(returns::routes())
        .merge(sync::routes())
        .merge(users::routes())
        .layer(axum::middleware::map_response(security_headers))
}

/// Headers every answer carries: no framing by other sites, no sniffing, scripts and styles from
/// this node only, no referrer leaving the site, and nothing cached (pages hold ledger data).
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let fixed = [
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// Runs an operation as the signed-in person, in their language, on a blocking thread (it takes
/// the core's lock and may do long work).
pub async fn run(
    console: &Arc<Console>,
    signed_in: &SignedIn,
    request: Request,
) -> Result<Answer, OperationError> {
    let handle = console.handle.clone();
    let call = Call {
        actor: signed_in.session.name.clone(),
        request,
    };
    let language = signed_in.language;
    tokio::task::spawn_blocking(move || {
        language.scope(|| operations::execute_running(&handle, call))
    })
    .await
    .unwrap_or_else(|error| Err(OperationError::new(ErrorKind::Internal, error.to_string())))
}

/// Reads the core in the reader's language on a blocking thread.
pub async fn read<T: Send + 'static>(
    console: &Arc<Console>,
    language: Language,
    work: impl FnOnce(&mut NodeCore) -> T + Send + 'static,
) -> T {
    let handle = console.handle.clone();
    tokio::task::spawn_blocking(move || language.scope(|| handle.with_core(work)))
        .await
        .expect("a console read does not panic")
}

/// What the layout of every page shows: the node, the person, the navigation, the language
/// switch and the CSRF token forms carry.
#[derive(Debug, Clone, Serialize)]
pub struct Frame {
    pub lang: &'static str,
    pub node_name: String,
    pub node_code: String,
    pub is_root: bool,
    pub has_children: bool,
    pub has_parent: bool,
    pub login: String,
    pub person: String,
    pub role: &'static str,
    pub csrf: String,
    pub may_edit: bool,
    pub may_review: bool,
    pub may_manage: bool,
    /// The page's own path, for the language switch to come back to.
    pub here: String,
}

impl Frame {
    pub async fn of(console: &Arc<Console>, signed_in: &SignedIn, here: &str) -> Frame {
        let language = signed_in.language;
        let (node_name, node_code, is_root, has_children, has_parent) =
            read(console, language, move |core| {
                let code = core.code();
                let topology = core.topology();
                (
                    node_name(core, language),
                    code.to_string(),
                    topology.parent_of(code).is_none(),
                    !topology.children_of(code).is_empty(),
                    topology.parent_of(code).is_some(),
                )
            })
            .await;
        let role = signed_in.session.role;
        Frame {
            lang: language.code(),
            node_name,
            node_code,
            is_root,
            has_children,
            has_parent,
            login: signed_in.session.login.clone(),
            person: signed_in.session.name.to_string(),
            role: role.slug(),
            csrf: signed_in.session.csrf.clone(),
            may_edit: role.may(Permission::EditOwnLedgers),
            may_review: role.may(Permission::ReviewChildren),
            may_manage: role.may(Permission::ManageAccounts),
            here: here.to_owned(),
        }
    }
}

/// A node's name in the reader's language.
pub fn node_name(core: &NodeCore, language: Language) -> String {
    name_in(core.topology(), core.code(), language)
}

/// Any node's name in the reader's language (its code when the topology does not name it).
pub fn name_in(
    topology: &topology::Topology,
    code: topology::DivisionCode,
    language: Language,
) -> String {
    topology.node(code).map_or_else(
        || code.to_string(),
        |entry| match language {
            Language::Chinese => entry.name_zh.clone(),
            Language::English => entry.name_en.clone(),
        },
    )
}

/// An operation's failure as a page: its message and every problem listed, with a status by
/// kind.
pub async fn failure_page(
    console: &Arc<Console>,
    signed_in: &SignedIn,
    here: &str,
    error: &OperationError,
) -> Response {
    let status = match error.kind {
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::RefusedByTree => StatusCode::FORBIDDEN,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Disk | ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorKind::Invalid | ErrorKind::RulesBroken => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let frame = Frame::of(console, signed_in, here).await;
    let mut page = super::view::page(
        &console.templates,
        signed_in.language,
        "message.html",
        minijinja::context! { frame, error },
    );
    *page.status_mut() = status;
    page
}

/// A ledger and period from a path, or 404.
pub fn ledger_period(ledger: &str, period: &str) -> Option<(Ledger, Period)> {
    Some((ledger.parse().ok()?, period.parse().ok()?))
}

/// The 404 of a path that names no ledger, period or node.
pub fn not_found(language: Language) -> Response {
    super::auth::refused(StatusCode::NOT_FOUND, language, "console.errors.not_found")
}

/// Every ledger in display order.
pub fn ledgers() -> [Ledger; 3] {
    [Ledger::OfficeSpace, Ledger::Vehicles, Ledger::Energy]
}

/// A ledger's name for the reader.
pub fn ledger_label(ledger: Ledger, language: Language) -> String {
    language.scope(|| crate::render::ledger_name(ledger))
}

/// Turns a result of an answer variant, or the error.
#[macro_export]
#[doc(hidden)]
macro_rules! console_answer {
    ($outcome:expr, $variant:ident) => {
        match $outcome {
            Ok($crate::operations::Response::$variant(answer)) => Ok(answer),
            Ok(other) => Err($crate::operations::OperationError::new(
                $crate::core::ErrorKind::Internal,
                format!("{other:?}"),
            )),
            Err(error) => Err(error),
        }
    };
}

/// A file written for download (a template, a return), sent as an attachment named
/// `file_name`; a page-failed refusal when writing it failed.
pub fn download(
    written: Result<anyhow::Result<Vec<u8>>, tokio::task::JoinError>,
    content_type: &str,
    file_name: &str,
    language: Language,
) -> Response {
    match written {
        Ok(Ok(bytes)) => (
            [
                (header::CONTENT_TYPE, content_type.to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file_name}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        _ => crate::console::auth::refused(
            StatusCode::INTERNAL_SERVER_ERROR,
            language,
            "console.errors.page_failed",
        ),
    }
}

/// The content type of an XLSX workbook.
pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A plain redirect after a form (303: the browser then GETs the page).
pub fn see_other(path: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, path.to_owned())]).into_response()
}
