//! Bugs the fuzzers found, pinned with minimal inputs (the raw inputs are also
//! under `fuzz/corpus/<target>/crash-*`).

#![allow(clippy::unwrap_used, clippy::panic)]

use organizr_auth_core::{Claims, TokenError, TokenValidator};

use organizr_auth_fuzz_checks::differential::ORGANIZR_HEADER;
use organizr_auth_fuzz_checks::{secret, sign};

/// `token_validate`, seed `payload-invalid-utf8-raw`: serde_json checks
/// UTF-8 only in strings it deserialises, not in values it skips, so a
/// well-signed token with invalid UTF-8 in an ignored claim (`jti`, any
/// unknown claim) or header parameter (`typ`, `kid`) was accepted. SPEC §6:
/// refuse invalid UTF-8. Fixed in `Claims::from_json` and `check_header`.
#[test]
fn invalid_utf8_in_an_ignored_claim_or_header_parameter_is_refused() {
    let claims = br#"{"iss":"Organizr","aud":"Organizr","exp":4102444800,"name":"a","groupID":4"#;
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

/// Found while reading the first cut of the `config.php` reader for the
/// `php_config` target, and already fixed before fuzzing started: `array`
/// swallowed a lexer error on the token after it (`self.advance().is_ok_and(…)`)
/// and went on as if it had seen `(`, so `array -'organizrHash' => 'k')` was
/// accepted. PHP refuses it. Pinned here.
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
