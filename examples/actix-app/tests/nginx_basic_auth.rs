//! actix-app in proxy-only mode behind real nginx basic auth (issue 13): the
//! recipe `deploy/nginx.conf`, run by nginx itself, in front of the real
//! binary holding no Organizr key.
//!
//! ```text
//! client --> nginx 127.0.0.1:P (auth_basic) --> actix-app 127.0.0.1:Q
//!                                               trusts 127.0.0.1 only
//! "around nginx": 127.0.0.2 --> actix-app 127.0.0.1:Q
//! ```
//!
//! nginx connects to an upstream on 127.0.0.1 from 127.0.0.1, so the app
//! trusts exactly nginx's address, as the recipe's app trusts nginx's
//! container. A client that goes around nginx connects from 127.0.0.2 (all of
//! 127.0.0.0/8 is loopback on Linux), as another container on the recipe's
//! network would. The recipe is used as written, but for the lines marked
//! `# e2e:` (the app's address, the listen port, the users' file), inside a
//! main configuration of this test's own (a private nginx in the foreground,
//! everything in a temporary directory).
//!
//! The users' file holds SHA-512 crypt hashes (`$6$`), the format the recipe
//! asks for, of passwords made up here. They are made with perl's `crypt`,
//! which is the C library's crypt(3), the very function nginx checks them
//! with: perl-base is part of every Debian system, where openssl (the
//! recipe's `openssl passwd -6`) and apache2-utils (`htpasswd`) may be
//! missing.
//!
//! Needs `nginx` (nginx-light is enough) and `perl`. Without them the test
//! prints a note and passes, so that `cargo test` works anywhere, except under
//! CI (`CI` set), where a missing tool is a failure: `.ci/run` installs nginx.
//!
//! This file holds what is nginx's own: starting it with the recipe, the
//! users' file, and what nginx and this app's settings answer. The checks
//! themselves, the app launcher and the HTTP client are shared with
//! `axum-app/tests/caddy_basic_auth.rs` (the same for axum-app behind Caddy):
//! they live in `examples/apps-e2e` (`organizr_auth_apps_e2e`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::SystemTime;

use organizr_auth_apps_e2e::{
    App, PROXY_ADDRESS, Passwords, Proxy, Report, Server, Unmapped, Want, WorkDir,
    check_proxy_only, free_port, passwords, skip, tool,
};

const PROGRAM: &str = env!("CARGO_BIN_EXE_actix-app");
const NAME: &str = "actix-app";
const RECIPE: &str = "deploy/nginx.conf";

/// The app's configuration, the recipe's: the trusted proxy and the group
/// settings, users in no mapped group refused. With `ORGANIZR_LISTEN` (and
/// `RUST_LOG`) this is its whole environment.
const APP_ENV: [(&str, &str); 4] = [
    ("ORGANIZR_TRUSTED_PROXIES", "127.0.0.1"),
    ("ORGANIZR_PROXY_GROUPS_HEADER", "Remote-Groups"),
    ("ORGANIZR_PROXY_GROUP_MAP", "admins=0,family=4"),
    ("ORGANIZR_PROXY_DEFAULT_LEVEL", "none"),
];

/// nginx's 401 challenge: the recipe's `auth_basic "apps"`.
const PROXY_CHALLENGE: &str = "Basic realm=\"apps\"";

#[test]
fn behind_nginx_basic_auth_without_organizr() {
    let missing: Vec<&str> = ["nginx", "perl"]
        .into_iter()
        .filter(|t| tool(t).is_none())
        .collect();
    if !missing.is_empty() {
        return skip(
            "nginx",
            &format!("missing {missing:?}: apt-get install -y nginx-light perl-base"),
        );
    }
    let work = WorkDir::new(&format!("{NAME}-nginx"));
    let app = App::start(PROGRAM, NAME, &APP_ENV);
    let passwords = passwords();
    let nginx = start_nginx(&work, app.addr(), &passwords);
    let mut r = Report::default();
    let proxy = Proxy {
        server: &nginx,
        challenge: Want::Header("www-authenticate", PROXY_CHALLENGE),
        // ORGANIZR_PROXY_DEFAULT_LEVEL=none: a user in no mapped group is no
        // identity at all, whatever nginx thinks of the password.
        unmapped: Unmapped::Refused,
    };
    check_proxy_only(&mut r, &app, &proxy, &passwords);
    r.finish(&[(NAME, app.log()), ("nginx", nginx.log())]);
}

// --- nginx ------------------------------------------------------------------------

