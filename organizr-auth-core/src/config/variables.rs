//! The one list of `ORGANIZR_*` variables: each with its serde field, its
//! default and what it means. [`Config::from_env`](crate::Config::from_env)
//! reads the core ones, warns about unknown ones, and programs print the list
//! in `--help`. `VARIABLES.md` beside this file is the same list as a table
//! for readers; a test keeps the two equal.

/// Who reads a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadBy {
    /// [`Config`](crate::Config): every program and library user.
    Config,
    /// The example programs (forward-auth, axum-app, actix-app), not the
    /// library.
    Programs,
    /// forward-auth only.
    ForwardAuth,
}

/// One `ORGANIZR_*` variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Variable {
    /// The environment variable.
    pub env: &'static str,
    /// The field of [`Settings`](crate::config::Settings), for config files;
    /// `None` for program-only variables.
    pub field: Option<&'static str>,
    /// The default, as a reader should see it.
    pub default: &'static str,
    /// What it means, in one line.
    pub meaning: &'static str,
    /// Who reads it.
    pub read_by: ReadBy,
}

const fn config(
    env: &'static str,
    field: &'static str,
    default: &'static str,
    meaning: &'static str,
) -> Variable {
    Variable {
        env,
        field: Some(field),
        default,
        meaning,
        read_by: ReadBy::Config,
    }
}

const fn program(
    env: &'static str,
    read_by: ReadBy,
    default: &'static str,
    meaning: &'static str,
) -> Variable {
    Variable {
        env,
        field: None,
        default,
        meaning,
        read_by,
    }
}

pub(crate) const HASH: Variable = config(
    "ORGANIZR_HASH",
    "organizr_hash",
    "none: no tokens (proxy-only)",
    "Organizr's organizrHash, the token signing key",
);
pub(crate) const HASH_FILE: Variable = config(
    "ORGANIZR_HASH_FILE",
    "organizr_hash_file",
    "none",
    "a file holding the key (a Docker secret; one trailing newline ignored)",
);
pub(crate) const CONFIG_PHP: Variable = config(
    "ORGANIZR_CONFIG_PHP",
    "config_php",
    "none",
    "Organizr's config.php: key, uuid and API key from there",
);
pub(crate) const UUID: Variable = config(
    "ORGANIZR_UUID",
    "uuid",
    "none: required with a key (config.php's, with ORGANIZR_CONFIG_PHP)",
    "the instance uuid, which names the session cookie organizr_token_UUID; temp on purpose for organizr_token_temp",
);
pub(crate) const API_KEY: Variable = config(
    "ORGANIZR_API_KEY",
    "api_key",
    "none",
    "Organizr's API key (organizrAPI), accepted in the Token header",
);
pub(crate) const API_KEY_QUERY: Variable = config(
    "ORGANIZR_API_KEY_QUERY",
    "api_key_query",
    "false",
    "also accept the API key as ?apikey= (query strings end up in logs)",
);
pub(crate) const TRUSTED_PROXIES: Variable = config(
    "ORGANIZR_TRUSTED_PROXIES",
    "trusted_proxies",
    "empty: trust no proxy",
    "peers whose identity headers are believed: IPs, CIDRs, @ for UNIX sockets",
);
pub(crate) const USER_HEADER: Variable = config(
    "ORGANIZR_USER_HEADER",
    "user_header",
    "Remote-User",
    "the trusted proxy's user header",
);
pub(crate) const PROXY_GROUP_HEADER: Variable = config(
    "ORGANIZR_PROXY_GROUP_HEADER",
    "proxy_group_header",
    "none: proxy users are level 998",
    "a header in which the trusted proxy gives the user's level (0-999)",
);
pub(crate) const PROXY_GROUPS_HEADER: Variable = config(
    "ORGANIZR_PROXY_GROUPS_HEADER",
    "proxy_groups_header",
    "none",
    "a header in which the trusted proxy lists the user's group names (separated by commas or pipes), e.g. Remote-Groups",
);
pub(crate) const PROXY_GROUP_MAP: Variable = config(
    "ORGANIZR_PROXY_GROUP_MAP",
    "proxy_group_map",
    "none",
    "group names to levels, e.g. admins=0,power=3,family=4: the most privileged mapped group wins",
);
pub(crate) const PROXY_DEFAULT_LEVEL: Variable = config(
    "ORGANIZR_PROXY_DEFAULT_LEVEL",
    "proxy_default_level",
    "998 (any logged-in user)",
    "the level of a proxy user in no mapped group, or none to refuse such users",
);
pub(crate) const PROXY_EMAIL_HEADER: Variable = config(
    "ORGANIZR_PROXY_EMAIL_HEADER",
    "proxy_email_header",
    "none",
    "a header in which the trusted proxy gives the user's e-mail, e.g. Remote-Email",
);
pub(crate) const PROXY_NAME_HEADER: Variable = config(
    "ORGANIZR_PROXY_NAME_HEADER",
    "proxy_name_header",
    "none",
    "a header in which the trusted proxy gives the user's display name, e.g. Remote-Name",
);
pub(crate) const LEEWAY: Variable = config(
    "ORGANIZR_LEEWAY_SECS",
    "leeway_secs",
    "30",
    "clock leeway for token times, 0 to 300 seconds",
);
pub(crate) const ACCEPT_BEARER: Variable = config(
    "ORGANIZR_ACCEPT_BEARER",
    "accept_bearer",
    "true",
    "accept tokens in Authorization: Bearer",
);
pub(crate) const LOGIN_URL: Variable = config(
    "ORGANIZR_LOGIN_URL",
    "login_url",
    "none: answer 401",
    "where anonymous browsers are redirected by the apps",
);
pub(crate) const DB: Variable = config(
    "ORGANIZR_DB",
    "db",
    "from config.php when its driver is sqlite3, else none",
    "Organizr's SQLite database for the session check (logout, locks, group changes), or none: stateless",
);
pub(crate) const DB_REFRESH_MS: Variable = config(
    "ORGANIZR_DB_REFRESH_MS",
    "db_refresh_ms",
    "1000",
    "how often the session check looks for changes in the database, 100 to 60000 ms",
);
pub(crate) const DB_MAX_STALE_SECS: Variable = config(
    "ORGANIZR_DB_MAX_STALE_SECS",
    "db_max_stale_secs",
    "30",
    "how long the last sessions read stay in use when the database cannot be read, 0 to 3600 s; then every token is refused",
);
pub(crate) const TOKEN_CACHE: Variable = config(
    "ORGANIZR_TOKEN_CACHE",
    "token_cache",
    "1024",
    "how many verified tokens to remember (their signature and claims are not checked again; times and session are, on every request), 0 to 100000; 0 turns it off",
);
pub(crate) const INSECURE_RAW_HEADERS: Variable = config(
    "ORGANIZR_INSECURE_RAW_HEADERS",
    "insecure_raw_headers",
    "none",
    "identity headers handlers may see raw and unchecked, comma-separated",
);

