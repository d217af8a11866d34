//! Writes the seed corpora, `corpus/<target>/seed-*`, from real shapes: the real
//! Organizr tokens in core's `tests/data/organizr-tokens.json`, an old
//! `username`-claim token, each hostile case of SPEC §6, real Cookie headers,
//! real proxy lists and realistic `config.php` files.
//!
//! ```text
//! cd fuzz && cargo run --example make_corpus
//! ```
//!
//! Re-running it rewrites the seeds and leaves fuzzer-found inputs alone.

use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use organizr_auth_core::GroupLevel;
use organizr_auth_core::mint::TokenBuilder;
use organizr_auth_fuzz_checks::{API_KEY, FIXED_NOW, UUID};
use organizr_auth_fuzz_checks::differential::ORGANIZR_HEADER;
use organizr_auth_fuzz_checks::{secret, sign};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let vectors: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../organizr-auth-core/tests/data/organizr-tokens.json"),
        )
        .expect("read the token vectors"),
    )
    .expect("parse the token vectors");
    let real: Vec<(String, String)> = vectors["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .map(|t| {
            (
                t["case"].as_str().unwrap().to_owned(),
                t["token"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let real_token = |case: &str| {
        real.iter()
            .find(|(c, _)| c == case)
            .map(|(_, t)| t.clone())
            .unwrap()
    };
    let admin = real_token("admin_float_times");
    let user = real_token("user_float_times");
    let expired = real_token("expired");
    // Before September 2021 Organizr called the username `username`, and wrote
    // integer times. Valid at FIXED_NOW and for ten years.
    let legacy = TokenBuilder::new("olduser", GroupLevel::USER)
        .legacy_username_claim()
        .integer_times()
        .issued_at(UNIX_EPOCH + Duration::from_secs(FIXED_NOW - 7200))
        .lifetime(Duration::from_secs(10 * 365 * 86_400))
        .sign(&secret());

    write(&root, "token_validate", token_seeds(&real, &legacy));
    write(
        &root,
        "credentials",
        credential_seeds(&admin, &user, &expired, &legacy),
    );
    write(&root, "proxy_list", proxy_list_seeds());
    write(&root, "proxy_header", proxy_header_seeds());
    write(&root, "php_config", php_config_seeds());
    write(&root, "differential", differential_seeds());
}

fn write(root: &Path, target: &str, seeds: Vec<(String, Vec<u8>)>) {
    let dir: PathBuf = root.join(target);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, data) in seeds {
        std::fs::write(dir.join(format!("seed-{name}")), data).unwrap();
    }
}

fn b64(s: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(s)
}

/// Organizr's claims, valid at FIXED_NOW, as current Organizr writes them.
fn claims_at_fixed() -> String {
    let iat = FIXED_NOW - 3600;
    format!(
        r#""iss":"Organizr","aud":"Organizr","jti":"4f1g23a12aa","iat":{iat}.991632,"nbf":{iat}.991632,"exp":2110829493.991632,"name":"root","group":"Admin","groupID":0,"email":"root@example.org","image":"","userID":1"#
    )
}

fn token_seeds(real: &[(String, String)], legacy: &str) -> Vec<(String, Vec<u8>)> {
    let mut s: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add = |name: &str, data: Vec<u8>| s.push((name.to_owned(), data));
    for (case, token) in real {
        add(&format!("real-{case}"), token.clone().into_bytes());
    }
    add("legacy-username-integer-times", legacy.as_bytes().to_vec());

    let c = claims_at_fixed();
    let good_payload = format!("{{{c}}}");
    let signed = |h: &str, p: &str| sign(h.as_bytes(), p.as_bytes()).into_bytes();
    let h = ORGANIZR_HEADER;
    let good = String::from_utf8(signed(h, &good_payload)).unwrap();
    let (hp, sig) = good.rsplit_once('.').unwrap();

    // The algorithm is pinned, case-sensitively.
    for alg in ["none", "HS384", "RS256", "ES256", "hs256", "HS256 "] {
        add(
            &format!("alg-{}", alg.trim().to_lowercase()),
            signed(&format!(r#"{{"typ":"JWT","alg":"{alg}"}}"#), &good_payload),
        );
    }
    add(
        "alg-none-unsigned",
        format!(
            "{}.{}.",
            b64(br#"{"alg":"none"}"#),
            b64(good_payload.as_bytes())
        )
        .into_bytes(),
    );
    add("alg-missing", signed(r#"{"typ":"JWT"}"#, &good_payload));
    // Signatures: stripped, truncated, padded, re-alphabeted, wrong.
    add("sig-stripped", format!("{hp}.").into_bytes());
    add(
        "sig-truncated",
        format!("{hp}.{}", &sig[..sig.len() - 1]).into_bytes(),
    );
    add("sig-padded", format!("{hp}.{sig}=").into_bytes());
    add(
        "sig-std-alphabet",
        format!("{hp}.{}", sig.replace('-', "+").replace('_', "/")).into_bytes(),
    );
    add(
        "sig-other-key",
        format!("{hp}.{}", b64(&[7; 32])).into_bytes(),
    );
    add("payload-padded", {
        let p = URL_SAFE_NO_PAD.encode(format!("{{{c},\"x\":1}}"));
        let padded = format!("{}.{p}=", b64(h.as_bytes()));
        signed_input(&padded)
    });
    // Whitespace anywhere, segment counts, empty segments.
    add("ws-leading", format!(" {good}").into_bytes());
    add("ws-trailing-newline", format!("{good}\n").into_bytes());
    add("ws-inside", format!("{hp} .{sig}").into_bytes());
    add("segments-2", hp.as_bytes().to_vec());
    add("segments-4", format!("{good}.{sig}").into_bytes());
    add("segments-empty", b"..".to_vec());
    add(
        "segments-empty-payload",
        format!("{}..{sig}", b64(h.as_bytes())).into_bytes(),
    );
    // Header and payload that are not JSON objects, or carry more than one.
    add("header-array", signed(r#"["HS256"]"#, &good_payload));
    add("header-string", signed(r#""HS256""#, &good_payload));
    add("payload-array", signed(h, &format!("[{good_payload}]")));
    add("payload-number", signed(h, "2110829493"));
    add("payload-invalid-utf8-raw", {
        let mut p = format!("{{{c},\"x\":\"").into_bytes();
        p.extend([0xff, 0xfe, b'"', b'}']);
        sign(h.as_bytes(), &p).into_bytes()
    });
    add("payload-bom", signed(h, &format!("\u{feff}{good_payload}")));
    add("header-bom", signed(&format!("\u{feff}{h}"), &good_payload));
    add(
        "payload-trailing-space",
        signed(h, &format!("{good_payload} ")),
    );
    add(
        "payload-trailing-object",
        signed(h, &format!("{good_payload}{{}}")),
    );
    add(
        "header-trailing-newline",
        signed(&format!("{h}\n"), &good_payload),
    );
    for p in ["crit", "enc", "zip", "b64"] {
        add(
            &format!("header-{p}"),
            signed(
                &format!(r#"{{"typ":"JWT","alg":"HS256","{p}":null}}"#),
                &good_payload,
            ),
        );
    }
    add(
        "header-kid-jku-x5u-jwk-ignored",
        signed(
            r#"{"typ":"JWT","alg":"HS256","kid":1,"jku":"https://evil/","x5u":"x","jwk":{"kty":"oct","k":"AA"}}"#,
            &good_payload,
        ),
    );
    add(
        "header-lcobucci3-jti",
        signed(
            r#"{"typ":"JWT","alg":"HS256","jti":"4f1g23a12aa"}"#,
            &good_payload,
        ),
    );
    add(
        "header-alg-twice",
        signed(r#"{"alg":"none","alg":"HS256"}"#, &good_payload),
    );
    // Claims.
    let iat = FIXED_NOW - 3600;
    let with = |extra: &str| {
        format!(r#"{{"aud":"Organizr","exp":2110829493,"name":"root","groupID":0,{extra}}}"#)
    };
    add("iss-array", signed(h, &with(r#""iss":["Organizr"]"#)));
    add("iss-lowercase", signed(h, &with(r#""iss":"organizr""#)));
    add(
        "aud-array",
        signed(
            h,
            r#"{"iss":"Organizr","aud":["other","Organizr"],"exp":2110829493,"name":"a","groupID":4}"#,
        ),
    );
    add(
        "exp-missing",
        signed(
            h,
            r#"{"iss":"Organizr","aud":"Organizr","name":"root","groupID":0}"#,
        ),
    );
    add(
        "exp-string",
        signed(
            h,
            r#"{"iss":"Organizr","aud":"Organizr","exp":"2110829493","name":"root","groupID":0}"#,
        ),
    );
    add(
        "exp-null",
        signed(
            h,
            r#"{"iss":"Organizr","aud":"Organizr","exp":null,"name":"root","groupID":0}"#,
        ),
    );
    add(
        "exp-huge",
        signed(
            h,
            r#"{"iss":"Organizr","aud":"Organizr","exp":1e300,"name":"root","groupID":0}"#,
        ),
    );
    add(
        "nbf-future",
        signed(
            h,
            &with(&format!(r#""iss":"Organizr","nbf":{}"#, FIXED_NOW + 3600)),
        ),
    );
    add(
        "iat-future",
        signed(
            h,
            &with(&format!(r#""iss":"Organizr","iat":{}.5"#, FIXED_NOW + 31)),
        ),
    );
    add(
        "iat-within-leeway",
        signed(
            h,
            &with(&format!(r#""iss":"Organizr","iat":{}"#, FIXED_NOW + 29)),
        ),
    );
    add(
        "groupid-string",
        signed(
            h,
            &format!(
                r#"{{"iss":"Organizr","aud":"Organizr","exp":2110829493,"username":"a","groupID":"4","userID":"42","iat":{iat}}}"#
            ),
        ),
    );
    add(
        "groupid-1000",
        signed(
            h,
            r#"{"iss":"Organizr","aud":"Organizr","exp":2110829493,"name":"a","groupID":1000}"#,
        ),
    );
    add(
        "groupid-negative",
        signed(
            h,
            r#"{"iss":"Organizr","aud":"Organizr","exp":2110829493,"name":"a","groupID":-1}"#,
        ),
    );
    add(
        "name-control-char",
        signed(
            h,
            r#"{"iss":"Organizr","aud":"Organizr","exp":2110829493,"name":"ro\u0000ot","groupID":0}"#,
        ),
    );
    add(
        "name-null-username",
        signed(
            h,
            r#"{"iss":"Organizr","aud":"Organizr","exp":2110829493,"name":null,"username":"b","groupID":4}"#,
        ),
    );
    // Duplicate keys must never let a later value override a checked one.
    add(
        "dup-groupid",
        signed(
            h,
            &format!(r#"{{{c},"groupID":0}}"#).replace(r#""groupID":0,"#, r#""groupID":4,"#),
        ),
    );
    add("dup-name", signed(h, &format!(r#"{{{c},"name":"admin"}}"#)));
    add("dup-iss", signed(h, &format!(r#"{{"iss":"Evil",{c}}}"#)));
    // Larger than the cap, well signed.
    add(
        "oversized",
        signed(h, &format!(r#"{{{c},"pad":"{}"}}"#, "x".repeat(4200))),
    );
    add("at-cap", {
        let mut pad = 3000;
        loop {
            let t = sign(
                h.as_bytes(),
                format!(r#"{{{c},"pad":"{}"}}"#, "x".repeat(pad)).as_bytes(),
            );
            if t.len() >= organizr_auth_core::token::MAX_TOKEN_LEN - 2 {
                break t.into_bytes();
            }
            pad += 1;
        }
    });
    // Plain payloads, for `Claims::from_json`.
    add("json-organizr-claims", good_payload.clone().into_bytes());
    add(
        "json-nested",
        br#"{"iss":"Organizr","x":[[[[[[[[[[[[{}]]]]]]]]]]]]}"#.to_vec(),
    );
    add("not-a-token", b"not a token".to_vec());
    s
}

/// `hp` is `header.payload`; sign it as it is (even if not canonical base64).
fn signed_input(hp: &str) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    let mut mac =
        <Hmac<sha2::Sha256> as Mac>::new_from_slice(organizr_auth_fuzz_checks::KEY.as_bytes()).unwrap();
    mac.update(hp.as_bytes());
    format!("{hp}.{}", b64(&mac.finalize().into_bytes())).into_bytes()
}

fn credential_seeds(
    admin: &str,
    user: &str,
    expired: &str,
    legacy: &str,
) -> Vec<(String, Vec<u8>)> {
    let cookie = format!("organizr_token_{UUID}");
    let forged = {
        // Right shape, wrong key.
        let (hp, _) = admin.rsplit_once('.').unwrap();
        format!("{hp}.{}", b64(&[0; 32]))
    };
    let mut s: Vec<(&str, String)> = vec![
        ("browser-cookie", format!("peer 203.0.113.9:51234\npolicy 4 downstream\nCookie: theme=dark; {cookie}={admin}; PHPSESSID=abc123\n")),
        ("two-copies-one-stale", format!("peer 203.0.113.9:51234\nCookie: {cookie}={expired}; {cookie}={user}\n")),
        ("two-valid-copies-conflict", format!("peer 203.0.113.9:51234\nCookie: {cookie}={admin}\nCookie: {cookie}={user}\n")),
        ("quoted-cookie", format!("peer 198.51.100.7:40000\npolicy 0\nCookie: {cookie}=\"{admin}\"\n")),
        ("cookie-temp-name", format!("peer 198.51.100.7:40000\nCookie: organizr_token_temp={admin}\n")),
        ("legacy-token-bearer", format!("peer 198.51.100.7:40000\nAuthorization: Bearer {legacy}\n")),
        ("forged-token", format!("peer 198.51.100.7:40000\nCookie: {cookie}={forged}\n")),
        ("too-many-copies", format!("peer 198.51.100.7:40000\nCookie: {}\n", vec![format!("{cookie}={user}"); 9].join("; "))),
        ("proxy-user-trusted", "peer 10.0.0.5:443\npolicy 998 downstream\nRemote-User: alice\n".into()),
        ("proxy-user-mapped-v6", "peer [::ffff:10.0.0.5]:443\nRemote-User: alice\n".into()),
        ("proxy-user-v6", "peer [fd00::2]:443\nRemote-User:  alice \n".into()),
        ("proxy-user-unix", "peer unix\nRemote-User: alice\n".into()),
        ("proxy-user-repeated", "peer 10.0.0.5:443\nRemote-User: admin\nRemote-User: alice\n".into()),
        ("proxy-user-and-token-conflict", format!("peer 10.0.0.5:443\nRemote-User: alice\nCookie: {cookie}={admin}\n")),
        (
            "spoofed-identity-untrusted",
            "peer 203.0.113.9:51234\npolicy 999 downstream\nRemote-User: admin\nRemote_User: admin\nX-Organizr-User: admin\nX-Organizr-Group: 0\nX_Organizr_Group: 0\nRemote-Groups: Admin\nRemote-Email: a@b\nX-Organizr-Email: a@b\n".into(),
        ),
        ("spoofed-identity-unknown-peer", format!("policy 999 downstream\nRemote-User: admin\nCookie: {cookie}={user}\n")),
        ("spoofed-xff-untrusted", "peer 203.0.113.9:51234\nX-Forwarded-For: 10.0.0.5\nX-Real-IP: 10.0.0.5\nRemote-User: admin\n".into()),
        ("xff-chain-trusted", "peer 10.0.0.5:443\nX-Forwarded-For: 6.6.6.6, 203.0.113.7, 10.0.0.2\nRemote-User: alice\n".into()),
        ("forwarded-trusted", "peer 10.0.0.5:443\nForwarded: for=\"[2001:db8::17]:4711\";proto=https, for=unknown\n".into()),
        ("api-key-header", format!("peer 192.0.2.1:1\npolicy 0\nToken: {API_KEY}\n")),
        ("api-key-query", format!("peer 192.0.2.1:1\npolicy 0\nquery foo=1&apikey={API_KEY}\n")),
        ("api-key-wrong", format!("peer 192.0.2.1:1\npolicy 0\nToken: {API_KEY}\nquery apikey=wrong\n")),
        ("api-key-and-token", format!("peer 192.0.2.1:1\nToken: {API_KEY}\nCookie: {cookie}={admin}\n")),
        ("strict-proxy-level", "config 1\npeer 10.1.2.3:8080\npolicy 4 downstream\nX-Forwarded-User: bob\nX-Forwarded-Level: 4\n".into()),
        ("strict-proxy-no-level", "config 1\npeer 10.1.2.3:8080\nX-Forwarded-User: bob\n".into()),
        ("strict-spoofed-untrusted", "config 1\npeer 192.0.2.1:1\npolicy 999 downstream\nX-Forwarded-User: admin\nX_Forwarded_Level: 0\nRemote-User: admin\n".into()),
        ("strict-login-redirect", "config 1\npeer 192.0.2.1:1\nmethod POST\npolicy 0\nAccept: text/html,application/xhtml+xml;q=0.9\n".into()),
        ("strict-bearer-off", format!("config 1\npeer 192.0.2.1:1\nAuthorization: Bearer {admin}\n")),
        ("forbidden-user", format!("peer 192.0.2.1:1\npolicy 0\nCookie: {cookie}={user}\n")),
    ];
    // Near-misses for the cookie scan: spaces around `=`, longer names, a
    // name without `=`, the name inside another pair, a quoted name, a lone quote.
    s.push((
        "cookie-near-misses",
        format!(
            "peer 203.0.113.9:1\nCookie: {cookie} = \"{user}\" ; {cookie}x=1;{cookie};x {cookie}=2; \"{cookie}\"=3; a={cookie}=4; {cookie}=\"\n"
        ),
    ));
    s.push((
        "crlf-lines",
        format!("peer 203.0.113.9:51234\r\nCookie: {cookie}={admin}\r\n"),
    ));
    s.into_iter()
        .map(|(n, d)| (n.to_owned(), d.into_bytes()))
        .collect()
}

fn proxy_list_seeds() -> Vec<(String, Vec<u8>)> {
    [
        (
            "private-and-unix",
            "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, @",
        ),
        ("loopback", "::1, 127.0.0.1"),
        ("ula", "fd00::/8"),
        ("docker-proxy", "172.18.0.2, 127.0.0.1, @"),
        ("host-bits", "10.0.0.1/8"),
        ("mapped-range", "::ffff:10.0.0.1/104"),
        ("mapped-short", "::ffff:0:0/95"),
        ("everyone", "0.0.0.0/0, ::/0"),
        ("empty", ""),
        ("blank", "  \t "),
        ("hostname", "proxy.lan"),
        ("empty-entry", "10.0.0.1,,10.0.0.2"),
        ("zone-id", "10.0.0.1, fe80::1%eth0"),
        ("prefix-leading-zero", "10.0.0.0/08"),
        ("socket-address", "1.2.3.4:80"),
        ("bracketed", "[::1]"),
        (
            "edges",
            "255.255.255.255, 0.0.0.0, ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
        ),
    ]
    .into_iter()
    .map(|(n, d)| (n.to_owned(), d.as_bytes().to_vec()))
    .collect()
}

fn proxy_header_seeds() -> Vec<(String, Vec<u8>)> {
    let seeds: [(&str, &[u8]); 12] = [
        ("user-and-level", b"ualice\ng4"),
        ("padded", b"u  alice \t\ng 0 "),
        ("repeated-user", b"ualice\nuadmin"),
        ("comma", b"uadmin, alice"),
        ("not-utf8", b"u\xff\xfe"),
        ("unicode", "uj\u{e9}r\u{f4}me\ng999".as_bytes()),
        ("level-1000", b"ubob\ng1000"),
        ("empty", b"u\ng"),
        ("control", b"ua\x01b\nua\x7fb"),
        ("c1-control", "ua\u{85}b".as_bytes()),
        ("level-signs", b"g-1\ng+1"),
        ("level-hex", b"g0x1"),
    ];
    seeds
        .into_iter()
        .map(|(n, d)| (n.to_owned(), d.to_vec()))
        .collect()
}

fn php_config_seeds() -> Vec<(String, Vec<u8>)> {
    // Organizr writes the file with var_export-style pretty printing.
    let organizr = "<?php\nreturn array(\n\t'branch' => 'v2-master',\n\t'configVersion' => '2.1.2390',\n\t'dbLocation' => '/config/www/db/',\n\t'dbName' => 'orgdb.db',\n\t'organizrHash' => 'Qx8vT2mR5kLp9wZc3nYb7hFd1sGj4aEu',\n\t'organizrAPI' => 'Fz9Qm2Lk8Xw4Rt6Yp1Hs',\n\t'registrationPassword' => '',\n\t'uuid' => '0b7e4c1a-5d2f-4e8b-9a6c-3f1d2e7b8c90',\n\t'installType' => 'docker',\n\t'authType' => 'internal',\n\t'authBackend' => '',\n\t'rememberMeDays' => 7,\n\t'sslOnly' => false,\n\t'ssoPlex' => false,\n\t'plexAdmin' => '',\n\t'homepageOrder' => array(\n\t\t'homepageOrdercustomhtml' => '1',\n\t\t'homepageOrderPlexNowPlaying' => '2',\n\t),\n\t'timezone' => 'Europe/Berlin',\n\t'lockoutTimeout' => 60.5,\n);\n";
    let var_export = "<?php\nreturn array (\n  'organizrHash' => 'abc\\'def\\\\',\n  'uuid' => '',\n  'organizrAPI' => NULL,\n  'logins' => \n  array (\n    0 => 'a',\n    1 => -5,\n  ),\n);\n";
    let seeds: Vec<(&str, String)> = vec![
        ("organizr", organizr.into()),
        ("organizr-crlf", organizr.replace('\n', "\r\n")),
        ("organizr-bom-close-tag", format!("\u{feff}{}?>\n", organizr.trim_end())),
        ("var-export", var_export.into()),
        ("short-array-comments", "<?php\n// Organizr config\n# generated\n/* block */ return [\n  'organizrHash' => \"k\\x41\\u{1F600}\\101\\$\\\"\", // key\n  'uuid' => 'u-1', 'organizrAPI' => '',\n];".into()),
        ("duplicate-key-last-wins", "<?php return ['organizrHash' => 'old', 'organizrHash' => 'new'];".into()),
        ("missing-hash", "<?php return array('uuid' => 'x');".into()),
        ("empty-hash", "<?php return array('organizrHash' => '');".into()),
        ("hash-int", "<?php return array('organizrHash' => 12345);".into()),
        ("nested-33", format!("<?php return {}{};", "[".repeat(33), "]".repeat(33))),
        ("nested-deep", format!("<?php return array('organizrHash'=>'k','x'=>{}1{});", "array(".repeat(200), ")".repeat(200))),
        ("unterminated-string", "<?php return ['organizrHash' => 'abc".into()),
        ("unterminated-comment", "<?php /* return [];".into()),
        ("heredoc", "<?php return ['organizrHash' => <<<EOT\nx\nEOT\n];".into()),
        ("variable", "<?php $x = 1; return ['organizrHash' => $x];".into()),
        ("interpolation", "<?php return ['organizrHash' => \"a{$x}\"];".into()),
        ("concat", "<?php\nreturn [\n  'organizrHash' => 's3cret' . 'x',\n];".into()),
        ("trailing-after-close", "<?php return ['organizrHash' => 'k']; ?>\nhtml".into()),
        ("numbers", "<?php return ['organizrHash'=>'k', 1=>-1, 2=>1.5e3, 3=>0x1F, 4=>1_000];".into()),
        ("bad-unicode-escape", "<?php return ['organizrHash' => \"\\u{110000}\"];".into()),
    ];
    seeds
        .into_iter()
        .map(|(n, d)| (n.to_owned(), d.into_bytes()))
        .collect()
}

fn differential_seeds() -> Vec<(String, Vec<u8>)> {
    let h = ORGANIZR_HEADER;
    let float = r#"{"iss":"Organizr","aud":"Organizr","jti":"4f1g23a12aa","iat":NOW-60.991632,"nbf":NOW-60.991632,"exp":NOW+86400.991632,"name":"root","group":"Admin","groupID":0,"email":"root@example.org","image":"https://www.gravatar.com/avatar/0?s=100&d=mm","userID":1}"#;
    let seeds: Vec<(&str, String)> = vec![
        ("organizr-float-times", format!("{h}\n{float}")),
        (
            "organizr-integer-times",
            format!(
                "{h}\n{}",
                r#"{"iss":"Organizr","aud":"Organizr","jti":"4f1g23a12aa","iat":NOW-3600,"nbf":NOW-3600,"exp":NOW+604800,"name":"kid","group":"Kids","groupID":12,"email":"kid@example.org","image":"","userID":9}"#
            ),
        ),
        (
            "legacy-username-no-nbf",
            format!(
                "{h}\n{}",
                r#"{"iss":"Organizr","aud":"Organizr","jti":"4f1g23a12aa","iat":NOW-10,"exp":NOW+86400,"username":"olduser","group":"User","groupID":4,"email":"","image":"","userID":"42"}"#
            ),
        ),
        (
            "lcobucci3-header-jti",
            format!(
                "{}\n{float}",
                r#"{"typ":"JWT","alg":"HS256","jti":"4f1g23a12aa"}"#
            ),
        ),
        ("payload-only", float.to_owned()),
        (
            "aud-array-groupid-string",
            format!(
                "{h}\n{}",
                r#"{"iss":"Organizr","aud":["x","Organizr"],"exp":NOW+60,"name":"a","groupID":"004","email":"a@b"}"#
            ),
        ),
        (
            "exp-at-leeway-edge",
            format!(
                "{h}\n{}",
                r#"{"iss":"Organizr","aud":"Organizr","exp":NOW-29,"nbf":NOW+29,"iat":NOW+30,"name":"a","groupID":4}"#
            ),
        ),
        (
            "exp-float-edge",
            format!(
                "{h}\n{}",
                r#"{"iss":"Organizr","aud":"Organizr","exp":NOW-29.5,"name":"a","groupID":4}"#
            ),
        ),
        (
            "exp-huge",
            format!(
                "{h}\n{}",
                r#"{"iss":"Organizr","aud":"Organizr","exp":1e20,"name":"a","groupID":4}"#
            ),
        ),
        (
            "nbf-negative",
            format!(
                "{h}\n{}",
                r#"{"iss":"Organizr","aud":"Organizr","exp":NOW+60,"nbf":-1,"name":"a","groupID":4}"#
            ),
        ),
        (
            "header-kid-number",
            format!("{}\n{float}", r#"{"typ":"JWT","alg":"HS256","kid":7}"#),
        ),
        (
            "sub-claim",
            format!(
                "{h}\n{}",
                r#"{"iss":"Organizr","aud":"Organizr","exp":NOW+60,"sub":["x"],"name":"a","groupID":4}"#
            ),
        ),
        (
            "name-escapes",
            format!(
                "{h}\n{}",
                r#"{"iss":"Organi\u007ar","aud":"Organizr","exp":NOW+60,"name":"j\u00e9r\u00f4me","groupID":4}"#
            ),
        ),
        ("shaped-plain", b"\x00".iter().map(|&b| b as char).collect()),
    ];
    let mut out: Vec<(String, Vec<u8>)> = seeds
        .into_iter()
        .map(|(n, d)| (n.to_owned(), d.into_bytes()))
        .collect();
    // The claim-set form: [key, kind, parameter] edits of Organizr's claims.
    out.push((
        "shaped-edits".into(),
        vec![
            0x01, 0x09, 0x01, 0x05, 0x02, 0xe2, 0x09, 0x06, 0x04, 0x81, 0x0e, 0x01,
        ],
    ));
    out.push((
        "shaped-duplicates".into(),
        vec![0x01, 0x09, 0x0c, 0x01, 0x06, 0x0c, 0x01, 0x0d, 0x07, 0x05],
    ));
    out
}
