//! A real headless Chromium for the web console's end-to-end tests, driven over WebDriver.
//!
//! A test includes this file with `#[path = "support/browser.rs"] mod browser;` and calls
//! [`Browser::start`]: it finds Debian's `chromium` and `chromedriver`, starts chromedriver on a
//! free loopback port in a process group of its own, and opens one WebDriver session (fantoccini
//! over plain HTTP, no TLS) in a fresh profile. The test then works the page with the helpers
//! (`goto`, `fill`, `click`, `text_of`, `wait_for`, `upload`, `screenshot`, ...), which wait for
//! their element with a bounded poll and panic naming the selector and the page's address. `close`
//! ends the session; dropping a `Browser`, also while a failed test unwinds, kills chromedriver's
//! whole process group so no browser outlives the test.
//!
//! When the programs are missing the test is skipped loudly (`start` returns `None`), unless
//! `HUIZONG_REQUIRE_BROWSER=1` (set by `.ci/run`) makes that a failure. `HUIZONG_CHROMIUM` and
//! `HUIZONG_CHROMEDRIVER` name the programs explicitly; a name that is not a file counts as
//! missing, which is how the skip itself is tested.

#![allow(dead_code)]

use std::future::Future;
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdTcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tempfile::TempDir;

/// How long a helper waits for its element or alert to appear: a console page answers a local
/// request in milliseconds, so 15 s only runs out when the page is wrong, and a failing test still
/// ends quickly.
pub const WAIT_TIMEOUT: Duration = Duration::from_secs(15);

/// How long one WebDriver command may take before the test fails. Longer than the session's own
/// page-load and script timeouts (`WAIT_TIMEOUT`), so chromedriver's error normally comes first;
/// this bound catches a browser or driver that stopped answering at all.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// How long chromedriver may take to start listening: it is a small native program that answers
/// within a second on an idle machine; 15 s leaves room for a loaded CI runner.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(15);

/// How long creating the session (launching Chromium with a fresh profile) may take: a cold start
/// on a busy CI runner takes several seconds.
const SESSION_START_TIMEOUT: Duration = Duration::from_secs(60);

/// The pause between two looks for an element, an alert or a listening driver: short against
/// `WAIT_TIMEOUT`, long enough not to keep chromedriver busy.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// The most screenshots one browser writes, so the two-digit `NN-` prefix keeps them in order.
const SCREENSHOTS_MAX: usize = 99;

/// Makes a missing browser fail the test instead of skipping it (CI sets it).
const REQUIRE_VARIABLE: &str = "HUIZONG_REQUIRE_BROWSER";
/// Names the Chromium program instead of looking for `chromium` on PATH and in /usr/bin.
const CHROMIUM_VARIABLE: &str = "HUIZONG_CHROMIUM";
/// Names the chromedriver program instead of looking for `chromedriver` on PATH and in /usr/bin.
const CHROMEDRIVER_VARIABLE: &str = "HUIZONG_CHROMEDRIVER";

const MISSING_MESSAGE: &str =
    "chromium/chromedriver not found; install Debian's chromium and chromium-driver";

