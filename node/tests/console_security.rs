//! The web console refuses what it must, over real HTTP on 127.0.0.1: no page or API without a
//! session, a clerk cannot review, a reviewer cannot decide on a grandchild or on its own node, a
//! viewer cannot change anything, a form without the session's CSRF token is refused, wrong
//! passwords are throttled, an aged session is refused, a password reset or an account removed
//! outside the console ends its sessions, cookies carry their flags, an oversized
//! upload is refused, and a console beyond loopback without TLS does not start.
//!
//! The tree is the whole Ningxia tree in one process (region, five cities, 22 counties), each
//! console on a free loopback port. The HTTP client is a few lines over a TCP stream, so that what
//! is sent is exactly what the test says.

use std::collections::BTreeMap;
use std::time::Duration;

use node::core::accounts::Role;
use node::demo::{DEMO_PASSWORD, add_demo_account};
use node::directory::ConsoleSettings;
use node::local_tree::{self, LocalTree};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use topology::DivisionCode;

const REGION: &str = "640000000000";
const YINCHUAN: &str = "640100000000";
const XINGQING: &str = "640104000000";
const PERIOD: &str = "2025";

/// An answer as the test reads it.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn set_cookies(&self) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, value)| value.as_str())
            .collect()
    }
}

/// A browser of one: a cookie jar and plain HTTP/1.1, one connection per request.
#[derive(Debug)]
struct Client {
    address: std::net::SocketAddr,
    cookies: BTreeMap<String, String>,
}

