//! Work counting for the linear-scan tests: what lets a test say "this parser
//! examined at most `c × len` bytes" without timing anything.
//!
//! Every scan over request bytes calls [`charge`] with the number of bytes it
//! examined (a SIMD search charges the bytes up to where it stopped; a library
//! call that is linear in its input, such as `str::from_utf8` or an address
//! parser, charges its input's length). Under `cfg(test)` a thread-local
//! counter adds the charges up and [`count`] reads them; in every other build
//! `charge` is empty and compiles to nothing.
//!
//! # Security
//! This is how the crate keeps its rule that every scan over request bytes is
//! linear: the tests beside each parser feed it the worst lines known
//! (a cookie name repeated 100,000 times with no `;`, `=` storms, ...) and
//! assert the count stays within a small multiple of the line's length. A
//! parser that starts searching again from an earlier position for each match
//! charges that rescan, and its test fails.

#[cfg(test)]
thread_local! {
    static STEPS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Records that a scan examined `bytes` bytes (nothing outside tests).
#[inline(always)]
pub(crate) fn charge(bytes: usize) {
    #[cfg(test)]
    STEPS.with(|steps| steps.set(steps.get().saturating_add(bytes)));
    #[cfg(not(test))]
    let _ = bytes;
}

/// Runs `f` and returns its result with the bytes its scans charged.
#[cfg(test)]
pub(crate) fn count<R>(f: impl FnOnce() -> R) -> (R, usize) {
    STEPS.with(|steps| steps.set(0));
    let result = f();
    (result, STEPS.with(std::cell::Cell::get))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_inside_count() {
        charge(5);
        let ((), steps) = count(|| {
            charge(3);
            charge(4);
        });
        assert_eq!(steps, 7);
    }
}