/// Every `ORGANIZR_*` variable any part of the project reads.
///
/// ```
/// use organizr_auth_core::config::VARIABLES;
/// assert!(VARIABLES.iter().any(|v| v.env == "ORGANIZR_TRUSTED_PROXIES"));
/// ```
pub const VARIABLES: &[Variable] = &[
    HASH,
    HASH_FILE,
    CONFIG_PHP,
    UUID,
    API_KEY,
    API_KEY_QUERY,
    TRUSTED_PROXIES,
    USER_HEADER,
    PROXY_GROUP_HEADER,
    PROXY_GROUPS_HEADER,
    PROXY_GROUP_MAP,
    PROXY_DEFAULT_LEVEL,
    PROXY_EMAIL_HEADER,
    PROXY_NAME_HEADER,
    LEEWAY,
    ACCEPT_BEARER,
    LOGIN_URL,
    DB,
    DB_REFRESH_MS,
    DB_MAX_STALE_SECS,
    TOKEN_CACHE,
    INSECURE_RAW_HEADERS,
    program(
        "ORGANIZR_LISTEN",
        ReadBy::Programs,
        "forward-auth 127.0.0.1:9090, axum-app 127.0.0.1:3000, actix-app 127.0.0.1:3001",
        "where to listen: HOST:PORT, [::]:PORT (dual-stack) or unix:/path",
    ),
    program(
        "ORGANIZR_LISTEN_MODE",
        ReadBy::Programs,
        "0660",
        "a unix: socket's permissions, in octal: connecting needs write permission",
    ),
    program(
        "ORGANIZR_LISTEN_GROUP",
        ReadBy::Programs,
        "none: the program's own group",
        "a unix: socket's group (a name from /etc/group, or a number); the program must be a member",
    ),
    program(
        "ORGANIZR_LOG_FORMAT",
        ReadBy::Programs,
        "text",
        "the log format on stderr: text, or json (one object per line) for log shippers",
    ),
    // forward-auth's IP lists, redirects and status codes
    // (examples/forward-auth/src/settings.rs).
    program(
        "ORGANIZR_REAL_IP_FROM",
        ReadBy::ForwardAuth,
        "empty: the client is the socket peer",
        "peers believed about the client address for IP lists (IPs, CIDRs, @), never about identities",
    ),
    program(
        "ORGANIZR_REAL_IP_HEADER",
        ReadBy::ForwardAuth,
        "X-Forwarded-For",
        "where those peers report it: X-Forwarded-For, X-Real-IP or Forwarded (rightmost entry not in the list)",
    ),
    program(
        "ORGANIZR_REDIRECT_HOSTS",
        ReadBy::ForwardAuth,
        "none: never redirect",
        "hosts (example.com,*.example.com) whose refused browsers forward-auth sends to ORGANIZR_LOGIN_URL with return=",
    ),
    program(
        "ORGANIZR_FORWARD_AUTH_STATUS",
        ReadBy::ForwardAuth,
        "standard",
        "standard (401 anonymous, 403 too low or deny-listed) or organizr (401 for all, as Organizr)",
    ),
];

