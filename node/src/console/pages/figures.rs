//! Consolidated figures: the node's return (every sheet, final or provisional, what is missing),
//! charts (breakdown by child, the energy mix, vehicle categories, change on the previous year),
//! each figure's drill-down by child down to every signed submission (the `explain` chain), and
//! the return's downloads (XLSX, CSV, SDMX-CSV, JSON).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use schemas::returns::{ReturnSheet, StatReturn};
use schemas::{Language, Ledger};
use serde::Serialize;

use super::{Frame, ledger_label, ledger_period, not_found, run};
use crate::console::auth::SignedIn;
use crate::console::charts::{self, BarChart, LabelledValue, ShareChart};
use crate::console::server::Console;
use crate::console::view;
use crate::console_answer;
use crate::export::ExportFormat;
use crate::operations::Request;
use crate::operations::explain::ExplainRequest;
use crate::operations::export::ExportRequest;
use crate::operations::report::ReportRequest;

pub fn routes() -> Router<Arc<Console>> {
    Router::new()
        .route("/figures/{ledger}/{period}", get(figures))
        .route("/explain/{ledger}/{period}/{figure}", get(explain))
        .route("/downloads/{ledger}/{period}/{format}", get(download))
}

/// A sheet of the return as a page shows it.
#[derive(Debug, Serialize)]
struct SheetView {
    id: String,
    name: String,
    row_header: String,
    headers: Vec<String>,
    rows: Vec<(String, String, Vec<String>)>,
    totals: Option<Vec<String>>,
}

fn shown(value: Option<rust_decimal::Decimal>) -> String {
    value.map_or_else(String::new, |value| {
        view::group_thousands(&value.round_dp(4).normalize().to_string())
    })
}

fn sheet_view(sheet: &ReturnSheet) -> SheetView {
    SheetView {
        id: sheet.id.clone(),
        name: sheet.name_zh.clone(),
        row_header: sheet.row_header_zh.clone(),
        headers: sheet
            .columns
            .iter()
            .map(|column| column.header_zh.clone())
            .collect(),
        rows: sheet
            .rows
            .iter()
            .map(|row| {
                (
                    row.key.clone(),
                    row.label_zh.clone(),
                    row.values.iter().copied().map(shown).collect(),
                )
            })
            .collect(),
        totals: sheet
            .totals
            .as_ref()
            .map(|totals| totals.iter().copied().map(shown).collect()),
    }
}

fn as_f64(value: Option<rust_decimal::Decimal>) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    value.and_then(|value| value.to_f64()).unwrap_or(f64::NAN)
}

/// The sheet of a return with this id.
fn sheet<'a>(ret: &'a StatReturn, id: &str) -> Option<&'a ReturnSheet> {
    ret.sheets.iter().find(|sheet| sheet.id == id)
}

/// One column of a sheet as labelled values, and the column's header.
fn column(sheet: &ReturnSheet, index: usize) -> (String, Vec<LabelledValue>) {
    let header = sheet
        .columns
        .get(index)
        .map(|column| column.header_zh.clone())
        .unwrap_or_default();
    let values = sheet
        .rows
        .iter()
        .map(|row| LabelledValue {
            label: row.label_zh.clone(),
            value: as_f64(row.values.get(index).copied().flatten()),
        })
        .collect();
    (header, values)
}

/// The column of `by_child` each ledger's breakdown chart draws, and the figure it explains.
fn headline(ledger: Ledger) -> (usize, &'static str) {
    match ledger {
        Ledger::Energy => (3, "energy.standard_coal_kgce"),
        Ledger::Vehicles => (0, "vehicles.count"),
        Ledger::OfficeSpace => (1, "office_space.floor_area_m2"),
    }
}

