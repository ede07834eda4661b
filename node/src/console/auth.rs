//! Who is signed in: sessions by cookie, CSRF tokens, login throttling.
//!
//! - A session is a random 256-bit token in a cookie (`HttpOnly`, `SameSite=Strict`, `Path=/`,
//!   `Secure` under TLS), known only to this process: a restart signs everyone out. It ends on
//!   logout, after [`SESSION_IDLE_MS`] without a request, and [`SESSION_LONGEST_MS`] after
//!   sign-in; a password change or reset ends the account's other sessions.
//! - Every form carries the session's CSRF token (and `fetch` calls send it as a header); a
//!   changing request without it is refused. The login form uses a token of its own in a cookie
//!   (double submit), so a page elsewhere cannot sign a browser in to another account.
//! - Wrong passwords are throttled per login and per client address: after
//!   [`FAILURES_BEFORE_HOLD`] failures, sign-in waits, doubling from [`HOLD_MS_FIRST`] up to
//!   [`HOLD_MS_LONGEST`]; while held, the password is not even checked.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use cookie::{Cookie, SameSite};
use schemas::Language;

use crate::core::Actor;
use crate::core::accounts::{Permission, Role};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "huizong_session";
/// The login form's double-submit cookie.
pub const LOGIN_COOKIE: &str = "huizong_login";
/// The chosen language (not secret: the switch sets it).
pub const LANGUAGE_COOKIE: &str = "huizong_lang";
/// The header `fetch` calls carry the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A session ends after this long without a request: half an hour, as banking sites do.
pub const SESSION_IDLE_MS: i64 = 30 * 60 * 1000;
/// And at the latest this long after sign-in: a working day.
pub const SESSION_LONGEST_MS: i64 = 12 * 60 * 60 * 1000;
/// Wrong passwords allowed before sign-in is held.
pub const FAILURES_BEFORE_HOLD: u32 = 5;
/// The first hold, doubled with each further failure.
pub const HOLD_MS_FIRST: i64 = 30_000;
/// The longest hold.
pub const HOLD_MS_LONGEST: i64 = 15 * 60 * 1000;
/// Sessions at most in one process: beyond, the oldest is dropped (a flood of sign-ins cannot
/// exhaust memory).
const SESSIONS_MAX: usize = 10_000;
/// Addresses and logins tracked for throttling at most.
const THROTTLE_ENTRIES_MAX: usize = 10_000;

/// A random token, base64url without padding.
pub fn random_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the system random source works");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Compares two tokens in time independent of where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |difference, (x, y)| difference | (x ^ y))
            == 0
}

/// One signed-in person.
#[derive(Debug, Clone)]
pub struct Session {
    pub login: String,
    pub name: Actor,
    pub role: Role,
    pub csrf: String,
    pub must_change_password: bool,
    pub started_ms: i64,
    pub last_seen_ms: i64,
    /// When the person last proved the password: at sign-in, or on changing it here. An
    /// account whose password was set after this (a reset with `huizong user reset`), that was
    /// removed or given another role, ends the session at its next request.
    pub credentials_ms: i64,
}

/// The sessions and throttles of one console.
#[derive(Debug, Default)]
pub struct Sessions {
    /// The names of the session and login cookies: browsers keep cookies per host, not per
    /// port, so two consoles on one machine (the demo's three) need names of their own.
    cookie_suffix: String,
    sessions: Mutex<HashMap<String, Session>>,
    failures: Mutex<HashMap<String, Failures>>,
}

/// Wrong passwords of one login or address.
#[derive(Debug, Clone, Copy, Default)]
struct Failures {
    count: u32,
    held_until_ms: i64,
}

impl Sessions {
    /// The sessions of the console of `node`, with cookies named after it.
    pub fn of_node(node: impl std::fmt::Display) -> Sessions {
        Sessions {
            cookie_suffix: format!("_{node}"),
            ..Sessions::default()
        }
    }

    /// The name of the session cookie.
    pub fn session_cookie(&self) -> String {
        format!("{SESSION_COOKIE}{}", self.cookie_suffix)
    }

    /// The name of the login form's double-submit cookie.
    pub fn login_cookie(&self) -> String {
        format!("{LOGIN_COOKIE}{}", self.cookie_suffix)
    }

    /// Starts a session; returns its token.
    pub fn start(&self, mut session: Session, now_ms: i64) -> String {
        let token = random_token();
        session.started_ms = now_ms;
        session.last_seen_ms = now_ms;
        session.credentials_ms = now_ms;
        let mut sessions = self.sessions.lock().expect("sessions lock");
        sessions.retain(|_, session| live(session, now_ms));
        if sessions.len() >= SESSIONS_MAX
            && let Some(oldest) = sessions
                .iter()
                .min_by_key(|(_, session)| session.last_seen_ms)
                .map(|(token, _)| token.clone())
        {
            sessions.remove(&oldest);
        }
        sessions.insert(token.clone(), session);
        token
    }

