//! The command line: `forward-auth [--demo]`, `--healthcheck`, `--version`,
//! `--help`. Everything else is configured by environment variables, as in a
//! container; `--help` lists them from core's table ([`VARIABLES`]), so it
//! cannot drift from what the programs read.

use std::ffi::OsString;

use organizr_auth_core::config::{ReadBy, VARIABLES};

/// The first lines of [`usage`].
const SYNOPSIS: &str = "\
usage: forward-auth [--demo]
       forward-auth --healthcheck | --version | --help

Answers nginx auth_request / Traefik ForwardAuth / Caddy forward_auth
subrequests where Organizr's auth API did: /api/v2/auth/{group}[/{type}/{ips}],
/api/v2/auth?group=N, /api/v2/auth-N, /api/v2/organizr-auth/N and
/api/?v1/auth&group=N (each also without /api/v2), with 200 (+ identity
headers), 401, 403, a 302 to the login page (ORGANIZR_REDIRECT_HOSTS), or
400 for a malformed request.

  --demo         whatever key is configured, make up a random one; print an
                 admin and a user token and curl commands (200, 401, 403)
  --healthcheck  ask GET /healthz of the forward-auth on ORGANIZR_LISTEN
                 (TCP or unix:); exit 0 on a 200, 1 otherwise: a container
                 HEALTHCHECK that needs no curl
  -V, --version  print the version
  -h, --help     print this
";

/// What `--help` prints: the options, then every variable forward-auth reads
/// with its default.
///
/// ```
/// let help = forward_auth::cli::usage();
/// assert!(help.starts_with("usage: forward-auth [--demo]"));
/// assert!(help.contains("\n  ORGANIZR_LISTEN_MODE\n"));
/// ```
pub fn usage() -> String {
    let mut text = format!(
        "{SYNOPSIS}\nEnvironment (empty counts as unset; more in examples/forward-auth/README.md):\n"
    );
    let read_here = VARIABLES.iter().filter(|v| {
        matches!(
            v.read_by,
            ReadBy::Config | ReadBy::Programs | ReadBy::ForwardAuth
        )
    });
    for v in read_here {
        text.push_str(&format!("  {}\n", v.env));
        wrap(&mut text, &format!("{}; default: {}", v.meaning, v.default));
    }
    text.push_str("  RUST_LOG\n");
    wrap(
        &mut text,
        "the log filter, e.g. debug or organizr_auth_core=debug; default: info",
    );
    text
}

/// Appends `words` indented by 6 and wrapped at 80 columns.
fn wrap(text: &mut String, words: &str) {
    let mut line = String::new();
    for word in words.split_whitespace() {
        if !line.is_empty() && 6 + line.len() + 1 + word.len() > 80 {
            text.push_str(&format!("      {line}\n"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    text.push_str(&format!("      {line}\n"));
}

/// What `--version` prints.
///
/// ```
/// assert_eq!(forward_auth::cli::version(), format!("forward-auth {}", env!("CARGO_PKG_VERSION")));
/// ```
pub fn version() -> String {
    format!("forward-auth {}", env!("CARGO_PKG_VERSION"))
}

/// What the command line asks for. Exhaustive on purpose: the program must
/// handle every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Serve; with `--demo`, first print demo tokens (see [`crate::demo`]).
    Serve {
        /// `--demo` was given.
        demo: bool,
    },
    /// `--healthcheck`: ask the running server's `/healthz`
    /// ([`Listen::healthcheck`](crate::listen::Listen::healthcheck)).
    Healthcheck,
    /// `-h` or `--help`: print [`usage`] and stop.
    Help,
    /// `-V` or `--version`: print [`version`] and stop.
    Version,
}

/// Parses the arguments after the program's name. `--help` and `--version`
/// win over anything else; `--healthcheck` takes no other argument; an
/// unknown argument is an error whose message quotes it.
///
/// ```
/// use forward_auth::cli::{Command, parse};
/// assert_eq!(parse(["--demo".into()]), Ok(Command::Serve { demo: true }));
/// assert_eq!(parse([]), Ok(Command::Serve { demo: false }));
/// assert_eq!(parse(["--healthcheck".into()]), Ok(Command::Healthcheck));
/// assert_eq!(parse(["--port".into()]), Err("unknown argument \"--port\"".to_owned()));
/// ```
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut demo = false;
    let mut healthcheck = false;
    for arg in args {
        match arg.to_str() {
            Some("--demo") => demo = true,
            Some("--healthcheck") => healthcheck = true,
            Some("-h" | "--help") => return Ok(Command::Help),
            Some("-V" | "--version") => return Ok(Command::Version),
            _ => return Err(format!("unknown argument {arg:?}")),
        }
    }
    match (healthcheck, demo) {
        (true, true) => Err("--healthcheck takes no other argument".to_owned()),
        (true, false) => Ok(Command::Healthcheck),
        (false, demo) => Ok(Command::Serve { demo }),
    }
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
        assert_eq!(parsed(&["--version"]), Ok(Command::Version));
        assert_eq!(parsed(&["-V", "--demo"]), Ok(Command::Version));
        assert_eq!(parsed(&["--healthcheck"]), Ok(Command::Healthcheck));
        assert!(parsed(&["--healthcheck", "--demo"]).is_err());
        assert!(parsed(&["--demo", "--bogus"]).is_err());
        assert!(parsed(&["demo"]).is_err());
    }

    /// The help is generated from core's table: every variable forward-auth
    /// reads is there, with its default, and none that only others read.
    #[test]
    fn help_lists_every_variable_forward_auth_reads() {
        let help = usage();
        let words = help.split_whitespace().collect::<Vec<_>>().join(" ");
        for v in VARIABLES {
            let listed = help.contains(&format!("\n  {}\n", v.env));
            let read = matches!(
                v.read_by,
                ReadBy::Config | ReadBy::Programs | ReadBy::ForwardAuth
            );
            assert_eq!(listed, read, "{}", v.env);
            if read {
                assert!(
                    words.contains(&format!("default: {}", v.default)),
                    "{}",
                    v.env
                );
            }
        }
        for line in help.lines() {
            assert!(
                line.chars().count() <= 80,
                "too long for a terminal: {line:?}"
            );
        }
    }
}