/// The charts of a return, as SVG.
fn charts_of(ledger: Ledger, ret: &StatReturn) -> Vec<String> {
    let no_data = crate::t!("console.figures.no_data").into_owned();
    let missing = crate::t!("console.figures.missing_value").into_owned();
    let mut drawn = Vec::new();
    if let Some(by_child) = sheet(ret, "by_child") {
        let (header, bars) = column(by_child, headline(ledger).0);
        drawn.push(charts::bar_chart(&BarChart {
            title: crate::t!("console.figures.chart_by_child", column = header).into_owned(),
            unit: String::new(),
            // Vehicles are counted in whole numbers; areas and energy to two places.
            decimals: if ledger == Ledger::Vehicles { 0 } else { 2 },
            no_data_text: no_data.clone(),
            missing_text: missing.clone(),
            bars,
        }));
    }
    match ledger {
        Ledger::Energy => {
            if let Some(by_carrier) = sheet(ret, "by_carrier") {
                let (header, slices) = column(by_carrier, 2);
                drawn.push(charts::share_chart(&ShareChart {
                    title: crate::t!("console.figures.chart_energy_mix", column = header)
                        .into_owned(),
                    unit: String::new(),
                    decimals: 4,
                    no_data_text: no_data.clone(),
                    missing_text: missing.clone(),
                    slices,
                }));
            }
        }
        Ledger::Vehicles => {
            if let Some(by_category) = sheet(ret, "by_category") {
                let (header, bars) = column(by_category, 0);
                drawn.push(charts::bar_chart(&BarChart {
                    title: crate::t!("console.figures.chart_categories", column = header)
                        .into_owned(),
                    unit: String::new(),
                    decimals: 0,
                    no_data_text: no_data.clone(),
                    missing_text: missing.clone(),
                    bars,
                }));
            }
        }
        Ledger::OfficeSpace => {
            if let Some(by_category) = sheet(ret, "by_category") {
                let (header, bars) = column(by_category, 1);
                drawn.push(charts::bar_chart(&BarChart {
                    title: crate::t!("console.figures.chart_categories", column = header)
                        .into_owned(),
                    unit: String::new(),
                    decimals: 2,
                    no_data_text: no_data.clone(),
                    missing_text: missing.clone(),
                    bars,
                }));
            }
        }
    }
    if let Some(indicators) = sheet(ret, "indicators") {
        let (_, bars) = column(indicators, 3);
        let bars: Vec<LabelledValue> = bars
            .into_iter()
            .filter(|bar| bar.value.is_finite())
            .collect();
        drawn.push(charts::bar_chart(&BarChart {
            title: crate::t!("console.figures.chart_year_on_year").into_owned(),
            unit: "%".to_owned(),
            decimals: 2,
            no_data_text: crate::t!("console.figures.no_previous_year").into_owned(),
            missing_text: missing,
            bars,
        }));
    }
    drawn
}

