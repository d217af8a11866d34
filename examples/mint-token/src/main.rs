//! Prints an Organizr-shaped session token: Organizr's exact header and claim
//! layout, float times, HS256 under the instance's key.
//!
//! ```text
//! ORGANIZR_CONFIG_PHP=/path/to/organizr/data/config/config.php \
//!     cargo run --release -p mint-token -- --user alice --group 4 --lifetime 1d
//! ```
//!
//! The key comes from `ORGANIZR_HASH`, `ORGANIZR_HASH_FILE` or
//! `ORGANIZR_CONFIG_PHP` (or the `--hash-file` / `--config-php` options), read
//! as core's `Config::from_env` reads it. There is deliberately no option that
//! takes the key itself: command lines end up in shell history and `ps`.
//!
//! Only the token goes to stdout (with `--cookie`, the whole `name=value` of
//! the session cookie), so the output can be captured:
//! `TOKEN=$(cargo run -q -p mint-token -- --user alice --group 4)`.

use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use organizr_auth_core::GroupLevel;
use organizr_auth_core::config::VARIABLES;
use organizr_auth_core::mint::TokenBuilder;
use organizr_auth_core::mint::{SigningKey, cookie_name};
use tracing_subscriber::EnvFilter;

const PROGRAM: &str = "mint-token";

const USAGE: &str = "\
usage: mint-token --user NAME [--group N] [--lifetime 1d] [options]
       mint-token --version | --help

Prints an Organizr session token for NAME, signed with the instance's key.

  --user NAME          the username (required)
  --group N            the group level, 0 (Admin) to 999 (default 4, User)
  --lifetime D         how long it is valid: 90s, 15m, 12h, 1d, 2w (default 1d)
  --email ADDR         the e-mail claim (default empty, as Organizr writes it)
  --user-id N          Organizr's numeric user id (default 1)
  --group-name NAME    the group's display name (default: the built-in name)
  --cookie             print organizr_token_<uuid>=TOKEN instead of the token
  --hash-file PATH     read the key from this file instead of the environment
  --config-php PATH    read key and uuid from Organizr's data/config/config.php
  -V, --version        print the version
  -h, --help           print this

The key otherwise comes from ORGANIZR_HASH, ORGANIZR_HASH_FILE or
ORGANIZR_CONFIG_PHP; the cookie's uuid from ORGANIZR_UUID or config.php.
";

/// The variables mint-token reads: the key settings of core's `Config`. Their
/// defaults and meanings in `--help` come from core's table.
const READS: [&str; 4] = [
    "ORGANIZR_HASH",
    "ORGANIZR_HASH_FILE",
    "ORGANIZR_CONFIG_PHP",
    "ORGANIZR_UUID",
];

/// What `--help` prints: [`USAGE`], then the variables read, from core's
/// table so that the text cannot drift from it.
fn usage() -> String {
    let mut text = format!("{USAGE}\nEnvironment (empty counts as unset):\n");
    for v in VARIABLES.iter().filter(|v| READS.contains(&v.env)) {
        text.push_str(&format!(
            "  {} (default: {})\n      {}\n",
            v.env, v.default, v.meaning
        ));
    }
    text + "  RUST_LOG (default: info)\n      the log filter; logs go to stderr, the token to stdout\n"
}

/// The parsed command line.
struct Args {
    user: String,
    group: GroupLevel,
    lifetime: Duration,
    email: String,
    user_id: u64,
    group_name: Option<String>,
    cookie: bool,
    key: Option<KeyFlag>,
}

/// A key named on the command line (the key itself never is: shell history
/// and `ps` would show it).
#[derive(Debug, Clone)]
enum KeyFlag {
    HashFile(String),
    ConfigPhp(String),
}

