//! The pages' templates and their words. Templates are minijinja files in `templates/`, compiled
//! into the binary and parsed once when the console starts (a template that does not parse stops
//! the start, and a test renders every page). HTML is escaped automatically. Every word a page
//! shows comes from the catalogues through `t("key", name=value)`, in the reader's language;
//! times are Beijing time with the zone named (`value|time`), numbers have thousands separators
//! (`value|number(2)`).

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error, ErrorKind};
use schemas::Language;
use serde::Serialize;

/// Every template, by name, with its source.
const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("templates/layout.html")),
    ("macros.html", include_str!("templates/macros.html")),
    ("login.html", include_str!("templates/login.html")),
    ("password.html", include_str!("templates/password.html")),
    ("home.html", include_str!("templates/home.html")),
    ("draft.html", include_str!("templates/draft.html")),
    (
        "completeness.html",
        include_str!("templates/completeness.html"),
    ),
    ("review.html", include_str!("templates/review.html")),
    ("figures.html", include_str!("templates/figures.html")),
    ("explain.html", include_str!("templates/explain.html")),
    ("returns.html", include_str!("templates/returns.html")),
    ("sync.html", include_str!("templates/sync.html")),
    ("users.html", include_str!("templates/users.html")),
    ("message.html", include_str!("templates/message.html")),
];

/// The style sheet and the little script every page loads, served from the binary.
pub const STYLE: &str = include_str!("static/console.css");
pub const SCRIPT: &str = include_str!("static/console.js");

/// Every template parsed, with the functions and filters pages use.
pub fn environment() -> Result<Environment<'static>, Error> {
    let mut environment = Environment::new();
    environment.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    environment.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, source) in TEMPLATES {
        environment.add_template(name, source)?;
    }
    environment.add_function("t", translate);
    environment.add_filter("time", time);
    environment.add_filter("number", number);
    environment.add_filter("table_name", table_name);
    environment.add_filter("field_name", field_name);
    Ok(environment)
}

/// `t("key", name=value, …)`: the catalogue's text in the language in force (the page is
/// rendered inside [`Language::scope`]), with `%{name}` replaced by each value.
fn translate(key: &str, kwargs: Kwargs) -> Result<String, Error> {
    let mut text = crate::t!(key).into_owned();
    for name in kwargs.args() {
        let value: Value = kwargs.get(name)?;
        let shown = match value.as_str() {
            Some(text) => text.to_owned(),
            None => value.to_string(),
        };
        text = text.replace(&format!("%{{{name}}}"), &shown);
    }
    Ok(text)
}

/// A table's slug as the reader calls it: 公务用车 in Chinese, the slug in English; anything else
/// as it came.
fn table_name(slug: &str) -> String {
    match (slug.parse::<schemas::table::Table>(), Language::current()) {
        (Ok(table), Language::Chinese) => table.name_zh().to_owned(),
        _ => slug.to_owned(),
    }
}

/// A field of `table` as its column is headed on forms in Chinese (购置价格（元）), the field's
/// name in English; anything else as it came.
fn field_name(field: &str, table: &str) -> String {
    let header = table
        .parse::<schemas::table::Table>()
        .ok()
        .and_then(|table| {
            table
                .spec()
                .columns
                .iter()
                .find(|column| column.field == field)
                .map(|column| column.header_zh)
        });
    match (header, Language::current()) {
        (Some(header), Language::Chinese) => header.to_owned(),
        _ => field.to_owned(),
    }
}

/// Unix milliseconds as Beijing time with the zone named; nothing for none.
fn time(value: Value) -> String {
    i64::try_from(value)
        .map(crate::clock::beijing_time)
        .unwrap_or_default()
}

/// A number with thousands separators and `decimals` places (a decimal given as text keeps its
/// digits: figures are exact decimals, never floats).
fn number(value: Value, decimals: Option<usize>) -> Result<String, Error> {
    let text = match value.as_str() {
        Some(text) => text.to_owned(),
        None => value.to_string(),
    };
    let decimal: rust_decimal::Decimal = text
        .trim()
        .parse()
        .map_err(|_| Error::new(ErrorKind::InvalidOperation, format!("not a number: {text}")))?;
    let decimal = match decimals {
        Some(places) => decimal.round_dp(u32::try_from(places).unwrap_or(2)),
        None => decimal,
    };
    Ok(group_thousands(&decimal.to_string()))
}

/// `1234567.5` → `1,234,567.5`.
pub fn group_thousands(text: &str) -> String {
    let (sign, digits) = text
        .strip_prefix('-')
        .map_or(("", text), |rest| ("-", rest));
    let (whole, fraction) = digits
        .split_once('.')
        .map_or((digits, None), |(w, f)| (w, Some(f)));
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Renders a page in the reader's language; a template fault is a 500 with its reason logged.
pub fn page(
    environment: &Environment<'static>,
    language: Language,
    name: &str,
    context: impl Serialize,
) -> Response {
    let rendered = language.scope(|| {
        environment
            .get_template(name)
            .and_then(|template| template.render(context))
    });
    match rendered {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!("console page {name} failed: {error:#}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                language.scope(|| crate::t!("console.errors.page_failed").into_owned()),
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        environment().unwrap();
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(group_thousands("1234567.50"), "1,234,567.50");
        assert_eq!(group_thousands("-1234"), "-1,234");
        assert_eq!(group_thousands("123"), "123");
        assert_eq!(
            number(Value::from("2500.456"), Some(2)).unwrap(),
            "2,500.46"
        );
    }

    #[test]
    fn texts_take_their_values_in_the_language_given() {
        let environment = environment().unwrap();
        let english = Language::English.scope(|| {
            environment
                .render_str(r#"{{ t("accounts.exists", login="<b>") }}"#, ())
                .unwrap()
        });
        assert_eq!(english, "The account &lt;b&gt; exists already");
        let chinese = Language::Chinese.scope(|| {
            environment
                .render_str(r#"{{ t("accounts.exists", login="wang") }}"#, ())
                .unwrap()
        });
        assert_eq!(chinese, "账户 wang 已存在");
    }
}
