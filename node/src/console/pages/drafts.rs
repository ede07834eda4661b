//! A clerk's draft of one ledger and period: each table as an editable grid (rows added, edited
//! and deleted, each cell checked as typed, every problem listed against its row), the upload of
//! a filled template or CSV file with every problem shown against its row, the preview (figures
//! and findings, exactly as `submit` would check them), submission, confirmation after a return,
//! the review history with the reasons of returns, and the blank template.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use protocol::DocumentKey;
use schemas::columns::columns;
use schemas::table::{Table, tables_of};
use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};

use super::home::state_name;
use super::{Frame, ledger_label, ledger_period, not_found, read, run, see_other};
use crate::console::auth::{CSRF_HEADER, SignedIn};
use crate::console::server::Console;
use crate::console::view;
use crate::console_answer;
use crate::core::accounts::Permission;
use crate::core::{DocumentReview, ReviewState};
use crate::import::ImportProblem;
use crate::operations::put_rows::PutRowsRequest;
use crate::operations::records::RecordsRequest;
use crate::operations::report::ReportRequest;
use crate::operations::{ErrorDetails, OperationError, Request};

/// Rows a page of the grid shows.
const ROWS_PER_PAGE: usize = 100;

pub fn routes() -> Router<Arc<Console>> {
    Router::new()
        .route("/drafts/{ledger}/{period}", get(draft_page))
        .route("/drafts/{ledger}/{period}/rows", post(save_row))
        .route("/drafts/{ledger}/{period}/delete", post(delete_row))
        .route("/drafts/{ledger}/{period}/upload", post(upload))
        .route("/drafts/{ledger}/{period}/submit", post(submit))
        .route("/drafts/{ledger}/{period}/confirm", post(confirm))
        .route("/api/drafts/{ledger}/{period}/check", post(check_row))
        .route("/templates/{ledger}", get(template))
}

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    table: Option<String>,
    page: Option<usize>,
    /// Set after a change: what happened, as a catalogue key under `console.draft.done`.
    done: Option<String>,
}

/// One column of the grid.
#[derive(Debug, Serialize)]
struct GridColumn {
    field: &'static str,
    header: String,
    required: bool,
    is_id: bool,
    choices: Option<Vec<&'static str>>,
}

/// One row of the grid.
#[derive(Debug, Serialize)]
struct GridRow {
    /// The number people see the row under (1 is the first record).
    number: u64,
    id: String,
    cells: Vec<String>,
}

/// What a form left behind when refused: its values, to show again, and where.
#[derive(Debug, Default, Serialize)]
struct Pending {
    /// The grid row number (0 for the new row).
    number: u64,
    cells: Vec<String>,
}

/// The parts of the draft page a refused change fills in.
#[derive(Debug, Default)]
struct Outcome {
    problems: Vec<ImportProblem>,
    more: usize,
    message: Option<String>,
    pending: Option<Pending>,
}

fn table_of(ledger: Ledger, slug: Option<&str>) -> Option<Table> {
    match slug {
        Some(slug) => slug
            .parse::<Table>()
            .ok()
            .filter(|table| table.ledger() == ledger),
        None => tables_of(ledger).first().copied(),
    }
}

/// The kind of a field of `table`.
fn column_kind(table: Table, field: &str) -> Option<&'static schemas::records::FieldKind> {
    table
        .spec()
        .columns
        .iter()
        .find(|column| column.field == field)
        .map(|column| &column.kind)
}

fn grid_columns(table: Table, language: schemas::Language) -> Vec<GridColumn> {
    let spec = table.spec();
    columns(table)
        .iter()
        .map(|column| GridColumn {
            field: column.field,
            header: match language {
                schemas::Language::Chinese => column.header_zh.to_owned(),
                schemas::Language::English => column.field.to_owned(),
            },
            required: column.required,
            is_id: spec.is_id_field(column.field),
            choices: crate::template::dropdown_values(&column.kind),
        })
        .collect()
}

