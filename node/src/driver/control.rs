//! The control socket: how the CLI reaches a node that is running. One request line in, one
//! response line out, over a Unix socket in the node directory that only the node's owner can
//! open. The socket knows nothing of what the lines mean: it is handed a [`ControlHandler`]
//! (the operations layer makes one) and moves lines.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio_util::sync::CancellationToken;

/// Bytes of one request line; requests are small (a command and a file path).
const MAX_REQUEST_BYTES: u64 = 64 * 1024;

/// How long a client waits for a command to finish: an import of a large file or a verify of a
/// region can take a while, but never this long.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(600);

/// What answers a request line with a response line. It runs on a blocking thread: it may take
/// the core's lock and do long work.
pub type ControlHandler = Arc<dyn Fn(&str) -> String + Send + Sync>;

/// A handler that reads each line as JSON of `Request` and writes the JSON of the `Response`
/// that `answer` gives; a line that is not a request gets `malformed(reason)`.
pub fn json_control_handler<Request, Response>(
    answer: impl Fn(Request) -> Response + Send + Sync + 'static,
    malformed: impl Fn(String) -> Response + Send + Sync + 'static,
) -> ControlHandler
where
    Request: DeserializeOwned,
    Response: Serialize,
{
    Arc::new(move |line: &str| {
        let response = match serde_json::from_str::<Request>(line) {
            Ok(request) => answer(request),
            Err(error) => malformed(error.to_string()),
        };
        serde_json::to_string(&response)
            .unwrap_or_else(|error| format!("{{\"unencodable_response\":{:?}}}", error.to_string()))
    })
}

/// Binds the control socket, replacing a stale one left by a node that died.
pub fn bind(path: &Path) -> Result<UnixListener> {
    if path.exists() {
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            bail!(crate::t!(
                "node.control.already_running",
                dir = path.parent().unwrap_or(path).display()
            ));
        }
        std::fs::remove_file(path).with_context(|| {
            crate::t!(
                "node.control.cannot_remove_stale_socket",
                file = path.display()
            )
            .into_owned()
        })?;
    }
    // The socket is bound under a name no command looks for, made private, and only then renamed
    // to the name commands connect to: it is never reachable with wider permissions. (It lives in
    // the node directory, which is private from its creation, so nobody else can reach it at all.)
    let staging = path.with_file_name(format!(
        ".{}.{}",
        path.file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("control.sock"),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&staging);
    let listener = UnixListener::bind(&staging).with_context(|| {
        crate::t!("node.control.cannot_create_socket", file = path.display()).into_owned()
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&staging, std::fs::Permissions::from_mode(0o600)).with_context(
            || crate::t!("node.control.cannot_restrict", file = staging.display()).into_owned(),
        )?;
    }
    std::fs::rename(&staging, path).with_context(|| {
        crate::t!("node.control.cannot_create_socket", file = path.display()).into_owned()
    })?;
    Ok(listener)
}

/// Serves control requests until cancelled, then removes the socket.
pub async fn serve(
    handler: ControlHandler,
    listener: UnixListener,
    path: PathBuf,
    cancel: CancellationToken,
) -> Result<()> {
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            accepted = listener.accept() => {
                let (stream, _) = accepted.context(crate::t!("node.control.socket_failed"))?;
                let handler = handler.clone();
                tokio::spawn(async move {
                    if let Err(error) = serve_one(handler, stream).await {
                        tracing::warn!("control request failed: {error:#}");
                    }
                });
            }
        }
    }
    let _ = std::fs::remove_file(&path);
    Ok(())
}

async fn serve_one(handler: ControlHandler, stream: UnixStream) -> Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut line = String::new();
    BufReader::new(reader.take(MAX_REQUEST_BYTES))
        .read_line(&mut line)
        .await?;
    let mut response = tokio::task::spawn_blocking(move || handler(&line))
        .await
        .context(crate::t!("node.control.request_panicked"))?;
    response.push('\n');
    writer.write_all(response.as_bytes()).await?;
    writer.shutdown().await?;
    Ok(())
}

/// Whether a node is running in the directory of this control socket (it answers connections).
pub fn is_running(socket: &Path) -> bool {
    std::os::unix::net::UnixStream::connect(socket).is_ok()
}

/// Sends a request to the node whose control socket this is, if one is running; `Ok(None)` when
/// none is. The error is about the socket itself (the node did not answer, or answered something
/// unreadable); what the request's own failure is travels inside `Response`.
pub fn send_control_request<Request: Serialize, Response: DeserializeOwned>(
    socket: &Path,
    request: &Request,
) -> Result<Option<Response>> {
    use std::io::{BufRead, Write};
    let mut stream = match std::os::unix::net::UnixStream::connect(socket) {
        Ok(stream) => stream,
        Err(_) => return Ok(None),
    };
    stream.set_read_timeout(Some(RESPONSE_TIMEOUT))?;
    let mut encoded = serde_json::to_vec(request)?;
    encoded.push(b'\n');
    stream
        .write_all(&encoded)
        .context(schemas::t!("errors.control_send_failed"))?;
    let mut line = String::new();
    std::io::BufReader::new(stream)
        .read_line(&mut line)
        .context(schemas::t!("errors.control_no_answer"))?;
    let response = serde_json::from_str::<Response>(&line)
        .with_context(|| schemas::t!("errors.control_unreadable", line = format!("{line:?}")))?;
    Ok(Some(response))
}