async fn figures(
    State(console): State<Arc<Console>>,
    signed_in: SignedIn,
    Path((ledger, period)): Path<(String, String)>,
) -> Response {
    let language = signed_in.language;
    let Some((ledger, period)) = ledger_period(&ledger, &period) else {
        return not_found(language);
    };
    let here = format!("/figures/{}/{period}", ledger.slug());
    let answer = run(
        &console,
        &signed_in,
        Request::Report(ReportRequest {
            ledger,
            period,
            draft: false,
        }),
    )
    .await;
    let frame = Frame::of(&console, &signed_in, &here).await;
    let report = match console_answer!(answer, Report) {
        Ok(report) => Some(report),
        Err(error) if error.kind == crate::core::ErrorKind::NotFound => None,
        Err(error) => return super::failure_page(&console, &signed_in, &here, &error).await,
    };
    let (sheets, charts, figures) = match &report {
        Some(report) => (
            report
                .statistical_return
                .sheets
                .iter()
                .map(sheet_view)
                .collect::<Vec<_>>(),
            language.scope(|| charts_of(ledger, &report.statistical_return)),
            report
                .figures
                .iter()
                .filter(|figure| !figure.label_zh.is_empty())
                .map(|figure| {
                    minijinja::context! {
                        name => figure.name.clone(),
                        label => match language {
                            Language::Chinese => figure.label_zh.clone(),
                            Language::English => figure.label_en.clone(),
                        },
                        unit => language.scope(|| crate::render::unit_name(&figure.unit)),
                        value => view::group_thousands(&figure.value),
                    }
                })
                .collect::<Vec<_>>(),
        ),
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    let formats: Vec<_> = ExportFormat::ALL
        .iter()
        .map(|format| format.slug())
        .collect();
    view::page(
        &console.templates,
        language,
        "figures.html",
        minijinja::context! {
            frame,
            ledger => ledger.slug(),
            ledger_label => ledger_label(ledger, signed_in.language),
            period => period.to_string(),
            report,
            sheets,
            charts,
            figures,
            formats,
            headline => headline(ledger).1,
        },
    )
}

async fn explain(
    State(console): State<Arc<Console>>,
    signed_in: SignedIn,
    Path((ledger, period, figure)): Path<(String, String, String)>,
) -> Response {
    let language = signed_in.language;
    let Some((ledger, period)) = ledger_period(&ledger, &period) else {
        return not_found(language);
    };
    let here = format!("/explain/{}/{period}/{figure}", ledger.slug());
    let answer = run(
        &console,
        &signed_in,
        Request::Explain(ExplainRequest {
            ledger,
            period,
            figure: figure.clone(),
        }),
    )
    .await;
    let view_answer = match console_answer!(answer, Explain) {
        Ok(view) => view,
        Err(error) => return super::failure_page(&console, &signed_in, &here, &error).await,
    };
    let frame = Frame::of(&console, &signed_in, &here).await;
    let label = schemas::catalog(ledger)
        .iter()
        .find(|spec| spec.name == figure)
        .map(|spec| match language {
            Language::Chinese => spec.label_zh.to_string(),
            Language::English => spec.label_en.to_string(),
        })
        .unwrap_or_else(|| figure.clone());
    let names = super::read(&console, language, move |core| {
        core.topology()
            .subtree(core.code())
            .into_iter()
            .map(|code| {
                (
                    code.to_string(),
                    super::name_in(core.topology(), code, language),
                )
            })
            .collect::<std::collections::BTreeMap<_, _>>()
    })
    .await;
    view::page(
        &console.templates,
        language,
        "explain.html",
        minijinja::context! {
            frame,
            ledger => ledger.slug(),
            ledger_label => ledger_label(ledger, signed_in.language),
            period => period.to_string(),
            figure,
            label,
            view => view_answer,
            names,
        },
    )
}

async fn download(
    State(console): State<Arc<Console>>,
    signed_in: SignedIn,
    Path((ledger, period, format)): Path<(String, String, String)>,
) -> Response {
    let language = signed_in.language;
    let (Some((ledger, period)), Ok(format)) = (
        ledger_period(&ledger, &period),
        format.parse::<ExportFormat>(),
    ) else {
        return not_found(language);
    };
    let here = format!("/figures/{}/{period}", ledger.slug());
    let answer = run(
        &console,
        &signed_in,
        Request::Export(ExportRequest { ledger, period }),
    )
    .await;
    let ret = match console_answer!(answer, Export) {
        Ok(ret) => ret,
        Err(error) => return super::failure_page(&console, &signed_in, &here, &error).await,
    };
    let directory = console
        .upload_dir
        .join(crate::console::auth::random_token());
    let name = crate::export::default_file_name(&ret, format);
    let path = directory.join(&name);
    let written = {
        let path = path.clone();
        let directory = directory.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
            std::fs::create_dir(&directory)?;
            language.scope(|| crate::export::write_return(&ret, format, &path))?;
            Ok(std::fs::read(&path)?)
        })
        .await
    };
    let _ = std::fs::remove_dir_all(&directory);
    super::download(written, format.content_type(), &name, language)
}
