//! The other processes of the bulk-sync benchmark ([`super::bulk_sync`]): the lower bound (two
//! in-memory automerge peers) and the two samod repos. Each runs in a process of its own, so that
//! its peak memory is its own: the benchmark starts this binary again as `huizong bench` with
//! [`PEER_VARIABLE`] holding the task in JSON, and the process prints one JSON line of results.
//!
//! samod is the Rust automerge-repo, the peer a Rust team would sync automerge documents with;
//! it checks nothing (no signatures, no figures), which is what huizong is compared against.

use std::io::{BufRead, Write as _};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use automerge::Automerge;
use automerge::sync::State as SyncState;
use futures::StreamExt as _;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::memory::{peak_resident_mib, resident_mib};
use super::{exchange, milliseconds};

/// The environment variable that turns `huizong bench` into one of the benchmark's peers.
pub const PEER_VARIABLE: &str = "HUIZONG_BENCH_PEER";

/// Longest a samod peer waits for the document before it gives up.
const SAMOD_TIMEOUT: Duration = Duration::from_secs(900);

/// What a peer process is asked to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum PeerTask {
    /// Load the saved document, sync it into an empty document in memory, save that.
    LowerBound { document: PathBuf },
    /// Put the saved document into a samod repo with filesystem storage in `storage`, listen on
    /// loopback TCP, print [`SamodChildReady`], and serve until standard input closes.
    SamodChild { document: PathBuf, storage: PathBuf },
    /// Dial the child, find the document by id until it holds `records` records, stop the repo
    /// (its storage flushed), print [`SamodParentResult`].
    SamodParent {
        port: u16,
        document_id: String,
        storage: PathBuf,
        records: usize,
    },
}

/// The lower bound's measurements.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LowerBoundResult {
    pub load_ms: f64,
    pub sync_ms: f64,
    pub save_ms: f64,
    pub total_ms: f64,
    /// Bytes of the automerge sync messages both ways.
    pub sync_message_bytes: u64,
    /// Bytes of the receiving peer's saved document.
    pub saved_bytes: u64,
    /// How much the resident set grew when a fresh process loaded the document, and nothing else.
    pub loaded_document_mib: f64,
    pub peak_resident_mib: f64,
}

/// What the samod child prints once its document is stored and it listens.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SamodChildReady {
    pub port: u16,
    pub document_id: String,
}

/// The samod parent's measurements.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SamodParentResult {
    /// From the connection established to the document complete and the repo stopped.
    pub total_ms: f64,
    pub records: usize,
    /// Bytes on the TCP connection both ways, as the parent read and wrote them.
    pub wire_bytes: u64,
    /// Bytes in the parent's storage directory after it stopped.
    pub stored_bytes: u64,
    pub peak_resident_mib: f64,
}

/// Runs the task named by [`PEER_VARIABLE`], if it is set; `Ok(false)` when it is not.
pub fn run_if_asked() -> Result<bool> {
    let Some(task) = std::env::var_os(PEER_VARIABLE) else {
        return Ok(false);
    };
    let task: PeerTask = serde_json::from_str(
        task.to_str()
            .ok_or_else(|| anyhow!("{PEER_VARIABLE} is not UTF-8"))?,
    )
    .with_context(|| format!("{PEER_VARIABLE} does not hold a benchmark task"))?;
    let line = match task {
        PeerTask::LowerBound { document } => serde_json::to_string(&lower_bound(&document)?)?,
        PeerTask::SamodChild { document, storage } => {
            runtime()?.block_on(samod_child(&document, &storage))?;
            return Ok(true);
        }
        PeerTask::SamodParent {
            port,
            document_id,
            storage,
            records,
        } => serde_json::to_string(&runtime()?.block_on(samod_parent(
            port,
            &document_id,
            &storage,
            records,
        ))?)?,
    };
    println!("{line}");
    Ok(true)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn lower_bound(document: &Path) -> Result<LowerBoundResult> {
    let bytes = std::fs::read(document)
        .with_context(|| format!("cannot read the document {}", document.display()))?;
    let before_load = resident_mib();
    let started = Instant::now();
    let mut sender = Automerge::load(&bytes)?;
    let load = started.elapsed();
    let loaded_document_mib = resident_mib() - before_load;
    drop(bytes);
    let sync_started = Instant::now();
    let mut receiver = Automerge::new();
    let sync_message_bytes = exchange(
        &mut sender,
        &mut SyncState::new(),
        &mut receiver,
        &mut SyncState::new(),
    )?;
    let sync = sync_started.elapsed();
    let save_started = Instant::now();
    let saved = receiver.save();
    let save = save_started.elapsed();
    if receiver.get_heads() != sender.get_heads() {
        bail!("the in-memory peers did not converge");
    }
    Ok(LowerBoundResult {
        load_ms: milliseconds(load),
        sync_ms: milliseconds(sync),
        save_ms: milliseconds(save),
        total_ms: milliseconds(started.elapsed()),
        sync_message_bytes,
        saved_bytes: saved.len() as u64,
        loaded_document_mib,
        peak_resident_mib: peak_resident_mib(),
    })
}

async fn samod_child(document: &Path, storage: &Path) -> Result<()> {
    let bytes = std::fs::read(document)
        .with_context(|| format!("cannot read the document {}", document.display()))?;
    let content = Automerge::load(&bytes)?;
    drop(bytes);
    let repo = samod::Repo::build_tokio()
        .with_storage(samod::storage::TokioFilesystemStorage::new(storage))
        .load()
        .await;
    let handle = repo
        .create(content)
        .await
        .map_err(|_| anyhow!("the samod repo stopped"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let acceptor = repo
        .make_acceptor(samod::Url::parse(&format!("tcp://127.0.0.1:{port}"))?)
        .map_err(|_| anyhow!("the samod repo stopped"))?;
    let ready = SamodChildReady {
        port,
        document_id: handle.document_id().to_string(),
    };
    println!("{}", serde_json::to_string(&ready)?);
    std::io::stdout().flush()?;
    // Serve until the benchmark closes standard input.
    let (closed_sender, mut closed) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut line = String::new();
        while std::io::stdin().lock().read_line(&mut line).unwrap_or(0) > 0 {
            line.clear();
        }
        let _ = closed_sender.send(());
    });
    let mut connections = Vec::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = accepted?;
                connections.push(
                    acceptor
                        .accept_tokio_io(stream)
                        .map_err(|_| anyhow!("the samod repo stopped"))?,
                );
            }
            _ = &mut closed => break,
        }
    }
    repo.stop().await;
    Ok(())
}

