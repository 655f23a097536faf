//! Noticing a client that has gone. actix-web goes on running a request's handler after its
//! client has closed the connection, so heavy work (a report's layout, an upload's checks)
//! watches the client's socket itself and stops when the client leaves.

use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

use actix_web::HttpRequest;

use crate::domain::{Budget, CancelOnDrop};

/// The socket of a request's connection, as the server holds it.
#[derive(Debug, Clone, Copy)]
pub struct ClientSocket(RawFd);

/// Keeps each connection's socket with it (`HttpServer::on_connect`).
pub fn remember_socket(connection: &dyn std::any::Any, data: &mut actix_web::dev::Extensions) {
    if let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
        data.insert(ClientSocket(stream.as_raw_fd()));
    }
}

impl ClientSocket {
    /// Whether the client has closed its end: a peek that finds the end of the stream, or a
    /// reset. Bytes waiting (a pipelined request) or none yet both mean it is still there.
    fn has_gone(self) -> bool {
        let mut byte = 0u8;
        // SAFETY: the descriptor belongs to the connection whose handler is running, which actix
        // keeps open until the handler's answer is written; the watch ends with the handler. The
        // peek neither blocks nor consumes anything.
        let read = unsafe { libc::recv(self.0, (&mut byte as *mut u8).cast(), 1, libc::MSG_PEEK | libc::MSG_DONTWAIT) };
        if read >= 0 {
            return read == 0;
        }
        let error = std::io::Error::last_os_error();
        !matches!(error.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted)
    }
}

/// How often a watched request looks at its client.
const LOOK_EVERY: Duration = Duration::from_millis(100);

/// A request's work budget, cancelled when its client leaves (watched until [`Watch::finished`]
/// or drop) or when the handler is dropped.
pub fn budget_for(req: &HttpRequest, limit: Duration) -> (Budget, Watch) {
    let budget = Budget::within(limit);
    let watcher = req.conn_data::<ClientSocket>().copied().map(|socket| {
        let budget = budget.clone();
        actix_web::rt::spawn(async move {
            loop {
                actix_web::rt::time::sleep(LOOK_EVERY).await;
                if socket.has_gone() {
                    tracing::info!("the client left; its request's work is stopped");
                    budget.cancel();
                    return;
                }
            }
        })
    });
    let on_drop = budget.cancel_on_drop();
    (budget, Watch { watcher, on_drop: Some(on_drop) })
}

/// Watches a request's client while its work runs.
pub struct Watch {
    watcher: Option<actix_web::rt::task::JoinHandle<()>>,
    on_drop: Option<CancelOnDrop>,
}

impl Watch {
    /// The work is done: nothing is cancelled any more.
    pub fn finished(mut self) {
        if let Some(on_drop) = self.on_drop.take() {
            on_drop.disarm();
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(watcher) = &self.watcher {
            watcher.abort();
        }
    }
}
