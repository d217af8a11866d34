//! Configuration from environment variables and serde: every error names the
//! setting and quotes the bad value, and never a secret.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::path::PathBuf;

use organizr_auth_core::config::Settings;
use organizr_auth_core::{
    Authenticator, Config, ConfigError, GroupLevel, InvalidValue, proxy::Peer,
};

const HASH: &str = "env-test-organizr-hash-long-enough-0123";
/// The uuid that names the cookie; required whenever tokens are accepted.
const UUID: (&str, &str) = ("ORGANIZR_UUID", "u-1");

fn from(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_vars(|name| map.get(name).cloned())
}

/// The error and its causes on one line, as the programs print them.
fn full_message(e: ConfigError) -> String {
    format!("{:#}", anyhow::Error::from(e))
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("oa-config-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn minimal_env_gives_defaults() {
    let config = from(&[("ORGANIZR_HASH", HASH), UUID]).unwrap();
    let auth = Authenticator::new(config);
    assert_eq!(auth.cookie_name(), "organizr_token_u-1");
    assert!(auth.accepts_bearer());
    assert!(auth.trusted_proxies().is_empty());
    assert_eq!(auth.validator().unwrap().leeway().as_secs(), 30);
}

/// Issue 16: without the uuid every real login would be refused in silence.
#[test]
fn a_missing_uuid_is_a_start_up_error_unless_temp_on_purpose() {
    for vars in [
        &[("ORGANIZR_HASH", HASH)][..],
        &[("ORGANIZR_HASH", HASH), ("ORGANIZR_UUID", "  ")][..],
    ] {
        let err = from(vars).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::MissingUuid {
                    uuid: "ORGANIZR_UUID"
                }
            ),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(
            message.contains("organizr_token_<uuid>") && message.contains("temp"),
            "{message}"
        );
        assert!(!message.contains(HASH), "{message}");
    }
    // Organizr's own name for an instance without a uuid, chosen on purpose.
    let auth =
        Authenticator::new(from(&[("ORGANIZR_HASH", HASH), ("ORGANIZR_UUID", "temp")]).unwrap());
    assert_eq!(auth.cookie_name(), "organizr_token_temp");
    // A uuid no cookie name can carry.
    let err = from(&[("ORGANIZR_HASH", HASH), ("ORGANIZR_UUID", "u 1;x")]).unwrap_err();
    assert!(
        matches!(
            err,
            ConfigError::Invalid {
                setting: "ORGANIZR_UUID",
                reason: InvalidValue::Uuid,
                ..
            }
        ),
        "{err:?}"
    );
    // serde names the field.
    let settings: Settings =
        serde_json::from_str(&format!(r#"{{"organizr_hash":"{HASH}"}}"#)).unwrap();
    assert!(matches!(
        Config::from_settings(settings).unwrap_err(),
        ConfigError::MissingUuid { uuid: "uuid" }
    ));
    // Proxy-only mode accepts no tokens and needs no uuid.
    let proxy_only = from(&[("ORGANIZR_TRUSTED_PROXIES", "10.0.0.1")]).unwrap();
    assert!(!Authenticator::new(proxy_only).accepts_tokens());
    // A config.php without a uuid says what to do.
    let dir = temp_dir("no-uuid");
    let php = dir.join("config.php");
    std::fs::write(
        &php,
        "<?php return array('organizrHash' => 'php-hash-secretmarker');",
    )
    .unwrap();
    let err = from(&[("ORGANIZR_CONFIG_PHP", php.to_str().unwrap())]).unwrap_err();
    assert!(
        matches!(err, ConfigError::PhpConfigWithoutUuid { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("ORGANIZR_HASH_FILE") && message.contains("ORGANIZR_UUID"),
        "{message}"
    );
    assert!(!message.contains("secretmarker"), "{message}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_setting_is_read() {
    let config = from(&[
        ("ORGANIZR_HASH", HASH),
        ("ORGANIZR_UUID", "abc"),
        ("ORGANIZR_API_KEY", "K3yK3yK3yK3yK3yK3yK3"),
        ("ORGANIZR_API_KEY_QUERY", "yes"),
        ("ORGANIZR_TRUSTED_PROXIES", " 10.0.0.1 , @ "),
        ("ORGANIZR_USER_HEADER", "X-Forwarded-User"),
        ("ORGANIZR_PROXY_GROUP_HEADER", "X-Group-Level"),
        ("ORGANIZR_LEEWAY_SECS", "5"),
        ("ORGANIZR_ACCEPT_BEARER", "off"),
        ("ORGANIZR_LOGIN_URL", "https://organizr.example/"),
    ])
    .unwrap();
    let auth = Authenticator::new(config);
    assert_eq!(auth.cookie_name(), "organizr_token_abc");
    assert!(!auth.accepts_bearer());
    assert_eq!(auth.validator().unwrap().leeway().as_secs(), 5);
    assert!(auth.trusted_proxies().trusts(&Peer::Unix));

    // The renamed headers and the API key in the query are in effect.
    let mut headers = http::HeaderMap::new();
    headers.insert("x-forwarded-user", "alice".parse().unwrap());
    headers.insert("x-group-level", "2".parse().unwrap());
    let from_proxy = auth.resolve(
        &headers,
        None,
        &"10.0.0.1:1".parse::<std::net::SocketAddr>().unwrap().into(),
    );
    assert_eq!(from_proxy.level(), GroupLevel::SUPER_USER);
    let by_query = auth.resolve(
        &http::HeaderMap::new(),
        Some("apikey=K3yK3yK3yK3yK3yK3yK3"),
        &Peer::Unknown,
    );
    assert_eq!(by_query.level(), GroupLevel::ADMIN);
}

#[test]
fn bad_values_name_the_variable_and_quote_the_value() {
    let cases: &[(&str, &str)] = &[
        ("ORGANIZR_TRUSTED_PROXIES", "proxy.lan"),
        ("ORGANIZR_TRUSTED_PROXIES", "10.0.0.0/33"),
        ("ORGANIZR_TRUSTED_PROXIES", "10.0.0.1,,10.0.0.2"),
        ("ORGANIZR_USER_HEADER", "Remote User"),
        ("ORGANIZR_PROXY_GROUP_HEADER", "x:y"),
        ("ORGANIZR_LEEWAY_SECS", "-1"),
        ("ORGANIZR_LEEWAY_SECS", "301"),
        ("ORGANIZR_ACCEPT_BEARER", "maybe"),
        ("ORGANIZR_API_KEY_QUERY", "2"),
        ("ORGANIZR_LOGIN_URL", "//evil.example"),
        ("ORGANIZR_LOGIN_URL", "javascript:alert(1)"),
    ];
    for (var, value) in cases {
        let err = from(&[("ORGANIZR_HASH", HASH), UUID, (var, value)]).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { .. }), "{err:?}");
        let message = full_message(err);
        assert!(message.contains(var), "{var}: {message}");
        assert!(
            message.contains(&format!("{value:?}")),
            "{var}={value}: {message}"
        );
        assert!(!message.contains(HASH), "{message}");
    }
    let err = from(&[
        ("ORGANIZR_HASH", HASH),
        UUID,
        ("ORGANIZR_TRUSTED_PROXIES", "proxy.lan"),
    ])
    .unwrap_err();
    assert!(matches!(
        err,
        ConfigError::Invalid {
            reason: InvalidValue::ProxyList(_),
            ..
        }
    ));
}

#[test]
fn secrets_are_required_and_never_quoted() {
    let err = from(&[]).unwrap_err();
    assert!(matches!(err, ConfigError::NothingToAuthenticate { .. }));
    assert!(err.to_string().contains("ORGANIZR_HASH"), "{err}");

    let message = full_message(from(&[("ORGANIZR_HASH", "")]).unwrap_err());
    assert!(message.contains("ORGANIZR_HASH"), "{message}");

    let err = from(&[("ORGANIZR_HASH", HASH), ("ORGANIZR_HASH_FILE", "/x")]).unwrap_err();
    assert!(matches!(
        err,
        ConfigError::Conflict {
            first: "ORGANIZR_HASH",
            second: "ORGANIZR_HASH_FILE"
        }
    ));
    assert!(!full_message(err).contains(HASH));

    let err = from(&[("ORGANIZR_HASH_FILE", "/nonexistent/organizr-hash")]).unwrap_err();
    let message = full_message(err);
    assert!(
        message.contains("ORGANIZR_HASH_FILE") && message.contains("/nonexistent/organizr-hash"),
        "{message}"
    );

    // A debug print of a config shows no key.
    let config = from(&[
        ("ORGANIZR_HASH", HASH),
        UUID,
        ("ORGANIZR_API_KEY", "apikeymarker"),
    ])
    .unwrap();
    let shown = format!("{config:?} {:?}", Authenticator::new(config.clone()));
    assert!(
        !shown.contains(HASH) && !shown.contains("apikeymarker"),
        "{shown}"
    );
}

#[test]
fn hash_file_and_config_php() {
    let dir = temp_dir("files");
    let hash_file = dir.join("hash");
    std::fs::write(&hash_file, format!("{HASH}\n")).unwrap();
    assert!(from(&[("ORGANIZR_HASH_FILE", hash_file.to_str().unwrap()), UUID]).is_ok());

    let php = dir.join("config.php");
    std::fs::write(
        &php,
        "<?php\nreturn array(\n\t'organizrHash' => 'php-hash-secretmarker',\n\t'uuid' => 'u-1',\n\t'organizrAPI' => 'ApiApiApiApiApiApiAp',\n\t'rememberMeDays' => 7,\n);\n",
    )
    .unwrap();
    let auth = Authenticator::new(from(&[("ORGANIZR_CONFIG_PHP", php.to_str().unwrap())]).unwrap());
    assert_eq!(auth.cookie_name(), "organizr_token_u-1");
    let mut h = http::HeaderMap::new();
    h.insert("token", "ApiApiApiApiApiApiAp".parse().unwrap());
    assert_eq!(
        auth.resolve(&h, None, &Peer::Unknown).level(),
        GroupLevel::ADMIN
    );

    // config.php is the one source: combining it with the uuid or key is refused.
    for (var, value) in [
        ("ORGANIZR_UUID", "x"),
        ("ORGANIZR_HASH", HASH),
        ("ORGANIZR_API_KEY", "k"),
    ] {
        let err =
            from(&[("ORGANIZR_CONFIG_PHP", php.to_str().unwrap()), (var, value)]).unwrap_err();
        assert!(
            matches!(err, ConfigError::Conflict { .. }),
            "{var}: {err:?}"
        );
    }

    // Broken and missing files name the variable and the file, not the key.
    std::fs::write(
        &php,
        "<?php return array('organizrHash' => 'php-hash-secretmarker', 'uuid' => FOO);",
    )
    .unwrap();
    let message =
        full_message(from(&[("ORGANIZR_CONFIG_PHP", php.to_str().unwrap())]).unwrap_err());
    assert!(
        message.contains("ORGANIZR_CONFIG_PHP") && message.contains("config.php"),
        "{message}"
    );
    assert!(!message.contains("secretmarker"), "{message}");
    let missing = dir.join("nope.php");
    let message =
        full_message(from(&[("ORGANIZR_CONFIG_PHP", missing.to_str().unwrap())]).unwrap_err());
    assert!(message.contains("nope.php"), "{message}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn empty_optional_variables_count_as_unset() {
    let config = from(&[
        ("ORGANIZR_HASH", HASH),
        UUID,
        ("ORGANIZR_TRUSTED_PROXIES", ""),
        ("ORGANIZR_ACCEPT_BEARER", ""),
        ("ORGANIZR_API_KEY", ""),
        ("ORGANIZR_LOGIN_URL", ""),
    ])
    .unwrap();
    let auth = Authenticator::new(config);
    assert!(auth.trusted_proxies().is_empty());
    assert!(auth.accepts_bearer());
}

#[test]
fn serde_config_checks_like_env() {
    let settings = |json: String| -> Settings { serde_json::from_str(&json).unwrap() };
    let config = Config::from_settings(settings(format!(
        r#"{{"organizr_hash":"{HASH}","uuid":"u","trusted_proxies":"127.0.0.1","accept_bearer":false,"leeway_secs":1}}"#
    )))
    .unwrap();
    assert_eq!(Authenticator::new(config).cookie_name(), "organizr_token_u");
    let err = Config::from_settings(settings(format!(
        r#"{{"organizr_hash":"{HASH}","uuid":"u","trusted_proxies":"proxy.lan"}}"#
    )))
    .unwrap_err();
    let message = full_message(err);
    assert!(
        message.contains("trusted_proxies") && message.contains("\"proxy.lan\""),
        "{message}"
    );
    assert!(!message.contains(HASH));
    assert!(
        serde_json::from_str::<Settings>(&format!(r#"{{"organizr_hash":"{HASH}","typo":1}}"#))
            .is_err()
    );
    // A settings Debug never shows the secrets.
    let shown = format!(
        "{:?}",
        settings(format!(
            r#"{{"organizr_hash":"{HASH}","api_key":"apikeymarker"}}"#
        ))
    );
    assert!(
        !shown.contains(HASH) && !shown.contains("apikeymarker"),
        "{shown}"
    );
}

/// Regression, issue 15 finding 6: `/\evil.example` passed the check against
/// `//host`, and browsers read `\` as `/` (and drop tabs and newlines), so
/// these login URLs sent anonymous users to another host.
#[test]
fn login_urls_a_browser_reads_as_another_host_are_refused() {
    for url in [
        "/\\evil.example",
        "/\\evil.example/login",
        "\\\\evil.example",
        "\\/evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r/evil.example",
        "https:/\\evil.example",
        "https://organizr.example\\@evil.example/",
        "https://user@evil.example/",
    ] {
        let err = from(&[("ORGANIZR_HASH", HASH), ("ORGANIZR_LOGIN_URL", url)]).unwrap_err();
        let matched = matches!(
            &err,
            ConfigError::Invalid {
                setting: "ORGANIZR_LOGIN_URL",
                ..
            }
        );
        let message = full_message(err);
        assert!(matched, "{url:?}: {message}");
        assert!(message.contains(&format!("{url:?}")), "{url:?}: {message}");
    }
    for url in ["/login", "/organizr/?next=%2F", "https://organizr.example/"] {
        assert!(
            from(&[("ORGANIZR_HASH", HASH), UUID, ("ORGANIZR_LOGIN_URL", url)]).is_ok(),
            "{url:?}"
        );
    }
}

/// Regression, issue 15 finding 6: a header name with `_` passed the config
/// check but never reaches the application (proxies drop such headers, and
/// the library strips `_` spellings of identity headers).
#[test]
fn header_names_with_underscores_are_refused_by_name() {
    for (var, value) in [
        ("ORGANIZR_USER_HEADER", "Remote_User"),
        ("ORGANIZR_PROXY_GROUP_HEADER", "Remote_Group"),
        (
            "ORGANIZR_INSECURE_RAW_HEADERS",
            "X-Forwarded-Email, X_Authentik_Meta",
        ),
    ] {
        let err = from(&[("ORGANIZR_HASH", HASH), (var, value)]).unwrap_err();
        let matched = matches!(&err, ConfigError::Invalid { setting, .. } if setting == &var);
        let message = full_message(err);
        assert!(matched, "{var}: {message}");
        assert!(message.contains("`_`"), "{var}: {message}");
    }
    assert!(
        from(&[
            ("ORGANIZR_HASH", HASH),
            UUID,
            ("ORGANIZR_USER_HEADER", "Remote-User")
        ])
        .is_ok()
    );
}

/// Regression, issue 15 finding 5: a blank key (`"   "`, a newline, a key file
/// holding only newlines) started the server with a key anyone can guess.
/// The error names the setting (and the file), never the value.
#[test]
fn blank_keys_are_refused_naming_the_setting() {
    for blank in ["   ", "\n", " \t\r\n", "\u{0020}\u{0020}"] {
        let err = from(&[("ORGANIZR_HASH", blank)]).unwrap_err();
        let matched = matches!(
            &err,
            ConfigError::Secret {
                setting: "ORGANIZR_HASH",
                ..
            }
        );
        let message = full_message(err);
        assert!(matched, "{blank:?}: {message}");
        assert!(message.contains("ORGANIZR_HASH"), "{message}");
    }
    let dir = temp_dir("blank");
    for (name, content) in [
        ("newline", "\n"),
        ("newlines", "\n\n\n"),
        ("spaces", "  \r\n"),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        let err = from(&[("ORGANIZR_HASH_FILE", path.to_str().unwrap())]).unwrap_err();
        let matched = matches!(
            &err,
            ConfigError::Secret {
                setting: "ORGANIZR_HASH_FILE",
                ..
            }
        );
        let message = full_message(err);
        assert!(matched, "{name}: {message}");
        assert!(
            message.contains(path.to_str().unwrap()),
            "{name}: {message}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
    let err = from(&[("ORGANIZR_HASH", HASH), ("ORGANIZR_API_KEY", "   ")]).unwrap_err();
    assert!(
        matches!(
            err,
            ConfigError::Secret {
                setting: "ORGANIZR_API_KEY",
                ..
            }
        ),
        "{err:?}"
    );
    // A short but real key still starts (with a warning: tests/startup_warnings.rs).
    assert!(from(&[("ORGANIZR_HASH", "abc"), UUID]).is_ok());
}

#[test]
fn proxy_only_mode_needs_no_key_but_something_to_authenticate() {
    // Only a trusted proxy: tokens are not accepted, the proxy is believed.
    let auth = Authenticator::new(from(&[("ORGANIZR_TRUSTED_PROXIES", "10.0.0.2")]).unwrap());
    assert!(!auth.accepts_tokens());
    let mut h = http::HeaderMap::new();
    h.insert("remote-user", "alice".parse().unwrap());
    let proxy: Peer = "10.0.0.2:4000"
        .parse::<std::net::SocketAddr>()
        .unwrap()
        .into();
    assert_eq!(
        auth.resolve(&h, None, &proxy).level(),
        GroupLevel::LOGGED_IN
    );
    // Only an API key: fine too.
    assert!(from(&[("ORGANIZR_API_KEY", "K3yK3yK3yK3yK3yK3yK3")]).is_ok());
    // Nothing at all: a start-up error that names every way in.
    let err = from(&[("ORGANIZR_UUID", "u")]).unwrap_err();
    assert!(matches!(err, ConfigError::NothingToAuthenticate { .. }));
    let message = full_message(err);
    for var in [
        "ORGANIZR_HASH",
        "ORGANIZR_CONFIG_PHP",
        "ORGANIZR_TRUSTED_PROXIES",
        "ORGANIZR_API_KEY",
    ] {
        assert!(message.contains(var), "{message}");
    }
    // An empty list is no list.
    assert!(matches!(
        from(&[("ORGANIZR_TRUSTED_PROXIES", " ")]).unwrap_err(),
        ConfigError::NothingToAuthenticate { .. }
    ));
}

#[test]
fn group_names_settings_are_checked_naming_the_entry() {
    let proxy = ("ORGANIZR_TRUSTED_PROXIES", "10.0.0.2");
    let groups = ("ORGANIZR_PROXY_GROUPS_HEADER", "Remote-Groups");
    let ok = from(&[
        proxy,
        groups,
        ("ORGANIZR_PROXY_GROUP_MAP", "admins=0, power=3, family=4"),
        ("ORGANIZR_PROXY_DEFAULT_LEVEL", "none"),
        ("ORGANIZR_PROXY_EMAIL_HEADER", "Remote-Email"),
        ("ORGANIZR_PROXY_NAME_HEADER", "Remote-Name"),
    ]);
    assert!(ok.is_ok(), "{ok:?}");
    for (map, entry) in [
        ("admins=0,family", "\"family\""),
        ("admins=1000", "\"admins=1000\""),
        ("admins=0,admins=4", "\"admins=4\""),
        ("admins=-1", "\"admins=-1\""),
    ] {
        let err = from(&[proxy, groups, ("ORGANIZR_PROXY_GROUP_MAP", map)]).unwrap_err();
        let message = full_message(err);
        assert!(
            message.contains("ORGANIZR_PROXY_GROUP_MAP") && message.contains(entry),
            "{map}: {message}"
        );
    }
    // The numeric group header and the names header exclude each other.
    let err = from(&[
        proxy,
        groups,
        ("ORGANIZR_PROXY_GROUP_HEADER", "Remote-Group-Id"),
    ])
    .unwrap_err();
    assert!(matches!(err, ConfigError::Conflict { .. }), "{err:?}");
    // A map without the header it maps is a mistake.
    let err = from(&[proxy, ("ORGANIZR_PROXY_GROUP_MAP", "admins=0")]).unwrap_err();
    assert!(
        matches!(
            err,
            ConfigError::Requires {
                setting: "ORGANIZR_PROXY_GROUP_MAP",
                needs: "ORGANIZR_PROXY_GROUPS_HEADER"
            }
        ),
        "{err:?}"
    );
    // A default level beside a numeric group header means nothing.
    assert!(matches!(
        from(&[
            proxy,
            ("ORGANIZR_PROXY_GROUP_HEADER", "Remote-Group-Id"),
            ("ORGANIZR_PROXY_DEFAULT_LEVEL", "4"),
        ])
        .unwrap_err(),
        ConfigError::Conflict { .. }
    ));
    for bad in ["1000", "-1", "admins", "nope"] {
        let err = from(&[proxy, ("ORGANIZR_PROXY_DEFAULT_LEVEL", bad)]).unwrap_err();
        let message = full_message(err);
        assert!(
            message.contains("ORGANIZR_PROXY_DEFAULT_LEVEL") && message.contains(bad),
            "{message}"
        );
    }
    // Header names are checked like the user header's.
    for var in [
        "ORGANIZR_PROXY_EMAIL_HEADER",
        "ORGANIZR_PROXY_NAME_HEADER",
        "ORGANIZR_PROXY_GROUPS_HEADER",
    ] {
        let err = from(&[proxy, (var, "Remote_Email")]).unwrap_err();
        assert!(full_message(err).contains(var), "{var}");
    }
    // The same through a config file, with the serde field names.
    let settings: Settings = serde_json::from_str(
        r#"{"trusted_proxies":"10.0.0.2","proxy_groups_header":"Remote-Groups","proxy_group_map":"admins=0","proxy_default_level":4}"#,
    )
    .unwrap();
    assert!(Config::from_settings(settings).is_ok());
    let settings: Settings =
        serde_json::from_str(r#"{"trusted_proxies":"10.0.0.2","proxy_group_map":"admins=0"}"#)
            .unwrap();
    assert!(matches!(
        Config::from_settings(settings).unwrap_err(),
        ConfigError::Requires {
            setting: "proxy_group_map",
            needs: "proxy_groups_header"
        }
    ));
}