    /// The live session of a token, touched; an expired one is removed.
    pub fn get(&self, token: &str, now_ms: i64) -> Option<Session> {
        let mut sessions = self.sessions.lock().expect("sessions lock");
        match sessions.get_mut(token) {
            Some(session) if live(session, now_ms) => {
                session.last_seen_ms = now_ms;
                Some(session.clone())
            }
            Some(_) => {
                sessions.remove(token);
                None
            }
            None => None,
        }
    }

    /// Ends one session.
    pub fn end(&self, token: &str) {
        self.sessions.lock().expect("sessions lock").remove(token);
    }

    /// Ends every session of a login but `keep` (after a password change or reset, a removal).
    pub fn end_all_of(&self, login: &str, keep: Option<&str>) {
        self.sessions
            .lock()
            .expect("sessions lock")
            .retain(|token, session| session.login != login || Some(token.as_str()) == keep);
    }

    /// Marks a session's password as changed.
    pub fn password_changed(&self, token: &str) {
        if let Some(session) = self.sessions.lock().expect("sessions lock").get_mut(token) {
            session.must_change_password = false;
            session.credentials_ms = crate::clock::unix_ms();
        }
    }

    /// For tests of expiry: moves a session's clock back.
    pub fn age(&self, token: &str, by_ms: i64) {
        if let Some(session) = self.sessions.lock().expect("sessions lock").get_mut(token) {
            session.started_ms -= by_ms;
            session.last_seen_ms -= by_ms;
        }
    }

    /// How long sign-in for this login from this address is held, in ms (0: not held).
    pub fn held_ms(&self, login: &str, address: Option<IpAddr>, now_ms: i64) -> i64 {
        let failures = self.failures.lock().expect("throttle lock");
        throttle_keys(login, address)
            .iter()
            .filter_map(|key| failures.get(key))
            .map(|failures| failures.held_until_ms - now_ms)
            .max()
            .unwrap_or(0)
            .max(0)
    }

    /// Counts a wrong password against the login and the address.
    pub fn failed(&self, login: &str, address: Option<IpAddr>, now_ms: i64) {
        let mut failures = self.failures.lock().expect("throttle lock");
        if failures.len() >= THROTTLE_ENTRIES_MAX {
            failures.retain(|_, entry| entry.held_until_ms > now_ms);
        }
        for key in throttle_keys(login, address) {
            let entry = failures.entry(key).or_default();
            entry.count += 1;
            if entry.count >= FAILURES_BEFORE_HOLD {
                let doublings = (entry.count - FAILURES_BEFORE_HOLD).min(16);
                let hold = (HOLD_MS_FIRST << doublings).min(HOLD_MS_LONGEST);
                entry.held_until_ms = now_ms + hold;
            }
        }
    }

    /// A right password clears the login's count (not the address's: a guesser who knows one
    /// password keeps its count for the others).
    pub fn succeeded(&self, login: &str) {
        self.failures
            .lock()
            .expect("throttle lock")
            .remove(&format!("login:{login}"));
    }
}

fn throttle_keys(login: &str, address: Option<IpAddr>) -> Vec<String> {
    let mut keys = vec![format!("login:{login}")];
    if let Some(address) = address {
        keys.push(format!("address:{address}"));
    }
    keys
}

fn live(session: &Session, now_ms: i64) -> bool {
    now_ms - session.last_seen_ms < SESSION_IDLE_MS
        && now_ms - session.started_ms < SESSION_LONGEST_MS
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_owned())
}

/// A `Set-Cookie` value: HttpOnly (unless the page's script needs it), SameSite=Strict, Path=/,
/// Secure under TLS; `max_age_s` 0 removes it.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age_s: Option<i64>) -> String {
    let mut cookie = Cookie::build((name.to_owned(), value.to_owned()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .secure(secure);
    if let Some(seconds) = max_age_s {
        cookie = cookie.max_age(cookie::time::Duration::seconds(seconds));
    }
    cookie.build().to_string()
}

/// The reader's language: the switch's cookie, else Chinese.
pub fn language_of(headers: &HeaderMap) -> Language {
    match cookie_value(headers, LANGUAGE_COOKIE).as_deref() {
        Some("en") => Language::English,
        _ => Language::Chinese,
    }
}

/// A refused request's answer, boxed: a response is large to carry in every `Result`.
pub type Refused = Box<Response>;

/// The signed-in person of a request, with the session's token and the reader's language. Taking
/// it as an argument makes a handler refuse requests without a live session: a page redirects to
/// the login form, anything else answers 401.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: Session,
    pub token: String,
    pub language: Language,
}

impl SignedIn {
    /// Refuses the request unless the role allows it (403, in the reader's words).
    pub fn require(&self, permission: Permission) -> Result<(), Refused> {
        if self.session.role.may(permission) {
            Ok(())
        } else {
            Err(Box::new(refused(
                StatusCode::FORBIDDEN,
                self.language,
                "console.errors.not_allowed",
            )))
        }
    }

    /// Refuses a changing request whose CSRF token is not the session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), Refused> {
        if same_token(token, &self.session.csrf) {
            Ok(())
        } else {
            Err(Box::new(refused(
                StatusCode::FORBIDDEN,
                self.language,
                "console.errors.csrf",
            )))
        }
    }
}

