//! Shared fixtures for the benchmarks in `benches/`; see README.md.
//!
//! Everything a benchmark measures against is built here once: the real Organizr
//! token (made by lcobucci/jwt, the library Organizr uses, and checked into core's
//! test data), the request heads a browser sends through a reverse proxy, the
//! authenticator configured as in a typical deployment, the claims struct a
//! generic JWT library would decode into, and the criterion settings.
//!
//! Fixtures panic when the checked-in data is broken: that is a bench set-up
//! error, reported before anything is measured.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::Duration;

use criterion::Criterion;
use http::{HeaderMap, HeaderName, HeaderValue};
use organizr_auth_core::{Authenticator, Config, Peer, Secret, TrustedProxies};
use serde::Deserialize;

/// Core's file of tokens made by Organizr's own JWT library.
const ORGANIZR_TOKENS: &str =
    include_str!("../../organizr-auth-core/tests/data/organizr-tokens.json");

#[derive(Deserialize)]
struct TokenFile {
    #[serde(rename = "organizrHash")]
    organizr_hash: String,
    uuid: String,
    tokens: Vec<TokenCase>,
}

#[derive(Deserialize)]
struct TokenCase {
    case: String,
    token: String,
}

fn token_file() -> TokenFile {
    serde_json::from_str(ORGANIZR_TOKENS).expect("organizr-tokens.json parses")
}

fn token_case(name: &str) -> String {
    token_file()
        .tokens
        .into_iter()
        .find(|t| t.case == name)
        .unwrap_or_else(|| panic!("organizr-tokens.json has no case {name:?}"))
        .token
}

/// The `organizrHash` the checked-in tokens are signed with.
pub fn organizr_hash() -> String {
    token_file().organizr_hash
}

/// The key as core's [`Secret`].
pub fn secret() -> Secret {
    Secret::new(organizr_hash()).expect("the test key is a valid secret")
}

/// The Organizr instance's uuid, which names the cookie.
pub fn uuid() -> String {
    token_file().uuid
}

/// The realistic token: Organizr's admin token with float times and the full
/// claim set (`iss`, `aud`, `jti`, `iat`, `nbf`, `exp`, `name`, `group`,
/// `groupID`, `email`, `image`, `userID`); its signing input is 387 bytes, the
/// whole token 431. Valid until 2036.
pub fn realistic_token() -> String {
    token_case("admin_float_times")
}

/// A real Organizr token that has expired (well signed, well formed).
pub fn expired_token() -> String {
    token_case("expired")
}

/// The signing input (`header.payload`) of `token`.
pub fn signing_input(token: &str) -> &str {
    token.rsplit_once('.').expect("a JWT has dots").0
}

/// The base64url payload segment of `token`.
pub fn payload_segment(token: &str) -> &str {
    token.split('.').nth(1).expect("a JWT has a payload")
}

/// The base64url signature segment of `token`.
pub fn signature_segment(token: &str) -> &str {
    token.rsplit_once('.').expect("a JWT has dots").1
}

/// Organizr's claim set as a generic JWT library user would declare it: the
/// struct `jsonwebtoken::decode` and the floor benchmarks deserialise into.
#[derive(Debug, Deserialize)]
#[allow(missing_docs)]
pub struct OrganizrClaims {
    pub iss: String,
    pub aud: String,
    pub jti: String,
    pub iat: f64,
    pub nbf: f64,
    pub exp: f64,
    pub name: String,
    pub group: String,
    #[serde(rename = "groupID")]
    pub group_id: u16,
    pub email: String,
    pub image: String,
    #[serde(rename = "userID")]
    pub user_id: u64,
}

/// The trusted-proxy list of a typical deployment: the Docker bridge the reverse
/// proxy sits on, loopback, and a LAN range.
pub const TRUSTED_PROXIES: &str = "172.18.0.0/16, 127.0.0.1, ::1, 192.168.1.0/24";

/// The reverse proxy's address (trusted).
pub fn proxy_peer() -> Peer {
    Peer::Tcp(SocketAddr::from(([172, 18, 0, 2], 41_822)))
}

