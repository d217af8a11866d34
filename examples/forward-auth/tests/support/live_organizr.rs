//! A real Organizr (v2.1.2460, PHP) for integration tests: start it, install it, drive it.
//!
//! Include this file from an integration test (`#[path = "support/live_organizr.rs"] mod
//! live_organizr;`) or copy it into `tests/support/`. It needs only `std` and `serde_json`.
//!
//! ```ignore
//! let Some(org) = live_organizr::LiveOrganizr::start_or_skip(&live_organizr::Setup::default())
//! else {
//!     return; // "SKIP: ..." was printed: no php or no serve.sh outside CI
//! };
//! let admin = org.login("admin", &org.setup().admin_password)?;
//! let answer = org.auth("/api/v2/auth/0", &[("Cookie", &admin.cookie())])?;
//! assert_eq!(answer.status, 200);
//! assert_eq!(answer.header("X-Organizr-User"), Some("admin"));
//! ```
//!
//! What it does:
//! - finds `../shared/organizr/serve.sh` from the workspace root (the first directory at or
//!   above `CARGO_MANIFEST_DIR` that holds a `Cargo.lock`; if that root has no
//!   `../shared/organizr/serve.sh`, its ancestors are tried in turn, so that a scratch
//!   crate inside the workspace's parent also finds it; `ORGANIZR_SERVE_SH` overrides
//!   the search) and `php` (on `PATH`, with the `sqlite3` extension);
//! - when either is missing: outside CI (`CI` unset or not `true`) [`LiveOrganizr::start`]
//!   returns [`Started::Skip`] with a note; inside CI it panics naming what is missing;
//! - runs `serve.sh` in a fresh temporary directory on a free port, in its own process
//!   group, and kills that group (php and any child) and removes the directory on drop
//!   (`LIVE_ORGANIZR_KEEP=1` keeps the directory and prints where it is);
//! - installs the instance through `POST /api/v2/wizard` (driver `sqlite3`);
//! - speaks HTTP/1.1 over `std::net::TcpStream`, one `Connection: close` request each.
//!
//! Administrative calls (users, groups, locks, tabs) authenticate with the instance's
//! API key (header `Token`), which Organizr treats as an admin ("Organizr API", level 0)
//! and which, unlike a session, cannot expire, be logged out or be demoted by a test.
//! Session calls (login, logout, token list, revoke) use the session they are given.
//!
//! Every call checks Organizr's answer (status and `response.result`) where it matters
//! and returns [`Error::Organizr`] carrying Organizr's own `response.message`.
//!
//! PHP's built-in server is single-threaded and slow (tens of milliseconds a request):
//! use this for behaviour, never for timing.
#![allow(dead_code)]

use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// How long the server may take to answer its first request (it unpacks ~90 MB first).
const START_DEADLINE: Duration = Duration::from_secs(90);
/// Socket read/write timeout for one request.
const IO_TIMEOUT: Duration = Duration::from_secs(60);
/// A `User-Agent` that Organizr stores in `tokens.browser`.
const USER_AGENT: &str = "live-organizr-harness";

// ---------------------------------------------------------------------------------------
// Setup, outcome, errors
// ---------------------------------------------------------------------------------------

/// The values given to Organizr's install wizard.
#[derive(Clone)]
pub struct Setup {
    /// `organizrHash`: the JWT signing key (the wizard UI allows 3 to 30 characters).
    pub hash_key: String,
    /// `organizrAPI`: the global API key; Organizr honours it only when exactly 20 bytes.
    pub api_key: String,
    /// The first admin's username.
    pub admin_username: String,
    /// The first admin's password.
    pub admin_password: String,
    /// The first admin's email.
    pub admin_email: String,
    /// `registrationPassword`.
    pub registration_password: String,
    /// `dbName` (Organizr appends `.db`).
    pub db_name: String,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            hash_key: "live-organizr-hash-key".to_owned(),
            api_key: "LiveOrganizrApiKey20".to_owned(),
            admin_username: "admin".to_owned(),
            admin_password: "admin-password-1".to_owned(),
            admin_email: "admin@example.com".to_owned(),
            registration_password: "registration-password".to_owned(),
            db_name: "organizr".to_owned(),
        }
    }
}

impl fmt::Debug for Setup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Setup")
            .field("hash_key", &"..")
            .field("api_key", &"..")
            .field("admin_username", &self.admin_username)
            .field("admin_password", &"..")
            .field("admin_email", &self.admin_email)
            .field("db_name", &self.db_name)
            .finish()
    }
}

/// What [`LiveOrganizr::start`] gives.
#[derive(Debug)]
pub enum Started {
    /// A running, installed Organizr.
    Ready(Box<LiveOrganizr>),
    /// Prerequisites are missing outside CI: print the note (`eprintln!("SKIP: {note}")`)
    /// and return from the test.
    Skip(String),
}

