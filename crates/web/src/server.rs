//! The HTTP/1.1 server under the router, and what protects it from hostile clients: a header
//! read timeout (a half-sent request is dropped), a request body size limit and read timeout,
//! limits on the request target and header fields, a handler that panics answered 500, and the
//! JSON error shape on every error answer — the router's own refusals (405, 413, a path or query
//! that is not UTF-8), our limits (408, 413, 414, 431) and even the bare answers hyper writes
//! itself for a request head it cannot parse (400, 414, 431).

use crate::error::{self, ApiError};
use crate::{WebState, router};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Timeouts and size limits of every connection and request.
#[derive(Debug, Clone)]
pub struct Limits {
    /// From the first byte of a request (or the start of an idle connection) to the end of its
    /// header: a client that sends less is disconnected without an answer.
    pub header_read_timeout: Duration,
    /// Reading a whole request body; slower answers 408.
    pub body_timeout: Duration,
    /// The largest request body (413 above).
    pub max_body_bytes: usize,
    /// The longest request target, path and query (414 above).
    pub max_uri_bytes: usize,
    /// The header fields' total size, names and values (431 above).
    pub max_header_bytes: usize,
    /// The buffer hyper parses a request head in (at least 8192): a head longer than this never
    /// reaches the router and gets hyper's own 431, rewritten as JSON.
    pub max_head_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_body_bytes: 64 * 1024,
            max_uri_bytes: 8 * 1024,
            max_header_bytes: 32 * 1024,
            max_head_bytes: 96 * 1024,
        }
    }
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: WebState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let addr = listener.local_addr()?;
    let limits = state.limits.clone();
    let app = router(state);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    tracing::info!(%addr, "Web dashboard and API listening.");
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, a connection reset before accept: wait a little
                    // rather than spin, and keep serving.
                    tracing::warn!(%addr, error = %e, "Accepting a web connection failed.");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .max_buf_size(limits.max_head_bytes.max(8192))
            .writev(false);
        let conn = builder.serve_connection(
            TokioIo::new(JsonAutoAnswers::new(stream)),
            TowerToHyperService::new(app.clone()),
        );
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "A web connection ended with an error.");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Refuses a request target or header fields over the limits, runs the handler (a panic is a
/// 500, not a dropped connection), and gives any error answer that is not JSON yet the shape of
/// [`ApiError`].
pub(crate) async fn guard(State(limits): State<Arc<Limits>>, req: Request, next: Next) -> Response {
    let uri_len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if uri_len > limits.max_uri_bytes {
        return ApiError::Status(
            StatusCode::URI_TOO_LONG,
            format!(
                "the request target is {uri_len} bytes long; at most {} are accepted",
                limits.max_uri_bytes
            ),
        )
        .into_response();
    }
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 4)
        .sum();
    if header_bytes > limits.max_header_bytes {
        return ApiError::Status(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "the header fields are {header_bytes} bytes long; at most {} are accepted",
                limits.max_header_bytes
            ),
        )
        .into_response();
    }
    let method = req.method().clone();
    let resp = match tokio::spawn(next.run(req)).await {
        Ok(resp) => resp,
        Err(e) => {
            tracing::error!(error = %e, "A web request handler failed.");
            return ApiError::Internal("the request handler failed".into()).into_response();
        }
    };
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    // The router's own refusals: an empty 405, a text 400 for a path or query that does not
    // decode, a text 413 from a body extractor.
    let allow = resp.headers().get(header::ALLOW).cloned();
    let text = axum::body::to_bytes(resp.into_body(), 16 * 1024)
        .await
        .unwrap_or_default();
    let mut message = String::from_utf8_lossy(&text).trim().to_string();
    if status == StatusCode::METHOD_NOT_ALLOWED {
        let allowed = allow
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none");
        message = format!("method {method} is not allowed here; allowed: {allowed}");
    } else if message.is_empty() {
        message = status.canonical_reason().unwrap_or("error").to_string();
    }
    let mut out = ApiError::Status(status, message).into_response();
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}

/// The request body, read whole within the body timeout and size limit: 408 when too slow,
/// 413 when too large.
pub(crate) async fn read_body(limits: &Limits, body: Body) -> Result<Bytes, ApiError> {
    let read = axum::body::to_bytes(body, limits.max_body_bytes);
    match tokio::time::timeout(limits.body_timeout, read).await {
        Err(_) => Err(ApiError::Status(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request body did not arrive within {} ms",
                limits.body_timeout.as_millis()
            ),
        )),
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
                || e.to_string().contains("length limit exceeded");
            if too_large {
                Err(ApiError::Status(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "the request body is larger than {} bytes",
                        limits.max_body_bytes
                    ),
                ))
            } else {
                Err(ApiError::BadRequest(format!("request body: {e}")))
            }
        }
    }
}

/// A connection whose bare error answers from hyper (a request head it cannot parse: 400, a
/// target over 64 KiB: 414, a head over its buffer or too many fields: 431 — written with no
/// content type and an empty body, then the connection closes) are rewritten into the JSON
/// error shape. Every answer of the router has a content type, so a 4xx head without one and
/// with `content-length: 0` can only be hyper's.
struct JsonAutoAnswers<T> {
    io: T,
    /// A rewritten answer being written, and the length of the original it stands for.
    pending: Option<(Vec<u8>, usize, usize)>,
}

impl<T> JsonAutoAnswers<T> {
    fn new(io: T) -> Self {
        Self { io, pending: None }
    }
}

/// The JSON answer that replaces `head` when it is one of hyper's bare error answers.
fn rewrite_auto_answer(head: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    let rest = text.strip_prefix("HTTP/1.")?.get(2..)?;
    let status = StatusCode::from_u16(rest.get(..3)?.parse().ok()?).ok()?;
    if !status.is_client_error() || !text.ends_with("\r\n\r\n") {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    if lower.contains("\r\ncontent-type:") || !lower.contains("\r\ncontent-length: 0\r\n") {
        return None;
    }
    let message = match status {
        StatusCode::URI_TOO_LONG => "the request target is too long",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => {
            "the request head is too large or has too many header fields"
        }
        _ => "the request is not valid HTTP/1.1",
    };
    let body = error::body(status, message).to_string();
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        status.as_str(),
        status.canonical_reason().unwrap_or("")
    );
    for line in text.trim_end().split("\r\n").skip(1) {
        let name = line.split(':').next().unwrap_or("").to_ascii_lowercase();
        if name != "content-length" && name != "connection" {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str(&format!(
        "content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    ));
    Some(out.into_bytes())
}

impl<T: AsyncRead + Unpin> AsyncRead for JsonAutoAnswers<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for JsonAutoAnswers<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.pending.is_none() {
            match rewrite_auto_answer(buf) {
                Some(answer) => this.pending = Some((answer, 0, buf.len())),
                None => return Pin::new(&mut this.io).poll_write(cx, buf),
            }
        }
        // Until the rewritten answer is out, hyper calls again with the same original bytes.
        let Some((answer, written, replaces)) = this.pending.as_mut() else {
            return Poll::Ready(Ok(0));
        };
        while *written < answer.len() {
            match ready!(Pin::new(&mut this.io).poll_write(cx, &answer[*written..])) {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(n) => *written += n,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        let replaces = *replaces;
        this.pending = None;
        Poll::Ready(Ok(replaces))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        false
    }
}
