//! Sync health: the node's links (state, last settled, bytes, last error), refusals, hold-offs,
//! the topology version, and what the node is waiting for (children that have not submitted a
//! defined return, its own drafts not yet submitted).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use protocol::DocumentKey;

use super::{Frame, ledger_label, name_in, read, run};
use crate::console::auth::SignedIn;
use crate::console::server::Console;
use crate::console::view;
use crate::console_answer;
use crate::operations::Request;
use crate::operations::status::StatusRequest;

pub fn routes() -> Router<Arc<Console>> {
    Router::new().route("/sync", get(sync_page))
}

async fn sync_page(State(console): State<Arc<Console>>, signed_in: SignedIn) -> Response {
    let language = signed_in.language;
    let frame = Frame::of(&console, &signed_in, "/sync").await;
    let answer = run(&console, &signed_in, Request::Status(StatusRequest {})).await;
    let status = match console_answer!(answer, Status) {
        Ok(status) => status,
        Err(error) => return super::failure_page(&console, &signed_in, "/sync", &error).await,
    };
    let links: Vec<_> = read(&console, language, {
        let links = status.links.clone();
        move |core| {
            links
                .into_iter()
                .map(|link| {
                    minijinja::context! {
                        peer => link.peer.to_string(),
                        name => name_in(core.topology(), link.peer, language),
                        role => link.role.clone(),
                        state => serde_json::to_value(link.state).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default(),
                        last_settled_ms => link.last_settled_ms,
                        last_error => link.last_error.clone(),
                        bytes_sent => link.bytes_sent,
                        bytes_received => link.bytes_received,
                    }
                })
                .collect()
        }
    })
    .await;
    let waiting = read(&console, language, move |core| {
        let code = core.code();
        let mut waiting = Vec::new();
        for definition in core.definitions() {
            for child in core.topology().children_of(code) {
                let key = DocumentKey::new(*child, definition.ledger, definition.period);
                if core.document_review(key).sequence.is_none() {
                    waiting.push(minijinja::context! {
                        name => name_in(core.topology(), *child, language),
                        ledger => ledger_label(definition.ledger, schemas::Language::current()),
                        period => definition.period.to_string(),
                        deadline_ms => definition.deadline_ms,
                    });
                }
            }
        }
        waiting
    })
    .await;
    view::page(
        &console.templates,
        language,
        "sync.html",
        minijinja::context! { frame, status, links, waiting },
    )
}