/// Why a harness call failed.
#[derive(Debug)]
pub enum Error {
    /// An I/O error (spawning, files, sockets).
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: io::Error,
    },
    /// Organizr answered with an unexpected status or `result`; `message` is its own
    /// `response.message` (empty when it sent none).
    Organizr {
        /// The harness operation, e.g. `lock user 2`.
        operation: String,
        /// The HTTP status Organizr sent.
        status: u16,
        /// `response.result` (`success`, `error`, ...), empty if the body was not JSON.
        result: String,
        /// `response.message`.
        message: String,
    },
    /// Anything else that does not match what Organizr is known to do.
    Unexpected {
        /// The harness operation.
        operation: String,
        /// What was wrong.
        detail: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { context, source } => write!(f, "{context}: {source}"),
            Self::Organizr {
                operation,
                status,
                result,
                message,
            } => write!(
                f,
                "{operation}: organizr answered {status} result={result:?} message={message:?}"
            ),
            Self::Unexpected { operation, detail } => write!(f, "{operation}: {detail}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl Error {
    /// Organizr's `response.message`, if this error carries one.
    pub fn organizr_message(&self) -> Option<&str> {
        match self {
            Self::Organizr { message, .. } => Some(message),
            _ => None,
        }
    }

    /// The HTTP status Organizr answered, if this error carries one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Organizr { status, .. } => Some(*status),
            _ => None,
        }
    }
}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> Error {
    let context = context.into();
    move |source| Error::Io { context, source }
}

fn unexpected(operation: &str, detail: impl Into<String>) -> Error {
    Error::Unexpected {
        operation: operation.to_owned(),
        detail: detail.into(),
    }
}

// ---------------------------------------------------------------------------------------
// Sessions, answers, rows
// ---------------------------------------------------------------------------------------

/// An Organizr session: the cookie `organizr_token_<uuid>` and its JWT value.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    cookie_name: String,
    token: String,
}

impl Session {
    /// A session from any cookie value (e.g. a forged or garbage token for negative tests).
    pub fn new(cookie_name: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            cookie_name: cookie_name.into(),
            token: token.into(),
        }
    }

    /// The cookie name, `organizr_token_<uuid>`.
    pub fn cookie_name(&self) -> &str {
        &self.cookie_name
    }

    /// The cookie value: the JWT exactly as Organizr set it.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// `name=value`, ready for a `Cookie` header.
    pub fn cookie(&self) -> String {
        format!("{}={}", self.cookie_name, self.token)
    }

    /// The token's payload (claims) as JSON, decoded without any verification.
    pub fn claims(&self) -> Result<Value, Error> {
        let payload = self
            .token
            .split('.')
            .nth(1)
            .ok_or_else(|| unexpected("decode claims", "token has no payload segment"))?;
        let bytes = base64url_decode(payload)
            .ok_or_else(|| unexpected("decode claims", "payload is not base64url"))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| unexpected("decode claims", format!("payload is not JSON: {e}")))
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("cookie_name", &self.cookie_name)
            .field("token", &format_args!("<{} bytes>", self.token.len()))
            .finish()
    }
}

/// One HTTP answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: String,
    /// Header lines in order, names as sent, values trimmed (duplicates kept).
    pub headers: Vec<(String, String)>,
    /// Body bytes (de-chunked).
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header, in order.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The body as text (lossy; for messages and assertions).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON.
    pub fn json(&self) -> Result<Value, Error> {
        serde_json::from_slice(&self.body).map_err(|e| {
            unexpected(
                "parse answer",
                format!(
                    "status {} body is not JSON ({e}): {}",
                    self.status,
                    self.text()
                ),
            )
        })
    }

    /// `response.result` of Organizr's envelope.
    pub fn result(&self) -> Option<String> {
        self.json()
            .ok()?
            .pointer("/response/result")?
            .as_str()
            .map(str::to_owned)
    }

    /// `response.message` of Organizr's envelope (None when absent or null).
    pub fn message(&self) -> Option<String> {
        self.json()
            .ok()?
            .pointer("/response/message")?
            .as_str()
            .map(str::to_owned)
    }

    /// `response.data` of Organizr's envelope (`Value::Null` when absent).
    pub fn data(&self) -> Value {
        self.json()
            .ok()
            .and_then(|v| v.pointer("/response/data").cloned())
            .unwrap_or(Value::Null)
    }

    /// The values of the `Set-Cookie` headers that set `name` (attributes stripped).
    pub fn set_cookie_values(&self, name: &str) -> Vec<&str> {
        self.header_all("Set-Cookie")
            .into_iter()
            .filter_map(|line| {
                let pair = line.split(';').next()?;
                let (n, v) = pair.split_once('=')?;
                (n.trim() == name).then_some(v.trim())
            })
            .collect()
    }
}