/// Runs the recipe, its `# e2e:` lines swapped, in front of `app`, with a
/// users' file of the `passwords`' users and their passwords.
fn start_nginx(work: &WorkDir, app: SocketAddr, passwords: &Passwords) -> Server {
    let nginx = tool("nginx").unwrap();
    let port = free_port();
    let dir = work.path();
    let htpasswd = dir.join("htpasswd");
    let users: String = passwords
        .iter()
        .map(|(user, password)| format!("{user}:{}\n", sha512_crypt(password)))
        .collect();
    std::fs::write(&htpasswd, users).unwrap();
    let recipe_path = Path::new(env!("CARGO_MANIFEST_DIR")).join(RECIPE);
    let recipe = std::fs::read_to_string(&recipe_path).unwrap();
    std::fs::write(
        dir.join("site.conf"),
        swap_e2e_lines(&recipe, port, app, &htpasswd),
    )
    .unwrap();
    let log = dir.join("nginx-error.log");
    std::fs::write(dir.join("nginx.conf"), main_conf(dir, &log)).unwrap();
    let command = || {
        let mut command = Command::new(&nginx);
        command
            .arg("-p")
            .arg(dir)
            .arg("-e")
            .arg(&log)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .env_clear()
            .stdin(Stdio::null());
        command
    };
    // `nginx -t` first: a recipe nginx refuses fails here, with its words.
    let tested = command().arg("-t").output().unwrap();
    assert!(
        tested.status.success(),
        "nginx -t refused {RECIPE}:\n{}",
        String::from_utf8_lossy(&tested.stderr)
    );
    let output = File::create(dir.join("nginx.out")).unwrap();
    Server::start(
        "nginx",
        command().stdout(output.try_clone().unwrap()).stderr(output),
        SocketAddr::from((PROXY_ADDRESS, port)),
        log,
    )
}

/// The main configuration around the recipe: one worker in the foreground,
/// every file in `dir`. Run as root, nginx would hand its workers to
/// `nobody`; this private one keeps the test's user.
fn main_conf(dir: &Path, log: &Path) -> String {
    let user = if running_as_root() {
        "user root;\n"
    } else {
        ""
    };
    let dir = dir.display();
    format!(
        "{user}daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {log} info;
events {{
    worker_connections 64;
}}
http {{
    access_log {dir}/nginx-access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/site.conf;
}}
",
        log = log.display()
    )
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().next())
        == Some("0")
}

/// The recipe with its `# e2e:` lines swapped: the app at `app`, nginx on
/// 127.0.0.1:`port`, the users' file at `htpasswd`. Fails on a marked line it
/// does not know, or when one is missing: the recipe changed, and so must
/// this test.
fn swap_e2e_lines(recipe: &str, port: u16, app: SocketAddr, htpasswd: &Path) -> String {
    let mut out = String::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for line in recipe.lines() {
        let indent = &line[..line.len() - line.trim_start().len()];
        let Some((code, mark)) = line.split_once("# e2e: ") else {
            assert!(
                !line.contains("# e2e:"),
                "{RECIPE}: unknown e2e line {line:?}"
            );
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let mark = mark.trim();
        *seen.entry(mark).or_default() += 1;
        let words: Vec<&str> = code.split_whitespace().collect();
        let swapped = match (mark, words.as_slice()) {
            ("app", ["server", _]) => format!("server {app};"),
            ("listen", ["listen", _]) => format!("listen 127.0.0.1:{port};"),
            ("htpasswd", ["auth_basic_user_file", _]) => {
                format!("auth_basic_user_file {};", htpasswd.display())
            }
            _ => panic!("{RECIPE}: unknown e2e line {line:?}"),
        };
        out.push_str(&format!("{indent}{swapped}\n"));
    }
    let counts: Vec<(&str, usize)> = seen.into_iter().collect();
    assert_eq!(
        counts,
        [("app", 1), ("htpasswd", 1), ("listen", 1)],
        "{RECIPE}: the e2e lines"
    );
    out
}

/// A SHA-512 crypt hash (`$6$salt$...`) of `password`, from the C library's
/// crypt(3) by way of perl, the password on standard input (not the command
/// line).
fn sha512_crypt(password: &str) -> String {
    // A salt of 16 characters from crypt's alphabet, different on every call.
    const ALPHABET: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut n = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
        ^ u128::from(std::process::id()) << 64;
    let salt: String = (0..16)
        .map(|_| {
            n = n
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            char::from(ALPHABET[(n >> 70) as usize % 64])
        })
        .collect();
    let setting = format!("$6${salt}$");
    let mut child = Command::new(tool("perl").unwrap())
        .args([
            "-e",
            "my $p = <STDIN>; chomp $p; print crypt($p, $ARGV[0]) // ''",
        ])
        .arg(&setting)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let hash = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success() && hash.starts_with(&setting) && hash.len() > setting.len() + 80,
        "the C library's crypt() made no SHA-512 hash: {hash:?} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    hash
}
