//! The command line: `forward-auth [--demo]`. Everything else is configured by
//! environment variables, as in a container.

use std::ffi::OsString;

/// What `--help` prints.
pub const USAGE: &str = "\
usage: forward-auth [--demo]

Answers nginx auth_request / Traefik ForwardAuth / Caddy forward_auth
subrequests on /api/v2/auth/{group}, /auth/{group}, /api/v2/auth?group=N and
/api/?v1/auth&group=N with 200 (+ identity headers), 401 or 403.

  --demo   without a configured key, make up a random one; print an admin and
           a user token and curl commands that show 200, 401 and 403

Environment: ORGANIZR_LISTEN (default 127.0.0.1:9090, [::]:PORT, unix:/path),
ORGANIZR_HASH / ORGANIZR_HASH_FILE / ORGANIZR_CONFIG_PHP, ORGANIZR_UUID,
ORGANIZR_TRUSTED_PROXIES, ... (see examples/forward-auth/README.md), RUST_LOG.
";

/// What the command line asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Serve; with `--demo`, first print demo tokens (see [`crate::demo`]).
    Serve {
        /// `--demo` was given.
        demo: bool,
    },
    /// `-h` or `--help`: print [`USAGE`] and stop.
    Help,
}

/// Parses the arguments after the program's name. An unknown argument is an
/// error whose message quotes it.
///
/// ```
/// use forward_auth::cli::{Command, parse};
/// assert_eq!(parse(["--demo".into()]), Ok(Command::Serve { demo: true }));
/// assert_eq!(parse([]), Ok(Command::Serve { demo: false }));
/// assert_eq!(parse(["--port".into()]), Err("unknown argument \"--port\"".to_owned()));
/// ```
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut demo = false;
    for arg in args {
        match arg.to_str() {
            Some("--demo") => demo = true,
            Some("-h" | "--help") => return Ok(Command::Help),
            _ => return Err(format!("unknown argument {arg:?}")),
        }
    }
    Ok(Command::Serve { demo })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn arguments() {
        assert_eq!(parsed(&[]), Ok(Command::Serve { demo: false }));
        assert_eq!(parsed(&["--demo"]), Ok(Command::Serve { demo: true }));
        assert_eq!(parsed(&["--demo", "-h"]), Ok(Command::Help));
        assert_eq!(parsed(&["--help", "--bogus"]), Ok(Command::Help));
        assert!(parsed(&["--demo", "--bogus"]).is_err());
        assert!(parsed(&["demo"]).is_err());
    }
}