/// A row of `GET /api/v2/users`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// `users.id`.
    pub id: i64,
    /// `users.username` (as stored: Organizr trims and HTML-escapes it).
    pub username: String,
    /// `users.email`.
    pub email: String,
    /// `users.group`: the group's name.
    pub group: String,
    /// `users.group_id`: the level.
    pub group_id: i64,
    /// `users.locked = 1` (NULL and 0 are unlocked).
    pub locked: bool,
}

/// One of a user's sessions, from `GET /api/v2/token/me` (`tokenList`): rows of `tokens`
/// for that user whose `expires` Organizr still considers in the future.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// `tokens.id`: what `DELETE /api/v2/token/{id}` takes.
    pub id: i64,
    /// `tokens.ip`.
    pub ip: String,
    /// `tokens.created` (UTC, `YYYY-MM-DD HH:MM:SS`).
    pub created: String,
    /// `tokens.expires` (UTC, `YYYY-MM-DD HH:MM:SS`).
    pub expires: String,
    /// This row holds the token of the session that asked.
    pub current: bool,
}

// ---------------------------------------------------------------------------------------
// The running instance
// ---------------------------------------------------------------------------------------

/// The `serve.sh` process (its own process group) and its directory; killed and removed
/// on drop.
struct ServerProcess {
    child: Child,
    work_dir: PathBuf,
    keep: bool,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            // serve.sh `exec`s php, and was started as the leader of its own process
            // group: kill the whole group (php and anything it spawned).
            let group = format!("-{}", self.child.id());
            let _ = Command::new("kill")
                .args(["-KILL", "--", &group])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if self.keep {
            eprintln!("live organizr: kept {}", self.work_dir.display());
        } else {
            let _ = fs::remove_dir_all(&self.work_dir);
        }
    }
}

/// A running, installed Organizr.
pub struct LiveOrganizr {
    setup: Setup,
    port: u16,
    config_php: PathBuf,
    database: PathBuf,
    uuid: String,
    cookie_name: String,
    wizard_session: Session,
    server: ServerProcess,
}

impl fmt::Debug for LiveOrganizr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveOrganizr")
            .field("port", &self.port)
            .field("work_dir", &self.server.work_dir)
            .field("uuid", &self.uuid)
            .finish_non_exhaustive()
    }
}

impl LiveOrganizr {
    /// Starts and installs an Organizr, or says why it cannot (see the module docs).
    ///
    /// # Panics
    /// Inside CI (`CI=true`), when `php` (with sqlite3) or `serve.sh` is missing.
    pub fn start(setup: &Setup) -> Result<Started, Error> {
        let serve_sh = match locate_serve_sh() {
            Ok(path) => path,
            Err(missing) => return Ok(skip_or_fail(missing)),
        };
        if let Err(missing) = check_php() {
            return Ok(skip_or_fail(missing));
        }
        if setup.api_key.len() != 20 {
            return Err(unexpected(
                "start",
                "Setup::api_key must be exactly 20 bytes: Organizr ignores any other length",
            ));
        }
        if setup.hash_key.is_empty() {
            return Err(unexpected("start", "Setup::hash_key must not be empty"));
        }
        let keep = std::env::var_os("LIVE_ORGANIZR_KEEP").is_some_and(|v| v != "0");
        let (server, port) = spawn_server(&serve_sh, keep)?;
        let mut org = Self {
            setup: setup.clone(),
            port,
            config_php: server
                .work_dir
                .join("organizr")
                .join("data")
                .join("config")
                .join("config.php"),
            database: PathBuf::new(),
            uuid: String::new(),
            cookie_name: String::new(),
            wizard_session: Session::new("", ""),
            server,
        };
        org.install()?;
        Ok(Started::Ready(Box::new(org)))
    }

    /// [`start`](Self::start) for tests: `None` after printing `SKIP: ...` when the
    /// prerequisites are missing outside CI.
    ///
    /// # Panics
    /// When Organizr cannot be started or installed, and inside CI when the
    /// prerequisites are missing.
    #[allow(clippy::panic)]
    pub fn start_or_skip(setup: &Setup) -> Option<Self> {
        match Self::start(setup) {
            Ok(Started::Ready(org)) => Some(*org),
            Ok(Started::Skip(note)) => {
                eprintln!("SKIP: {note}");
                None
            }
            Err(e) => panic!("live organizr did not start: {e}"),
        }
    }

