//! Where the console listens and how it serves: an axum router on the node's tokio runtime, over
//! plain HTTP on loopback only, over TLS anywhere else (refused at start otherwise). Uploads are
//! capped at [`UPLOAD_BYTES_MAX`]; a workbook's inflation is capped by the import itself.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, anyhow};
use axum::Router;
use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_util::sync::CancellationToken;

use super::auth::{HasSessions, Session, Sessions};
use crate::directory::ConsoleSettings;
use crate::driver::NodeHandle;
use crate::t;

/// Largest request body: an upload of a filled template. A county's year of dispatch orders as
/// XLSX is a few megabytes; 32 MiB leaves room and refuses a runaway upload before it is read.
pub const UPLOAD_BYTES_MAX: usize = 32 * 1024 * 1024;
/// How long a TLS handshake may take before the connection is dropped.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// TLS handshakes in progress at most (a stranger opening connections cannot pile them up).
const TLS_HANDSHAKES_MAX: usize = 256;

/// What every page handler reaches: the node, the sessions, the templates.
pub struct Console {
    pub handle: Arc<NodeHandle>,
    pub sessions: Sessions,
    pub templates: minijinja::Environment<'static>,
    /// Whether pages are served over TLS (cookies then carry `Secure`).
    pub secure: bool,
    /// Where temporary uploads go: a private directory of the node.
    pub upload_dir: std::path::PathBuf,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Console")
            .field("node", &self.handle.code())
            .field("secure", &self.secure)
            .finish_non_exhaustive()
    }
}

impl HasSessions for Arc<Console> {
    fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    async fn account_stands(&self, session: &Session) -> bool {
        let handle = self.handle.clone();
        let login = session.login.clone();
        let account =
            tokio::task::spawn_blocking(move || handle.with_core(|core| core.account(&login)))
                .await;
        matches!(
            account,
            Ok(Ok(Some(account)))
                if account.role == session.role
                    && account.password_changed_ms <= session.credentials_ms
        )
    }
}

/// A console that serves.
#[derive(Debug)]
pub struct ConsoleHandle {
    /// `http://127.0.0.1:8640/` or `https://…/`.
    pub url: String,
    /// The TLS certificate's SHA-256 fingerprint, when served over TLS.
    pub fingerprint: Option<String>,
    /// Whether the node made its certificate just now.
    pub certificate_generated: bool,
    pub local_address: SocketAddr,
    pub console: Arc<Console>,
    pub task: tokio::task::JoinHandle<()>,
}

/// The client's address, for throttling sign-in by address.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub SocketAddr);

impl Connected<IncomingStream<'_, TcpListener>> for ClientAddress {
    fn connect_info(stream: IncomingStream<'_, TcpListener>) -> Self {
        ClientAddress(*stream.remote_addr())
    }
}

impl Connected<IncomingStream<'_, TlsListener>> for ClientAddress {
    fn connect_info(stream: IncomingStream<'_, TlsListener>) -> Self {
        ClientAddress(*stream.remote_addr())
    }
}

/// Whether an address may be served without TLS: loopback only.
pub fn plain_allowed(address: &SocketAddr) -> bool {
    address.ip().is_loopback()
}

/// Resolves the console's address; `Ok(None)` when it is `off`.
pub fn resolve(settings: &ConsoleSettings) -> Result<Option<SocketAddr>> {
    if settings.is_off() {
        return Ok(None);
    }
    let address = settings.address.trim();
    address
        .to_socket_addrs()
        .ok()
        .and_then(|mut addresses| addresses.next())
        .map(Some)
        .ok_or_else(|| anyhow!(t!("console.listen.bad_address", address = address)))
}

/// Whether the console will serve over TLS at this address, or the refusal to start.
pub fn uses_tls(settings: &ConsoleSettings, address: &SocketAddr) -> Result<bool> {
    match settings.tls {
        Some(false) if !plain_allowed(address) => Err(anyhow!(t!(
            "console.listen.plain_beyond_loopback",
            address = address
        ))),
        Some(tls) => Ok(tls),
        None => Ok(!plain_allowed(address)),
    }
}

