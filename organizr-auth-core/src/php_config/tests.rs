//! The reader's tests: a realistic file, every error, and proptests against panics.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
use super::*;
use proptest::prelude::*;

const REALISTIC: &str = r#"<?php
return array(
	'branch' => 'v2-master',
	'configVersion' => '2.1.2440',
	'phpVersion' => '8.2.7',
	'dbName' => 'orgdb.db',
	'dbLocation' => '/config/www/db/',
	'license' => 'personal',
	'organizrHash' => 'Zx9\'q\\7 L$k',   // comment
	"uuid" => "0b7e4c1a-5d2f-4e8b-9a6c-3f1d2e7b8c90",
	'organizrAPI' => 'A1B2C3D4E5F6G7H8I9J0',
	'registrationPassword' => '',
	'installedPlugins' => '',
	'authType' => 'internal',
	'authBackend' => false,
	'authBackendHost' => '',
	'authBackendDomain' => '',
	'plexURL' => 'http://plex:32400',
	'plexToken' => 'abcDEF123',
	'plexID' => '',
	'plexAdmin' => '',
	'plexoAuth' => FALSE,
	'ignoreTFALocal' => false,
	'rememberMe' => true,
	'rememberMeDays' => 7,
	'cookieDomain' => '',
	'title' => 'Organizr',
	'logo' => 'plugins/images/organizr/logo-wide.png',
	'loginWallpaper' => '',
	'customCss' => "body { color: #fff; }\n/* \"quoted\" */",
	'customJava' => '',
	'timezone' => 'Europe/London',
	'sandbox' => false,
	'debugErrors' => NULL,
	'maxLoginAttempts' => -1,
	'lockoutTimeout' => 1.5,
	/* block comment */
	# hash comment
	'homepageOrder' => array('homepageOrderplex' => 1, 'homepageOrdercalendar' => [2, 3]),
	'sso' => ['ombi' => array('enabled' => true, 'url' => 'http://ombi:3579',),],
	'PHPMAILER-smtpHostPort' => '587',
	'PHPMAILER-template' => 'light',
	0 => 'numeric key',
	'short' => ['x' => true,]
);
"#;

fn doc(entries: &str) -> String {
    format!("<?php\nreturn array(\n{entries}\n);\n")
}

fn hash_of(literal: &str) -> Result<String, PhpConfigError> {
    let cfg = OrganizrPhpConfig::parse(&doc(&format!("'organizrHash' => {literal},")))?;
    Ok(String::from_utf8(cfg.organizr_hash().expose().to_vec()).unwrap())
}

#[test]
fn realistic_config() {
    let cfg = OrganizrPhpConfig::parse(REALISTIC).unwrap();
    assert_eq!(cfg.organizr_hash().expose(), br"Zx9'q\7 L$k");
    assert_eq!(cfg.uuid(), "0b7e4c1a-5d2f-4e8b-9a6c-3f1d2e7b8c90");
    assert!(
        cfg.api_key()
            .is_some_and(|k| k.matches(b"A1B2C3D4E5F6G7H8I9J0"))
    );
}

