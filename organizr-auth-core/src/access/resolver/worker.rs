//! The background threads that look names up: they take whatever the
//! [`Table`] says is due, and sleep until the next due time or a new name.

use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, PoisonError};
use std::time::Instant;

use super::table::Next;
use super::{Shared, WORKERS, lock, write};

/// Starts the background threads if they are not running, and wakes them.
pub(super) fn start_and_wake(shared: &Arc<Shared>) {
    let mut signal = lock(&shared.signal);
    while signal.workers < WORKERS {
        let for_thread = Arc::clone(shared);
        let spawned = std::thread::Builder::new()
            .name("organizr-auth-dns".into())
            .spawn(move || work(&for_thread));
        match spawned {
            Ok(_) => signal.workers += 1,
            Err(error) => {
                // Names stay unresolved (matching nothing); the next
                // registration tries again.
                tracing::error!(%error, "cannot start the host-name resolver thread");
                break;
            }
        }
    }
    signal.generation = signal.generation.wrapping_add(1);
    drop(signal);
    shared.wake.notify_all();
}

/// A background thread: look up whatever is due, sleep until the next due
/// time or a registration, stop when the resolver is dropped.
fn work(shared: &Shared) {
    loop {
        let seen = {
            let signal = lock(&shared.signal);
            if signal.shutdown {
                return;
            }
            signal.generation
        };
        let next = write(&shared.table).next_job(Instant::now());
        match next {
            Next::Run(name) => {
                let started = Instant::now();
                let result = catch_unwind(AssertUnwindSafe(|| (shared.lookup)(&name)))
                    .unwrap_or_else(|_| Err(io::Error::other("the lookup function panicked")));
                write(&shared.table).finish(&name, started, result, Instant::now());
            }
            Next::WaitUntil(until) => wait(shared, seen, Some(until)),
            Next::Idle => wait(shared, seen, None),
        }
    }
}

fn wait(shared: &Shared, seen: u64, until: Option<Instant>) {
    let mut signal = lock(&shared.signal);
    loop {
        if signal.shutdown || signal.generation != seen {
            return;
        }
        signal = match until {
            None => shared
                .wake
                .wait(signal)
                .unwrap_or_else(PoisonError::into_inner),
            Some(until) => {
                let left = until.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return;
                }
                shared
                    .wake
                    .wait_timeout(signal, left)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
        };
    }
}