/// Starts serving the console of `handle` as `settings` say (nothing when it is off); the task
/// ends when `shutdown` is cancelled.
pub async fn start(
    handle: Arc<NodeHandle>,
    settings: &ConsoleSettings,
    node_directory: &Path,
    shutdown: CancellationToken,
) -> Result<Option<ConsoleHandle>> {
    let Some(address) = resolve(settings)? else {
        return Ok(None);
    };
    let tls = uses_tls(settings, &address)?;
    let templates = super::view::environment()
        .map_err(|error| anyhow!(t!("console.listen.templates", reason = error)))?;
    let upload_dir = node_directory.join("uploads");
    crate::directory::create_private_directory(&upload_dir).map_err(|error| {
        anyhow!(t!("console.tls.cannot_write", file = upload_dir.display())).context(error)
    })?;
    // A taken port leaves the node without its console but syncing (the log and `status` say
    // so): the tree's data matters more than the page. Any other fault stops the start.
    let listener = match TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => {
            // The log goes to standard error: as a JSON line when the log is JSON.
            let warning = t!("console.listen.in_use", address = address);
            tracing::warn!(node = %handle.code(), "{warning}");
            return Ok(None);
        }
        Err(error) => {
            return Err(anyhow!(t!(
                "console.listen.cannot_listen",
                address = address,
                reason = error
            )));
        }
    };
    let local_address = listener.local_addr()?;
    let console = Arc::new(Console {
        handle: handle.clone(),
        sessions: Sessions::of_node(handle.code()),
        templates,
        secure: tls,
        upload_dir,
    });
    let router = router(console.clone());
    let host = match local_address.ip() {
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    let (url, fingerprint, generated, task) = if tls {
        let certificate = super::tls::console_certificate(
            node_directory,
            settings,
            &local_address.ip().to_string(),
        )?;
        let fingerprint = certificate.fingerprint.clone();
        let generated = certificate.generated;
        let acceptor = TlsAcceptor::from(super::tls::server_config(certificate)?);
        let listener = TlsListener::start(listener, acceptor, shutdown.child_token());
        let service = router.into_make_service_with_connect_info::<ClientAddress>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, service)
                .with_graceful_shutdown(shutdown.cancelled_owned())
                .await;
        });
        (
            format!("https://{host}:{}/", local_address.port()),
            Some(fingerprint),
            generated,
            task,
        )
    } else {
        let service = router.into_make_service_with_connect_info::<ClientAddress>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, service)
                .with_graceful_shutdown(shutdown.cancelled_owned())
                .await;
        });
        (
            format!("http://{host}:{}/", local_address.port()),
            None,
            false,
            task,
        )
    };
    handle.set_console_url(Some(url.clone()));
    tracing::info!(node = %handle.code(), url = %url, "web console serving");
    Ok(Some(ConsoleHandle {
        url,
        fingerprint,
        certificate_generated: generated,
        local_address,
        console,
        task,
    }))
}

/// Every route of the console, for a server or a test.
pub fn router(console: Arc<Console>) -> Router {
    super::pages::routes()
        .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_BYTES_MAX))
        .with_state(console)
}

/// TLS connections, handshaken in their own tasks (bounded in number and time) so that a slow or
/// silent client does not hold up the others.
#[derive(Debug)]
pub struct TlsListener {
    accepted: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local_address: SocketAddr,
}

impl TlsListener {
    fn start(listener: TcpListener, acceptor: TlsAcceptor, shutdown: CancellationToken) -> Self {
        let local_address = listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
        let (sender, accepted) = mpsc::channel(64);
        let handshakes = Arc::new(Semaphore::new(TLS_HANDSHAKES_MAX));
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    () = shutdown.cancelled() => return,
                    accepted = listener.accept() => accepted,
                };
                let Ok((stream, peer)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let Ok(permit) = handshakes.clone().try_acquire_owned() else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let sender = sender.clone();
                tokio::spawn(async move {
                    let handshake =
                        tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await;
                    drop(permit);
                    if let Ok(Ok(stream)) = handshake {
                        let _ = sender.send((stream, peer)).await;
                    }
                });
            }
        });
        TlsListener {
            accepted,
            local_address,
        }
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.accepted.recv().await {
            Some(connection) => connection,
            // The accepting task ended (shutdown): wait for the server to stop.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local_address)
    }
}