#[test]
fn string_literals_and_escapes() {
    #[rustfmt::skip]
    let cases = [
        (r"'plain'", "plain"),
        (r"'it\'s'", "it's"),
        (r"'a\\b'", r"a\b"),
        (r#"'a\nb\"c\\\\'"#, r#"a\nb\"c\\"#),
        (r"'$notvar {$x} ${y}'", "$notvar {$x} ${y}"),
        ("'multi\nline'", "multi\nline"),
        ("'  ünï  '", "  ünï  "),
        (r#""\n\t\r\v\e\f""#, "\n\t\r\x0B\x1B\x0C"),
        (r#""\\ \" \$x""#, r#"\ " $x"#),
        (r#""\101\x41\u{41}\u{1F600}\0\7""#, "AAA\u{1F600}\0\x07"),
        (r#""\400\x4a\X4""#, "\0J\x04"),
        (r#""\xC3\xA9""#, "é"),
        (r#""\q\xZ\u41 \' \{""#, r"\q\xZ\u41 \' \{"),
        (r#""cost $5, $ and $""#, "cost $5, $ and $"),
        (r#""a\\""#, r"a\"),
    ];
    for (literal, want) in cases {
        assert_eq!(hash_of(literal).unwrap(), want, "{literal}");
    }
}

#[test]
fn accepted_forms() {
    #[rustfmt::skip]
    let cases = [
        ("return ['organizrHash' => 'h'];", "", None),
        ("\u{feff} \n<?php return array('organizrHash'=>'h');", "", None),
        ("<?PHP\nRETURN Array ( 'organizrHash' => 'h' ) ;\n?>\n", "", None),
        ("<?php return ['organizrHash' => 'h'] ?>", "", None),
        ("<?php\n// c\n# c\n/* c\n*/ return [ /* */ 'organizrHash' # c\n => // c\n'h', ];", "", None),
        ("<?php return ['a' => TRUE, 'b' => False, 'c' => NULL, 'd' => -7, 'e' => 1.5, 'f' => -2.5e-3, 'g' => 1E9, 7 => 'x', -1 => 'y', 'organizrHash' => 'h',];", "", None),
        ("<?php return ['n' => array('a' => [1, [2, array()]], 'b' => [],), 'organizrHash' => 'h', 'l' => ['x', 'y',]];", "", None),
        (r#"<?php return ["organizrHash" => "h", "uuid" => "u", "organizrAPI" => "k"];"#, "u", Some("k")),
        ("<?php return ['organizrHash' => 'old', 'uuid' => 5, 'organizrHash' => 'h', 'uuid' => 'u'];", "u", None),
        ("<?php return ['organizrHash' => 'h', 'organizrAPI' => 'k', 'organizrAPI' => ''];", "", None),
        ("<?php return ['organizrHash' => 'h', 'uuid' => '', 'organizrAPI' => 'k'];", "", Some("k")),
        ("<?php return ['organizrHash' => 'h', 'x' => ['organizrAPI' => 'nested']];", "", None),
    ];
    for (src, uuid, api) in cases {
        let cfg = OrganizrPhpConfig::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        let got = (
            cfg.organizr_hash().expose(),
            cfg.uuid(),
            cfg.api_key().map(|k| k.expose()),
        );
        assert_eq!(got, (&b"h"[..], uuid, api.map(str::as_bytes)), "{src}");
    }
}

#[test]
fn key_errors() {
    #[rustfmt::skip]
    let cases = [
        ("'uuid' => 'u'", "required key `organizrHash` is missing"),
        ("'OrganizrHash' => 'h'", "required key `organizrHash` is missing"),
        ("'n' => ['organizrHash' => 'h']", "required key `organizrHash` is missing"),
        ("'organizrHash' => ''", "key `organizrHash` must not be empty"),
        ("'organizrHash' => 'h', 'organizrHash' => \"\"", "key `organizrHash` must not be empty"),
        ("'organizrHash' => 5", "key `organizrHash` must be a string"),
        ("'organizrHash' => ['h']", "key `organizrHash` must be a string"),
        ("'organizrHash' => 'h', 'uuid' => 12345", "key `uuid` must be a string"),
        ("'organizrHash' => 'h', 'organizrAPI' => null", "key `organizrAPI` must be a string"),
    ];
    for (entries, want) in cases {
        let err = OrganizrPhpConfig::parse(&doc(entries)).unwrap_err();
        assert_eq!(err.to_string(), want, "{entries}");
    }
}

#[test]
fn syntax_errors_have_positions() {
    #[rustfmt::skip]
    let cases = [
        ("<?php\nreturn [\n  'organizrHash' => 'h' . 'x',\n];", 3, 25, "unexpected character"),
        ("<?php return [\n'organizrHash' => \"ab$var\"];", 2, 22, "interpolation"),
        ("<?php return [\n'organizrHash' => \"{$var}\"];", 2, 20, "interpolation"),
        ("<?php return [\n'organizrHash' => \"${var}\"];", 2, 20, "interpolation"),
        ("<?php return ['k' => FOO];", 1, 22, "constants"),
        ("<?php return ['k' => getenv('X')];", 1, 22, "constants"),
        ("<?php return ['k' => <<<EOT\nx\nEOT];", 1, 22, "heredoc"),
        ("<?php return ['k' => $x];", 1, 22, "variables"),
        ("<?php $x = [];", 1, 7, "variables"),
        ("<?php echo 1;", 1, 7, "expected `return`"),
        ("", 1, 1, "expected `return`"),
        ("<?php return 5;", 1, 14, "expected `array(`"),
        ("<?php return array 5;", 1, 20, "expected `(`"),
        ("<?php return ['a' => 1\n 'b' => 2];", 2, 2, "expected `,`"),
        ("<?php return []", 1, 16, "expected `;`"),
        ("<?php return []; echo 1;", 1, 18, "after the returned array"),
        ("<?php return [] ?>\nhello", 2, 1, "after `?>`"),
        ("<?php return [ // x ?> y\n];", 1, 21, "expected a value"),
        ("<?php return [,];", 1, 15, "expected a value"),
        ("<?php return ['a',, 'b'];", 1, 19, "expected a value"),
        ("<?php return [true => 1];", 1, 15, "keys must be"),
        ("<?php return [\n\n'k' => 'abc];", 3, 8, "unterminated single-quoted"),
        ("<?php return ['k' => \"abc];", 1, 22, "unterminated double-quoted"),
        ("<?php return [\n/* x ];", 2, 1, "unterminated block comment"),
        ("<?php return ['k' => \"\\xFF\"];", 1, 22, "not valid UTF-8"),
        ("<?php return ['k' => \"\\u{D800}\"];", 1, 23, "escape"),
        ("<?php return ['k' => \"\\u{}\"];", 1, 23, "escape"),
        ("<?php return ['k' => \"\\u{41\"];", 1, 23, "escape"),
        ("<?php return ['k' => 0x1F];", 1, 22, "number"),
        ("<?php return ['k' => 1_000];", 1, 22, "number"),
        ("<?php return ['k' => - 1];", 1, 22, "digit"),
        ("<?phpreturn [];", 1, 1, "unexpected character"),
        ("<?= return [];", 1, 1, "unexpected character"),
        ("<?php return [#[Attr]\n];", 1, 15, "attributes"),
        ("<?php return ['é' => 'ü', 'k' => FOO];", 1, 34, "constants"),
        ("<?php\r\nreturn [\r\n\t'k' => FOO];", 3, 9, "constants"),
    ];
    for (src, line, column, msg) in cases {
        match OrganizrPhpConfig::parse(src) {
            Err(PhpConfigError::Syntax {
                line: l,
                column: c,
                message,
                path: None,
            }) => {
                assert_eq!((l, c), (line, column), "{src}: {message}");
                assert!(message.contains(msg), "{src}: {message}");
            }
            other => panic!("{src}: {other:?}"),
        }
    }
}

#[test]
fn nesting_is_bounded() {
    let nested = |n: usize, open: &str, close: &str| {
        let (o, c) = (open.repeat(n), close.repeat(n));
        OrganizrPhpConfig::parse(&format!(
            "<?php return ['organizrHash' => 'h', 'n' => {o}{c}];"
        ))
    };
    assert!(nested(MAX_DEPTH - 1, "[", "]").is_ok());
    assert!(nested(MAX_DEPTH - 1, "array(", ")").is_ok());
    assert!(matches!(
        nested(MAX_DEPTH, "[", "]"),
        Err(PhpConfigError::Syntax { .. })
    ));
    for open in ["[", "array(", "array (\n"] {
        let err = OrganizrPhpConfig::parse(&format!("<?php return {}", open.repeat(100_000)));
        assert!(
            err.unwrap_err()
                .to_string()
                .contains("nested more than 32 levels deep")
        );
    }
}

#[test]
fn size_limit_and_files() {
    let big = format!(
        "<?php return ['organizrHash' => 'h', 'x' => '{}'];",
        "a".repeat(MAX_LEN)
    );
    let err = OrganizrPhpConfig::parse(&big).unwrap_err();
    assert!(matches!(
        err,
        PhpConfigError::TooLarge {
            path: None,
            max: MAX_LEN,
            ..
        }
    ));

    let dir = std::env::temp_dir().join(format!("organizr-php-config-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.php");
    let shown = file.display();
    let read = |content: &[u8]| {
        std::fs::write(&file, content).unwrap();
        OrganizrPhpConfig::from_file(&file)
    };
    let err = read(big.as_bytes()).unwrap_err();
    assert!(matches!(&err, PhpConfigError::TooLarge { path: Some(p), .. } if *p == file));
    assert!(
        err.to_string()
            .starts_with(&format!("config in {shown} is too large"))
    );
    let err = read(b"<?php\nreturn [\n'organizrHash' => FOO];")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with(&format!("syntax error in {shown} at line 3, column 19")));
    let err = read(b"<?php return ['uuid' => 'u'];")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!("required key `organizrHash` is missing in {shown}")
    );
    let err = read(b"<?php return ['organizrHash' => '\xff'];").unwrap_err();
    assert!(matches!(err, PhpConfigError::Io { .. }), "{err}");
    assert_eq!(
        read(REALISTIC.as_bytes()).unwrap().uuid(),
        "0b7e4c1a-5d2f-4e8b-9a6c-3f1d2e7b8c90"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let err = OrganizrPhpConfig::from_file(&file).unwrap_err();
    // The cause is the error's source, not repeated in its message.
    assert_eq!(err.to_string(), format!("cannot read {shown}"));
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn secrets_never_leak() {
    const M: &str = "S3CR3T_marker_7f1c";
    #[rustfmt::skip]
    let cases = [
        format!("'organizrHash' => '{M}', 'uuid' => 1,"),
        format!("'organizrHash' => '{M}' . 'x',"),
        format!("'organizrHash' => '{M}"),
        format!("'organizrHash' => \"{M}$x\","),
        format!("'organizrHash' => {M},"),
        format!("'organizrHash' => {M}('x'),"),
        format!("'organizrHash' => \"{M}\\xFF\","),
        format!("'organizrHash' => \"{M}\\u{{110000}}\","),
        format!("'organizrAPI' => '{M}',"),
        format!("'organizrHash' => '', 'organizrAPI' => '{M}',"),
        format!("'organizrHash' => '{M}', 'organizrAPI' => ['{M}'],"),
        format!("'organizrHash' => '{M}', {M} => 1"),
        format!("'organizrHash' => '{M}', '{M}' 1"),
        format!("'organizrHash' => '{M}'{}", "[".repeat(40)),
        format!("'organizrHash' => '{M}'] ?> {M}"),
        format!("'organizrHash' => '{M}', 'x' => '{}'", M.repeat(60_000)),
    ];
    for entries in &cases {
        let err = OrganizrPhpConfig::parse(&doc(entries)).unwrap_err();
        let shown = format!("{err} {err:?} {:?}", std::error::Error::source(&err));
        assert!(!shown.contains(M) && !shown.contains("S3CR3T"), "{shown}");
    }
    let ok = doc(&format!(
        "'organizrHash' => '{M}', 'organizrAPI' => '{M}2', 'uuid' => 'u'"
    ));
    let cfg = OrganizrPhpConfig::parse(&ok).unwrap();
    let shown = format!("{cfg:?} {cfg:#?}");
    assert!(!shown.contains(M) && shown.contains("\"u\""), "{shown}");
}

fn php_char() -> impl Strategy<Value = char> {
    let php = "'\"\\$[](),;/*#?>{}\n0xu-.e=<".chars().collect::<Vec<_>>();
    prop_oneof![any::<char>(), proptest::sample::select(php)]
}

proptest! {
    #[test]
    fn arbitrary_input_never_panics(s in any::<String>(), t in "[\\[\\]()'\" $a-z0-9\\\\,;=>#/*?<{}\n-]*") {
        let _ = OrganizrPhpConfig::parse(&s);
        let _ = OrganizrPhpConfig::parse(&format!("<?php return [{t}"));
    }

    #[test]
    fn mutated_config_never_panics(edits in proptest::collection::vec((any::<proptest::sample::Index>(), 0u8..3, php_char()), 1..8)) {
        let mut chars: Vec<char> = REALISTIC.chars().collect();
        for (at, op, c) in edits {
            let n = chars.len();
            match op {
                0 => chars.insert(at.index(n + 1), c),
                1 if n > 0 => { chars.remove(at.index(n)); }
                _ if n > 0 => chars[at.index(n)] = c,
                _ => {}
            }
        }
        let _ = OrganizrPhpConfig::parse(&chars.into_iter().collect::<String>());
    }

    #[test]
    fn quoted_strings_round_trip(s in "\\PC{1,40}") {
        // A blank key is refused (see `blank_keys_are_refused`).
        prop_assume!(!s.as_bytes().trim_ascii().is_empty());
        let single = format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"));
        prop_assert_eq!(hash_of(&single).unwrap(), s.clone());
        let double: String = s.bytes().map(|b| format!("\\x{b:02x}")).collect();
        prop_assert_eq!(hash_of(&format!("\"{double}\"")).unwrap(), s);
    }
}

#[test]
fn blank_keys_are_refused() {
    for literal in ["' '", "\"\\n\"", "'\t '"] {
        assert!(
            matches!(hash_of(literal), Err(PhpConfigError::EmptyKey { .. })),
            "{literal}"
        );
    }
}