    fn install(&mut self) -> Result<(), Error> {
        let op = "install (POST /api/v2/wizard)";
        let db_dir = self.server.work_dir.join("data");
        let mut db_path = db_dir.to_string_lossy().into_owned();
        db_path.push('/');
        let body = json!({
            "driver": "sqlite3",
            "dbName": self.setup.db_name,
            "dbPath": db_path,
            "license": "personal",
            "hashKey": self.setup.hash_key,
            "api": self.setup.api_key,
            "registrationPassword": self.setup.registration_password,
            "username": self.setup.admin_username,
            "password": self.setup.admin_password,
            "email": self.setup.admin_email,
        });
        let answer = self.request("POST", "/api/v2/wizard", &[], Some(&body))?;
        let data = expect_success(op, &answer, 200)?;
        if data != Value::Bool(true) {
            return Err(unexpected(op, format!("wizard data is {data}, not true")));
        }
        let config = fs::read_to_string(&self.config_php)
            .map_err(io_err(format!("read {}", self.config_php.display())))?;
        let read = |key: &str| {
            php_config_string(&config, key)
                .ok_or_else(|| unexpected(op, format!("config.php has no string '{key}'")))
        };
        self.uuid = read("uuid")?;
        self.database = PathBuf::from(format!("{}{}", read("dbLocation")?, read("dbName")?));
        for (key, want) in [
            ("organizrHash", &self.setup.hash_key),
            ("organizrAPI", &self.setup.api_key),
        ] {
            if &read(key)? != want {
                return Err(unexpected(
                    op,
                    format!("config.php '{key}' is not the given value"),
                ));
            }
        }
        if !self.database.is_file() {
            return Err(unexpected(
                op,
                format!("no database at {}", self.database.display()),
            ));
        }
        self.cookie_name = if self.uuid.is_empty() {
            "organizr_token_temp".to_owned()
        } else {
            format!("organizr_token_{}", self.uuid)
        };
        let token = answer
            .set_cookie_values(&self.cookie_name)
            .into_iter()
            .find(|v| !v.is_empty())
            .ok_or_else(|| unexpected(op, format!("no Set-Cookie {}", self.cookie_name)))?;
        self.wizard_session = Session::new(&self.cookie_name, token);
        Ok(())
    }

    // --- facts about the instance -----------------------------------------------------

    /// What the wizard was given.
    pub fn setup(&self) -> &Setup {
        &self.setup
    }

    /// The port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The temporary directory (Organizr is in `organizr/`, the database in `data/`).
    pub fn work_dir(&self) -> &Path {
        &self.server.work_dir
    }

    /// Organizr's config file, `<work>/organizr/data/config/config.php`.
    pub fn config_php(&self) -> &Path {
        &self.config_php
    }

    /// The SQLite database (`dbLocation` + `dbName` of config.php).
    pub fn database(&self) -> &Path {
        &self.database
    }

    /// The instance's `uuid`.
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    /// `organizr_token_<uuid>`.
    pub fn cookie_name(&self) -> &str {
        &self.cookie_name
    }

    /// The admin session the wizard's answer set (a one-day token; see [`login`](Self::login)).
    pub fn wizard_session(&self) -> &Session {
        &self.wizard_session
    }

    /// What php wrote to stdout/stderr so far (request log, PHP errors).
    pub fn server_log(&self) -> String {
        fs::read_to_string(self.server.work_dir.join("serve.log")).unwrap_or_default()
    }

    // --- raw requests -----------------------------------------------------------------

    /// One request to the instance; `json_body` is sent as `application/json`.
    pub fn request(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        json_body: Option<&Value>,
    ) -> Result<Response, Error> {
        let body = json_body.map(Value::to_string);
        http_request(
            self.port,
            method,
            path_and_query,
            headers,
            body.as_deref().map(|b| ("application/json", b.as_bytes())),
        )
    }

    /// Organizr's own forward-auth answer: `GET path_and_query` (e.g. `/api/v2/auth/4`,
    /// `/api/v2/auth?group=1`, `/api/v2/auth/4/allow/10.0.0.1`) with the given headers
    /// (e.g. `("Cookie", &session.cookie())`, `("X-Forwarded-For", "10.0.0.1")`).
    /// Returns the answer whatever its status.
    pub fn auth(&self, path_and_query: &str, headers: &[(&str, &str)]) -> Result<Response, Error> {
        self.request("GET", path_and_query, headers, None)
    }

    /// [`auth`](Self::auth) with the session's cookie (or none) added to the headers.
    pub fn auth_as(
        &self,
        session: Option<&Session>,
        path_and_query: &str,
        headers: &[(&str, &str)],
    ) -> Result<Response, Error> {
        match session {
            None => self.auth(path_and_query, headers),
            Some(s) => {
                let cookie = s.cookie();
                let mut all: Vec<(&str, &str)> = vec![("Cookie", &cookie)];
                all.extend_from_slice(headers);
                self.auth(path_and_query, &all)
            }
        }
    }

    fn admin_request(
        &self,
        method: &str,
        path: &str,
        json_body: Option<&Value>,
    ) -> Result<Response, Error> {
        self.request(method, path, &[("Token", &self.setup.api_key)], json_body)
    }

    // --- sessions ---------------------------------------------------------------------