enum Parsed {
    Run(Box<Args>),
    Help,
    Version,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Parsed, String> {
    let mut user = None;
    let mut group = GroupLevel::USER;
    let mut lifetime = Duration::from_secs(86_400);
    let mut email = String::new();
    let mut user_id = 1;
    let mut group_name = None;
    let mut cookie = false;
    let mut key = None;
    while let Some(arg) = args.next() {
        // `--name=value` and `--name value` are both accepted.
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs {what}"))
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(Parsed::Help),
            "-V" | "--version" => return Ok(Parsed::Version),
            "--user" => user = Some(value("a username")?),
            "--group" => {
                let v = value("a level from 0 to 999")?;
                group = v.parse().map_err(|e| format!("--group {v:?}: {e}"))?;
            }
            "--lifetime" => lifetime = parse_lifetime(&value("a duration such as 1d")?)?,
            "--email" => email = value("an e-mail address")?,
            "--user-id" => {
                let v = value("a number")?;
                user_id = v
                    .parse()
                    .map_err(|_| format!("--user-id {v:?}: expected a whole number"))?;
            }
            "--group-name" => group_name = Some(value("a name")?),
            "--cookie" => cookie = true,
            "--hash-file" => key = Some(KeyFlag::HashFile(value("a path")?)),
            "--config-php" => key = Some(KeyFlag::ConfigPhp(value("a path")?)),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let user = user
        .filter(|u| !u.trim().is_empty())
        .ok_or("--user NAME is required")?;
    if user.chars().any(char::is_control) {
        return Err("--user: control characters are not allowed".to_owned());
    }
    Ok(Parsed::Run(Box::new(Args {
        user,
        group,
        lifetime,
        email,
        user_id,
        group_name,
        cookie,
        key,
    })))
}

fn main() -> ExitCode {
    // `std::env::args` would panic on an argument that is not UTF-8.
    let utf8: Result<Vec<String>, _> = std::env::args_os()
        .skip(1)
        .map(|a| a.into_string())
        .collect();
    let parsed = utf8
        .map_err(|a| format!("argument {a:?} is not valid UTF-8"))
        .and_then(|args| parse_args(args.into_iter()));
    let args = match parsed {
        Ok(Parsed::Run(args)) => args,
        Ok(Parsed::Help) => {
            print!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Version) => {
            println!("{PROGRAM} {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("{PROGRAM}: error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    init_tracing();
    // The same variables and errors as core's `Config::from_env`.
    let uuid = std::env::var("ORGANIZR_UUID")
        .ok()
        .filter(|u| !u.is_empty());
    let loaded = match args.key.clone() {
        Some(KeyFlag::HashFile(path)) => SigningKey::from_hash_file(path, uuid).map(Some),
        Some(KeyFlag::ConfigPhp(path)) => SigningKey::from_config_php(path).map(Some),
        None => SigningKey::from_env(),
    };
    let key = match loaded {
        Ok(Some(key)) => key,
        Err(e) => return fail(e),
        Ok(None) => {
            eprintln!(
                "{PROGRAM}: error: no signing key: set ORGANIZR_HASH, ORGANIZR_HASH_FILE or ORGANIZR_CONFIG_PHP, \
                 or pass --hash-file / --config-php"
            );
            return ExitCode::FAILURE;
        }
    };
    if key.secret.is_short() {
        tracing::warn!(
            key_len = key.secret.len(),
            "the key is shorter than 32 bytes: tokens it signs can be used to guess it offline"
        );
    }
    let mut builder = TokenBuilder::new(args.user.clone(), args.group)
        .lifetime(args.lifetime)
        .email(args.email.clone())
        .user_id(args.user_id);
    if let Some(name) = &args.group_name {
        builder = builder.group_name(name.clone());
    }
    let token = builder.sign(&key.secret);
    let expires = SystemTime::now()
        .checked_add(args.lifetime)
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    tracing::info!(
        user = %args.user,
        group = args.group.get(),
        expires_unix = expires,
        cookie = %cookie_name(&key.uuid),
        "token minted"
    );
    if args.cookie {
        println!("{}={token}", cookie_name(&key.uuid));
    } else {
        println!("{token}");
    }
    ExitCode::SUCCESS
}

/// Parses a token lifetime: a whole number followed by `s`, `m`, `h`, `d` or
/// `w` (`90s`, `15m`, `12h`, `1d`, `2w`), or bare seconds. Zero and anything
/// above ten years are refused.
fn parse_lifetime(text: &str) -> Result<Duration, String> {
    const MAX_SECS: u64 = 10 * 366 * 86_400;
    let bad = || {
        format!(
            "--lifetime {text:?}: expected a whole number with s, m, h, d or w (e.g. 1d), at most 10 years"
        )
    };
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let multiplier: u64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad()),
    };
    let count: u64 = digits.parse().map_err(|_| bad())?;
    match count.checked_mul(multiplier) {
        Some(secs) if secs > 0 && secs <= MAX_SECS => Ok(Duration::from_secs(secs)),
        _ => Err(bad()),
    }
}

/// Logs through `tracing` to stderr (stdout is for the token), at the level
/// `RUST_LOG` names, default `info`.
fn init_tracing() {
    let spec = std::env::var("RUST_LOG")
        .ok()
        .filter(|s| !s.trim().is_empty());
    let (filter, bad) = match spec.as_deref().map(EnvFilter::try_new) {
        Some(Ok(filter)) => (filter, None),
        Some(Err(e)) => (EnvFilter::new("info"), Some(e)),
        None => (EnvFilter::new("info"), None),
    };
    // `try_init` fails only if a subscriber is already set: keep that one.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    if let Some(e) = bad {
        tracing::warn!(RUST_LOG = spec.as_deref().unwrap_or_default(), error = %e, "ignoring an invalid RUST_LOG, logging at info");
    }
}

/// Prints `mint-token: error: CHAIN` to stderr and gives the failure exit code.
fn fail(error: impl Into<anyhow::Error>) -> ExitCode {
    eprintln!("{PROGRAM}: error: {:#}", error.into());
    ExitCode::FAILURE
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn args(line: &str) -> Result<Parsed, String> {
        parse_args(line.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn arguments() {
        let Ok(Parsed::Run(a)) = args("--user alice --group=0 --lifetime 2h --cookie") else {
            panic!("not parsed");
        };
        assert_eq!((a.user.as_str(), a.group.get()), ("alice", 0));
        assert_eq!((a.lifetime, a.cookie), (Duration::from_secs(7200), true));
        assert!(matches!(args("--help"), Ok(Parsed::Help)));
        for bad in [
            "",
            "--group 4",
            "--user",
            "--user alice --group 1000",
            "--user alice --key x",
        ] {
            assert!(args(bad).is_err(), "{bad:?}");
        }
    }

    /// `--help` describes each variable mint-token reads from core's table:
    /// a name that leaves the table fails here, not silently in the help.
    #[test]
    fn help_lists_the_variables_read() {
        let help = usage();
        for name in READS {
            let v = VARIABLES.iter().find(|v| v.env == name).unwrap();
            assert!(
                help.contains(&format!(
                    "  {name} (default: {})\n      {}\n",
                    v.default, v.meaning
                )),
                "{name}"
            );
        }
        assert!(matches!(args("--version"), Ok(Parsed::Version)));
    }

    #[test]
    fn lifetimes() {
        assert_eq!(
            parse_lifetime("2w").unwrap(),
            Duration::from_secs(14 * 86_400)
        );
        assert_eq!(parse_lifetime("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_lifetime("90").unwrap(), Duration::from_secs(90));
        for bad in [
            "",
            "0",
            "0d",
            "d",
            "-1d",
            "1y",
            "1.5h",
            "1 d",
            "99999999999999999999",
            "4000d",
        ] {
            assert!(parse_lifetime(bad).is_err(), "{bad:?}");
        }
    }
}
