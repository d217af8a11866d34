//! Fuzz checks, and their replay on the stable toolchain.
//!
//! [`checks`] holds one function per fuzz target: it decodes the input and
//! asserts the target's invariants. The cargo-fuzz project in `fuzz/` includes
//! this very file (`#[path]` in `fuzz/src/lib.rs`), so every invariant is
//! written once and the fuzzers and `cargo test` cannot drift apart.
//!
//! The replay tests at the bottom feed every file under
//! `tests/data/fuzz/<target>/` through the same functions: the minimised corpus
//! and every crash input found (`crash-*`), copied here so that this crate tests
//! without `fuzz/`. The regression tests after them pin the bugs fuzzing found.
//!
//! Inputs are plain bytes decoded by hand rather than with `arbitrary`: this file
//! may use only core's own dependencies and dev-dependencies, and text inputs
//! make the seeds readable. Nothing here needs a feature: the differential check
//! signs tokens itself (HMAC-SHA256, the crate's own dependencies), and with the
//! `mint` feature it also checks that `mint::sign_raw` makes the same token.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod checks {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
    use std::sync::OnceLock;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use hmac::{Hmac, Mac};
    use http::{HeaderMap, HeaderName, HeaderValue};
    use ipnet::IpNet;
    use organizr_auth_core::proxy::{parse_group_header, parse_user_header};
    use organizr_auth_core::{
        API_KEY_USER, ApiKey, Authentication, Authenticator, Claims, Config, DOWNSTREAM_HEADERS,
        Denial, GroupLevel, Peer, Policy, ProxyHeaderError, ProxyListError, RequestHead, Secret,
        Source, TokenError, TokenValidator, TrustedProxies, Verdict, credentials,
        php_config::OrganizrPhpConfig,
    };
    use serde::Deserialize;
    use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
    use serde_json::Value;

    /// The key and uuid of the real Organizr tokens in
    /// `tests/data/organizr-tokens.json`, so that corpora can carry real tokens.
    pub const KEY: &str = "vectors-organizr-hash-7Qm2";
    pub const UUID: &str = "0b7e4c1a-5d2f-4e8b-9a6c-3f1d2e7b8c90";
    /// A 20-character API key, as Organizr generates them.
    pub const API_KEY: &str = "Fz9Qm2Lk8Xw4Rt6Yp1Hs";
    /// Trusted proxies of the `credentials` configurations.
    pub const TRUSTED: &str = "10.0.0.0/8, fd00::/8, @";
    /// The fixed clock of `validate_at` in `token_validate`: an hour after the
    /// real tokens were issued (they expire in 2036).
    pub const FIXED_NOW: u64 = 1_795_473_093;
    /// Our default leeway, in seconds.
    pub const LEEWAY: f64 = 30.0;

    pub fn secret() -> Secret {
        Secret::new(KEY).unwrap()
    }

    fn validator() -> &'static TokenValidator {
        static V: OnceLock<TokenValidator> = OnceLock::new();
        V.get_or_init(|| TokenValidator::new(&secret()))
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn now_secs() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    /// HS256 over `signing_input`, base64url: written here rather than taken from
    /// `mint`, so that it is an independent implementation.
    fn mac_b64(signing_input: &[u8]) -> String {
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(KEY.as_bytes()).unwrap();
        mac.update(signing_input);
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// A well-signed token around any header and payload bytes.
    pub fn sign(header: &[u8], payload: &[u8]) -> String {
        let mut token = URL_SAFE_NO_PAD.encode(header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut token);
        let signature = mac_b64(token.as_bytes());
        token.push('.');
        token.push_str(&signature);
        #[cfg(feature = "mint")]
        assert_eq!(
            token,
            organizr_auth_core::mint::sign_raw(header, payload, &secret())
        );
        token
    }

    /// Non-empty, no control characters: what core promises for every text it
    /// hands out.
    fn assert_clean(what: &str, s: &str) {
        assert!(!s.is_empty(), "{what} is empty");
        assert!(
            !s.chars().any(char::is_control),
            "{what} has control characters: {s:?}"
        );
    }

    fn assert_clean_claims(c: &Claims) {
        assert_clean("username", &c.username);
        assert!(c.group_id.get() <= 999);
        for (what, v) in [("group", &c.group), ("email", &c.email)] {
            if let Some(v) = v {
                assert_clean(what, v);
            }
        }
        assert!(c.expires_at.is_finite());
    }

    // ---------------------------------------------------------------- tokens

    /// `token_validate`: the input is a token (skipped unless UTF-8: a token is
    /// text, and a lossy conversion would test some other token). Besides
    /// `validate` and `validate_at`, the input goes to `Claims::from_json` as a
    /// payload, and is re-signed: without the key the fuzzer never gets past the
    /// MAC, so re-signing `header.payload` is what lets it reach the claim parser
    /// through the whole validator.
    pub fn token_validate(data: &[u8]) {
        if let Ok(claims) = Claims::from_json(data) {
            assert_clean_claims(&claims);
            check_payload_agrees(data, &claims);
        }
        let Ok(token) = std::str::from_utf8(data) else {
            return;
        };
        let v = validator();
        let now = SystemTime::now();
        check_outcome(token, v.validate(token), now);
        check_outcome(token, v.validate_at(token, at(FIXED_NOW)), at(FIXED_NOW));
        if let Some((signing_input, _)) = token.rsplit_once('.') {
            let resigned = format!("{signing_input}.{}", mac_b64(signing_input.as_bytes()));
            check_outcome(
                &resigned,
                v.validate_at(&resigned, at(FIXED_NOW)),
                at(FIXED_NOW),
            );
        }
    }

    fn check_outcome(token: &str, outcome: Result<Claims, TokenError>, now: SystemTime) {
        match outcome {
            Ok(claims) => {
                let now = now.duration_since(UNIX_EPOCH).unwrap().as_secs_f64();
                check_accepted(token, &claims, now);
            }
            Err(e) => {
                // Errors say which rule failed, never the token. (Only for
                // token-shaped inputs: the fuzzer soon learns to send the text
                // of an error message as the "token".)
                if token.len() >= 16 && token.matches('.').count() == 2 {
                    assert!(!e.to_string().contains(token) && !format!("{e:?}").contains(token));
                }
                if let TokenError::TooLarge { len } = e {
                    assert_eq!(len, token.len());
                    assert!(len > organizr_auth_core::token::MAX_TOKEN_LEN);
                }
            }
        }
    }

    /// Re-checks an accepted token against SPEC §6 independently of the
    /// validator: plain `serde_json::Value` (where a duplicate key's *last* value
    /// wins, so any duplicate that slipped through and changed a checked claim
    /// shows up as a mismatch) and plain base64.
    pub fn check_accepted(token: &str, claims: &Claims, now: f64) {
        assert!(token.len() <= organizr_auth_core::token::MAX_TOKEN_LEN);
        assert_clean_claims(claims);
        let segments: Vec<&str> = token.split('.').collect();
        assert_eq!(segments.len(), 3, "accepted a token without 3 segments");
        let mut decoded = Vec::new();
        for s in &segments {
            assert!(!s.is_empty(), "accepted an empty segment");
            let bytes = URL_SAFE_NO_PAD
                .decode(s)
                .expect("accepted a segment that is not base64url");
            // Canonical: exactly one spelling of each byte string is accepted.
            assert_eq!(
                &URL_SAFE_NO_PAD.encode(&bytes),
                s,
                "accepted a non-canonical segment"
            );
            decoded.push(bytes);
        }
        assert_eq!(decoded[2].len(), 32);
        assert_eq!(
            mac_b64(format!("{}.{}", segments[0], segments[1]).as_bytes()),
            segments[2]
        );

        let header = plain_object(&decoded[0], &["alg", "crit", "enc", "zip", "b64"])
            .expect("accepted a header that is not a JSON object");
        assert_eq!(
            header.get("alg"),
            Some(&Value::from("HS256")),
            "accepted a non-HS256 alg"
        );
        for p in ["crit", "enc", "zip", "b64"] {
            assert!(!header.contains_key(p), "accepted a `{p}` header");
        }
        check_payload_agrees(&decoded[1], claims);
        let (exp, leeway) = (claims.expires_at, LEEWAY);
        assert!(now < exp + leeway, "accepted an expired token");
        for t in [claims.not_before, claims.issued_at].into_iter().flatten() {
            assert!(t <= now + leeway, "accepted a token from the future");
        }
    }

    /// The values of `keys` in a JSON object, read the plain way: the *last*
    /// copy of a repeated key wins (core refuses repeats instead, so a repeat
    /// that slipped through shows up as a mismatch). Other keys are skipped as
    /// core and jsonwebtoken skip them, with `IgnoredAny`, which checks the
    /// structure but not number ranges or `\u` surrogate pairs (see
    /// fuzz/README.md); the bytes must be UTF-8 all the same (SPEC §6).
    fn plain_object(json: &[u8], keys: &[&str]) -> Option<serde_json::Map<String, Value>> {
        struct Known<'k>(&'k [&'k str]);
        impl<'de> Visitor<'de> for Known<'_> {
            type Value = serde_json::Map<String, Value>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = serde_json::Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    if self.0.contains(&key.as_str()) {
                        out.insert(key, map.next_value()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(out)
            }
        }
        assert!(std::str::from_utf8(json).is_ok(), "accepted invalid UTF-8");
        let mut de = serde_json::Deserializer::from_slice(json);
        let object = de.deserialize_map(Known(keys)).ok()?;
        de.end().ok()?;
        Some(object)
    }

    /// A claim, treating JSON `null` as absent, as core documents.
    fn claim<'a>(obj: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
        obj.get(key).filter(|v| !v.is_null())
    }

    /// What `Claims::from_json` accepted agrees with a plain reading of the JSON.
    fn check_payload_agrees(payload: &[u8], c: &Claims) {
        assert_eq!(payload.first(), Some(&b'{'));
        assert_eq!(payload.last(), Some(&b'}'));
        let known = [
            "iss", "aud", "exp", "nbf", "iat", "name", "username", "group", "groupID", "email",
            "image", "userID",
        ];
        let obj = &plain_object(payload, &known).expect("accepted a payload that is not an object");
        assert_eq!(
            obj.get("iss"),
            Some(&Value::from("Organizr")),
            "accepted a wrong iss"
        );
        let aud_ok = match obj.get("aud") {
            Some(Value::String(s)) => s == "Organizr",
            Some(Value::Array(a)) => {
                a.iter().all(Value::is_string) && a.contains(&Value::from("Organizr"))
            }
            _ => false,
        };
        assert!(aud_ok, "accepted a wrong aud");
        let name = claim(obj, "name").or_else(|| claim(obj, "username"));
        assert_eq!(
            name.and_then(Value::as_str),
            Some(c.username.as_str()),
            "username differs"
        );
        let group_id = match claim(obj, "groupID") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => {
                assert!(
                    s.bytes().all(|b| b.is_ascii_digit()),
                    "accepted groupID {s:?}"
                );
                s.parse::<u64>().ok()
            }
            _ => None,
        };
        assert_eq!(
            group_id,
            Some(u64::from(c.group_id.get())),
            "groupID differs"
        );
        assert_eq!(
            claim(obj, "exp").and_then(Value::as_f64),
            Some(c.expires_at),
            "exp differs"
        );
        assert_eq!(
            claim(obj, "nbf").and_then(Value::as_f64),
            c.not_before,
            "nbf differs"
        );
        assert_eq!(
            claim(obj, "iat").and_then(Value::as_f64),
            c.issued_at,
            "iat differs"
        );
        // Every claim core knows has the type Organizr writes, even when unused.
        for key in ["name", "username", "group", "email", "image"] {
            let v = claim(obj, key);
            assert!(
                v.is_none_or(Value::is_string),
                "accepted a non-string {key}"
            );
        }
        for key in ["groupID", "userID"] {
            let v = claim(obj, key);
            assert!(
                v.is_none_or(|v| v.is_u64() || v.is_string()),
                "accepted {key} {v:?}"
            );
        }
        let email = claim(obj, "email")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        assert_eq!(email, c.email.as_deref(), "email differs");
    }

    // ----------------------------------------------------------- credentials

    /// The two configurations `credentials` runs against: Organizr's defaults
    /// with bearer tokens and the API key in the query, and a stricter one with
    /// a custom user header, a group-level header, no bearer and a login URL.
    fn authenticators() -> &'static [Authenticator; 2] {
        static A: OnceLock<[Authenticator; 2]> = OnceLock::new();
        A.get_or_init(|| {
            let base = || {
                Config::new(secret())
                    .uuid(UUID)
                    .api_key(ApiKey::new(API_KEY).unwrap())
                    .trusted_proxies(TrustedProxies::parse(TRUSTED).unwrap())
            };
            let strict = base()
                .accept_bearer(false)
                .user_header("X-Forwarded-User")
                .and_then(|c| c.proxy_group_header("X-Forwarded-Level"))
                .and_then(|c| c.login_url("https://organizr.example/login"))
                .unwrap();
            [
                Authenticator::new(base().api_key_in_query(true)),
                Authenticator::new(strict),
            ]
        })
    }

    /// A decoded `credentials` input.
    pub struct Request {
        pub config: usize,
        pub peer: Peer,
        pub method: String,
        pub query: Option<String>,
        pub required: GroupLevel,
        pub downstream: bool,
        pub headers: HeaderMap,
    }

    /// `credentials` input: one request, a line each (a trailing `\r` is dropped):
    ///
    /// ```text
    /// peer 10.0.0.5:443          IP or socket address; `unix`; anything else: unknown
    /// config 1                   0 (default) or 1, see `authenticators`
    /// policy 4 downstream        required level (default 998); `downstream`: write identity headers
    /// method POST                default GET
    /// query apikey=...           the query string
    /// Cookie: a=1; b=2           any other line with a `:` is a header;
    ///                            names and values http refuses are skipped
    /// ```
    ///
    /// Text rather than `arbitrary` so that seeds are real requests with real
    /// tokens; header lines cannot hold a newline, and neither can a header.
    pub fn parse_request(data: &[u8]) -> Request {
        let mut r = Request {
            config: 0,
            peer: Peer::Unknown,
            method: "GET".into(),
            query: None,
            required: GroupLevel::LOGGED_IN,
            downstream: false,
            headers: HeaderMap::new(),
        };
        for line in data.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let text = std::str::from_utf8(line).ok();
            let directive = |name: &str| text.and_then(|t| t.strip_prefix(name)?.strip_prefix(' '));
            if let Some(p) = directive("peer") {
                r.peer = match (p.parse::<SocketAddr>(), p.parse::<IpAddr>()) {
                    (Ok(sa), _) => Peer::from(sa),
                    (_, Ok(ip)) => Peer::from(ip),
                    _ if p == "unix" => Peer::Unix,
                    _ => Peer::Unknown,
                };
            } else if let Some(c) = directive("config") {
                r.config = usize::from(c.trim() == "1");
            } else if let Some(p) = directive("policy") {
                let mut words = p.split(' ');
                let level = words
                    .next()
                    .and_then(|l| l.parse::<u16>().ok())
                    .unwrap_or(998);
                r.required = GroupLevel::new(level % 1000).unwrap();
                r.downstream = words.any(|w| w == "downstream");
            } else if let Some(m) = directive("method") {
                r.method = m.to_owned();
            } else if let Some(q) = directive("query") {
                r.query = Some(q.to_owned());
            } else if let Some(colon) = line.iter().position(|&b| b == b':') {
                let (name, value) = (&line[..colon], &line[colon + 1..]);
                let value = value.strip_prefix(b" ").unwrap_or(value);
                if let (Ok(n), Ok(v)) =
                    (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
                {
                    r.headers.append(n, v);
                }
            }
        }
        r
    }

    /// `Remote_User` and `remote-user` are one header to some stacks.
    fn fold(name: &str) -> String {
        name.to_ascii_lowercase().replace('_', "-")
    }

    /// `credentials`: a request through `Authenticator::resolve` and `process`.
    pub fn credentials(data: &[u8]) {
        let r = parse_request(data);
        let auth = &authenticators()[r.config];
        let trusted = auth.trusted_proxies().trusts(&r.peer);
        let user_header = if r.config == 0 {
            "remote-user"
        } else {
            "x-forwarded-user"
        };
        let mut protected: Vec<String> = DOWNSTREAM_HEADERS
            .iter()
            .map(|n| n.as_str().to_owned())
            .collect();
        protected.push(user_header.to_owned());
        if r.config == 1 {
            protected.push("x-forwarded-level".to_owned());
        }

        // The cookie scan (a SIMD substring search) finds exactly what the
        // obvious reading finds.
        for name in [auth.cookie_name(), "organizr_token_temp"] {
            let fast: Vec<&str> = credentials::cookie_values(&r.headers, name).collect();
            assert_eq!(fast, naive_cookie_values(&r.headers, name), "cookie {name}");
        }

        let resolved = auth.resolve(&r.headers, r.query.as_deref(), &r.peer);
        if let Some(id) = resolved.identity() {
            check_identity(auth, &r, id, trusted, user_header);
        }

        let mut headers = r.headers.clone();
        let policy = Policy::require(r.required).with_downstream_headers(r.downstream);
        let head = RequestHead {
            method: &r.method,
            query: r.query.as_deref(),
            headers: &mut headers,
        };
        let verdict = auth.process(head, &r.peer, policy);

        // `process` decides as `resolve` does: stripping an untrusted peer's
        // identity headers never changes the outcome, since they were ignored.
        let allowed = match (&verdict, resolved.authorize(r.required)) {
            (Verdict::Allow(a), Ok(())) => {
                assert_eq!(a, &resolved, "process and resolve disagree");
                Some(a)
            }
            (Verdict::Reject(rej), Err(denial)) => {
                assert_eq!(rej.denial(), &denial, "process and resolve disagree");
                match denial {
                    Denial::Forbidden { .. } => assert_eq!(rej.status(), 403),
                    Denial::Unauthenticated { .. } => {
                        assert!(rej.status() == 401 || rej.is_redirect())
                    }
                    _ => {}
                }
                None
            }
            (v, d) => panic!("process gave {v:?}, resolve then authorize gave {d:?}"),
        };

        // Which identity headers may be on the request afterwards: exactly the
        // verified identity's, when it is allowed and downstream headers are on.
        let written: Vec<(HeaderName, HeaderValue)> = match allowed {
            Some(Authentication::Authenticated(id)) if r.downstream => id.headers().collect(),
            _ => Vec::new(),
        };
        for name in headers.keys() {
            let folded = fold(name.as_str());
            let is_downstream = DOWNSTREAM_HEADERS.iter().any(|d| d.as_str() == folded);
            if r.downstream && allowed.is_some() && is_downstream {
                let got: Vec<&HeaderValue> = headers.get_all(name).iter().collect();
                let want: Vec<&HeaderValue> = written
                    .iter()
                    .filter(|(n, _)| n == name)
                    .map(|(_, v)| v)
                    .collect();
                assert_eq!(got, want, "{name} is not the verified identity's");
            } else if !trusted && protected.contains(&folded) {
                panic!("identity header {name} from an untrusted peer survived process");
            }
        }

        // Headers never decide trust, and so never where an untrusted client is.
        let client = auth.trusted_proxies().client_ip(&r.peer, &r.headers);
        if !trusted {
            assert_eq!(client, r.peer.ip());
        }
    }

    /// Every `name=value` pair of every `Cookie` line, split on `;`, trimmed,
    /// compared by the part before the first `=`; the value trimmed, unquoted,
    /// and kept only if UTF-8 (what `cookie_values` documents).
    fn naive_cookie_values<'a>(headers: &'a HeaderMap, name: &str) -> Vec<&'a str> {
        headers
            .get_all("cookie")
            .iter()
            .flat_map(|line| line.as_bytes().split(|&b| b == b';'))
            .filter_map(|pair| {
                let pair = pair.trim_ascii();
                let eq = pair.iter().position(|&b| b == b'=')?;
                if pair[..eq].trim_ascii() != name.as_bytes() {
                    return None;
                }
                let value = pair[eq + 1..].trim_ascii();
                let value = value
                    .strip_prefix(b"\"")
                    .and_then(|v| v.strip_suffix(b"\""))
                    .unwrap_or(value);
                std::str::from_utf8(value).ok()
            })
            .collect()
    }

    fn check_identity(
        auth: &Authenticator,
        r: &Request,
        id: &organizr_auth_core::Identity,
        trusted: bool,
        user_header: &str,
    ) {
        assert_clean("username", &id.username);
        assert!(id.group_id.get() <= 999);
        match id.source {
            Source::Proxy => {
                assert!(trusted, "an untrusted peer's header gave an identity");
                let values: Vec<&[u8]> = r
                    .headers
                    .get_all(user_header)
                    .iter()
                    .map(HeaderValue::as_bytes)
                    .collect();
                assert_eq!(
                    values.len(),
                    1,
                    "identity from a repeated or absent user header"
                );
                assert_eq!(values[0].trim_ascii(), id.username.as_bytes());
                if r.config == 0 {
                    assert_eq!(id.group_id, GroupLevel::LOGGED_IN);
                }
            }
            Source::ApiKey => {
                assert_eq!(
                    (id.username.as_str(), id.group_id),
                    (API_KEY_USER, GroupLevel::ADMIN)
                );
                let in_header = r
                    .headers
                    .get_all("token")
                    .iter()
                    .any(|v| v.as_bytes().trim_ascii() == API_KEY.as_bytes());
                let in_query =
                    r.config == 0 && r.query.as_deref().is_some_and(|q| q.contains("apikey="));
                assert!(in_header || in_query, "API key identity without the key");
            }
            Source::Token => {
                // Some presented copy validates, to this very user.
                let cookies = credentials::cookie_values(&r.headers, auth.cookie_name());
                let bearer =
                    credentials::bearer_tokens(&r.headers).filter(|_| auth.accepts_bearer());
                let found = cookies
                    .chain(bearer)
                    .filter_map(|t| auth.validator().validate(t).ok())
                    .any(|c| c.username == id.username);
                assert!(found, "token identity without a valid token");
            }
            _ => {}
        }
    }

    // ----------------------------------------------------------------- proxies

    /// `proxy_list`: the input as a Navidrome-style list (skipped unless UTF-8).
    pub fn proxy_list(data: &[u8]) {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let list = match TrustedProxies::parse(text) {
            Ok(list) => list,
            Err(ProxyListError::InvalidEntry { entry, position }) => {
                // The error names the entry that is wrong, where it is.
                let raw = text
                    .split(',')
                    .nth(position - 1)
                    .expect("position out of range");
                assert_eq!(raw.trim(), entry);
                assert_ne!(entry, "@");
                return;
            }
            Err(e) => panic!("unexpected error {e:?}"),
        };
        let printed = list.to_string();
        let again = TrustedProxies::parse(&printed).expect("Display output does not parse");
        assert_eq!(again, list, "round trip through {printed:?}");
        assert_eq!(again.to_string(), printed);

        let has_at = !text.trim().is_empty() && text.split(',').any(|e| e.trim() == "@");
        assert_eq!(list.trusts_unix_sockets(), has_at);
        assert_eq!(list.trusts(&Peer::Unix), has_at);
        assert!(!list.trusts(&Peer::Unknown));
        assert_eq!(list.is_empty(), text.trim().is_empty());
        assert_eq!(
            list.trusts_any_network(),
            list.networks().iter().any(|n| n.prefix_len() == 0)
        );
        for net in list.networks() {
            assert_eq!(&net.trunc(), net, "host bits left in {net}");
            if let IpNet::V6(v6) = net {
                let mapped = v6.prefix_len() >= 96 && v6.network().to_ipv4_mapped().is_some();
                assert!(!mapped, "{net} should have been stored as IPv4");
            }
        }

        // The fast range lookup agrees with the obvious scan, on the edges of
        // every network, their IPv4-mapped forms, and addresses from the input.
        let mut probes: Vec<IpAddr> = vec![
            Ipv4Addr::UNSPECIFIED.into(),
            Ipv4Addr::BROADCAST.into(),
            Ipv4Addr::LOCALHOST.into(),
            Ipv6Addr::UNSPECIFIED.into(),
            Ipv6Addr::LOCALHOST.into(),
            Ipv6Addr::from(u128::MAX).into(),
        ];
        let mut bytes = [0u8; 16];
        for (b, d) in bytes.iter_mut().zip(data.iter().rev()) {
            *b = *d;
        }
        probes.push(Ipv6Addr::from(bytes).into());
        probes.push(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]).into());
        for net in list.networks() {
            let step = |ip: IpAddr, d: i8| -> IpAddr {
                match ip {
                    IpAddr::V4(a) => {
                        Ipv4Addr::from(u32::from(a).wrapping_add_signed(d.into())).into()
                    }
                    IpAddr::V6(a) => {
                        Ipv6Addr::from(u128::from(a).wrapping_add_signed(d.into())).into()
                    }
                }
            };
            probes.extend([
                step(net.network(), -1),
                net.network(),
                net.broadcast(),
                step(net.broadcast(), 1),
            ]);
        }
        let mapped: Vec<IpAddr> = probes
            .iter()
            .filter_map(|ip| match ip {
                IpAddr::V4(v4) => Some(v4.to_ipv6_mapped().into()),
                IpAddr::V6(_) => None,
            })
            .collect();
        for ip in probes.into_iter().chain(mapped) {
            let naive = list
                .networks()
                .iter()
                .any(|n| n.contains(&ip.to_canonical()));
            assert_eq!(list.trusts_ip(ip), naive, "{ip} in {list}");
            assert_eq!(list.trusts(&Peer::from(ip)), naive, "{ip} in {list}");
        }
    }

    /// `proxy_header` input: lines `u<value>` (a user header value) and
    /// `g<value>` (a group header value); other lines are ignored. The whole
    /// input is also tried as one value of each, for values with a newline.
    pub fn proxy_header(data: &[u8]) {
        let (mut users, mut groups) = (Vec::new(), Vec::new());
        for line in data.split(|&b| b == b'\n') {
            match line.split_first() {
                Some((b'u', v)) => users.push(v),
                Some((b'g', v)) => groups.push(v),
                _ => {}
            }
        }
        check_user_header(&users);
        check_group_header(&groups);
        check_user_header(&[data]);
        check_group_header(&[data]);
    }

    fn check_user_header(values: &[&[u8]]) {
        let blank = |v: &[u8]| v.iter().all(|&b| b == b' ' || b == b'\t');
        match parse_user_header(values.iter().copied()) {
            Ok(Some(name)) => {
                assert_eq!(values.len(), 1);
                assert_clean("user header", name);
                assert!(!name.contains(','));
                // An unexpanded proxy placeholder (`{...}`, caddy#6610) is no name.
                assert!(
                    !(name.starts_with('{') && name.ends_with('}')),
                    "placeholder {name}"
                );
                assert_eq!(name, name.trim_matches([' ', '\t']), "not trimmed");
                // Taken as it is, never converted: the value is the name, padded.
                let v = values[0];
                let start = v.iter().position(|&b| b != b' ' && b != b'\t').unwrap();
                assert_eq!(&v[start..start + name.len()], name.as_bytes());
                assert!(blank(&v[start + name.len()..]));
            }
            Ok(None) => assert!(values.is_empty() || (values.len() == 1 && blank(values[0]))),
            Err(ProxyHeaderError::Repeated) => assert!(values.len() > 1),
            Err(_) => assert_eq!(values.len(), 1),
        }
    }

    fn check_group_header(values: &[&[u8]]) {
        match parse_group_header(values.iter().copied()) {
            Ok(Some(level)) => {
                assert_eq!(values.len(), 1);
                let digits = values[0].trim_ascii();
                assert!(!digits.is_empty() && digits.iter().all(u8::is_ascii_digit));
                let n: u64 = std::str::from_utf8(digits).unwrap().parse().unwrap();
                assert_eq!(n, u64::from(level.get()));
                assert!(level.get() <= 999);
            }
            Ok(None) => assert!(values.is_empty()),
            Err(ProxyHeaderError::Repeated) => assert!(values.len() > 1),
            Err(_) => assert_eq!(values.len(), 1),
        }
    }

    // -------------------------------------------------------------- config.php

    /// `php_config`: the input as the text of Organizr's `config.php` (skipped
    /// unless UTF-8, as `from_file` refuses it). Never panics, never overflows the
    /// stack; errors point inside the text; `Debug` never shows the secrets.
    pub fn php_config(data: &[u8]) {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        match OrganizrPhpConfig::parse(text) {
            Ok(cfg) => {
                assert!(!cfg.organizr_hash().is_empty());
                assert!(cfg.api_key().is_none_or(|k| !k.is_empty()));
                let shown = format!("{cfg:?}");
                let without_uuid = shown.replacen(&format!("{:?}", cfg.uuid()), "", 1);
                for secret in [Some(cfg.organizr_hash()), cfg.api_key()]
                    .into_iter()
                    .flatten()
                {
                    // Short secrets can occur in the fixed text by chance.
                    if secret.len() >= 12 {
                        assert!(!without_uuid.contains(secret), "Debug shows a secret");
                    }
                }
            }
            Err(e) => {
                let shown = e.to_string();
                if let organizr_auth_core::php_config::PhpConfigError::Syntax {
                    line, column, ..
                } = e
                {
                    let lines: Vec<&str> = text.split('\n').collect();
                    assert!(
                        (1..=lines.len()).contains(&line),
                        "line {line} of {}: {shown}",
                        lines.len()
                    );
                    let chars = lines[line - 1].chars().count();
                    assert!(
                        (1..=chars + 1).contains(&column),
                        "column {column} of {chars}: {shown}"
                    );
                }
            }
        }
    }

    // ------------------------------------------------------------ differential

    /// `differential` input, two forms:
    ///
    /// - starting with `{`: a header JSON line, then the payload JSON (no
    ///   newline: the payload, under Organizr's header). `NOW`, `NOW+n` and
    ///   `NOW-n` become the current Unix time (plus or minus `n` seconds), so
    ///   seeds stay valid and the fuzzer can aim at the leeway edges;
    /// - anything else: Organizr's own claim set, edited by each three bytes
    ///   `[key, kind, parameter]` of the input (see `edit`).
    ///
    /// The token is signed with the key. When ours accepts it at `now`,
    /// jsonwebtoken, configured like ours, must accept it too and read the same
    /// user, level, e-mail and user id, unless `known_difference` names why not.
    /// (Ours refusing what jsonwebtoken accepts is fine: ours is stricter.)
    pub fn differential(data: &[u8]) {
        // Whole seconds: jsonwebtoken reads the system clock in whole seconds.
        let now = now_secs();
        let (header, payload) = if data.first() == Some(&b'{') {
            match data.iter().position(|&b| b == b'\n') {
                Some(nl) => (with_now(&data[..nl], now), with_now(&data[nl + 1..], now)),
                None => (ORGANIZR_HEADER.as_bytes().to_vec(), with_now(data, now)),
            }
        } else {
            organizr_shaped(data.get(1..).unwrap_or_default(), now)
        };
        let token = sign(&header, &payload);
        let Ok(claims) = validator().validate_at(&token, at(now)) else {
            return;
        };
        check_accepted(&token, &claims, now as f64);

        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        v.set_issuer(&["Organizr"]);
        v.set_audience(&["Organizr"]);
        v.leeway = LEEWAY as u64;
        v.validate_nbf = true;
        // Ours requires iss and aud as well; requiring them here too only
        // makes jsonwebtoken stricter, never produces a false finding.
        v.set_required_spec_claims(&["exp", "iss", "aud"]);
        let key = jsonwebtoken::DecodingKey::from_secret(KEY.as_bytes());
        let theirs = match jsonwebtoken::decode::<Mirror>(&token, &key, &v) {
            Ok(data) => data.claims,
            Err(e) => match known_difference(&e, &token, &payload, now) {
                Some(_documented) => return,
                None => panic!(
                    "ours accepted, jsonwebtoken refused ({e:?})\nheader  {}\npayload {}",
                    String::from_utf8_lossy(&header),
                    String::from_utf8_lossy(&payload)
                ),
            },
        };
        let name = theirs.name.or(theirs.username);
        assert_eq!(
            name.as_deref(),
            Some(claims.username.as_str()),
            "username differs"
        );
        assert_eq!(
            theirs.group_id.number(),
            Some(u64::from(claims.group_id.get())),
            "groupID differs"
        );
        assert_eq!(
            theirs.email.filter(|e| !e.is_empty()),
            claims.email,
            "email differs"
        );
        assert_eq!(
            theirs.user_id.and_then(|u| u.number()),
            claims.user_id,
            "userID differs"
        );
    }

    pub const ORGANIZR_HEADER: &str = r#"{"typ":"JWT","alg":"HS256"}"#;

    /// Organizr's claims as jsonwebtoken users would write them down.
    #[derive(Deserialize)]
    struct Mirror {
        name: Option<String>,
        username: Option<String>,
        #[serde(rename = "groupID")]
        group_id: Id,
        email: Option<String>,
        #[serde(rename = "userID")]
        user_id: Option<Id>,
    }

    /// Organizr writes ids as numbers, older versions as numeric strings.
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Number(u64),
        Text(String),
    }

    impl Id {
        fn number(&self) -> Option<u64> {
            match self {
                Id::Number(n) => Some(*n),
                Id::Text(t) => t.parse().ok(),
            }
        }
    }

    /// Why jsonwebtoken may refuse a token ours accepted, when that is a known,
    /// deliberate difference (see fuzz/README.md); `None` is a finding.
    fn known_difference(
        e: &jsonwebtoken::errors::Error,
        token: &str,
        payload: &[u8],
        now: u64,
    ) -> Option<&'static str> {
        use jsonwebtoken::errors::ErrorKind;
        let claims: Value = serde_json::from_slice(payload).ok()?;
        let near = |claim: &str, edge: f64| {
            claims[claim]
                .as_f64()
                .is_some_and(|t| (t - edge).abs() <= 2.0)
        };
        // jsonwebtoken reads `exp` and `nbf` as u64 (rounding floats).
        let as_u64 = |claim: &str| {
            let v = &claims[claim];
            v.is_u64()
                || v.as_f64()
                    .is_some_and(|f| f.is_finite() && f >= 0.0 && f < u64::MAX as f64)
        };
        match e.kind() {
            ErrorKind::ExpiredSignature if near("exp", now as f64 - LEEWAY) => {
                Some("the clock ticked between the two checks")
            }
            ErrorKind::ImmatureSignature if near("nbf", now as f64 + LEEWAY) => {
                Some("the clock ticked between the two checks")
            }
            // A time it cannot read is "missing" when required (`exp`).
            ErrorKind::InvalidClaimFormat(c) | ErrorKind::MissingRequiredClaim(c)
                if (c == "exp" || c == "nbf") && !as_u64(c) =>
            {
                Some(
                    "exp/nbf outside u64 (negative, or 2^64 and more): a format error to jsonwebtoken, a time to ours",
                )
            }
            ErrorKind::Json(_) if jsonwebtoken::decode_header(token).is_err() => Some(
                "jsonwebtoken types every registered header parameter (typ, kid, jwk, x5c, ...); ours reads alg, crit, enc, zip, b64 only",
            ),
            ErrorKind::Json(_) if object_keys(payload)?.iter().any(|k| k == "sub") => {
                Some("jsonwebtoken types `sub` and refuses it twice; ours ignores `sub`")
            }
            _ => None,
        }
    }

    /// Every key of a JSON object, duplicates kept (a `Value` keeps the last).
    fn object_keys(json: &[u8]) -> Option<Vec<String>> {
        struct Keys;
        impl<'de> Visitor<'de> for Keys {
            type Value = Vec<String>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
                let mut keys = Vec::new();
                while let Some((k, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
                    keys.push(k);
                }
                Ok(keys)
            }
        }
        serde_json::Deserializer::from_slice(json)
            .deserialize_map(Keys)
            .ok()
    }

    /// Replaces `NOW`, `NOW+n` and `NOW-n` with the time `now ± n`.
    pub fn with_now(json: &[u8], now: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(json.len() + 16);
        let mut rest = json;
        while let Some(i) = rest.windows(3).position(|w| w == b"NOW") {
            out.extend_from_slice(&rest[..i]);
            rest = &rest[i + 3..];
            let sign = match rest.first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => 0,
            };
            let digits = rest
                .iter()
                .skip(1)
                .take_while(|b| b.is_ascii_digit())
                .count();
            let mut t = i128::from(now);
            if sign != 0 && digits > 0 {
                let n: i128 = std::str::from_utf8(&rest[1..=digits.min(30)])
                    .unwrap()
                    .parse()
                    .unwrap();
                t += sign * n;
                rest = &rest[1 + digits..];
            }
            out.extend_from_slice(t.to_string().as_bytes());
        }
        out.extend_from_slice(rest);
        out
    }

    /// Claims as Organizr's `createToken()` writes them, issued a minute ago.
    fn organizr_claims(now: u64) -> Vec<(&'static str, String)> {
        let t = |offset: i64| format!("{}.123456", now as i64 + offset);
        vec![
            ("iss", r#""Organizr""#.into()),
            ("aud", r#""Organizr""#.into()),
            ("jti", r#""4f1g23a12aa""#.into()),
            ("iat", t(-60)),
            ("nbf", t(-60)),
            ("exp", t(86_400)),
            ("name", r#""root""#.into()),
            ("group", r#""Admin""#.into()),
            ("groupID", "0".into()),
            ("email", r#""root@example.org""#.into()),
            ("image", r#""""#.into()),
            ("userID", "1".into()),
        ]
    }

    const CLAIM_KEYS: [&str; 16] = [
        "iss", "aud", "jti", "iat", "nbf", "exp", "name", "username", "group", "groupID", "email",
        "image", "userID", "sub", "kid", "x",
    ];
    const HEADER_KEYS: [&str; 12] = [
        "typ", "alg", "kid", "jku", "x5u", "jwk", "cty", "crit", "jti", "x5c", "b64", "zip",
    ];

    /// The "mutated Organizr-shaped claim set" form of `differential`.
    fn organizr_shaped(ops: &[u8], now: u64) -> (Vec<u8>, Vec<u8>) {
        let mut header = vec![
            ("typ", r#""JWT""#.to_owned()),
            ("alg", r#""HS256""#.to_owned()),
        ];
        let mut claims = organizr_claims(now);
        for op in ops.chunks_exact(3) {
            let (target, keys): (_, &[&'static str]) = if op[0] & 0x80 == 0 {
                (&mut claims, &CLAIM_KEYS[..])
            } else {
                (&mut header, &HEADER_KEYS[..])
            };
            edit(
                target,
                keys[usize::from(op[0] & 0x7f) % keys.len()],
                op[1],
                op[2],
                now,
            );
        }
        let object = |fields: &[(&str, String)]| {
            let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            format!("{{{}}}", body.join(",")).into_bytes()
        };
        (object(&header), object(&claims))
    }

    /// One edit of a JSON object's fields: remove `key`, or set it to a value
    /// of `kind` made from `p` (times relative to `now`, near the leeway
    /// edges; numbers just out of range; strings with control characters;
    /// arrays; duplicates...).
    fn edit(
        fields: &mut Vec<(&'static str, String)>,
        key: &'static str,
        kind: u8,
        p: u8,
        now: u64,
    ) {
        let secs = now as i64 + i64::from(p as i8);
        let value = match kind % 16 {
            0 => {
                fields.retain(|(k, _)| *k != key);
                return;
            }
            1 => secs.to_string(),
            2 => format!("{secs}.{:06}", u32::from(p) * 3921),
            3 => r#""Organizr""#.into(),
            4 => [
                r#"["Organizr"]"#,
                r#"["x","Organizr"]"#,
                "[]",
                r#"["Organizr",1]"#,
            ][usize::from(p % 4)]
            .into(),
            5 => p.to_string(),
            6 => [
                format!("\"{p}\""),
                format!("\"00{p}\""),
                format!("\"+{p}\""),
                format!("\" {p}\""),
            ][usize::from(p % 4)]
            .clone(),
            7 => "null".into(),
            8 => "true".into(),
            9 => r#""""#.into(),
            10 => [
                "1e20",
                "18446744073709551616",
                "-1",
                "-0",
                "1e-7",
                "0.0",
                "4.0",
                "999",
                "1000",
                "-1.5e9",
                "9007199254740993",
                "1E3",
            ][usize::from(p % 12)]
            .into(),
            11 => format!(
                "\"a\\u{:04x}b\"",
                u16::from(p) * if p.is_multiple_of(2) { 1 } else { 67 }
            ),
            12 => {
                // A duplicate key, appended: must never override the first.
                fields.push((
                    key,
                    [r#""root""#, "0", r#""Organizr""#, "9999999999"][usize::from(p % 4)].into(),
                ));
                return;
            }
            13 => ["{}", r#"{"a":[1,{"b":null}]}"#, "[[[[]]]]", "[1,2]"][usize::from(p % 4)].into(),
            14 => [
                r#""HS256""#,
                r#""none""#,
                r#""HS384""#,
                r#""RS256""#,
                r#""hs256""#,
                r#""HS256 ""#,
                r#""HS\u0032\u00356""#,
                r#""EdDSA""#,
            ][usize::from(p % 8)]
            .into(),
            _ => (now as i64 + i64::from(p as i8) * 3600).to_string(),
        };
        match fields.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => fields.push((key, value)),
        }
    }
}

#[cfg(test)]
mod replay {
    use std::path::Path;

    use super::checks;

    /// Runs `check` on every file in `tests/data/fuzz/<target>/`, and lists
    /// every failing file, not just the first.
    fn replay(target: &str, check: fn(&[u8])) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/fuzz")
            .join(target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no replay inputs in {}", dir.display());
        let failed: Vec<String> = files
            .iter()
            .filter(|path| {
                let data = std::fs::read(path).unwrap();
                std::panic::catch_unwind(|| check(&data)).is_err()
            })
            .map(|path| path.display().to_string())
            .collect();
        assert!(
            failed.is_empty(),
            "{} of {} inputs failed:\n{}",
            failed.len(),
            files.len(),
            failed.join("\n")
        );
    }

    #[test]
    fn token_validate() {
        replay("token_validate", checks::token_validate);
    }

    #[test]
    fn credentials() {
        replay("credentials", checks::credentials);
    }

    #[test]
    fn proxy_list() {
        replay("proxy_list", checks::proxy_list);
    }

    #[test]
    fn proxy_header() {
        replay("proxy_header", checks::proxy_header);
    }

    #[test]
    fn php_config() {
        replay("php_config", checks::php_config);
    }

    #[test]
    fn differential() {
        replay("differential", checks::differential);
    }
}

/// Bugs the fuzzers found, pinned with minimal inputs (the raw inputs are also
/// under `tests/data/fuzz/<target>/crash-*`).
#[cfg(test)]
mod regressions {
    use organizr_auth_core::{Claims, TokenError, TokenValidator};

    use super::checks::{ORGANIZR_HEADER, secret, sign};

    /// `token_validate`, seed `payload-invalid-utf8-raw`: serde_json checks
    /// UTF-8 only in strings it deserialises, not in values it skips, so a
    /// well-signed token with invalid UTF-8 in an ignored claim (`jti`, any
    /// unknown claim) or header parameter (`typ`, `kid`) was accepted. SPEC §6:
    /// refuse invalid UTF-8. Fixed in `Claims::from_json` and `check_header`.
    #[test]
    fn invalid_utf8_in_an_ignored_claim_or_header_parameter_is_refused() {
        let claims =
            br#"{"iss":"Organizr","aud":"Organizr","exp":4102444800,"name":"a","groupID":4"#;
        let bad_jti = [&claims[..], b",\"jti\":\"\xff\xfe\"}"].concat();
        let validator = TokenValidator::new(&secret());
        assert_eq!(
            validator.validate(&sign(ORGANIZR_HEADER.as_bytes(), &bad_jti)),
            Err(TokenError::Malformed("payload is not valid claims JSON"))
        );
        assert!(matches!(
            Claims::from_json(&bad_jti),
            Err(TokenError::Malformed(_))
        ));

        let bad_kid = b"{\"alg\":\"HS256\",\"kid\":\"\xff\"}";
        let good = [&claims[..], b"}"].concat();
        assert_eq!(
            validator.validate(&sign(bad_kid, &good)),
            Err(TokenError::Malformed("header is not valid JSON"))
        );
        // The same token with clean bytes is fine: only the encoding is refused.
        assert!(
            validator
                .validate(&sign(br#"{"alg":"HS256","kid":"x"}"#, &good))
                .is_ok()
        );
    }

    /// `differential`, `crash-df89563e…`: with `name` present, `username` was
    /// never looked at, so a token with `"username":103` was accepted although
    /// every other known claim of the wrong type is refused (jsonwebtoken with
    /// an Organizr-shaped struct refuses it too). Fixed in `RawClaims::check`.
    #[test]
    fn username_is_type_checked_even_when_name_wins() {
        let claims = br#"{"iss":"Organizr","aud":"Organizr","exp":4102444800,"name":"root","username":103,"groupID":0}"#;
        let token = sign(ORGANIZR_HEADER.as_bytes(), claims);
        let validator = TokenValidator::new(&secret());
        assert_eq!(
            validator.validate(&token),
            Err(TokenError::BadClaimType("username"))
        );
        // Both present as strings stays accepted; `name` wins.
        let both = br#"{"iss":"Organizr","aud":"Organizr","exp":4102444800,"name":"root","username":"old","groupID":0}"#;
        let claims = validator
            .validate(&sign(ORGANIZR_HEADER.as_bytes(), both))
            .unwrap();
        assert_eq!(claims.username, "root");
    }
}

/// Found while reading the first cut of the `config.php` reader for the
/// `php_config` target, and already fixed before fuzzing started: `array`
/// swallowed a lexer error on the token after it (`self.advance().is_ok_and(…)`)
/// and went on as if it had seen `(`, so `array -'organizrHash' => 'k')` was
/// accepted. PHP refuses it. Pinned here.
#[cfg(test)]
mod php_regressions {
    use organizr_auth_core::php_config::{OrganizrPhpConfig, PhpConfigError};

    #[test]
    fn a_lexer_error_after_array_is_not_an_opening_parenthesis() {
        for src in [
            "<?php return array -'organizrHash' => 'k');",
            "<?php return array - ('organizrHash' => 'k');",
            "<?php return array 1x('organizrHash' => 'k');",
            "<?php return array 'organizrHash' => 'k');",
        ] {
            let got = OrganizrPhpConfig::parse(src);
            assert!(
                matches!(got, Err(PhpConfigError::Syntax { .. })),
                "{src}: {got:?}"
            );
        }
        assert!(OrganizrPhpConfig::parse("<?php return array ('organizrHash' => 'k');").is_ok());
    }
}