    /// `POST /api/v2/login`; the session Organizr's `Set-Cookie` gives.
    ///
    /// Sends `"remember": true` (a `rememberMeDays` = 7-day session). Organizr compares
    /// `tokens.expires` as text with an ISO `...T...Z` timestamp, so a session stops at
    /// 00:00 UTC of its `expires` day: a one-day session made at 23:59 UTC lasts one
    /// minute. Seven days keep tests that cross midnight UTC stable; use
    /// [`login_one_day`](Self::login_one_day) for Organizr's default.
    pub fn login(&self, username: &str, password: &str) -> Result<Session, Error> {
        self.login_with(username, password, true)
    }

    /// `POST /api/v2/login` without `remember` (a one-day session).
    pub fn login_one_day(&self, username: &str, password: &str) -> Result<Session, Error> {
        self.login_with(username, password, false)
    }

    fn login_with(&self, username: &str, password: &str, remember: bool) -> Result<Session, Error> {
        let op = format!("login {username}");
        // Organizr takes any `remember` key, even false, as "remember me": omit it.
        let body = if remember {
            json!({"username": username, "password": password, "remember": true})
        } else {
            json!({"username": username, "password": password})
        };
        let answer = self.request("POST", "/api/v2/login", &[], Some(&body))?;
        expect_success(&op, &answer, 200)?;
        let token = answer
            .set_cookie_values(&self.cookie_name)
            .into_iter()
            .find(|v| !v.is_empty())
            .ok_or_else(|| unexpected(&op, format!("no Set-Cookie {}", self.cookie_name)))?;
        Ok(Session::new(&self.cookie_name, token))
    }

    /// `GET /api/v2/logout` with the session: Organizr deletes that session's row.
    pub fn logout(&self, session: &Session) -> Result<(), Error> {
        let answer = self.request(
            "GET",
            "/api/v2/logout",
            &[("Cookie", &session.cookie())],
            None,
        )?;
        expect_success("logout", &answer, 200)?;
        Ok(())
    }

    /// The session's user's unexpired sessions (`GET /api/v2/token/me`, `tokenList`).
    /// Fails when Organizr does not recognise the session.
    pub fn sessions(&self, session: &Session) -> Result<Vec<SessionRow>, Error> {
        let op = "list sessions (GET /api/v2/token/me)";
        let answer = self.request(
            "GET",
            "/api/v2/token/me",
            &[("Cookie", &session.cookie())],
            None,
        )?;
        let data = expect_success(op, &answer, 200)?;
        if data.get("loggedin") != Some(&Value::Bool(true)) {
            return Err(unexpected(
                op,
                "organizr does not recognise this session (guest)",
            ));
        }
        let list = data
            .get("tokenList")
            .and_then(Value::as_array)
            .ok_or_else(|| unexpected(op, "no tokenList"))?;
        list.iter()
            .map(|row| {
                Ok(SessionRow {
                    id: int_field(row, "id")
                        .ok_or_else(|| unexpected(op, "token row without id"))?,
                    ip: str_field(row, "ip"),
                    created: str_field(row, "created"),
                    expires: str_field(row, "expires"),
                    current: row.get("token").and_then(Value::as_str) == Some(session.token()),
                })
            })
            .collect()
    }

    /// The `tokens.id` of this session (from [`sessions`](Self::sessions)).
    pub fn session_id(&self, session: &Session) -> Result<i64, Error> {
        self.sessions(session)?
            .into_iter()
            .find(|row| row.current)
            .map(|row| row.id)
            .ok_or_else(|| unexpected("session id", "the session is not in its own token list"))
    }

    /// `DELETE /api/v2/token/{id}` as `session`'s user: revokes one of that user's
    /// sessions. Organizr answers 204 even when it deletes nothing (an unknown id or
    /// another user's token): this fails when `id` was not in the user's list before,
    /// and, unless `id` is the asking session itself, when it is still listed after.
    pub fn revoke(&self, session: &Session, id: i64) -> Result<(), Error> {
        let op = format!("revoke token {id}");
        let before = self.sessions(session)?;
        let listed = before.iter().any(|row| row.id == id);
        let current = before.iter().any(|row| row.current && row.id == id);
        let answer = self.request(
            "DELETE",
            &format!("/api/v2/token/{id}"),
            &[("Cookie", &session.cookie())],
            None,
        )?;
        expect_success(&op, &answer, 204)?;
        if !listed {
            return Err(unexpected(
                &op,
                "not one of this user's sessions: organizr answered 204 and revoked nothing",
            ));
        }
        if !current && self.sessions(session)?.iter().any(|row| row.id == id) {
            return Err(unexpected(
                &op,
                "organizr answered 204 but the token is still listed",
            ));
        }
        Ok(())
    }

    // --- users (as admin, via the API key) ---------------------------------------------

    /// `POST /api/v2/users` (new users get group 4 "User"); returns the new user's id.
    pub fn create_user(&self, username: &str, password: &str, email: &str) -> Result<i64, Error> {
        let op = format!("create user {username}");
        let body = json!({"username": username, "password": password, "email": email});
        let answer = self.admin_request("POST", "/api/v2/users", Some(&body))?;
        expect_success(&op, &answer, 200)?;
        let stored = html_escape(username.trim());
        self.users()?
            .into_iter()
            .find(|u| u.username == stored)
            .map(|u| u.id)
            .ok_or_else(|| unexpected(&op, "created, but not in GET /api/v2/users"))
    }

