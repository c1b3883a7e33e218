//! The listening socket and the connections of the fake appliance, wrapped so faults can act
//! below HTTP: "appliance gone" closes the listening socket (new connections are refused) and
//! kills every open connection; a single connection can be killed without a byte of answer.

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
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

use super::faults::{Faults, Listening};

/// Accepts connections unless the appliance is "gone"; then it holds no socket at all.
pub(crate) struct FaultListener {
    listener: Option<TcpListener>,
    addr: SocketAddr,
    faults: Arc<Faults>,
}

impl FaultListener {
    pub(crate) fn new(listener: TcpListener, addr: SocketAddr, faults: Arc<Faults>) -> Self {
        FaultListener {
            listener: Some(listener),
            addr,
            faults,
        }
    }
}

impl Listener for FaultListener {
    type Io = FaultStream;
    type Addr = SocketAddr;

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

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.addr)
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
            token: stream.io().token.clone(),
        }
    }
}
