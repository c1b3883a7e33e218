//! The listening socket and the connections of the fake appliance, wrapped so faults can act
//! below HTTP: "appliance gone" closes the listening socket (new connections are refused) and
//! kills every open connection; a single connection can be killed without a byte of answer.
//! With TLS on, each accepted connection is handshaken in a task of its own (a slow client
//! cannot hold up the others) before axum sees it; faults still act on the TCP stream below.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

use super::faults::{Faults, Listening};

/// A TLS handshake that does not finish within this long is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

type Handshake = Option<(TlsStream<FaultStream>, SocketAddr)>;

/// Accepts connections, over TLS when configured.
pub(crate) struct FaultListener {
    tcp: TcpAcceptor,
    tls: Option<TlsAcceptor>,
    handshakes: JoinSet<Handshake>,
}

impl FaultListener {
    pub(crate) fn new(
        listener: TcpListener,
        addr: SocketAddr,
        faults: Arc<Faults>,
        tls: Option<TlsAcceptor>,
    ) -> Self {
        FaultListener {
            tcp: TcpAcceptor {
                listener: Some(listener),
                addr,
                faults,
            },
            tls,
            handshakes: JoinSet::new(),
        }
    }
}

/// Accepts TCP connections unless the appliance is "gone"; then it holds no socket at all.
struct TcpAcceptor {
    listener: Option<TcpListener>,
    addr: SocketAddr,
    faults: Arc<Faults>,
}

impl TcpAcceptor {
    /// The next TCP connection, while the appliance is not "gone".
    async fn accept(&mut self) -> (FaultStream, SocketAddr) {
        loop {
            if self.faults.is_gone() {
                self.listener = None;
                self.faults.set_listening(Listening::Closed);
                while self.faults.is_gone() {
                    self.faults.gone_changed().await;
                }
                continue;
            }
            let Some(listener) = &self.listener else {
                match TcpListener::bind(self.addr).await {
                    Ok(listener) => {
                        self.listener = Some(listener);
                        self.faults.set_listening(Listening::Open);
                    }
                    // The port may be held for a moment by the socket just closed.
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                }
                continue;
            };
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, remote)) => {
                        if self.faults.is_gone() {
                            continue;
                        }
                        // Nagle would delay the small pieces of dripped bodies.
                        let _ = stream.set_nodelay(true);
                        let token = self.faults.connection_token();
                        return (FaultStream::new(stream, token), remote);
                    }
                    // Out of file descriptors and the like: wait a moment and go on.
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                },
                _ = self.faults.gone_changed() => {}
            }
        }
    }
}

impl Listener for FaultListener {
    type Io = FaultIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (FaultIo, SocketAddr) {
        let Some(acceptor) = self.tls.clone() else {
            let (stream, remote) = self.tcp.accept().await;
            return (FaultIo::Plain(stream), remote);
        };
        loop {
            tokio::select! {
                (stream, remote) = self.tcp.accept() => {
                    let acceptor = acceptor.clone();
                    self.handshakes.spawn(async move {
                        // A client that gives up (or distrusts the certificate) just goes away.
                        let shaken = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream));
                        match shaken.await {
                            Ok(Ok(stream)) => Some((stream, remote)),
                            _ => None,
                        }
                    });
                }
                Some(Ok(Some((stream, remote)))) = self.handshakes.join_next(),
                    if !self.handshakes.is_empty() =>
                {
                    return (FaultIo::Tls(Box::new(stream)), remote);
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.tcp.addr)
    }
}

/// A connection as axum sees it: plain TCP, or TLS over it.
pub(crate) enum FaultIo {
    Plain(FaultStream),
    Tls(Box<TlsStream<FaultStream>>),
}

impl FaultIo {
    fn token(&self) -> &CancellationToken {
        match self {
            FaultIo::Plain(stream) => &stream.token,
            FaultIo::Tls(stream) => &stream.get_ref().0.token,
        }
    }
}

impl AsyncRead for FaultIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            FaultIo::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            FaultIo::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for FaultIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            FaultIo::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            FaultIo::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            FaultIo::Plain(stream) => Pin::new(stream).poll_flush(cx),
            FaultIo::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            FaultIo::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            FaultIo::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}

/// A TCP connection that fails every read and write once its token is cancelled, which makes
/// hyper drop it on the spot.
pub(crate) struct FaultStream {
    inner: TcpStream,
    token: CancellationToken,
    cancelled: Pin<Box<WaitForCancellationFutureOwned>>,
}

impl FaultStream {
    fn new(inner: TcpStream, token: CancellationToken) -> FaultStream {
        let cancelled = Box::pin(token.clone().cancelled_owned());
        FaultStream {
            inner,
            token,
            cancelled,
        }
    }
}

fn killed() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionReset,
        "connection killed by a fault",
    )
}

impl AsyncRead for FaultStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        // Polling the token also registers the waker, so an idle connection wakes up and dies.
        if this.token.is_cancelled() || this.cancelled.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for FaultStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.token.is_cancelled() {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.token.is_cancelled() {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// Handed to every request (axum `ConnectInfo`): lets a fault kill the request's connection.
#[derive(Clone, Debug)]
pub(crate) struct Connection {
    pub(crate) token: CancellationToken,
}

impl Connected<IncomingStream<'_, FaultListener>> for Connection {
    fn connect_info(stream: IncomingStream<'_, FaultListener>) -> Self {
        Connection {
            token: stream.io().token().clone(),
        }
    }
}
