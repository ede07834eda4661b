//! The control socket: how `huizong import`, `submit`, `status`, `report` and `verify` reach a
//! node that is running. One JSON request per line, one JSON response per line, over a Unix socket
//! in the node directory that only the node's owner can open.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio_util::sync::CancellationToken;

use super::node_handle::NodeHandle;
use crate::commands::{self, Command};

/// Bytes of one request line; requests are small (a command and a file path).
const MAX_REQUEST_BYTES: u64 = 64 * 1024;

/// How long a client waits for a command to finish: an import of a large file or a verify of a
/// region can take a while, but never this long.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(600);

/// A command for a running node.
pub type ControlRequest = Command;

/// The answer: the command's JSON output or its error message.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ControlResponse {
    Ok(serde_json::Value),
    Error(String),
}

/// Binds the control socket, replacing a stale one left by a node that died.
pub fn bind(path: &Path) -> Result<UnixListener> {
    if path.exists() {
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            bail!(
                "another huizong node is already running in {}",
                path.parent().unwrap_or(path).display()
            );
        }
        std::fs::remove_file(path).with_context(|| {
            format!("cannot remove the stale control socket {}", path.display())
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
    let listener = UnixListener::bind(&staging)
        .with_context(|| format!("cannot create the control socket {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&staging, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict {}", staging.display()))?;
    }
    std::fs::rename(&staging, path)
        .with_context(|| format!("cannot create the control socket {}", path.display()))?;
    Ok(listener)
}

/// Serves control requests until cancelled, then removes the socket.
pub async fn serve(
    handle: Arc<NodeHandle>,
    listener: UnixListener,
    path: PathBuf,
    cancel: CancellationToken,
) -> Result<()> {
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            accepted = listener.accept() => {
                let (stream, _) = accepted.context("the control socket failed")?;
                let handle = handle.clone();
                tokio::spawn(async move {
                    if let Err(error) = serve_one(handle, stream).await {
                        tracing::warn!("control request failed: {error:#}");
                    }
                });
            }
        }
    }
    let _ = std::fs::remove_file(&path);
    Ok(())
}

async fn serve_one(handle: Arc<NodeHandle>, stream: UnixStream) -> Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut line = String::new();
    BufReader::new(reader.take(MAX_REQUEST_BYTES))
        .read_line(&mut line)
        .await?;
    let response = match serde_json::from_str::<Command>(&line) {
        Err(error) => ControlResponse::Error(format!("malformed control request: {error}")),
        Ok(command) => {
            let handle = handle.clone();
            let outcome =
                tokio::task::spawn_blocking(move || commands::execute_running(&handle, &command))
                    .await
                    .map_err(|join_error| anyhow!("the command panicked: {join_error}"))
                    .and_then(|outcome| outcome);
            match outcome {
                Ok(value) => ControlResponse::Ok(value),
                Err(error) => ControlResponse::Error(format!("{error:#}")),
            }
        }
    };
    let mut encoded = serde_json::to_vec(&response)?;
    encoded.push(b'\n');
    writer.write_all(&encoded).await?;
    writer.shutdown().await?;
    Ok(())
}

/// Sends a command to the node running in `directory`, if one is; `Ok(None)` when none is.
pub fn send_control_request(socket: &Path, command: &Command) -> Result<Option<serde_json::Value>> {
    use std::io::{BufRead, Write};
    let mut stream = match std::os::unix::net::UnixStream::connect(socket) {
        Ok(stream) => stream,
        Err(_) => return Ok(None),
    };
    stream.set_read_timeout(Some(RESPONSE_TIMEOUT))?;
    let mut request = serde_json::to_vec(command)?;
    request.push(b'\n');
    stream
        .write_all(&request)
        .context("cannot send the command to the running node")?;
    let mut line = String::new();
    std::io::BufReader::new(stream)
        .read_line(&mut line)
        .context("the running node did not answer")?;
    match serde_json::from_str::<ControlResponse>(&line)
        .with_context(|| format!("the running node answered something unreadable: {line:?}"))?
    {
        ControlResponse::Ok(value) => Ok(Some(value)),
        ControlResponse::Error(message) => Err(anyhow!(message)),
    }
}