async fn draft_page(
    State(console): State<Arc<Console>>,
    signed_in: SignedIn,
    Path((ledger, period)): Path<(String, String)>,
    Query(query): Query<PageQuery>,
) -> Response {
    let Some((ledger, period)) = ledger_period(&ledger, &period) else {
        return not_found(signed_in.language);
    };
    let table = match named_table(&signed_in, ledger, query.table.as_deref()) {
        Ok(table) => table,
        Err(refused) => return *refused,
    };
    render(
        &console,
        &signed_in,
        ledger,
        period,
        table,
        &query,
        Outcome::default(),
        StatusCode::OK,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn render(
    console: &Arc<Console>,
    signed_in: &SignedIn,
    ledger: Ledger,
    period: Period,
    table: Table,
    query: &PageQuery,
    outcome: Outcome,
    status: StatusCode,
) -> Response {
    let here = format!(
        "/drafts/{}/{}?table={}",
        ledger.slug(),
        period,
        table.slug()
    );
    let frame = Frame::of(console, signed_in, &here).await;
    let language = signed_in.language;
    let records = run(
        console,
        signed_in,
        Request::Records(RecordsRequest {
            ledger,
            period,
            table: None,
        }),
    )
    .await;
    let records = match console_answer!(records, Records) {
        Ok(answer) => answer.records,
        Err(error) => return super::failure_page(console, signed_in, &here, &error).await,
    };
    let tables: Vec<_> = tables_of(ledger)
        .iter()
        .map(|each| {
            minijinja::context! {
                slug => each.slug(),
                name => match language {
                    schemas::Language::Chinese => each.name_zh().to_owned(),
                    schemas::Language::English => each.slug().to_owned(),
                },
                count => records.iter().filter(|record| record.table == *each).count(),
                selected => *each == table,
            }
        })
        .collect();
    let all_rows: Vec<GridRow> = records
        .iter()
        .filter(|record| record.table == table)
        .enumerate()
        .map(|(index, record)| GridRow {
            number: index as u64 + 1,
            id: record.id.clone(),
            // In Chinese, closed lists and yes/no read as their words (as on the template).
            cells: record
                .fields
                .iter()
                .map(
                    |(field, value)| match (language, column_kind(table, field)) {
                        (schemas::Language::Chinese, Some(kind)) => {
                            language.scope(|| crate::render::value_in_words(kind, value))
                        }
                        _ => value.clone(),
                    },
                )
                .collect(),
        })
        .collect();
    let pages = all_rows.len().div_ceil(ROWS_PER_PAGE).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let rows: Vec<&GridRow> = all_rows
        .iter()
        .skip((page - 1) * ROWS_PER_PAGE)
        .take(ROWS_PER_PAGE)
        .collect();
    let preview = run(
        console,
        signed_in,
        Request::Report(ReportRequest {
            ledger,
            period,
            draft: true,
        }),
    )
    .await;
    let preview = console_answer!(preview, Report).ok();
    let key = read(console, language, move |core| {
        DocumentKey::new(core.code(), ledger, period)
    })
    .await;
    let (history, deadline_ms): (Option<DocumentReview>, Option<i64>) =
        read(console, language, move |core| {
            (
                core.document_history(key).ok(),
                core.definition_of(ledger, period)
                    .map(|definition| definition.deadline_ms),
            )
        })
        .await;
    let (state, reason) = match history.as_ref().map(|history| &history.review) {
        Some(ReviewState::Returned { reason }) => ("returned", Some(reason.clone())),
        Some(other) => (state_name(other), None),
        None => ("missing", None),
    };
    let columns = grid_columns(table, language);
    let may_edit = signed_in.session.role.may(Permission::EditOwnLedgers);
    view::page(
        &console.templates,
        language,
        "draft.html",
        minijinja::context! {
            frame,
            ledger => ledger.slug(),
            ledger_label => ledger_label(ledger, signed_in.language),
            period => period.to_string(),
            table => table.slug(),
            tables,
            columns,
            rows,
            row_count => all_rows.len(),
            page,
            pages,
            preview,
            history,
            state,
            reason,
            deadline_ms,
            may_edit,
            done => query.done.clone(),
            problems => outcome.problems,
            more => outcome.more,
            message => outcome.message,
            pending => outcome.pending,
        },
    )
    .into_response_with(status)
}

/// Sets a page's status.
trait WithStatus {
    fn into_response_with(self, status: StatusCode) -> Response;
}

impl WithStatus for Response {
    fn into_response_with(mut self, status: StatusCode) -> Response {
        *self.status_mut() = status;
        self
    }
}

/// The form's cells in the table's column order (`f_<field>`), and the values shown again.
fn cells_of(table: Table, form: &HashMap<String, String>) -> Vec<String> {
    columns(table)
        .iter()
        .map(|column| {
            form.get(&format!("f_{}", column.field))
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

fn field_header(table: Table) -> Vec<String> {
    columns(table)
        .iter()
        .map(|column| column.header_zh.to_owned())
        .collect()
}

/// An operation's refusal as the parts of the page that show it.
fn refusal(error: OperationError, pending: Option<Pending>) -> Outcome {
    match error.details {
        ErrorDetails::ImportProblems { problems, more } => Outcome {
            problems,
            more,
            message: Some(error.message),
            pending,
        },
        ErrorDetails::Findings { findings } => Outcome {
            message: Some(
                std::iter::once(error.message)
                    .chain(findings.into_iter().map(|finding| finding.message))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            pending,
            ..Outcome::default()
        },
        ErrorDetails::None => Outcome {
            message: Some(error.message),
            pending,
            ..Outcome::default()
        },
    }
}

/// Checks the form's token and that the person may edit; the refusal otherwise.
fn may_change(
    signed_in: &SignedIn,
    csrf: Option<&String>,
) -> Result<(), crate::console::auth::Refused> {
    signed_in.check_csrf(csrf.map_or("", String::as_str))?;
    signed_in.require(Permission::EditOwnLedgers)
}

/// What every changing form of a draft starts with: the session's CSRF token and the clerk's
/// role, then the ledger and period of the path; the refusal otherwise.
fn changing(
    signed_in: &SignedIn,
    csrf: Option<&String>,
    ledger: &str,
    period: &str,
) -> Result<(schemas::Ledger, schemas::Period), crate::console::auth::Refused> {
    may_change(signed_in, csrf)?;
    ledger_period(ledger, period).ok_or_else(|| Box::new(not_found(signed_in.language)))
}

/// The table a form names, of the ledger; the refusal otherwise.
fn named_table(
    signed_in: &SignedIn,
    ledger: schemas::Ledger,
    slug: Option<&str>,
) -> Result<Table, crate::console::auth::Refused> {
    table_of(ledger, slug).ok_or_else(|| Box::new(not_found(signed_in.language)))
}

async fn save_row(
    State(console): State<Arc<Console>>,
    signed_in: SignedIn,
    Path((ledger, period)): Path<(String, String)>,
    axum::extract::Form(form): axum::extract::Form<HashMap<String, String>>,
) -> Response {
    let (ledger, period) = match changing(&signed_in, form.get("csrf"), &ledger, &period) {
        Ok(target) => target,
        Err(refused) => return *refused,
    };
    let table = match named_table(&signed_in, ledger, form.get("table").map(String::as_str)) {
        Ok(table) => table,
        Err(refused) => return *refused,
    };
    let number: u64 = form
        .get("row")
        .and_then(|row| row.parse().ok())
        .unwrap_or(0);
    let cells = cells_of(table, &form);
    let source = signed_in
        .language
        .scope(|| crate::t!("console.draft.grid_source").into_owned());
    let request = Request::PutRows(PutRowsRequest {
        ledger,
        period,
        table,
        source,
        header: field_header(table),
        rows: vec![(number.max(1), cells.clone())],
        check_only: false,
    });
    let query = PageQuery {
        table: Some(table.slug().to_owned()),
        page: form.get("page").and_then(|page| page.parse().ok()),
        done: None,
    };
    match run(&console, &signed_in, request).await {
        Ok(_) => see_other(&format!(
            "/drafts/{}/{period}?table={}&page={}&done=saved",
            ledger.slug(),
            table.slug(),
            query.page.unwrap_or(1)
        )),
        Err(error) => {
            let outcome = refusal(error, Some(Pending { number, cells }));
            render(
                &console,
                &signed_in,
                ledger,
                period,
                table,
                &query,
                outcome,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn delete_row(
    State(console): State<Arc<Console>>,
    signed_in: SignedIn,
    Path((ledger, period)): Path<(String, String)>,
    axum::extract::Form(form): axum::extract::Form<HashMap<String, String>>,
) -> Response {
    let (ledger, period) = match changing(&signed_in, form.get("csrf"), &ledger, &period) {
        Ok(target) => target,
        Err(refused) => return *refused,
    };
    let table = match named_table(&signed_in, ledger, form.get("table").map(String::as_str)) {
        Ok(table) => table,
        Err(refused) => return *refused,
    };
    let id = form.get("id").cloned().unwrap_or_default();
    let request = Request::Delete(crate::operations::delete::DeleteRequest {
        ledger,
        period,
        table,
        ids: vec![id],
        all: false,
        cascade: form.get("cascade").is_some_and(|value| value == "1"),
    });
    match run(&console, &signed_in, request).await {
        Ok(_) => see_other(&format!(
            "/drafts/{}/{period}?table={}&done=deleted",
            ledger.slug(),
            table.slug()
        )),
        Err(error) => {
            let query = PageQuery {
                table: Some(table.slug().to_owned()),
                ..PageQuery::default()
            };
            render(
                &console,
                &signed_in,
                ledger,
                period,
                table,
                &query,
                refusal(error, None),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// A file name safe to write: its last component, without path separators or control
/// characters, at most 100 characters; `upload.csv` when nothing is left.
fn safe_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|character| !character.is_control())
        .take(100)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "upload.csv".to_owned()
    } else {
        cleaned
    }
}

async fn upload(
    State(console): State<Arc<Console>>,
    signed_in: SignedIn,
    Path((ledger, period)): Path<(String, String)>,
    mut multipart: Multipart,
) -> Response {
    let Some((ledger, period)) = ledger_period(&ledger, &period) else {
        return not_found(signed_in.language);
    };
    let mut csrf = None;
    let mut replace = false;
    let mut table_slug = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_owned();
                let file_name = field.file_name().map(str::to_owned);
                match field.bytes().await {
                    Ok(bytes) => match name.as_str() {
                        "csrf" => csrf = Some(String::from_utf8_lossy(&bytes).into_owned()),
                        "replace" => replace = bytes.as_ref() == b"1",
                        "table" => table_slug = Some(String::from_utf8_lossy(&bytes).into_owned()),
                        "file" => file = Some((file_name.unwrap_or_default(), bytes.to_vec())),
                        _ => {}
                    },
                    Err(_) => return too_large(&signed_in),
                }
            }
            Ok(None) => break,
            Err(_) => return too_large(&signed_in),
        }
    }
    if let Err(refused) = may_change(&signed_in, csrf.as_ref()) {
        return *refused;
    }
    let table = table_of(ledger, table_slug.as_deref()).unwrap_or(tables_of(ledger)[0]);
    let query = PageQuery {
        table: Some(table.slug().to_owned()),
        ..PageQuery::default()
    };
    let Some((file_name, bytes)) = file.filter(|(_, bytes)| !bytes.is_empty()) else {
        let message = signed_in
            .language
            .scope(|| crate::t!("console.draft.no_file").into_owned());
        let outcome = Outcome {
            message: Some(message),
            ..Outcome::default()
        };
        return render(
            &console,
            &signed_in,
            ledger,
            period,
            table,
            &query,
            outcome,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    // The upload is written to a private directory of its own under the node's directory, under
    // the name the clerk gave it (so every problem names the clerk's file), and removed after.
    let directory = console
        .upload_dir
        .join(crate::console::auth::random_token());
    let path = directory.join(safe_file_name(&file_name));
    let written = std::fs::create_dir(&directory).and_then(|()| std::fs::write(&path, &bytes));
    if let Err(error) = written {
        let _ = std::fs::remove_dir_all(&directory);
        let outcome = Outcome {
            message: Some(error.to_string()),
            ..Outcome::default()
        };
        return render(
            &console,
            &signed_in,
            ledger,
            period,
            table,
            &query,
            outcome,
            StatusCode::INTERNAL_SERVER_ERROR,
        )
        .await;
    }
    let request = Request::Import(crate::operations::import::ImportRequest {
        ledger,
        period,
        table: None,
        sheet: None,
        path: path.clone(),
        replace,
    });
    let result = run(&console, &signed_in, request).await;
    let _ = std::fs::remove_dir_all(&directory);
    match result {
        Ok(_) => see_other(&format!(
            "/drafts/{}/{period}?table={}&done=imported",
            ledger.slug(),
            table.slug()
        )),
        Err(error) => {
            let mut outcome = refusal(error, None);
            // Problems name the file as the clerk named it, not where it was kept.
            let shown = safe_file_name(&file_name);
            for problem in &mut outcome.problems {
                problem.file.clone_from(&shown);
            }
            if let Some(message) = &mut outcome.message {
                *message = message.replace(&path.display().to_string(), &shown);
            }
            render(
                &console,
                &signed_in,
                ledger,
                period,
                table,
                &query,
                outcome,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

fn too_large(signed_in: &SignedIn) -> Response {
    crate::console::auth::refused(
        StatusCode::PAYLOAD_TOO_LARGE,
        signed_in.language,
        "console.errors.too_large",
    )
}

async fn submit(
    State(console): State<Arc<Console>>,
    signed_in: SignedIn,
    Path((ledger, period)): Path<(String, String)>,
    axum::extract::Form(form): axum::extract::Form<HashMap<String, String>>,
) -> Response {
    let (ledger, period) = match changing(&signed_in, form.get("csrf"), &ledger, &period) {
        Ok(target) => target,
        Err(refused) => return *refused,
    };
    let request = Request::Submit(crate::operations::submit::SubmitRequest { ledger, period });
    finish(&console, &signed_in, ledger, period, request, "submitted").await
}

async fn confirm(
    State(console): State<Arc<Console>>,
    signed_in: SignedIn,
    Path((ledger, period)): Path<(String, String)>,
    axum::extract::Form(form): axum::extract::Form<HashMap<String, String>>,
) -> Response {
    let (ledger, period) = match changing(&signed_in, form.get("csrf"), &ledger, &period) {
        Ok(target) => target,
        Err(refused) => return *refused,
    };
    let request = Request::Confirm(crate::operations::confirm::ConfirmRequest {
        ledger,
        period,
        reason: form.get("reason").cloned().unwrap_or_default(),
    });
    finish(&console, &signed_in, ledger, period, request, "confirmed").await
}

/// Runs a submission or confirmation and shows the draft page with what happened.
async fn finish(
    console: &Arc<Console>,
    signed_in: &SignedIn,
    ledger: Ledger,
    period: Period,
    request: Request,
    done: &str,
) -> Response {
    let table = tables_of(ledger)[0];
    match run(console, signed_in, request).await {
        Ok(_) => see_other(&format!("/drafts/{}/{period}?done={done}", ledger.slug())),
        Err(error) => {
            render(
                console,
                signed_in,
                ledger,
                period,
                table,
                &PageQuery::default(),
                refusal(error, None),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// The cells of one grid row as typed, for the check as the clerk types.
#[derive(Debug, Deserialize)]
struct CheckRequest {
    table: String,
    row: u64,
    cells: HashMap<String, String>,
}

/// Every problem of one row's cells, by field (the grid marks each cell).
async fn check_row(
    State(console): State<Arc<Console>>,
    signed_in: SignedIn,
    Path((ledger, period)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    Json(check): Json<CheckRequest>,
) -> Response {
    let token = headers
        .get(CSRF_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let (ledger, period) = match changing(&signed_in, token.as_ref(), &ledger, &period) {
        Ok(target) => target,
        Err(refused) => return *refused,
    };
    let table = match named_table(&signed_in, ledger, Some(&check.table)) {
        Ok(table) => table,
        Err(refused) => return *refused,
    };
    let form: HashMap<String, String> = check
        .cells
        .into_iter()
        .map(|(field, value)| (format!("f_{field}"), value))
        .collect();
    let source = signed_in
        .language
        .scope(|| crate::t!("console.draft.grid_source").into_owned());
    let request = Request::PutRows(PutRowsRequest {
        ledger,
        period,
        table,
        source,
        header: field_header(table),
        rows: vec![(check.row.max(1), cells_of(table, &form))],
        check_only: true,
    });
    let problems = match run(&console, &signed_in, request).await {
        Ok(_) => Vec::new(),
        Err(error) => match error.details {
            ErrorDetails::ImportProblems { problems, .. } => problems,
            _ => Vec::new(),
        },
    };
    Json(problems).into_response()
}

/// The blank template of a ledger, as the CLI's `template` writes it, in the reader's language.
async fn template(
    State(console): State<Arc<Console>>,
    signed_in: SignedIn,
    Path(ledger): Path<String>,
) -> Response {
    let Ok(ledger) = ledger.trim_end_matches(".xlsx").parse::<Ledger>() else {
        return not_found(signed_in.language);
    };
    let language = signed_in.language;
    let directory = console
        .upload_dir
        .join(crate::console::auth::random_token());
    let path = directory.join(format!("{}-template.xlsx", ledger.slug()));
    let written = {
        let path = path.clone();
        let directory = directory.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
            std::fs::create_dir(&directory)?;
            crate::template::write_template_in(
                ledger,
                crate::export::ExportFormat::Xlsx,
                Some(&path),
                language,
            )?;
            Ok(std::fs::read(&path)?)
        })
        .await
    };
    let _ = std::fs::remove_dir_all(&directory);
    super::download(
        written,
        super::XLSX_CONTENT_TYPE,
        &format!("{}-template.xlsx", ledger.slug()),
        language,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploaded_names_stay_in_their_directory() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("C:\\Users\\王\\能源.xlsx"), "能源.xlsx");
        assert_eq!(safe_file_name(".."), "upload.csv");
        assert_eq!(safe_file_name(""), "upload.csv");
        assert_eq!(safe_file_name("a\u{0}b.csv"), "ab.csv");
    }
}
