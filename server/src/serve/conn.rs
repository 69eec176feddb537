//! The accept loop: what `axum::serve` does, plus limits on slow and idle clients.
//!
//! - A client must send a request's headers within `read_timeout` of starting them (hyper's
//!   header read timeout, which also closes idle keep-alive connections) and its body within
//!   `read_timeout` of the headers (`body_deadline`, a middleware).
//! - A client must read its answers: a write that makes no progress for `read_timeout` closes
//!   the connection (`WriteDeadline`), so a client that sends requests and never reads cannot
//!   hold a socket, a task and an answer's memory for ever.
//! - At most `max_connections` are open (by default the file-descriptor limit less a reserve
//!   for the database and the rest: [`default_max_connections`]). A new connection beyond it
//!   closes the oldest one not inside a request handler (idle, trickling headers, or stuck
//!   writing an answer nobody reads); when every one is inside a handler, the new one is
//!   closed instead. So the server never runs out of descriptors, and `/healthz` still
//!   answers while a crowd holds connections open.
//!
//! On shutdown, connections in flight finish (up to 10 s).

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1::Builder;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower::ServiceExt;

/// Descriptors kept for what is not a client connection: the database (SQLite's files and
/// readers, or the PostgreSQL pool), the listener, WeChat calls, static files, the runtime.
pub const RESERVED_DESCRIPTORS: u64 = 128;

/// The open-file limit (soft) less [`RESERVED_DESCRIPTORS`], at least 16.
pub fn default_max_connections() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given.
    let soft = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
        limit.rlim_cur
    } else {
        1024
    };
    soft.saturating_sub(RESERVED_DESCRIPTORS).clamp(16, 1 << 20) as usize
}

/// An open connection: how many of its requests are inside a handler, and how to close it.
struct Open {
    busy: Arc<AtomicUsize>,
    close: Arc<Notify>,
}

/// The open connections by age (ids grow), for shedding the oldest.
#[derive(Default)]
struct Registry {
    next: u64,
    open: BTreeMap<u64, Open>,
}

impl Registry {
    /// Makes room for one more connection under `max`: closes the oldest one outside a
    /// handler if needed. False when every open connection is inside one.
    fn make_room(&mut self, max: usize) -> bool {
        if self.open.len() < max {
            return true;
        }
        let idle = self
            .open
            .iter()
            .find(|(_, c)| c.busy.load(Ordering::Acquire) == 0)
            .map(|(id, _)| *id);
        match idle.and_then(|id| self.open.remove(&id)) {
            Some(oldest) => {
                oldest.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Counts a request inside its handler until dropped.
struct Busy(Arc<AtomicUsize>);

impl Busy {
    fn enter(count: &Arc<AtomicUsize>) -> Busy {
        count.fetch_add(1, Ordering::AcqRel);
        Busy(count.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    read_timeout: Duration,
    max_connections: usize,
    shutdown: impl std::future::Future<Output = ()>,
) {
    // HTTP/1.1 only: WeChat's wx.request and reverse proxies speak it to us, and HTTP/2 would
    // be a second protocol stack (h2) to carry and to harden.
    let mut builder = Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(read_timeout);
    let graceful = GracefulShutdown::new();
    let registry = Arc::new(Mutex::new(Registry::default()));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                // Out of file descriptors and the like: wait a moment rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (id, busy, close) = {
            let mut reg = registry.lock().unwrap_or_else(|e| e.into_inner());
            if !reg.make_room(max_connections) {
                drop(stream); // every connection is being served: this one waits its turn
                continue;
            }
            let (busy, close) = (Arc::new(AtomicUsize::new(0)), Arc::new(Notify::new()));
            let id = reg.next;
            reg.next += 1;
            reg.open.insert(
                id,
                Open {
                    busy: busy.clone(),
                    close: close.clone(),
                },
            );
            (id, busy, close)
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            let inside = Busy::enter(&busy);
            let answer = router.clone().oneshot(req);
            async move {
                let res = answer.await;
                drop(inside);
                res
            }
        });
        let io = TokioIo::new(WriteDeadline::new(stream, read_timeout));
        let conn = graceful.watch(builder.serve_connection(io, service));
        let registry = registry.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = conn => {} // a client that goes away is not the server's error
                () = close.notified() => {} // shed for a newer one: dropping closes it
            }
            let mut reg = registry.lock().unwrap_or_else(|e| e.into_inner());
            reg.open.remove(&id);
        });
    }
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => {}
    }
}

