//! HTTP/1.1 by hand: a request from a chosen local address, on its own
//! connection, read to the end.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::DEADLINE;

/// One `GET` request: from which local address, to where. No `Debug`: it may
/// hold a password.
pub struct Req {
    from: IpAddr,
    to: SocketAddr,
    path: String,
    headers: Vec<(&'static str, String)>,
}

impl Req {
    /// `GET path` to `to`, connecting from `from` (port chosen by the system).
    pub fn new(from: IpAddr, to: SocketAddr, path: &str) -> Req {
        Req {
            from,
            to,
            path: path.to_owned(),
            headers: vec![],
        }
    }

    /// The same request, connecting from `from`.
    #[must_use]
    pub fn from(mut self, from: IpAddr) -> Self {
        self.from = from;
        self
    }

    /// Adds a header, after those already there (names are sent as written).
    #[must_use]
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Adds `Authorization: Basic` with `user` and `password`.
    #[must_use]
    pub fn basic(self, user: &str, password: &str) -> Self {
        let credentials = STANDARD.encode(format!("{user}:{password}"));
        self.header("authorization", format!("Basic {credentials}"))
    }

    /// Sends it on its own connection (`Connection: close`), reads to the end.
    pub fn send(&self) -> io::Result<Answer> {
        let stream = connect_from(self.from, self.to)?;
        stream.set_read_timeout(Some(DEADLINE))?;
        let host = self.to.to_string();
        exchange(stream, &host, &self.path, &self.headers)
    }
}

/// A TCP connection to `to` from the local address `from`, port chosen by the
/// system (127.0.0.2 is as local as 127.0.0.1 on Linux).
pub(crate) fn connect_from(from: IpAddr, to: SocketAddr) -> io::Result<TcpStream> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(to), Type::STREAM, None)?;
    socket.bind(&SocketAddr::new(from, 0).into())?;
    socket.connect(&to.into())?;
    Ok(socket.into())
}

/// `GET path` with `host` and `headers` on `stream` (`Connection: close`),
/// read to the end: TCP or a UNIX socket alike.
pub(crate) fn exchange<S: Read + Write>(
    mut stream: S,
    host: &str,
    path: &str,
    headers: &[(&'static str, String)],
) -> io::Result<Answer> {
    let mut head = format!("GET {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse(&raw)
}

/// What came back; header names lower-case. No `Debug`: an echo shows the
/// request's headers.
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// Every header, in order, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The body, unchunked.
    pub body: String,
}

impl Answer {
    /// The first header called `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn parse(raw: &[u8]) -> io::Result<Answer> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let text = String::from_utf8(raw.to_vec()).map_err(|_| bad("not UTF-8"))?;
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| bad("no head"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        unchunk(body).ok_or_else(|| bad("bad chunks"))?
    } else {
        body.to_owned()
    };
    Ok(Answer {
        status,
        headers,
        body,
    })
}

fn unchunk(mut rest: &str) -> Option<String> {
    let mut body = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n")?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        if size == 0 {
            return Some(body);
        }
        body.push_str(after.get(..size)?);
        rest = after.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    #[test]
    fn basic_credentials_are_standard_base64_with_padding() {
        let to = SocketAddr::from((Ipv4Addr::LOCALHOST, 1));
        let req =
            Req::new(IpAddr::V4(Ipv4Addr::LOCALHOST), to, "/").basic("Aladdin", "open sesame");
        // RFC 7617's example.
        assert_eq!(
            req.headers,
            [(
                "authorization",
                "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==".to_owned()
            )]
        );
    }

    #[test]
    fn a_chunked_body_is_joined() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nnull\r\n0\r\n\r\n";
        let answer = parse(raw).unwrap();
        assert_eq!(answer.status, 200);
        assert_eq!(answer.header("transfer-encoding"), Some("chunked"));
        assert_eq!(answer.body, "null");
    }
}