async fn samod_parent(
    port: u16,
    document_id: &str,
    storage: &Path,
    records: usize,
) -> Result<SamodParentResult> {
    let document_id: samod::DocumentId = document_id
        .parse()
        .map_err(|error| anyhow!("not a samod document id {document_id:?}: {error:?}"))?;
    let repo = samod::Repo::build_tokio()
        .with_storage(samod::storage::TokioFilesystemStorage::new(storage))
        .load()
        .await;
    let counter = Arc::new(AtomicU64::new(0));
    let dialer = CountingDialer {
        port,
        bytes: counter.clone(),
    };
    let dialed = repo
        .dial(samod::BackoffConfig::default(), Arc::new(dialer))
        .map_err(|_| anyhow!("the samod repo stopped"))?;
    tokio::time::timeout(SAMOD_TIMEOUT, dialed.established())
        .await
        .context("samod did not connect in time")?
        .map_err(|error| anyhow!("samod could not connect: {error:?}"))?;
    let started = Instant::now();
    let work = async {
        let handle = repo
            .find(document_id)
            .await
            .map_err(|_| anyhow!("the samod repo stopped"))?
            .ok_or_else(|| anyhow!("samod did not find the document"))?;
        let mut changes = handle.changes();
        loop {
            let held =
                handle.with_document(|document| schemas::document::count_records(document))?;
            if held >= records {
                break anyhow::Ok(held);
            }
            if changes.next().await.is_none() {
                bail!("samod stopped with {held} of {records} records");
            }
        }
    };
    let held = tokio::time::timeout(SAMOD_TIMEOUT, work)
        .await
        .context("samod did not receive the whole document in time")??;
    repo.stop().await;
    let total = started.elapsed();
    Ok(SamodParentResult {
        total_ms: milliseconds(total),
        records: held,
        wire_bytes: counter.load(Ordering::Relaxed),
        stored_bytes: directory_bytes(storage)?,
        peak_resident_mib: peak_resident_mib(),
    })
}

/// Bytes of every file under `path`.
pub fn directory_bytes(path: &Path) -> Result<u64> {
    let mut total = 0;
    if !path.exists() {
        return Ok(0);
    }
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let metadata = entry.metadata()?;
        total += if metadata.is_dir() {
            directory_bytes(&entry.path())?
        } else {
            metadata.len()
        };
    }
    Ok(total)
}

/// Dials the samod child over loopback TCP and counts the bytes both ways.
struct CountingDialer {
    port: u16,
    bytes: Arc<AtomicU64>,
}

impl samod::Dialer for CountingDialer {
    type Error = std::convert::Infallible;

    fn url(&self) -> samod::Url {
        samod::Url::parse(&format!("tcp://127.0.0.1:{}", self.port)).expect("a loopback URL")
    }

    fn connect(
        &self,
    ) -> futures::future::BoxFuture<'static, Result<samod::Transport, samod::DialError<Self::Error>>>
    {
        let port = self.port;
        let bytes = self.bytes.clone();
        Box::pin(async move {
            let stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .map_err(samod::DialError::transient)?;
            Ok(samod::Transport::from_tokio_io(CountingStream {
                inner: stream,
                bytes,
            }))
        })
    }
}

/// A TCP stream that counts what passes through it.
struct CountingStream {
    inner: tokio::net::TcpStream,
    bytes: Arc<AtomicU64>,
}

impl AsyncRead for CountingStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        context: &mut TaskContext<'_>,
        buffer: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buffer.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(context, buffer);
        let read = buffer.filled().len() - before;
        self.bytes.fetch_add(read as u64, Ordering::Relaxed);
        polled
    }
}

impl AsyncWrite for CountingStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        context: &mut TaskContext<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(context, data);
        if let Poll::Ready(Ok(written)) = &polled {
            self.bytes.fetch_add(*written as u64, Ordering::Relaxed);
        }
        polled
    }

    fn poll_flush(
        mut self: Pin<&mut Self>,
        context: &mut TaskContext<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(context)
    }

    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        context: &mut TaskContext<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(context)
    }
}
