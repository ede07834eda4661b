//! Sign-in, sign-out, the person's own password, the language switch, and the console's style
//! sheet and script.

use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Frame, run, see_other};
use crate::console::auth::{
    self, LANGUAGE_COOKIE, Session, SignedIn, language_of, local_path, random_token, set_cookie,
};
use crate::console::server::{ClientAddress, Console};
use crate::console::view;
use crate::core::accounts::password_matches;
use crate::operations::Request;
use crate::operations::users::UsersRequest;

pub fn routes() -> Router<Arc<Console>> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route(
            "/account/password",
            get(password_form).post(change_password),
        )
        .route("/language/{code}", get(switch_language))
        .route("/static/console.css", get(style))
        .route("/static/console.js", get(script))
}

#[derive(Debug, Deserialize)]
struct Next {
    next: Option<String>,
}

/// The login form, with its double-submit token set as a cookie.
async fn login_form(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    Query(next): Query<Next>,
) -> Response {
    login_page(
        &console,
        &headers,
        next.next.as_deref().unwrap_or("/"),
        None,
        StatusCode::OK,
    )
}

fn login_page(
    console: &Console,
    headers: &HeaderMap,
    next: &str,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    let language = language_of(headers);
    let token = random_token();
    let mut page = view::page(
        &console.templates,
        language,
        "login.html",
        minijinja::context! {
            lang => language.code(),
            csrf => token,
            next => local_path(next),
            problem,
        },
    );
    *page.status_mut() = status;
    if let Ok(value) = set_cookie(
        &console.sessions.login_cookie(),
        &token,
        console.secure,
        Some(3600),
    )
    .parse()
    {
        page.headers_mut().append(header::SET_COOKIE, value);
    }
    page
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    login: String,
    password: String,
    csrf: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(console): State<Arc<Console>>,
    ConnectInfo(ClientAddress(client)): ConnectInfo<ClientAddress>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let language = language_of(&headers);
    let words = |key: &str| language.scope(|| crate::t!(key).into_owned());
    let cookie_token =
        auth::cookie_value(&headers, &console.sessions.login_cookie()).unwrap_or_default();
    if cookie_token.is_empty() || !auth::same_token(&cookie_token, &form.csrf) {
        return auth::refused(StatusCode::FORBIDDEN, language, "console.errors.csrf");
    }
    let now_ms = crate::clock::unix_ms();
    let login = form.login.trim().to_owned();
    let held_ms = console.sessions.held_ms(&login, Some(client.ip()), now_ms);
    if held_ms > 0 {
        let seconds = (held_ms + 999) / 1000;
        let problem =
            language.scope(|| crate::t!("console.login.held", seconds = seconds).into_owned());
        return login_page(
            &console,
            &headers,
            &form.next,
            Some(problem),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let handle = console.handle.clone();
    let password = form.password.clone();
    let checked_login = login.clone();
    let account = tokio::task::spawn_blocking(move || {
        let account = handle
            .with_core(|core| core.account(&checked_login))
            .ok()
            .flatten();
        match account {
            Some(account) if password_matches(&account.password_hash, &password) => Some(account),
            Some(_) => None,
            None => {
                // The same work as a real check, so that timing does not tell which logins exist.
                let _ = password_matches(dummy_hash(), &password);
                None
            }
        }
    })
    .await
    .ok()
    .flatten();
    let Some(account) = account else {
        console.sessions.failed(&login, Some(client.ip()), now_ms);
        return login_page(
            &console,
            &headers,
            &form.next,
            Some(words("console.login.wrong")),
            StatusCode::UNAUTHORIZED,
        );
    };
    console.sessions.succeeded(&login);
    let token = console.sessions.start(
        Session {
            login: account.login.clone(),
            name: account.name.clone(),
            role: account.role,
            csrf: random_token(),
            must_change_password: account.must_change_password,
            started_ms: now_ms,
            last_seen_ms: now_ms,
            credentials_ms: 0,
        },
        now_ms,
    );
    let target = if account.must_change_password {
        "/account/password"
    } else {
        local_path(&form.next)
    };
    let mut response = see_other(target);
    for cookie in [
        set_cookie(
            &console.sessions.session_cookie(),
            &token,
            console.secure,
            None,
        ),
        set_cookie(
            &console.sessions.login_cookie(),
            "",
            console.secure,
            Some(0),
        ),
    ] {
        if let Ok(value) = cookie.parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// An argon2id hash of a random password, checked against when a login does not exist.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| crate::core::accounts::hash_password(&random_token()).unwrap_or_default())
}

#[derive(Debug, Deserialize)]
struct CsrfOnly {
    csrf: String,
}

async fn logout(
    State(console): State<Arc<Console>>,
    signed_in: SignedIn,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if let Err(refusal) = signed_in.check_csrf(&form.csrf) {
        return *refusal;
    }
    console.sessions.end(&signed_in.token);
    let mut response = see_other("/login");
    if let Ok(value) = set_cookie(
        &console.sessions.session_cookie(),
        "",
        console.secure,
        Some(0),
    )
    .parse()
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

async fn password_form(State(console): State<Arc<Console>>, signed_in: SignedIn) -> Response {
    password_page(&console, &signed_in, None, None, StatusCode::OK).await
}

async fn password_page(
    console: &Arc<Console>,
    signed_in: &SignedIn,
    problem: Option<String>,
    done: Option<String>,
    status: StatusCode,
) -> Response {
    let frame = Frame::of(console, signed_in, "/account/password").await;
    let must_change = signed_in.session.must_change_password;
    let mut page = view::page(
        &console.templates,
        signed_in.language,
        "password.html",
        minijinja::context! { frame, must_change, problem, done },
    );
    *page.status_mut() = status;
    page
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
    repeat: String,
}

async fn change_password(
    State(console): State<Arc<Console>>,
    signed_in: SignedIn,
    Form(form): Form<PasswordForm>,
) -> Response {
    if let Err(refusal) = signed_in.check_csrf(&form.csrf) {
        return *refusal;
    }
    if form.new != form.repeat {
        let problem = signed_in
            .language
            .scope(|| crate::t!("console.password.repeat_differs").into_owned());
        return password_page(
            &console,
            &signed_in,
            Some(problem),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let request = Request::Users(UsersRequest::ChangeOwnPassword {
        login: signed_in.session.login.clone(),
        current: form.current,
        new: form.new,
    });
    match run(&console, &signed_in, request).await {
        Ok(_) => {
            console
                .sessions
                .end_all_of(&signed_in.session.login, Some(&signed_in.token));
            console.sessions.password_changed(&signed_in.token);
            see_other("/")
        }
        Err(error) => {
            password_page(
                &console,
                &signed_in,
                Some(error.message),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Debug, Deserialize)]
struct Back {
    back: Option<String>,
}

/// Sets the language cookie and goes back to the page.
async fn switch_language(
    State(console): State<Arc<Console>>,
    axum::extract::Path(code): axum::extract::Path<String>,
    Query(back): Query<Back>,
) -> Response {
    let value = if code == "en" { "en" } else { "zh-CN" };
    let mut response = see_other(local_path(back.back.as_deref().unwrap_or("/")));
    if let Ok(cookie) =
        set_cookie(LANGUAGE_COOKIE, value, console.secure, Some(365 * 86_400)).parse()
    {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        view::STYLE,
    )
        .into_response()
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        view::SCRIPT,
    )
        .into_response()
}
