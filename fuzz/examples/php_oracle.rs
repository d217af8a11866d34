//! Offline differential for the `php_config` corpus: every file our reader
//! accepts must mean the same to PHP itself. Needs `php` on the PATH; too slow
//! (one PHP process per file) to run inside the fuzz loop, so it runs over a
//! corpus after fuzzing:
//!
//! ```text
//! cd fuzz && cargo run --example php_oracle -- corpus/php_config
//! ```
//!
//! For each file ours accepts, PHP `include`s it (with the process-spawning and
//! file-writing functions disabled: ours accepts literals only, but a bug in
//! ours must not make PHP run anything) and must return an array whose
//! `organizrHash`, `uuid` and `organizrAPI` equal ours. Files ours refuses are
//! not checked: ours reads a strict subset of PHP by design.
//!
//! Deliberate leniency, not reported: ours accepts a file without the `<?php`
//! tag, which PHP would print instead of running, and ignores a byte-order mark,
//! which PHP would print before running the file; files are compared as if the
//! tag were there and the mark were not.

use std::path::Path;
use std::process::Command;

use organizr_auth_core::Secret;
use organizr_auth_core::mint::sign_raw;
use organizr_auth_core::php_config::OrganizrPhpConfig;

const PHP: &str = r#"
$c = (function ($f) { return include $f; })($argv[1]);
$s = function ($k) use ($c) {
    if (!is_array($c) || !array_key_exists($k, $c)) return 'absent';
    return is_string($c[$k]) ? 'str:' . bin2hex($c[$k]) : 'other:' . gettype($c[$k]);
};
echo is_array($c) ? 'array' : 'not-array', ' ', $s('organizrHash'), ' ', $s('uuid'), ' ', $s('organizrAPI');
"#;

fn main() {
    let dirs: Vec<String> = std::env::args().skip(1).collect();
    let mut files: Vec<_> = dirs
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap_or_else(|e| panic!("{d}: {e}")))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let scratch = std::env::temp_dir().join(format!("php-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let (mut checked, mut mismatches) = (0, 0);
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let Ok(ours) = OrganizrPhpConfig::parse(&text) else {
            continue;
        };
        checked += 1;
        let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let has_tag = body
            .trim_start()
            .get(..5)
            .is_some_and(|t| t.eq_ignore_ascii_case("<?php"));
        // A BOM or spaces before the tag are output by PHP, not parsed: leave them out.
        let php_text = if has_tag {
            body.to_owned()
        } else {
            format!("<?php {body}")
        };
        let file = scratch.join("config.php");
        std::fs::write(&file, php_text).unwrap();
        let out = php(&file);
        if let Err(why) = agrees(&ours, &out) {
            mismatches += 1;
            println!("MISMATCH {}: {why}\n  php: {out}", path.display());
        }
    }
    std::fs::remove_dir_all(&scratch).ok();
    println!("php oracle: {checked} accepted files checked, {mismatches} mismatches");
    if mismatches > 0 {
        std::process::exit(1);
    }
}

/// PHP's `array <hash> <uuid> <api>` line, each `absent`, `other:<type>` or
/// `str:<hex>`, against ours. The key and the API key never leave their
/// types: the key is compared through the signatures both make, the API key
/// with `ApiKey::matches`. Ours maps a missing or empty uuid / API key to the
/// same value.
fn agrees(ours: &OrganizrPhpConfig, php: &str) -> Result<(), String> {
    let fields: Vec<&str> = php.split(' ').collect();
    let [tag, hash, uuid, api] = fields[..] else {
        return Err("php printed something else".into());
    };
    if tag != "array" {
        return Err("php did not return an array".into());
    }
    let bytes = |field: &str| field.strip_prefix("str:").map(unhex);
    let php_hash = bytes(hash).ok_or("organizrHash is not a string to php")?;
    let php_key = Secret::new(&php_hash).map_err(|e| format!("php's organizrHash: {e}"))?;
    if sign_raw(b"{}", b"{}", ours.organizr_hash()) != sign_raw(b"{}", b"{}", &php_key) {
        return Err("organizrHash differs".into());
    }
    let php_uuid = bytes(uuid).unwrap_or_default();
    if ours.uuid().as_bytes() != php_uuid {
        return Err("uuid differs".into());
    }
    match (ours.api_key(), bytes(api).filter(|k| !k.is_empty())) {
        (None, None) => Ok(()),
        (Some(key), Some(php_api)) if key.matches(&php_api) => Ok(()),
        _ => Err("organizrAPI differs".into()),
    }
}

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len() / 2)
        .filter_map(|i| hex.get(2 * i..2 * i + 2))
        .filter_map(|pair| u8::from_str_radix(pair, 16).ok())
        .collect()
}

fn php(file: &Path) -> String {
    let disabled = "exec,system,passthru,shell_exec,proc_open,popen,pcntl_exec,mail,file_put_contents,fopen,unlink,rename,mkdir,rmdir,copy,curl_exec";
    let out = Command::new("timeout")
        .args([
            "10",
            "php",
            "-n",
            "-d",
            &format!("disable_functions={disabled}"),
            "-d",
            "display_errors=stderr",
            "-r",
            PHP,
        ])
        .arg(file)
        .output()
        .expect("run php");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}
