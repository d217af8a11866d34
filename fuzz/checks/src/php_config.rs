//! `php_config`: the text of Organizr's `config.php` through the strict reader.

#[allow(unused_imports)]
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
#[allow(unused_imports)]
use std::sync::{Arc, OnceLock};
#[allow(unused_imports)]
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[allow(unused_imports)]
use base64::Engine as _;
#[allow(unused_imports)]
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
#[allow(unused_imports)]
use http::{HeaderMap, HeaderName, HeaderValue};
#[allow(unused_imports)]
use organizr_auth_core::{
    API_KEY_USER, ApiKey, Authentication, Authenticator, Claims, Config, DOWNSTREAM_HEADERS,
    Denial, GroupLevel, Peer, Policy, ProxyHeaderError, ProxyListError, RequestHead, Secret,
    Source, TokenError, TokenValidator, TrustedProxies, Verdict, php_config::OrganizrPhpConfig,
};
#[allow(unused_imports)]
use serde::Deserialize;
#[allow(unused_imports)]
use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
#[allow(unused_imports)]
use serde_json::Value;

#[allow(unused_imports)]
use crate::*;

/// `php_config`: the input as the text of Organizr's `config.php` (skipped
/// unless UTF-8, as `from_file` refuses it). Never panics, never overflows the
/// stack; errors point inside the text; `Debug` never shows the secrets.
pub fn php_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match OrganizrPhpConfig::parse(text) {
        Ok(cfg) => {
            // Key material, never blank (the types refuse empty and blank).
            assert!(cfg.organizr_hash().len() > 0);
            assert!(cfg.api_key().is_none_or(|k| k.len() > 0));
            // The secrets are types that print as `..`; `Debug` shows only
            // the uuid and fixed text.
            let shown = format!("{cfg:?}");
            let expected = format!(
                "OrganizrPhpConfig {{ organizr_hash: \"<redacted>\", uuid: {:?}, api_key: {} }}",
                cfg.uuid(),
                if cfg.api_key().is_some() {
                    "Some(\"<redacted>\")"
                } else {
                    "None"
                },
            );
            assert_eq!(shown, expected, "Debug shows more than the uuid");
        }
        Err(e) => {
            let shown = e.to_string();
            if let organizr_auth_core::php_config::PhpConfigError::Syntax { line, column, .. } = e {
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