/// A stream whose writes fail (`TimedOut`) once one has made no progress for `limit`: the
/// peer is not reading its answers.
struct WriteDeadline<S> {
    inner: S,
    limit: Duration,
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> WriteDeadline<S> {
    fn new(inner: S, limit: Duration) -> WriteDeadline<S> {
        WriteDeadline {
            inner,
            limit,
            stalled: None,
        }
    }

    /// After a write: progress resets the clock; no progress starts it, and past `limit`
    /// turns into an error.
    fn watch<T>(
        &mut self,
        cx: &mut Context<'_>,
        poll: Poll<std::io::Result<T>>,
    ) -> Poll<std::io::Result<T>> {
        if poll.is_ready() {
            self.stalled = None;
            return poll;
        }
        let limit = self.limit;
        let timer = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        if timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client did not read its answer",
            )));
        }
        Poll::Pending
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteDeadline<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.watch(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.watch(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_flush(cx);
        self.watch(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.watch(cx, poll)
    }
}

/// A request whose body does not arrive within `limit` of its headers is answered 408 and
/// its connection closed.
pub async fn body_deadline(
    axum::extract::State(limit): axum::extract::State<(Duration, usize)>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (parts, body) = request.into_parts();
    let (timeout, max) = limit;
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, max)).await {
        Ok(Ok(bytes)) => {
            next.run(axum::extract::Request::from_parts(
                parts,
                axum::body::Body::from(bytes),
            ))
            .await
        }
        // Over the size limit: let the route's own extractor answer 413 as before.
        Ok(Err(_)) => super::error::ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            "the body is over the size limit",
        )
        .into_response(),
        Err(_) => {
            let mut res = super::error::ApiError::new(
                axum::http::StatusCode::REQUEST_TIMEOUT,
                "REQUEST_TIMEOUT",
                format!("the body did not arrive within {} s", timeout.as_secs()),
            )
            .into_response();
            res.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
            res
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(reg: &mut Registry, busy: usize) -> (Arc<AtomicUsize>, Arc<Notify>) {
        let (b, c) = (Arc::new(AtomicUsize::new(busy)), Arc::new(Notify::new()));
        let id = reg.next;
        reg.next += 1;
        reg.open.insert(
            id,
            Open {
                busy: b.clone(),
                close: c.clone(),
            },
        );
        (b, c)
    }

    /// Full: the oldest connection outside a handler is shed; all inside one: none is.
    #[test]
    fn the_oldest_idle_connection_makes_room() {
        let mut reg = Registry::default();
        assert!(reg.make_room(2));
        let (busy0, _) = open(&mut reg, 1);
        let (_, idle1) = open(&mut reg, 0);
        assert!(reg.make_room(3), "room left");
        assert!(reg.make_room(2), "the idle one goes");
        assert_eq!(reg.open.keys().copied().collect::<Vec<_>>(), [0]);
        let closed = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(async {
                tokio::time::timeout(Duration::from_secs(1), idle1.notified())
                    .await
                    .is_ok()
            });
        assert!(closed, "the shed connection is told to close");
        assert!(!reg.make_room(1), "the only one is in a handler");
        busy0.store(0, Ordering::Release);
        assert!(reg.make_room(1), "out of its handler, it can go");
        assert!(reg.open.is_empty());
    }

    #[test]
    fn the_default_leaves_descriptors_for_the_rest() {
        let max = default_max_connections();
        assert!(max >= 16);
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        assert_eq!(
            unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
            0
        );
        if limit.rlim_cur > RESERVED_DESCRIPTORS + 16 {
            assert_eq!(max as u64, limit.rlim_cur - RESERVED_DESCRIPTORS);
        }
    }
}
