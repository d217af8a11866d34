//! Every check's outcome, shown as it comes; the test fails at the end if any
//! failed, so that one run shows them all.

use std::collections::BTreeMap;
use std::io;

use crate::Answer;

/// What one answer must be.
#[derive(Clone, Debug)]
pub enum Want {
    /// The status code.
    Status(u16),
    /// The whole body.
    Body(String),
    /// A header (lower-case name) with exactly this value.
    Header(&'static str, &'static str),
    /// A header (lower-case name) whose value starts with this.
    HeaderPrefix(&'static str, &'static str),
    /// No header of this (lower-case) name.
    NoHeader(&'static str),
    /// `/echo-headers`: the handler did not receive this header.
    NotEchoed(&'static str),
}

/// Every check's outcome: [`Report::finish`] fails the test if any failed.
#[derive(Debug, Default)]
pub struct Report {
    passed: usize,
    failed: Vec<String>,
}

impl Report {
    /// Checks `answer` against every one of `wants`, as one check called
    /// `name`.
    pub fn check(&mut self, name: &str, answer: io::Result<Answer>, wants: &[Want]) {
        let answer = match answer {
            Ok(answer) => answer,
            Err(e) => return self.verify(name, vec![format!("no answer: {e}")]),
        };
        let problems = wants
            .iter()
            .filter_map(|want| problem(&answer, want))
            .collect();
        self.verify(name, problems);
    }

    /// Records the check `name`: passed if there are no `problems`.
    pub fn verify(&mut self, name: &str, problems: Vec<String>) {
        if problems.is_empty() {
            self.passed += 1;
            println!("ok    {name}");
        } else {
            println!("FAIL  {name}");
            for problem in &problems {
                println!("        {problem}");
            }
            self.failed.push(format!("{name}: {}", problems.join("; ")));
        }
    }

    /// How many checks passed, and how many failed, so far.
    pub fn counts(&self) -> (usize, usize) {
        (self.passed, self.failed.len())
    }

    /// Fails the test if any check failed, with the programs' `logs` (name,
    /// text).
    pub fn finish(self, logs: &[(&str, String)]) {
        println!("{} passed, {} failed", self.passed, self.failed.len());
        if self.failed.is_empty() {
            return;
        }
        let logs: String = logs
            .iter()
            .map(|(name, log)| format!("--- {name} log\n{log}\n"))
            .collect();
        panic!(
            "{} checks failed:\n{}\n{logs}",
            self.failed.len(),
            self.failed.join("\n")
        );
    }
}

/// What is wrong with `answer` for `want`, if anything.
fn problem(answer: &Answer, want: &Want) -> Option<String> {
    match want {
        Want::Status(status) if answer.status != *status => {
            Some(format!("status {}, want {status}", answer.status))
        }
        Want::Body(body) if answer.body != *body => {
            Some(format!("body {:?}, want {body:?}", shown(&answer.body)))
        }
        Want::Header(name, value) if answer.header(name) != Some(value) => {
            Some(format!("{name}: {:?}, want {value:?}", answer.header(name)))
        }
        Want::HeaderPrefix(name, prefix)
            if !answer.header(name).is_some_and(|v| v.starts_with(prefix)) =>
        {
            Some(format!(
                "{name}: {:?}, want {prefix:?}...",
                answer.header(name)
            ))
        }
        Want::NoHeader(name) if answer.header(name).is_some() => {
            Some(format!("{name} present: {:?}", answer.header(name)))
        }
        Want::NotEchoed(name) => {
            match serde_json::from_str::<BTreeMap<String, Vec<String>>>(&answer.body) {
                Err(_) => Some(format!("not an echo: {:?}", shown(&answer.body))),
                Ok(echo) if echo.contains_key(*name) => Some(format!("{name} reached the handler")),
                Ok(_) => None,
            }
        }
        _ => None,
    }
}

/// A body as shown in a failure: never one that echoes credentials back.
fn shown(body: &str) -> &str {
    if body.contains("\"authorization\"") {
        "(withheld: it shows an authorization header)"
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> io::Result<Answer> {
        Ok(Answer {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.to_owned(),
        })
    }

    #[test]
    fn each_want_can_fail() {
        let challenge = [("www-authenticate", "Basic realm=\"apps\"")];
        let echo = r#"{"remote-user":["admin"]}"#;
        let cases: [(io::Result<Answer>, Want); 8] = [
            (answer(200, &[], ""), Want::Status(401)),
            (answer(200, &[], "a"), Want::Body("b".to_owned())),
            (answer(401, &[], ""), Want::Header("www-authenticate", "x")),
            (
                answer(401, &challenge, ""),
                Want::HeaderPrefix("www-authenticate", "Bearer"),
            ),
            (
                answer(403, &challenge, ""),
                Want::NoHeader("www-authenticate"),
            ),
            (answer(200, &[], echo), Want::NotEchoed("remote-user")),
            (answer(200, &[], "not json"), Want::NotEchoed("remote-user")),
            (
                Err(io::Error::new(io::ErrorKind::ConnectionRefused, "refused")),
                Want::Status(200),
            ),
        ];
        let mut r = Report::default();
        for (answer, want) in cases {
            r.check("must fail", answer, &[want]);
        }
        assert_eq!(r.counts(), (0, 8));
    }

    #[test]
    fn wants_met_pass() {
        let mut r = Report::default();
        r.check(
            "must pass",
            answer(
                401,
                &[("www-authenticate", "Basic realm=\"apps\"")],
                r#"{"host":["x"]}"#,
            ),
            &[
                Want::Status(401),
                Want::Body(r#"{"host":["x"]}"#.to_owned()),
                Want::Header("www-authenticate", "Basic realm=\"apps\""),
                Want::HeaderPrefix("www-authenticate", "Basic realm="),
                Want::NoHeader("location"),
                Want::NotEchoed("remote-user"),
            ],
        );
        r.verify("no problems", vec![]);
        assert_eq!(r.counts(), (2, 0));
        r.finish(&[]);
    }
}