/// A plain refusal in the reader's language.
pub fn refused(status: StatusCode, language: Language, key: &str) -> Response {
    let text = language.scope(|| crate::t!(key).into_owned());
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

/// What every handler with a [`SignedIn`] argument can reach.
pub trait HasSessions {
    fn sessions(&self) -> &Sessions;

    /// Whether the session's account still stands as it was when the session began: it exists,
    /// has the same role, and its password was not set since. Checked on every request, so
    /// that a reset or removal made from the command line ends the session at once.
    fn account_stands(&self, session: &Session) -> impl Future<Output = bool> + Send;
}

impl<State> FromRequestParts<State> for SignedIn
where
    State: HasSessions + Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &State) -> Result<Self, Response> {
        let language = language_of(&parts.headers);
        let now_ms = crate::clock::unix_ms();
        let session =
            cookie_value(&parts.headers, &state.sessions().session_cookie()).and_then(|token| {
                state
                    .sessions()
                    .get(&token, now_ms)
                    .map(|session| (token, session))
            });
        let Some((token, session)) = session else {
            return Err(refused_or_sign_in(parts, language));
        };
        if !state.account_stands(&session).await {
            state.sessions().end(&token);
            return Err(refused_or_sign_in(parts, language));
        }
        let path = parts.uri.path();
        if session.must_change_password && path != "/account/password" && path != "/logout" {
            return Err(Redirect::to("/account/password").into_response());
        }
        Ok(SignedIn {
            session,
            token,
            language,
        })
    }
}

/// The answer to a request without a live session: a page sends to the login form (and back
/// after), anything else is refused with 401.
fn refused_or_sign_in(parts: &Parts, language: Language) -> Response {
    let is_page = parts.method == axum::http::Method::GET && !parts.uri.path().starts_with("/api/");
    if is_page {
        let next = parts
            .uri
            .path_and_query()
            .map_or("/", |path| path.as_str())
            .to_owned();
        Redirect::to(&format!("/login?next={}", url_encode(&next))).into_response()
    } else {
        refused(
            StatusCode::UNAUTHORIZED,
            language,
            "console.errors.not_signed_in",
        )
    }
}

/// Percent-encodes a query value.
pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Whether a `next` target is a path on this site (never another host).
pub fn local_path(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(login: &str) -> Session {
        Session {
            login: login.to_owned(),
            name: Actor::new("张三").unwrap(),
            role: Role::Clerk,
            csrf: random_token(),
            must_change_password: false,
            started_ms: 0,
            last_seen_ms: 0,
            credentials_ms: 0,
        }
    }

    #[test]
    fn sessions_expire_when_idle_and_at_the_latest_after_a_day() {
        let sessions = Sessions::default();
        let token = sessions.start(session("a"), 0);
        assert!(sessions.get(&token, SESSION_IDLE_MS - 1).is_some());
        assert!(sessions.get(&token, 2 * SESSION_IDLE_MS).is_none(), "idle");
        let token = sessions.start(session("a"), 0);
        let mut now = 0;
        while now < SESSION_LONGEST_MS - SESSION_IDLE_MS {
            now += SESSION_IDLE_MS / 2;
            assert!(sessions.get(&token, now).is_some());
        }
        assert!(
            sessions.get(&token, SESSION_LONGEST_MS).is_none(),
            "longest"
        );
        assert!(sessions.get("not a token", 0).is_none());
    }

    #[test]
    fn wrong_passwords_hold_sign_in_doubling() {
        let sessions = Sessions::default();
        let address = Some("192.0.2.1".parse().unwrap());
        for _ in 0..FAILURES_BEFORE_HOLD - 1 {
            sessions.failed("clerk", address, 0);
        }
        assert_eq!(sessions.held_ms("clerk", address, 0), 0);
        sessions.failed("clerk", address, 0);
        assert_eq!(sessions.held_ms("clerk", address, 0), HOLD_MS_FIRST);
        sessions.failed("clerk", address, 0);
        assert_eq!(sessions.held_ms("clerk", address, 0), 2 * HOLD_MS_FIRST);
        assert_eq!(
            sessions.held_ms("other", address, 0),
            2 * HOLD_MS_FIRST,
            "the address is held for every login"
        );
        for _ in 0..40 {
            sessions.failed("clerk", address, 0);
        }
        assert_eq!(sessions.held_ms("clerk", None, 0), HOLD_MS_LONGEST);
        sessions.succeeded("clerk");
        assert_eq!(sessions.held_ms("clerk", None, 0), 0);
    }

    #[test]
    fn tokens_compare_whole_and_next_stays_on_the_site() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "abcd"));
        assert_eq!(local_path("/drafts/energy/2025"), "/drafts/energy/2025");
        assert_eq!(local_path("//evil.example/"), "/");
        assert_eq!(local_path("https://evil.example/"), "/");
        let cookie = set_cookie(SESSION_COOKIE, "t", true, None);
        for flag in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
            assert!(cookie.contains(flag), "{cookie}");
        }
    }
}
