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
        let want = format!(
            "array {} {} {}",
            hex(Some(ours.organizr_hash())),
            if ours.uuid().is_empty() {
                None
            } else {
                Some(ours.uuid())
            }
            .map_or("absent|empty".into(), |u| hex(Some(u))),
            ours.api_key()
                .map_or("absent|empty".into(), |k| hex(Some(k))),
        );
        let out = php(&file);
        if !agrees(&want, &out) {
            mismatches += 1;
            println!("MISMATCH {}\n  ours: {want}\n  php:  {out}", path.display());
        }
    }
    std::fs::remove_dir_all(&scratch).ok();
    println!("php oracle: {checked} accepted files checked, {mismatches} mismatches");
    if mismatches > 0 {
        std::process::exit(1);
    }
}

fn hex(s: Option<&str>) -> String {
    s.map_or("absent".into(), |s| {
        format!(
            "str:{}",
            s.bytes().map(|b| format!("{b:02x}")).collect::<String>()
        )
    })
}

/// `absent|empty`: ours maps a missing or empty uuid / API key to the same value.
fn agrees(want: &str, got: &str) -> bool {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.split(' ').collect(), got.split(' ').collect());
    w.len() == g.len()
        && w.iter()
            .zip(&g)
            .all(|(w, g)| w == g || (*w == "absent|empty" && (*g == "absent" || *g == "str:")))
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