impl Client {
    fn new(url: &str) -> Client {
        let address = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .expect("a loopback console address");
        Client {
            address,
            cookies: BTreeMap::new(),
        }
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        extra: &[(&str, String)],
        body: &[u8],
    ) -> Answer {
        let mut stream = TcpStream::connect(self.address).await.expect("connect");
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nhost: {}\r\nconnection: close\r\ncontent-length: {}\r\n",
            self.address,
            body.len()
        );
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            request.push_str(&format!("cookie: {}\r\n", jar.join("; ")));
        }
        for (name, value) in extra {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).await.expect("write");
        // A refused oversized body may be answered before it is all sent.
        let _ = stream.write_all(body).await;
        let mut raw = Vec::new();
        tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw))
            .await
            .expect("the console answers within 30 s")
            .ok();
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {head:?}"));
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
            .collect();
        let answer = Answer {
            status,
            headers,
            body: body.to_owned(),
        };
        for cookie in answer.set_cookies() {
            let pair = cookie.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || cookie.contains("Max-Age=0") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        answer
    }

    async fn get(&mut self, path: &str) -> Answer {
        self.send("GET", path, &[], b"").await
    }

    async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body: Vec<String> = fields
            .iter()
            .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
            .collect();
        self.send(
            "POST",
            path,
            &[(
                "content-type",
                "application/x-www-form-urlencoded".to_owned(),
            )],
            body.join("&").as_bytes(),
        )
        .await
    }

    /// Signs in; the answer to the login form.
    async fn sign_in(&mut self, login: &str, password: &str) -> Answer {
        let form = self.get("/login").await;
        assert_eq!(form.status, 200, "{}", form.body);
        let csrf = hidden_csrf(&form.body);
        self.post_form(
            "/login",
            &[
                ("login", login),
                ("password", password),
                ("csrf", &csrf),
                ("next", "/"),
            ],
        )
        .await
    }

    /// The session's CSRF token, read from the home page's forms.
    async fn csrf(&mut self) -> String {
        let home = self.get("/").await;
        assert_eq!(home.status, 200, "{}", home.body);
        hidden_csrf(&home.body)
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

fn hidden_csrf(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = page
        .find(marker)
        .unwrap_or_else(|| panic!("no CSRF field in the page:\n{page}"))
        + marker.len();
    page[start..]
        .split('"')
        .next()
        .expect("a CSRF value")
        .to_owned()
}

fn code(text: &str) -> DivisionCode {
    DivisionCode::parse(text).expect("a division code")
}

/// An account: login, the person's name, role.
type Person = (&'static str, &'static str, Role);

struct Consoles {
    tree: LocalTree,
    region: node::console::ConsoleHandle,
    city: node::console::ConsoleHandle,
    county: node::console::ConsoleHandle,
    _directory: tempfile::TempDir,
}

/// The Ningxia tree with consoles at the region, Yinchuan and Xingqing, and one account of each
/// role where the test needs it.
async fn consoles() -> Consoles {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let topology = topology::ningxia();
    let root = directory.path().to_owned();
    let prepared = tokio::task::spawn_blocking(move || local_tree::prepare(&topology, &root))
        .await
        .expect("prepare")
        .expect("the tree is prepared");
    let tree = prepared.start(false).expect("the tree starts");
    let accounts: [(&str, &[Person]); 3] = [
        (
            REGION,
            &[
                ("region", "马丽", Role::Reviewer),
                ("viewer", "孙悦", Role::Viewer),
                ("region-admin", "周建国", Role::Admin),
            ],
        ),
        (YINCHUAN, &[("yinchuan", "张伟", Role::Reviewer)]),
        (XINGQING, &[("xingqing", "王芳", Role::Clerk)]),
    ];
    for (node, people) in accounts {
        let handle = tree.node(code(node)).expect("in the tree").handle.clone();
        for (login, name, role) in people {
            add_demo_account(&handle, login, name, *role).expect("an account");
        }
    }
    let serve = |node: &'static str| {
        let tree = &tree;
        async move {
            tree.serve_console(code(node), "127.0.0.1:0")
                .await
                .expect("the console starts")
                .expect("a free port")
        }
    };
    let region = serve(REGION).await;
    let city = serve(YINCHUAN).await;
    let county = serve(XINGQING).await;
    Consoles {
        tree,
        region,
        city,
        county,
        _directory: directory,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_refuses_what_it_must() {
    let consoles = consoles().await;

    // Nothing without a session: a page sends to the login form, an API answers 401, a form 401.
    let mut stranger = Client::new(&consoles.city.url);
    for path in [
        "/",
        "/completeness/office_space/2025",
        "/figures/office_space/2025",
        "/admin/users",
        "/downloads/office_space/2025/csv",
    ] {
        let answer = stranger.get(path).await;
        assert_eq!(answer.status, 303, "{path} without a session: {answer:?}");
        assert!(
            answer
                .header("location")
                .unwrap_or_default()
                .starts_with("/login"),
            "{path} sends to the login form: {answer:?}"
        );
    }
    let api = stranger
        .post_form(
            "/api/drafts/office_space/2025/check",
            &[("table", "buildings")],
        )
        .await;
    assert_eq!(api.status, 401, "an API call without a session: {api:?}");
    let form = stranger
        .post_form(
            &format!("/review/{XINGQING}/office_space/{PERIOD}"),
            &[("csrf", "x"), ("verdict", "accept")],
        )
        .await;
    assert_eq!(form.status, 401, "a decision without a session: {form:?}");
    // Static files and the login form itself are open.
    assert_eq!(stranger.get("/static/console.css").await.status, 200);

    // The session cookie's flags; a page carries the security headers.
    let mut reviewer = Client::new(&consoles.city.url);
    let signed_in = reviewer.sign_in("yinchuan", DEMO_PASSWORD).await;
    assert_eq!(signed_in.status, 303, "{signed_in:?}");
    let session_cookie = signed_in
        .set_cookies()
        .into_iter()
        .find(|cookie| cookie.starts_with(&format!("huizong_session_{YINCHUAN}=")))
        .expect("a session cookie")
        .to_owned();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(
            session_cookie.contains(flag),
            "the session cookie carries {flag}: {session_cookie}"
        );
    }
    let home = reviewer.get("/").await;
    assert_eq!(home.status, 200, "{home:?}");
    assert!(home.body.contains("张伟"), "the home page names the person");
    assert_eq!(home.header("x-frame-options"), Some("DENY"));
    assert!(
        home.header("content-security-policy")
            .unwrap_or_default()
            .contains("default-src 'self'"),
        "{home:?}"
    );
    assert!(
        home.header("cache-control")
            .unwrap_or_default()
            .contains("no-store")
    );

    // A form without the session's token is refused, and changes nothing.
    let forged = reviewer
        .post_form(
            &format!("/review/{XINGQING}/office_space/{PERIOD}"),
            &[("csrf", "forged"), ("verdict", "accept")],
        )
        .await;
    assert_eq!(forged.status, 403, "{forged:?}");
    assert!(
        forged.body.contains("CSRF") || forged.body.contains("令牌"),
        "{forged:?}"
    );

    // A reviewer cannot decide on its own node (not a child).
    let csrf = reviewer.csrf().await;
    let own = reviewer
        .post_form(
            &format!("/review/{YINCHUAN}/office_space/{PERIOD}"),
            &[("csrf", &csrf), ("verdict", "accept")],
        )
        .await;
    assert!(
        own.status == 403 || own.status == 404 || own.status == 422,
        "deciding on its own node is refused: {own:?}"
    );
    assert_ne!(own.status, 303);

    // The region's reviewer cannot decide on a county (a grandchild).
    let mut region = Client::new(&consoles.region.url);
    assert_eq!(region.sign_in("region", DEMO_PASSWORD).await.status, 303);
    let csrf = region.csrf().await;
    let grandchild = region
        .post_form(
            &format!("/review/{XINGQING}/office_space/{PERIOD}"),
            &[("csrf", &csrf), ("verdict", "accept")],
        )
        .await;
    assert!(
        grandchild.status == 403 || grandchild.status == 422 || grandchild.status == 404,
        "deciding on a grandchild is refused: {grandchild:?}"
    );

    // A viewer reads but changes nothing.
    let mut viewer = Client::new(&consoles.region.url);
    assert_eq!(viewer.sign_in("viewer", DEMO_PASSWORD).await.status, 303);
    assert_eq!(viewer.get("/figures/office_space/2025").await.status, 200);
    let csrf = viewer.csrf().await;
    let decided = viewer
        .post_form(
            &format!("/review/{YINCHUAN}/office_space/{PERIOD}"),
            &[("csrf", &csrf), ("verdict", "accept")],
        )
        .await;
    assert_eq!(decided.status, 403, "a viewer's decision: {decided:?}");
    let defined = viewer
        .post_form(
            "/returns/lock",
            &[("csrf", &csrf), ("ledger", "office_space")],
        )
        .await;
    assert_eq!(defined.status, 403, "a viewer's lock: {defined:?}");
    let users = viewer
        .post_form(
            "/admin/users",
            &[("csrf", &csrf), ("action", "add"), ("login", "mallory")],
        )
        .await;
    assert_eq!(users.status, 403, "a viewer adding an account: {users:?}");

    // The root's admin defines a return, closes a period and reopens it.
    let mut admin = Client::new(&consoles.region.url);
    assert_eq!(
        admin.sign_in("region-admin", DEMO_PASSWORD).await.status,
        303
    );
    let csrf = admin.csrf().await;
    let defined = admin
        .post_form(
            "/returns/define",
            &[
                ("csrf", &csrf),
                ("ledger", "vehicles"),
                ("period", "2026"),
                ("deadline", "2027-03-31"),
                ("blocking", "over_quota"),
                ("saving_target", "90"),
                ("form_number", "机关事务 2 表"),
            ],
        )
        .await;
    assert_eq!(defined.status, 303, "{defined:?}");
    // A blocking rule the ledger does not have is refused, and the page lists those it has.
    let typo = admin
        .post_form(
            "/returns/define",
            &[
                ("csrf", &csrf),
                ("ledger", "vehicles"),
                ("period", "2026"),
                ("deadline", "2027-03-31"),
                ("blocking", "over_quote"),
            ],
        )
        .await;
    assert_eq!(typo.status, 422, "{typo:?}");
    assert!(typo.body.contains("over_quote"), "{}", typo.body);
    for rule in schemas::ledgers::rule_codes(schemas::Ledger::Vehicles) {
        assert!(
            typo.body.contains(rule),
            "the refusal lists {rule}: {}",
            typo.body
        );
    }
    let over = admin
        .post_form(
            "/returns/define",
            &[
                ("csrf", &csrf),
                ("ledger", "vehicles"),
                ("period", "2026"),
                ("deadline", "2027-03-31"),
                ("saving_target", "101"),
            ],
        )
        .await;
    assert_eq!(over.status, 422, "{over:?}");
    let incomplete = admin
        .post_form(
            "/returns/define",
            &[("csrf", &csrf), ("ledger", "vehicles"), ("period", "2026")],
        )
        .await;
    assert_eq!(incomplete.status, 422, "no deadline: {incomplete:?}");
    let returns = admin.get("/returns").await;
    assert!(returns.body.contains("2027-03-31"), "{}", returns.body);
    assert!(returns.body.contains("机关事务 2 表"), "{}", returns.body);
    assert!(returns.body.contains("<td>90</td>"), "{}", returns.body);
    let region_handle = consoles.region.console.handle.clone();
    let locked = move |handle: std::sync::Arc<node::driver::NodeHandle>| {
        handle.with_core(|core| {
            core.locked_since(schemas::Ledger::Vehicles, "2025".parse().expect("a period"))
                .is_some()
        })
    };
    for (closed, expected) in [("1", true), ("0", false)] {
        let answer = admin
            .post_form(
                "/returns/lock",
                &[
                    ("csrf", &csrf),
                    ("ledger", "vehicles"),
                    ("period", "2025"),
                    ("closed", closed),
                ],
            )
            .await;
        assert_eq!(answer.status, 303, "{answer:?}");
        assert_eq!(locked(region_handle.clone()), expected, "closed={closed}");
    }

    // A clerk cannot review, and cannot manage accounts.
    let mut clerk = Client::new(&consoles.county.url);
    assert_eq!(clerk.sign_in("xingqing", DEMO_PASSWORD).await.status, 303);
    let csrf = clerk.csrf().await;
    let reviewed = clerk
        .post_form(
            &format!("/review/{XINGQING}/office_space/{PERIOD}"),
            &[("csrf", &csrf), ("verdict", "accept")],
        )
        .await;
    assert_eq!(reviewed.status, 403, "a clerk's decision: {reviewed:?}");
    assert_eq!(clerk.get("/admin/users").await.status, 403);

    // An upload above the limit is refused before it is read.
    let boundary = "huizongboundary";
    let mut body = format!(
        "--{boundary}\r\ncontent-disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\ncontent-type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.resize(body.len() + node::console::UPLOAD_BYTES_MAX + 1024, b'a');
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let oversized = clerk
        .send(
            "POST",
            &format!("/drafts/office_space/{PERIOD}/upload"),
            &[(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )],
            &body,
        )
        .await;
    assert_eq!(oversized.status, 413, "an oversized upload: {oversized:?}");

    // An aged session is refused: the page sends to the login form again.
    let token = clerk
        .cookies
        .get(&format!("huizong_session_{XINGQING}"))
        .cloned()
        .expect("the clerk's session cookie");
    consoles
        .county
        .console
        .sessions
        .age(&token, node::console::auth::SESSION_IDLE_MS + 1);
    let expired = clerk.get("/").await;
    assert_eq!(expired.status, 303, "an aged session: {expired:?}");
    assert!(
        expired
            .header("location")
            .unwrap_or_default()
            .starts_with("/login")
    );

    // A password reset or a removal made outside the console (as `huizong user reset` and
    // `huizong user remove` do, through the operation) ends the session at its next request.
    let mut reviewer_again = Client::new(&consoles.city.url);
    assert_eq!(
        reviewer_again
            .sign_in("yinchuan", DEMO_PASSWORD)
            .await
            .status,
        303
    );
    assert_eq!(reviewer_again.get("/").await.status, 200);
    let mut viewer_again = Client::new(&consoles.region.url);
    assert_eq!(
        viewer_again.sign_in("viewer", DEMO_PASSWORD).await.status,
        303
    );
    assert_eq!(viewer_again.get("/").await.status, 200);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let city_handle = consoles.city.console.handle.clone();
    let region_handle = consoles.region.console.handle.clone();
    tokio::task::spawn_blocking(move || {
        let actor = node::core::Actor::new("周建国").expect("a name");
        let reset = node::operations::execute_running(
            &city_handle,
            node::operations::Call {
                actor: actor.clone(),
                request: node::operations::Request::Users(
                    node::operations::users::UsersRequest::ResetPassword {
                        login: "yinchuan".to_owned(),
                        password: "a-new-password-1".to_owned(),
                    },
                ),
            },
        );
        assert!(reset.is_ok(), "{reset:?}");
        let removed = node::operations::execute_running(
            &region_handle,
            node::operations::Call {
                actor,
                request: node::operations::Request::Users(
                    node::operations::users::UsersRequest::Remove {
                        login: "viewer".to_owned(),
                    },
                ),
            },
        );
        assert!(removed.is_ok(), "{removed:?}");
    })
    .await
    .expect("the reset and the removal");
    for (who, client) in [
        ("reset", &mut reviewer_again),
        ("removed", &mut viewer_again),
    ] {
        let after = client.get("/").await;
        assert_eq!(after.status, 303, "after the account was {who}: {after:?}");
        assert!(
            after
                .header("location")
                .unwrap_or_default()
                .starts_with("/login"),
            "{after:?}"
        );
    }

    // An account made by someone else must change its password first: every page leads to the
    // password form until it is changed, then the console opens.
    let county_handle = consoles.county.console.handle.clone();
    tokio::task::spawn_blocking(move || {
        let added = node::operations::execute_running(
            &county_handle,
            node::operations::Call {
                actor: node::core::Actor::new("周建国").expect("a name"),
                request: node::operations::Request::Users(
                    node::operations::users::UsersRequest::Add {
                        login: "newclerk".to_owned(),
                        name: node::core::Actor::new("赵敏").expect("a name"),
                        role: Role::Clerk,
                        password: "first-password-1".to_owned(),
                    },
                ),
            },
        );
        assert!(added.is_ok(), "{added:?}");
    })
    .await
    .expect("the account");
    let mut newcomer = Client::new(&consoles.county.url);
    let first = newcomer.sign_in("newclerk", "first-password-1").await;
    assert_eq!(first.status, 303, "{first:?}");
    assert_eq!(first.header("location"), Some("/account/password"));
    let elsewhere = newcomer.get("/drafts/vehicles/2025").await;
    assert_eq!(elsewhere.header("location"), Some("/account/password"));
    let form = newcomer.get("/account/password").await;
    assert_eq!(form.status, 200, "{form:?}");
    let csrf = hidden_csrf(&form.body);
    let differs = newcomer
        .post_form(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current", "first-password-1"),
                ("new", "a-fresh-password-9"),
                ("repeat", "a-fresh-password-8"),
            ],
        )
        .await;
    assert_eq!(differs.status, 422, "{differs:?}");
    let changed = newcomer
        .post_form(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current", "first-password-1"),
                ("new", "a-fresh-password-9"),
                ("repeat", "a-fresh-password-9"),
            ],
        )
        .await;
    assert_eq!(changed.status, 303, "{changed:?}");
    let opened = newcomer.get("/drafts/vehicles/2025").await;
    assert_eq!(
        opened.status, 200,
        "the console opens after the change: {opened:?}"
    );
    assert!(opened.body.contains("赵敏"));
    let mut old_password = Client::new(&consoles.county.url);
    assert_eq!(
        old_password
            .sign_in("newclerk", "first-password-1")
            .await
            .status,
        401
    );

    // Wrong passwords: refused, then held with 429 even for the right one.
    let mut guesser = Client::new(&consoles.region.url);
    for _ in 0..node::console::auth::FAILURES_BEFORE_HOLD {
        let wrong = guesser.sign_in("region", "not-the-password").await;
        assert_eq!(wrong.status, 401, "a wrong password: {wrong:?}");
        assert!(
            wrong.body.contains("密码"),
            "said in Chinese: {}",
            wrong.body
        );
    }
    let held = guesser.sign_in("region", DEMO_PASSWORD).await;
    assert_eq!(held.status, 429, "the right password while held: {held:?}");
    assert!(
        !held
            .set_cookies()
            .iter()
            .any(|cookie| cookie.starts_with("huizong_session")),
        "no session while held"
    );

    // English on request: the switch sets a cookie, and every word of the page follows it,
    // ledger names included; Chinese again by the other switch.
    let mut reader = Client::new(&consoles.county.url);
    assert_eq!(reader.sign_in("xingqing", DEMO_PASSWORD).await.status, 303);
    let chinese = reader.get("/").await;
    assert!(chinese.body.contains("公务用车") && chinese.body.contains("首页"));
    assert_eq!(reader.get("/language/en?back=/").await.status, 303);
    let english = reader.get("/").await;
    assert!(english.body.contains("lang=\"en\""), "{}", english.body);
    assert!(
        english.body.contains("official vehicles"),
        "{}",
        english.body
    );
    assert!(!english.body.contains("首页"), "{}", english.body);
    let figures = reader.get("/figures/vehicles/2025").await;
    assert!(
        figures.body.contains("<h1>official vehicles"),
        "{}",
        figures.body
    );
    let template = reader.get("/templates/vehicles").await;
    assert_eq!(template.status, 200, "{template:?}");
    assert_eq!(
        template.header("content-disposition"),
        Some("attachment; filename=\"vehicles-template.xlsx\"")
    );
    assert!(template.body.starts_with("PK"), "an XLSX (zip) file");
    assert_eq!(reader.get("/language/zh-CN?back=/").await.status, 303);
    assert!(reader.get("/").await.body.contains("首页"));

    // `status` of a running node says where its console answers.
    let handle = consoles.county.console.handle.clone();
    let status = tokio::task::spawn_blocking(move || {
        node::operations::execute_running(
            &handle,
            node::operations::Call {
                actor: node::core::Actor::new("王芳").expect("a name"),
                request: node::operations::Request::Status(
                    node::operations::status::StatusRequest {},
                ),
            },
        )
    })
    .await
    .expect("status");
    match status {
        Ok(node::operations::Response::Status(view)) => {
            assert_eq!(
                view.console_url.as_deref(),
                Some(consoles.county.url.as_str())
            );
            let text = schemas::Language::Chinese.scope(|| node::render::status(&view));
            assert!(
                text.contains(&format!("网页控制台：{}", consoles.county.url)),
                "{text}"
            );
        }
        other => panic!("status answered {other:?}"),
    }

    consoles.tree.shutdown().await.expect("the tree stops");
}

#[test]
fn a_console_beyond_loopback_without_tls_does_not_start() {
    let settings = ConsoleSettings {
        address: "0.0.0.0:8640".to_owned(),
        tls: Some(false),
        ..ConsoleSettings::default()
    };
    let address = "0.0.0.0:8640".parse().expect("an address");
    let refusal = node::console::uses_tls(&settings, &address)
        .expect_err("plain HTTP beyond loopback is refused");
    assert!(
        refusal.to_string().contains("0.0.0.0:8640"),
        "the refusal names the address: {refusal}"
    );
    let loopback = "127.0.0.1:8640".parse().expect("an address");
    assert!(!node::console::uses_tls(&ConsoleSettings::default(), &loopback).expect("allowed"));
    assert!(
        node::console::uses_tls(
            &ConsoleSettings {
                address: "0.0.0.0:8640".to_owned(),
                ..ConsoleSettings::default()
            },
            &address
        )
        .expect("TLS by default beyond loopback")
    );
}