/// The known variable closest to `name` (an unknown `ORGANIZR_*` variable),
/// for a "did you mean" hint: the smallest edit distance, if it is small.
///
/// ```
/// use organizr_auth_core::config::closest_variable;
/// assert_eq!(closest_variable("ORGANIZR_TRUSTED_PROXY"), Some("ORGANIZR_TRUSTED_PROXIES"));
/// assert_eq!(closest_variable("ORGANIZR_SOMETHING_ELSE_ENTIRELY"), None);
/// ```
pub fn closest_variable(name: &str) -> Option<&'static str> {
    VARIABLES
        .iter()
        .map(|v| (edit_distance(name, v.env), v.env))
        .filter(|(d, _)| *d <= 4)
        .min_by_key(|(d, _)| *d)
        .map(|(_, env)| env)
}

/// Levenshtein distance over bytes (variable names are ASCII), one row.
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.as_bytes().iter().enumerate() {
        // `row` holds the previous row; `diagonal` is its cell left of `up`,
        // `left` the current row's cell before this one.
        let (mut diagonal, mut left) = (i, i + 1);
        for (cell, &cb) in row.iter_mut().skip(1).zip(b) {
            let up = *cell;
            let value = (diagonal + usize::from(ca != cb)).min(up + 1).min(left + 1);
            (diagonal, left, *cell) = (up, value, value);
        }
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
    }
    row.last().copied().unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
        assert_eq!(closest_variable("ORGANIZR_UUDI"), Some("ORGANIZR_UUID"));
        assert_eq!(
            closest_variable("ORGANIZR_HASH_FIL"),
            Some("ORGANIZR_HASH_FILE")
        );
    }

    #[test]
    fn names_are_unique_and_well_formed() {
        let mut envs: Vec<&str> = VARIABLES.iter().map(|v| v.env).collect();
        envs.sort_unstable();
        envs.dedup();
        assert_eq!(envs.len(), VARIABLES.len());
        for v in VARIABLES {
            assert!(v.env.starts_with("ORGANIZR_"), "{}", v.env);
            assert_eq!(v.field.is_some(), v.read_by == ReadBy::Config, "{}", v.env);
        }
    }

    /// `VARIABLES.md` is the readers' copy of this list: the same variables,
    /// fields, defaults and meanings, in the same order.
    #[test]
    fn the_readers_table_is_this_list() {
        let table = include_str!("VARIABLES.md");
        let rows: Vec<Vec<String>> = table
            .lines()
            .filter(|l| l.starts_with("| `ORGANIZR_"))
            .map(|l| {
                l.trim_matches('|')
                    .split(" | ")
                    .map(|c| c.trim().replace('`', ""))
                    .collect()
            })
            .collect();
        assert_eq!(rows.len(), VARIABLES.len(), "rows in VARIABLES.md");
        for (row, v) in rows.iter().zip(VARIABLES) {
            let field = v.field.unwrap_or("-");
            let want = [v.env, field, v.default, v.meaning];
            assert_eq!(row, &want, "VARIABLES.md row for {}", v.env);
        }
    }
}
