//! A raw protocol peer over real QUIC, for attack tests: it holds a node's key, connects to a
//! running `huizong` process as that node would, and sends whatever protocol messages (or raw
//! bytes) a test builds, reading the node's frames back with a timeout. Nothing of the node's own
//! session logic runs on this side, so a test can send what no honest node would.
//!
//! Also here: reading a process's peak resident memory.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use ed25519_dalek::{SigningKey, VerifyingKey};
use protocol::frame::FrameDecoder;
use protocol::message::Message;

/// Bytes read from the stream at a time.
const READ_CHUNK_BYTES: usize = 64 * 1024;

/// A connection to a node, speaking raw protocol frames on the session's stream.
#[derive(Debug)]
pub struct AttackPeer {
    /// Drives quinn's endpoint in the background while the test thread waits on it.
    runtime: tokio::runtime::Runtime,
    endpoint: quinn::Endpoint,
    connection: quinn::Connection,
    send: quinn::SendStream,
    recv: quinn::RecvStream,
    decoder: FrameDecoder,
    /// Whether the node closed its side of the stream (or the connection).
    closed: bool,
}

impl AttackPeer {
    /// Connects to the node holding `server_key` at `address`, presenting `key`, and opens the
    /// session's stream (the node sees it once something is sent on it).
    pub fn connect(
        key: &SigningKey,
        server_key: VerifyingKey,
        address: SocketAddr,
        timeout: Duration,
    ) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let client_config = node::transport::tls::client_config(key, server_key)?;
        let (endpoint, connection, send, recv) = runtime.block_on(async {
            let endpoint = quinn::Endpoint::client("127.0.0.1:0".parse()?)?;
            let connect = async {
                let connection = endpoint
                    .connect_with(client_config, address, node::transport::tls::SERVER_NAME)?
                    .await?;
                let (send, recv) = connection.open_bi().await?;
                anyhow::Ok((connection, send, recv))
            };
            let (connection, send, recv) = tokio::time::timeout(timeout, connect)
                .await
                .map_err(|_| anyhow!("no connection to {address} within {timeout:?}"))??;
            anyhow::Ok((endpoint, connection, send, recv))
        })?;
        Ok(Self {
            runtime,
            endpoint,
            connection,
            send,
            recv,
            decoder: FrameDecoder::new(),
            closed: false,
        })
    }

    /// Sends one protocol message as a frame.
    pub fn send(&mut self, message: &Message) -> Result<()> {
        let frame = message.to_frame()?;
        self.send_bytes(&frame)
    }

    /// Sends raw bytes on the stream, framed or not.
    pub fn send_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let send = &mut self.send;
        self.runtime
            .block_on(send.write_all(bytes))
            .context("the node stopped reading")
    }

    /// The next message the node sends; `None` once it has closed the stream or the connection.
    /// Fails if nothing arrives within `timeout`.
    pub fn receive(&mut self, timeout: Duration) -> Result<Option<Message>> {
        loop {
            if let Some(body) = self.decoder.next_frame()? {
                return Ok(Some(Message::from_frame_body(&body)?));
            }
            if self.closed {
                return Ok(None);
            }
            let mut buffer = vec![0u8; READ_CHUNK_BYTES];
            let recv = &mut self.recv;
            let read = self
                .runtime
                .block_on(async { tokio::time::timeout(timeout, recv.read(&mut buffer)).await })
                .map_err(|_| anyhow!("the node sent nothing within {timeout:?}"))?;
            match read {
                Ok(Some(n_bytes)) => self.decoder.push(&buffer[..n_bytes]),
                // The stream finished, or the node closed the connection.
                Ok(None) | Err(_) => self.closed = true,
            }
        }
    }

    /// Reads messages until the node ends the session, within `timeout`; returns them.
    pub fn wait_until_closed(&mut self, timeout: Duration) -> Result<Vec<Message>> {
        let started = std::time::Instant::now();
        let mut messages = Vec::new();
        loop {
            let left = timeout
                .checked_sub(started.elapsed())
                .ok_or_else(|| anyhow!("the node did not end the session within {timeout:?}"))?;
            match self.receive(left)? {
                Some(message) => messages.push(message),
                None => return Ok(messages),
            }
        }
    }

    /// Closes the connection and waits briefly for the node to hear of it.
    pub fn close(self) {
        self.connection
            .close(quinn::VarInt::from_u32(0), b"attack over");
        let endpoint = self.endpoint;
        self.runtime.block_on(async {
            let _ = tokio::time::timeout(Duration::from_secs(2), endpoint.wait_idle()).await;
        });
    }
}

/// The peak resident memory of process `pid` (`VmHWM` in /proc/PID/status), in KiB.
pub fn peak_resident_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read the status of process {pid}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .ok_or_else(|| anyhow!("process {pid} reports no VmHWM"))
}
