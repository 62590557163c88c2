//! Running network services: binding with clear errors, serving axum routers until shutdown, and
//! the handle a role keeps for each server it started.
//!
//! Every server in minispark is started through here, so they all stop the same way: one
//! `CancellationToken` is cancelled, each server finishes its in-flight requests and releases its
//! port, and the role awaits the handles.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::Router;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long a stopping server may take to finish in-flight requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// How long a stopped server may take to release what it holds beyond its port.
const RELEASE_GRACE: Duration = Duration::from_secs(10);

/// A server running in the background.
pub struct Service {
    pub(crate) name: &'static str,
    /// The address it is bound to (with the real port when 0 was asked for).
    pub address: SocketAddr,
    task: JoinHandle<Result<()>>,
    released: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service").field("name", &self.name).field("address", &self.address).finish_non_exhaustive()
    }
}

impl Service {
    pub(crate) fn spawn(name: &'static str, address: SocketAddr, task: JoinHandle<Result<()>>) -> Self {
        Self { name, address, task, released: None }
    }

    /// Makes [`Service::stopped`] also wait for `released`: the storage's index is locked until the
    /// last request task lets go of it, and a caller that restarts the storage on the same
    /// directory right after `stopped` must find it unlocked.
    pub(crate) fn releasing(mut self, released: impl Future<Output = ()> + Send + 'static) -> Self {
        self.released = Some(Box::pin(released));
        self
    }

    /// Waits until the server has stopped (after its shutdown token was cancelled). Connections
    /// that stay open (HTTP/2 streams of workers and clients) get a short grace period, then the
    /// server is aborted so its port is released either way.
    pub async fn stopped(mut self) -> Result<()> {
        let served = match tokio::time::timeout(SHUTDOWN_GRACE, &mut self.task).await {
            Ok(joined) => joined.with_context(|| format!("{} server panicked", self.name))?,
            Err(_) => {
                self.task.abort();
                let _ = self.task.await;
                Ok(())
            }
        };
        if let Some(released) = self.released.take() {
            tokio::time::timeout(RELEASE_GRACE, released).await.map_err(|_| {
                anyhow::anyhow!("the {} server still holds its files {RELEASE_GRACE:?} after stopping", self.name)
            })?;
        }
        served
    }
}

/// Binds a TCP listener, naming the address in the error.
pub(crate) async fn bind(address: SocketAddr) -> Result<TcpListener> {
    TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address} (is another server using that port?)"))
}

/// Binds `host:port`, resolving a host name first.
pub async fn bind_host(host: &str, port: u16) -> Result<TcpListener> {
    let address = resolve(host, port).await?;
    bind(address).await
}

/// Binds `host:port`, or the next free port after it (Spark's application UI takes 4041 when
/// 4040 is in use). Port 0 asks for any free port once.
pub(crate) async fn bind_port_or_next(host: &str, port: u16, attempts: u16) -> Result<TcpListener> {
    let mut candidate = port;
    loop {
        match bind_host(host, candidate).await {
            Ok(listener) => return Ok(listener),
            Err(err) if port != 0 && candidate < port.saturating_add(attempts - 1) && candidate < u16::MAX => {
                tracing::debug!("{err:#}; trying the next port");
                candidate += 1;
            }
            Err(err) => return Err(err),
        }
    }
}

/// Resolves `host:port` to one socket address, preferring IPv4.
pub(crate) async fn resolve(host: &str, port: u16) -> Result<SocketAddr> {
    let addresses: Vec<SocketAddr> =
        tokio::net::lookup_host((host, port)).await.with_context(|| format!("cannot resolve host {host:?}"))?.collect();
    addresses
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addresses.first())
        .copied()
        .with_context(|| format!("host {host:?} has no address"))
}

/// Serves an axum router on `listener` until `shutdown` is cancelled.
pub(crate) fn serve_router(
    name: &'static str,
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
) -> Result<Service> {
    let address = listener.local_addr()?;
    // Without TCP_NODELAY a response whose headers and body go out in two writes waits for the
    // client's delayed ACK: 40 ms per small GET on a kept-alive connection (measured: 38 ms).
    let listener = listener.tap_io(|tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY on a connection: {err}");
        }
    });
    let task = tokio::spawn(async move {
        // Connection info: Ballista's scheduler reads the peer address of registering workers.
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await
            .with_context(|| format!("{name} server on {address} failed"))
    });
    Ok(Service::spawn(name, address, task))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_taken_port_moves_to_the_next_free_one() {
        let taken = bind_host("127.0.0.1", 0).await.unwrap();
        let port = taken.local_addr().unwrap().port();
        let next = bind_port_or_next("127.0.0.1", port, 16).await.unwrap();
        let next_port = next.local_addr().unwrap().port();
        assert!(next_port > port && next_port < port + 16, "{port} -> {next_port}");
        let err = bind_port_or_next("127.0.0.1", port, 1).await.unwrap_err();
        assert!(format!("{err:#}").contains("is another server using that port"), "{err:#}");
    }
}