/// A browser reaching the app directly (not trusted).
pub fn client_peer() -> Peer {
    Peer::Tcp(SocketAddr::from(([203, 0, 113, 77], 51_234)))
}

/// The authenticator of a typical deployment: the instance's uuid and key,
/// [`TRUSTED_PROXIES`], `Remote-User`, bearer tokens accepted.
pub fn authenticator() -> Authenticator {
    Authenticator::new(config())
}

/// The [`Config`] of [`authenticator`] (the token cache at its default size).
pub fn config() -> Config {
    let proxies: TrustedProxies = TRUSTED_PROXIES.parse().expect("valid proxy list");
    Config::new(secret())
        .uuid(uuid())
        .trusted_proxies(proxies)
        .user_header("Remote-User")
        .expect("valid header name")
}

/// The ten cookies a home-lab browser sends besides Organizr's token.
const OTHER_COOKIES: [&str; 10] = [
    "_ga=GA1.1.1870392516.1731330146",
    "_gid=GA1.1.207461234.1732012345",
    "PHPSESSID=9f1c2b7d4e8a0c3f6b5d1e2a7c9f0b4d",
    "organizrLanguage=en",
    "theme=dark",
    "grafana_session=5a3f9d2c7b1e4a6f8d0c2b9e7a5f3d1c",
    "grafana_session_expiry=1732015945",
    "sonarr_auth=CfDJ8Nq3Xz7kYb2Lw9Vt4Hs6Rp1Mc5Gd0Jf8Ke2Ua7Yi3Ow9Bn",
    "jellyfin_device_id=TW96aWxsYS81LjAgKFgxMTsgTGludXg",
    "sidebar_collapsed=false",
];

/// The `Cookie` header: the ten other cookies with the Organizr token
/// (`organizr_token_<uuid>=token`) eighth of eleven, or only the ten others.
pub fn cookie_header(token: Option<&str>) -> String {
    let mut cookies: Vec<String> = OTHER_COOKIES.iter().map(|c| (*c).to_owned()).collect();
    if let Some(token) = token {
        cookies.insert(7, format!("organizr_token_{}={token}", uuid()));
    }
    cookies.join("; ")
}

/// A browser's `GET` as a reverse proxy forwards it: twenty headers, one of them
/// the `Cookie` header of [`cookie_header`]. `extra` headers (e.g.
/// `remote-user`) are added on top.
pub fn request_headers(token: Option<&str>, extra: &[(&str, &str)]) -> HeaderMap {
    let fixed: [(&str, &str); 19] = [
        ("host", "sonarr.example.org"),
        (
            "user-agent",
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        ),
        (
            "accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        ),
        ("accept-language", "en-GB,en;q=0.5"),
        ("accept-encoding", "gzip, deflate, br, zstd"),
        ("referer", "https://organizr.example.org/"),
        ("connection", "keep-alive"),
        ("upgrade-insecure-requests", "1"),
        ("sec-fetch-dest", "iframe"),
        ("sec-fetch-mode", "navigate"),
        ("sec-fetch-site", "same-site"),
        ("priority", "u=4"),
        ("x-forwarded-for", "203.0.113.77"),
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", "sonarr.example.org"),
        ("x-forwarded-port", "443"),
        ("x-real-ip", "203.0.113.77"),
        ("cache-control", "max-age=0"),
        ("dnt", "1"),
    ];
    let mut headers = HeaderMap::with_capacity(32);
    for (name, value) in fixed.into_iter().chain(extra.iter().copied()) {
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).expect("valid header name"),
            HeaderValue::from_str(value).expect("valid header value"),
        );
    }
    headers.append(
        http::header::COOKIE,
        HeaderValue::from_str(&cookie_header(token)).expect("valid cookie header"),
    );
    headers
}

/// The criterion settings of every group: modest, so that the whole suite runs
/// in a few minutes on a two-core machine.
pub fn criterion() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
}