    /// `GET /api/v2/users`.
    pub fn users(&self) -> Result<Vec<User>, Error> {
        let op = "list users (GET /api/v2/users)";
        let answer = self.admin_request("GET", "/api/v2/users", None)?;
        let data = expect_success(op, &answer, 200)?;
        let rows = data
            .as_array()
            .ok_or_else(|| unexpected(op, format!("data is not a list: {data}")))?;
        rows.iter()
            .map(|row| {
                Ok(User {
                    id: int_field(row, "id").ok_or_else(|| unexpected(op, "user without id"))?,
                    username: str_field(row, "username"),
                    email: str_field(row, "email"),
                    group: str_field(row, "group"),
                    group_id: int_field(row, "group_id")
                        .ok_or_else(|| unexpected(op, "user without group_id"))?,
                    locked: int_field(row, "locked") == Some(1),
                })
            })
            .collect()
    }

    /// One user by id, from [`users`](Self::users).
    pub fn user(&self, id: i64) -> Result<User, Error> {
        self.users()?
            .into_iter()
            .find(|u| u.id == id)
            .ok_or_else(|| unexpected("get user", format!("no user with id {id}")))
    }

    /// `PUT /api/v2/users/{id}` `{"group_id": N}`: promote or demote. Organizr refuses
    /// a group id that is not in `groups` (404 `group_id does not exist`).
    pub fn set_group(&self, id: i64, group_id: i64) -> Result<(), Error> {
        let op = format!("set user {id} group {group_id}");
        let answer = self.admin_request(
            "PUT",
            &format!("/api/v2/users/{id}"),
            Some(&json!({"group_id": group_id})),
        )?;
        expect_success(&op, &answer, 200)?;
        expect_message(&op, &answer, "User info updated")
    }

    /// `POST /api/v2/users/lock/{id}`.
    pub fn lock(&self, id: i64) -> Result<(), Error> {
        let op = format!("lock user {id}");
        let answer = self.admin_request("POST", &format!("/api/v2/users/lock/{id}"), None)?;
        expect_success(&op, &answer, 200)?;
        expect_message(&op, &answer, "User account locked")
    }

    /// `POST /api/v2/users/unlock/{id}`.
    pub fn unlock(&self, id: i64) -> Result<(), Error> {
        let op = format!("unlock user {id}");
        let answer = self.admin_request("POST", &format!("/api/v2/users/unlock/{id}"), None)?;
        expect_success(&op, &answer, 200)?;
        expect_message(&op, &answer, "User account unlocked")
    }

    /// `DELETE /api/v2/users/{id}`: deletes the user and all their sessions.
    pub fn delete_user(&self, id: i64) -> Result<(), Error> {
        let op = format!("delete user {id}");
        let answer = self.admin_request("DELETE", &format!("/api/v2/users/{id}"), None)?;
        expect_success(&op, &answer, 204)?;
        Ok(())
    }

    // --- tabs ---------------------------------------------------------------------------

    /// `POST /api/v2/tabs` (needs the API key or a form key: a session alone is refused);
    /// returns the new tab's id. A non-numeric group in the auth API is looked up as the
    /// first tab whose `name LIKE '%x%'`. After the wizard the tabs are `Settings`
    /// (group 1) and `Homepage` (group 4).
    pub fn create_tab(&self, name: &str, group_id: i64) -> Result<i64, Error> {
        let op = format!("create tab {name}");
        let body = json!({
            "name": name,
            "url": "https://tab.example.invalid/",
            "image": "fontawesome::link",
            "group_id": group_id,
            "enabled": 1,
            "type": 1,
        });
        let answer = self.admin_request("POST", "/api/v2/tabs", Some(&body))?;
        expect_success(&op, &answer, 200)?;
        expect_message(&op, &answer, "Tab added")?;
        let stored = html_escape(name.trim());
        self.tabs()?
            .into_iter()
            .find(|(_, n, _)| *n == stored)
            .map(|(id, _, _)| id)
            .ok_or_else(|| unexpected(&op, "added, but not in GET /api/v2/tabs"))
    }

