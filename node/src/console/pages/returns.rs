//! At the root: the returns every node reports — defined (ledgers, period, deadline, blocking
//! rules), closed and reopened. Only an admin of the root changes them; everyone reads the list.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use protocol::notice::{FormHeading, ReturnChoices};
use schemas::Ledger;

use super::{Frame, ledger_label, ledgers, read, run, see_other};
use crate::console::auth::SignedIn;
use crate::console::server::Console;
use crate::console::view;
use crate::core::accounts::Permission;
use crate::operations::Request;
use crate::operations::define_return::DefineReturnRequest;
use crate::operations::set_lock::SetLockRequest;

pub fn routes() -> Router<Arc<Console>> {
    Router::new()
        .route("/returns", get(returns_page))
        .route("/returns/define", post(define))
        .route("/returns/lock", post(lock))
}

async fn returns_page(State(console): State<Arc<Console>>, signed_in: SignedIn) -> Response {
    show(&console, &signed_in, None, StatusCode::OK).await
}

async fn show(
    console: &Arc<Console>,
    signed_in: &SignedIn,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    let frame = Frame::of(console, signed_in, "/returns").await;
    let definitions = read(console, signed_in.language, |core| {
        core.definitions()
            .into_iter()
            .map(|definition| {
                minijinja::context! {
                    ledger => definition.ledger.slug(),
                    ledger_label => ledger_label(definition.ledger, schemas::Language::current()),
                    period => definition.period.to_string(),
                    deadline_ms => definition.deadline_ms,
                    revision => definition.revision,
                    blocking => definition.blocking_rules.join(", "),
                    coefficients => definition.coefficients_version.clone(),
                    benchmarks => definition.choices.benchmarks.clone(),
                    saving_target => definition.choices.saving_target_percent,
                    form_number => definition.choices.form.table_number.clone(),
                    closed_since_ms => core.locked_since(definition.ledger, definition.period),
                }
            })
            .collect::<Vec<_>>()
    })
    .await;
    let choices: Vec<_> = ledgers()
        .iter()
        .map(|ledger| {
            minijinja::context! {
                slug => ledger.slug(),
                label => ledger_label(*ledger, signed_in.language),
                rules => schemas::findings::list_named(
                    schemas::ledgers::rules(*ledger)
                        .iter()
                        .filter(|rule| rule.severity == schemas::findings::Severity::Warning),
                    signed_in.language.code(),
                ),
            }
        })
        .collect();
    let may_change = frame.is_root && signed_in.session.role.may(Permission::ManageReturns);
    let mut page = view::page(
        &console.templates,
        signed_in.language,
        "returns.html",
        minijinja::context! { frame, definitions, choices, may_change, problem },
    );
    *page.status_mut() = status;
    page
}

/// Refuses unless the token is right and the person is an admin.
fn may_manage(
    signed_in: &SignedIn,
    form: &HashMap<String, String>,
) -> Result<(), crate::console::auth::Refused> {
    signed_in.check_csrf(form.get("csrf").map_or("", String::as_str))?;
    signed_in.require(Permission::ManageReturns)
}

async fn define(
    State(console): State<Arc<Console>>,
    signed_in: SignedIn,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(refused) = may_manage(&signed_in, &form) {
        return *refused;
    }
    let words = |key: &str| signed_in.language.scope(|| crate::t!(key).into_owned());
    let ledger = form
        .get("ledger")
        .and_then(|text| text.parse::<Ledger>().ok());
    let period = form.get("period").and_then(|text| text.trim().parse().ok());
    let deadline = form
        .get("deadline")
        .and_then(|text| text.trim().parse::<jiff::civil::Date>().ok());
    let (Some(ledger), Some(period), Some(deadline)) = (ledger, period, deadline) else {
        let problem = words("console.returns.form_incomplete");
        return show(
            &console,
            &signed_in,
            Some(problem),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let blocking_rules = form
        .get("blocking")
        .map(|text| {
            text.split([',', '，', ' '])
                .map(str::trim)
                .filter(|rule| !rule.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let Some(choices) = choices_of(&form) else {
        let problem = words("console.returns.bad_target");
        return show(
            &console,
            &signed_in,
            Some(problem),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let request = Request::DefineReturn(DefineReturnRequest {
        ledger,
        period,
        deadline,
        blocking_rules,
        coefficients_version: None,
        choices,
    });
    match run(&console, &signed_in, request).await {
        Ok(_) => see_other("/returns"),
        Err(error) => {
            show(
                &console,
                &signed_in,
                Some(error.message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn lock(
    State(console): State<Arc<Console>>,
    signed_in: SignedIn,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(refused) = may_manage(&signed_in, &form) {
        return *refused;
    }
    let ledger = form
        .get("ledger")
        .and_then(|text| text.parse::<Ledger>().ok());
    let period = form.get("period").and_then(|text| text.parse().ok());
    let (Some(ledger), Some(period)) = (ledger, period) else {
        return super::not_found(signed_in.language);
    };
    let closed = form.get("closed").is_some_and(|value| value == "1");
    let request = Request::SetLock(SetLockRequest {
        ledger,
        period,
        closed,
    });
    match run(&console, &signed_in, request).await {
        Ok(_) => see_other("/returns"),
        Err(error) => {
            show(
                &console,
                &signed_in,
                Some(error.message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// The choices of the define form: benchmark table, saving-type target and form heading; blank
/// fields take the defaults. `None` when the target is not a whole number from 0 to 100.
fn choices_of(form: &HashMap<String, String>) -> Option<ReturnChoices> {
    let text = |name: &str| form.get(name).map_or("", |value| value.trim()).to_owned();
    let saving_target_percent = match text("saving_target").as_str() {
        "" => protocol::notice::SAVING_TARGET_PERCENT_DEFAULT,
        target => target.parse::<u8>().ok().filter(|target| *target <= 100)?,
    };
    let benchmarks = Some(text("benchmarks")).filter(|id| !id.is_empty());
    Some(ReturnChoices {
        benchmarks,
        saving_target_percent,
        form: FormHeading {
            table_number: text("form_number"),
            made_by: text("form_made_by"),
            approved_by: text("form_approved_by"),
            approval_number: text("form_approval_number"),
        },
    })
}