/// One headless Chromium session and the chromedriver that runs it.
#[derive(Debug)]
pub struct Browser {
    /// The WebDriver session; taken by `close`.
    client: Option<Client>,
    /// The chromedriver process, leader of its own process group (Chromium runs inside it);
    /// killed with its group by `close` or on drop.
    driver: Option<Child>,
    /// Where `screenshot` writes its files.
    screenshot_dir: PathBuf,
    /// How many screenshots were written, for the `NN-` prefix that keeps them in order.
    n_screenshots: usize,
    /// Chromium's fresh profile and chromedriver's log; removed after the processes are gone.
    scratch: TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session. Returns `None` after a loud message
    /// when either program is missing, or panics then when `HUIZONG_REQUIRE_BROWSER=1`.
    pub async fn start(screenshot_dir: &Path) -> Option<Browser> {
        let (Some(chromium), Some(chromedriver)) = (
            find_program(CHROMIUM_VARIABLE, "chromium"),
            find_program(CHROMEDRIVER_VARIABLE, "chromedriver"),
        ) else {
            if std::env::var_os(REQUIRE_VARIABLE).is_some_and(|value| value == "1") {
                panic!("{MISSING_MESSAGE} ({REQUIRE_VARIABLE}=1 forbids skipping)");
            }
            // Written to the stderr handle rather than with eprintln!, which the test harness
            // captures and hides for a test that passes.
            let _ = writeln!(std::io::stderr(), "\nSKIPPED: {MISSING_MESSAGE}\n");
            return None;
        };

        let scratch = tempfile::tempdir().expect("a temporary directory for the browser");
        let profile_dir = scratch.path().join("profile");
        let log_path = scratch.path().join("chromedriver.log");
        let port = free_loopback_port();
        let mut command = Command::new(&chromedriver);
        command
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log_path.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let driver = command
            .spawn()
            .unwrap_or_else(|error| panic!("starting {}: {error}", chromedriver.display()));
        std::fs::create_dir_all(screenshot_dir).expect("the screenshot directory");
        let mut browser = Browser {
            client: None,
            driver: Some(driver),
            screenshot_dir: screenshot_dir.to_path_buf(),
            n_screenshots: 0,
            scratch,
        };

        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        browser.wait_for_driver(address, &log_path).await;
        let capabilities = capabilities(&chromium, &profile_dir);
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities);
        let webdriver_url = format!("http://{address}");
        let client = match tokio::time::timeout(
            SESSION_START_TIMEOUT,
            builder.connect(&webdriver_url),
        )
        .await
        {
            Ok(Ok(client)) => client,
            Ok(Err(error)) => panic!(
                "starting {} through chromedriver: {error}\n{}",
                chromium.display(),
                log_tail(&log_path)
            ),
            Err(_) => panic!(
                "starting {} took more than {SESSION_START_TIMEOUT:?}\n{}",
                chromium.display(),
                log_tail(&log_path)
            ),
        };
        browser.client = Some(client);
        Some(browser)
    }

    /// The WebDriver client, for what the helpers do not cover.
    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("the browser is open")
    }

    /// Loads `url` and waits until the page has loaded.
    pub async fn goto(&self, url: &str) {
        self.command(&format!("loading {url}"), self.client().goto(url))
            .await;
    }

    /// The address of the page shown now.
    pub async fn current_url(&self) -> String {
        self.command("reading the address", self.client().current_url())
            .await
            .to_string()
    }

    /// Waits up to `timeout` for an element matching `css` and returns it.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Element {
        let deadline = Instant::now() + timeout;
        loop {
            let what = format!("looking for {css:?}");
            match self
                .try_command(&what, self.client().find(Locator::Css(css)))
                .await
            {
                Ok(element) => return element,
                Err(error) if error.is_no_such_element() => {}
                Err(error) => panic!("{what} on {}: {error}", self.url_for_message().await),
            }
            if Instant::now() >= deadline {
                panic!(
                    "no element matches {css:?} on {} after {timeout:?}",
                    self.url_for_message().await
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Replaces the text of the input matching `css` with `text` (typed key by key).
    pub async fn fill(&self, css: &str, text: &str) {
        let element = self.wait_for(css, WAIT_TIMEOUT).await;
        self.command(&format!("clearing {css:?}"), element.clear())
            .await;
        self.command(&format!("typing into {css:?}"), element.send_keys(text))
            .await;
    }

    /// Clicks the element matching `css`; when the click submits a form or follows a link,
    /// chromedriver waits for the next page to load.
    pub async fn click(&self, css: &str) {
        let element = self.wait_for(css, WAIT_TIMEOUT).await;
        self.command(&format!("clicking {css:?}"), element.click())
            .await;
    }

    /// The visible text of the element matching `css`.
    pub async fn text_of(&self, css: &str) -> String {
        let element = self.wait_for(css, WAIT_TIMEOUT).await;
        self.command(&format!("reading the text of {css:?}"), element.text())
            .await
    }

    /// Chooses the file at `path` in the file input matching `css` (as if picked in the dialog).
    pub async fn upload(&self, css: &str, path: &Path) {
        let absolute = std::path::absolute(path)
            .unwrap_or_else(|error| panic!("the absolute path of {}: {error}", path.display()));
        assert!(
            absolute.is_file(),
            "no file to upload at {}",
            absolute.display()
        );
        let text = absolute
            .to_str()
            .unwrap_or_else(|| panic!("{} is not UTF-8", absolute.display()));
        let element = self.wait_for(css, WAIT_TIMEOUT).await;
        self.command(
            &format!("choosing a file in {css:?}"),
            element.send_keys(text),
        )
        .await;
    }

    /// Writes the page as `<screenshot_dir>/<NN>-<name>.png`, numbered in the order taken, and
    /// returns the file's path.
    pub async fn screenshot(&mut self, name: &str) -> PathBuf {
        assert!(
            self.n_screenshots < SCREENSHOTS_MAX,
            "more than {SCREENSHOTS_MAX} screenshots"
        );
        let png = self
            .command(
                &format!("taking screenshot {name:?}"),
                self.client().screenshot(),
            )
            .await;
        self.n_screenshots += 1;
        let path = self
            .screenshot_dir
            .join(format!("{:02}-{name}.png", self.n_screenshots));
        std::fs::write(&path, png)
            .unwrap_or_else(|error| panic!("writing {}: {error}", path.display()));
        path
    }

    /// The HTML of the page as the browser holds it now.
    pub async fn page_source(&self) -> String {
        self.command("reading the page source", self.client().source())
            .await
    }

    /// Waits for an alert or confirmation dialog, accepts it, and returns its text.
    pub async fn accept_alert(&self) -> String {
        let deadline = Instant::now() + WAIT_TIMEOUT;
        loop {
            let what = "reading the alert";
            match self.try_command(what, self.client().get_alert_text()).await {
                Ok(text) => {
                    self.command("accepting the alert", self.client().accept_alert())
                        .await;
                    return text;
                }
                Err(error) if error.is_no_such_alert() => {}
                Err(error) => panic!("{what} on {}: {error}", self.url_for_message().await),
            }
            if Instant::now() >= deadline {
                panic!(
                    "no alert on {} after {WAIT_TIMEOUT:?}",
                    self.url_for_message().await
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Ends the WebDriver session (Chromium quits) and stops chromedriver.
    pub async fn close(mut self) {
        if let Some(client) = self.client.take() {
            match tokio::time::timeout(COMMAND_TIMEOUT, client.close()).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => panic!("ending the browser session: {error}"),
                Err(_) => panic!("ending the browser session took more than {COMMAND_TIMEOUT:?}"),
            }
        }
        self.kill_driver();
    }

    /// Runs one WebDriver command within `COMMAND_TIMEOUT`; panics naming `what` and the page
    /// when it fails.
    async fn command<T>(&self, what: &str, future: impl Future<Output = Result<T, CmdError>>) -> T {
        match self.try_command(what, future).await {
            Ok(value) => value,
            Err(error) => panic!("{what} on {}: {error}", self.url_for_message().await),
        }
    }

    /// Runs one WebDriver command within `COMMAND_TIMEOUT`, returning chromedriver's error; a
    /// command that does not answer in time is a panic.
    async fn try_command<T>(
        &self,
        what: &str,
        future: impl Future<Output = Result<T, CmdError>>,
    ) -> Result<T, CmdError> {
        match tokio::time::timeout(COMMAND_TIMEOUT, future).await {
            Ok(result) => result,
            Err(_) => panic!("{what}: no answer from the browser in {COMMAND_TIMEOUT:?}"),
        }
    }

    /// The page's address for an error message; never fails, never waits long.
    async fn url_for_message(&self) -> String {
        let Some(client) = self.client.as_ref() else {
            return "(no session)".to_owned();
        };
        match tokio::time::timeout(Duration::from_secs(2), client.current_url()).await {
            Ok(Ok(url)) => url.to_string(),
            Ok(Err(error)) => format!("(address unknown: {error})"),
            Err(_) => "(address unknown: the browser does not answer)".to_owned(),
        }
    }

    /// Waits until chromedriver accepts connections on `address`, or panics with its log.
    async fn wait_for_driver(&mut self, address: SocketAddr, log_path: &Path) {
        let deadline = Instant::now() + DRIVER_START_TIMEOUT;
        loop {
            if tokio::net::TcpStream::connect(address).await.is_ok() {
                return;
            }
            let driver = self.driver.as_mut().expect("chromedriver was started");
            if let Ok(Some(status)) = driver.try_wait() {
                panic!("chromedriver exited ({status})\n{}", log_tail(log_path));
            }
            if Instant::now() >= deadline {
                panic!(
                    "chromedriver did not listen on {address} within {DRIVER_START_TIMEOUT:?}\n{}",
                    log_tail(log_path)
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Kills chromedriver and everything in its process group (Chromium and its helpers), then
    /// reaps it. Safe to call twice.
    fn kill_driver(&mut self) {
        let Some(mut driver) = self.driver.take() else {
            return;
        };
        #[cfg(unix)]
        {
            use rustix::process::{Pid, Signal, kill_process_group};
            let _ = kill_process_group(Pid::from_child(&driver), Signal::KILL);
        }
        let _ = driver.kill();
        let _ = driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.kill_driver();
    }
}

/// The WebDriver capabilities: headless Chromium at `chromium`, in a fresh profile at
/// `profile_dir`, with everything that would reach beyond loopback turned off.
fn capabilities(chromium: &Path, profile_dir: &Path) -> Capabilities {
    let arguments = [
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-quic".to_owned(),
        format!("--user-data-dir={}", profile_dir.display()),
        "--window-size=1280,1000".to_owned(),
        "--lang=zh-CN".to_owned(),
    ];
    let milliseconds = u64::try_from(WAIT_TIMEOUT.as_millis()).expect("a short timeout");
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": arguments,
        },
        // Page loads and scripts end with chromedriver's error rather than hanging; elements are
        // waited for by the helpers, not implicitly.
        "timeouts": { "pageLoad": milliseconds, "script": milliseconds, "implicit": 0 },
    });
    match capabilities {
        serde_json::Value::Object(map) => map,
        _ => unreachable!("a JSON object"),
    }
}

/// The program named by `variable`, or `name` on PATH, or `/usr/bin/<name>`; `None` when that is
/// not a file.
fn find_program(variable: &str, name: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(variable) {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let path_variable = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path_variable)
        .chain([PathBuf::from("/usr/bin")])
        .map(|directory| directory.join(name))
        .find(|candidate| candidate.is_file())
}

/// A loopback port nobody listens on now (the operating system picks it; chromedriver binds it a
/// moment later).
fn free_loopback_port() -> u16 {
    let listener = StdTcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free loopback port");
    listener.local_addr().expect("the port's address").port()
}

/// The end of chromedriver's log, for a panic message.
fn log_tail(log_path: &Path) -> String {
    /// Enough lines to show chromedriver's complaint and Chromium's last words.
    const LINES_MAX: usize = 40;
    let Ok(log) = std::fs::read_to_string(log_path) else {
        return format!("(no chromedriver log at {})", log_path.display());
    };
    let lines: Vec<&str> = log.lines().collect();
    let start = lines.len().saturating_sub(LINES_MAX);
    format!(
        "chromedriver log, last lines:\n{}",
        lines[start..].join("\n")
    )
}

/// Asserts that the file at `path` looks like a real PNG screenshot: PNG's signature and more
/// than `bytes_min` bytes (a blank or failed capture is a few hundred).
pub fn assert_png(path: &Path, bytes_min: usize) {
    const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
    let bytes =
        std::fs::read(path).unwrap_or_else(|error| panic!("reading {}: {error}", path.display()));
    assert!(
        bytes.starts_with(&PNG_SIGNATURE),
        "{} is not a PNG",
        path.display()
    );
    assert!(
        bytes.len() > bytes_min,
        "{} has only {} bytes",
        path.display(),
        bytes.len()
    );
}