    /// `GET /api/v2/tabs`: `(id, name, group_id)` in Organizr's order.
    pub fn tabs(&self) -> Result<Vec<(i64, String, i64)>, Error> {
        let op = "list tabs (GET /api/v2/tabs)";
        let answer = self.admin_request("GET", "/api/v2/tabs", None)?;
        let data = expect_success(op, &answer, 200)?;
        let rows = data
            .get("tabs")
            .and_then(Value::as_array)
            .ok_or_else(|| unexpected(op, "no tabs list"))?;
        rows.iter()
            .map(|row| {
                Ok((
                    int_field(row, "id").ok_or_else(|| unexpected(op, "tab without id"))?,
                    str_field(row, "name"),
                    int_field(row, "group_id").unwrap_or(0),
                ))
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------
// Checking Organizr's answers
// ---------------------------------------------------------------------------------------

/// Requires `status` and (except for 204, which has no body) `response.result ==
/// "success"`; returns `response.data`.
fn expect_success(operation: &str, answer: &Response, status: u16) -> Result<Value, Error> {
    let envelope = answer.json().ok();
    let field = |name: &str| {
        envelope
            .as_ref()
            .and_then(|v| v.pointer(&format!("/response/{name}")))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let result = field("result");
    let ok = answer.status == status && (status == 204 || result == "success");
    if !ok {
        let mut message = field("message");
        if envelope.is_none() && message.is_empty() {
            message = answer.text().chars().take(300).collect();
        }
        return Err(Error::Organizr {
            operation: operation.to_owned(),
            status: answer.status,
            result,
            message,
        });
    }
    Ok(envelope
        .and_then(|v| v.pointer("/response/data").cloned())
        .unwrap_or(Value::Null))
}

fn expect_message(operation: &str, answer: &Response, want: &str) -> Result<(), Error> {
    match answer.message() {
        Some(m) if m == want => Ok(()),
        other => Err(unexpected(
            operation,
            format!("expected message {want:?}, organizr said {other:?}"),
        )),
    }
}

fn int_field(row: &Value, key: &str) -> Option<i64> {
    match row.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

fn str_field(row: &Value, key: &str) -> String {
    match row.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// PHP 8 `htmlspecialchars` with its defaults (what Organizr stores for user and tab names).
fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#039;"),
            c => out.push(c),
        }
    }
    out
}

/// A single-quoted string value `'key' => '...'` from Organizr's config.php
/// (`createConfig` escapes `\` and `'` with a backslash).
fn php_config_string(config: &str, key: &str) -> Option<String> {
    let needle = format!("'{key}' => '");
    let start = config.find(&needle)? + needle.len();
    let mut out = String::new();
    let mut chars = config.get(start..)?.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '\'' => return Some(out),
            c => out.push(c),
        }
    }
    None
}

fn base64url_decode(input: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for b in input.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------
// Prerequisites
// ---------------------------------------------------------------------------------------

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

#[allow(clippy::panic)]
fn skip_or_fail(missing: String) -> Started {
    if in_ci() {
        panic!("live organizr: {missing} (CI=true, so this is a failure, not a skip)");
    }
    Started::Skip(format!("live organizr test skipped: {missing}"))
}

/// `ORGANIZR_SERVE_SH`, else `<root>/../shared/organizr/serve.sh` where root is the first
/// directory at or above `CARGO_MANIFEST_DIR` holding `Cargo.lock`, else the same path
/// from each of root's ancestors.
fn locate_serve_sh() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("ORGANIZR_SERVE_SH") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "ORGANIZR_SERVE_SH={} is not a file",
                path.display()
            ))
        };
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").is_file())
        .unwrap_or(manifest);
    let relative = Path::new("shared").join("organizr").join("serve.sh");
    let first = root.join("..").join(&relative);
    root.ancestors()
        .skip(1)
        .map(|dir| dir.join(&relative))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| format!("no Organizr serve.sh at {}", first.display()))
}

/// `php` on PATH (serve.sh runs `php -S`), with the sqlite3 extension.
fn check_php() -> Result<(), String> {
    let output = Command::new("php")
        .args([
            "-r",
            "exit(extension_loaded('sqlite3') && extension_loaded('mbstring') ? 0 : 3);",
        ])
        .stdin(Stdio::null())
        .output();
    match output {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err("no `php` on PATH".to_owned()),
        Err(e) => Err(format!("cannot run `php`: {e}")),
        Ok(out) if out.status.code() == Some(3) => {
            Err("php lacks the sqlite3 or mbstring extension".to_owned())
        }
        Ok(out) if !out.status.success() => Err(format!(
            "`php -r` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Ok(_) => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------
// Process
// ---------------------------------------------------------------------------------------

fn fresh_dir() -> Result<PathBuf, Error> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "live-organizr-{}-{nanos:x}-{n}",
            std::process::id()
        ));
        match fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_err(format!("create {}", dir.display()))(e)),
        }
    }
    Err(unexpected(
        "start",
        "cannot make a fresh temporary directory",
    ))
}

fn free_port() -> Result<u16, Error> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(io_err("bind a free port"))?;
    let port = listener
        .local_addr()
        .map_err(io_err("read the free port"))?
        .port();
    Ok(port)
}

fn spawn_server(serve_sh: &Path, keep: bool) -> Result<(ServerProcess, u16), Error> {
    let mut last = String::new();
    for _attempt in 0..3 {
        let work_dir = fresh_dir()?;
        let port = free_port()?;
        let log_path = work_dir.join("serve.log");
        let log = fs::File::create(&log_path).map_err(io_err("create serve.log"))?;
        let log2 = log.try_clone().map_err(io_err("clone serve.log"))?;
        let mut command = Command::new("bash");
        command
            .arg(serve_sh)
            .arg(&work_dir)
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log2));
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let child = command
            .spawn()
            .map_err(io_err(format!("run {}", serve_sh.display())))?;
        let mut server = ServerProcess {
            child,
            work_dir,
            keep,
        };
        match wait_ready(&mut server, port) {
            Ok(()) => return Ok((server, port)),
            Err(e) => {
                last = e;
                let log = fs::read_to_string(&log_path).unwrap_or_default();
                if !log.contains("Address already in use") {
                    return Err(unexpected(
                        "start",
                        format!("{last}; serve.sh said: {}", log.trim()),
                    ));
                }
                // Someone took the port between our probe and php's bind: try another.
            }
        }
    }
    Err(unexpected(
        "start",
        format!("no free port after 3 tries: {last}"),
    ))
}

fn wait_ready(server: &mut ServerProcess, port: u16) -> Result<(), String> {
    let deadline = Instant::now() + START_DEADLINE;
    loop {
        if let Ok(Some(status)) = server.child.try_wait() {
            return Err(format!("serve.sh exited early ({status})"));
        }
        let answer = http_request(port, "GET", "/api/v2/status", &[], None);
        if matches!(answer, Ok(ref a) if a.status == 200) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "no answer on port {port} within {START_DEADLINE:?}"
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

// ---------------------------------------------------------------------------------------
// HTTP/1.1 over TcpStream
// ---------------------------------------------------------------------------------------

pub fn http_request(
    port: u16,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, &[u8])>,
) -> Result<Response, Error> {
    let context = format!("{method} {path_and_query}");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(io_err(format!("connect for {context}")))?;
    stream
        .set_read_timeout(Some(IO_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(IO_TIMEOUT)))
        .map_err(io_err("set socket timeouts"))?;

    let has = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    let mut head = format!("{method} {path_and_query} HTTP/1.1\r\n");
    if !has("Host") {
        head.push_str(&format!("Host: 127.0.0.1:{port}\r\n"));
    }
    if !has("User-Agent") {
        head.push_str(&format!("User-Agent: {USER_AGENT}\r\n"));
    }
    head.push_str("Connection: close\r\n");
    for (name, value) in headers {
        if name.contains(['\r', '\n', ':']) || value.contains(['\r', '\n']) {
            return Err(unexpected(
                &context,
                format!("header {name:?} is not a header line"),
            ));
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let payload: &[u8] = match body {
        Some((content_type, bytes)) => {
            head.push_str(&format!(
                "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
                bytes.len()
            ));
            bytes
        }
        None if matches!(method, "POST" | "PUT" | "PATCH") => {
            head.push_str("Content-Length: 0\r\n");
            &[]
        }
        None => &[],
    };
    head.push_str("\r\n");
    let mut request = head.into_bytes();
    request.extend_from_slice(payload);
    stream
        .write_all(&request)
        .and_then(|()| stream.flush())
        .map_err(io_err(format!("send {context}")))?;
    // No half-close: hyper (forward-auth) drops a request whose connection is
    // half-closed before it answers; `Connection: close` ends the exchange.

    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(io_err(format!("read answer to {context}")))?;
    parse_response(&raw).map_err(|detail| unexpected(&context, detail))
}

fn parse_response(raw: &[u8]) -> Result<Response, String> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no end of headers in {} bytes", raw.len()))?;
    let head = std::str::from_utf8(raw.get(..split).unwrap_or_default())
        .map_err(|_| "header bytes are not UTF-8".to_owned())?;
    let rest = raw.get(split + 4..).unwrap_or_default();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(format!("not an HTTP/1.x status line: {status_line:?}"));
    }
    let status = parts
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let reason = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("bad header line {line:?}"))?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let chunked = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("Transfer-Encoding") && v.to_ascii_lowercase().contains("chunked")
    });
    let body = if chunked {
        dechunk(rest)?
    } else {
        let length = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("Content-Length"))
            .and_then(|(_, v)| v.parse::<usize>().ok());
        match length {
            Some(n) => rest.get(..n).unwrap_or(rest).to_vec(),
            None => rest.to_vec(),
        }
    };
    Ok(Response {
        status,
        reason,
        headers,
        body,
    })
}

fn dechunk(mut input: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = input
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("chunk size line without CRLF")?;
        let size_line = std::str::from_utf8(input.get(..line_end).unwrap_or_default())
            .map_err(|_| "chunk size is not text")?;
        let size_hex = size_line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| "bad chunk size")?;
        input = input.get(line_end + 2..).unwrap_or_default();
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(input.get(..size).ok_or("chunk shorter than its size")?);
        input = input.get(size + 2..).unwrap_or_default();
    }
}
