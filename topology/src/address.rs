//! Node addresses: the `host:port` where a node's QUIC endpoint listens.
//!
//! The topology stores addresses as text (the node resolves host names when it connects), but only
//! text that [`NodeAddress::parse`] accepts: a DNS name, an IPv4 address or a bracketed IPv6 address,
//! then a colon and a port from 1 to 65535. Checking the form here means a typo is reported against
//! the topology file line rather than as a connection failure days later.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use rust_i18n::t;

use crate::text::{display_in_current_language, shown};

/// Longest accepted address: a 253-character DNS name, a colon and five port digits.
pub const MAX_ADDRESS_BYTES: usize = 253 + 1 + 5;

/// Longest label (the part between dots) of a DNS name, from RFC 1035.
pub const MAX_DNS_LABEL_BYTES: usize = 63;

/// A validated `host:port` address of a node's QUIC endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NodeAddress {
    /// The whole text as written, which the node hands to the resolver unchanged.
    text: String,
    /// Byte position of the colon before the port, to give out the host and port without parsing again.
    colon: usize,
    /// The port, from 1 to 65535.
    port: u16,
}

/// Why a text is not a `host:port` address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    Empty,
    TooLong { length: usize },
    MissingPort { value: String },
    PortNotNumber { value: String, port: String },
    PortOutOfRange { value: String, port: u64 },
    MissingHost { value: String },
    UnbracketedIpv6 { value: String },
    BadIpv6 { value: String, host: String },
    BadIpv4 { value: String, host: String },
    BadHostName { value: String, host: String },
}

impl AddressError {
    /// What is wrong with the address, in a language of the catalogues (`"zh-CN"`, `"en"`).
    pub fn localized(&self, locale: &str) -> String {
        use AddressError as E;
        match self {
            E::Empty => t!("topology.address.empty", locale = locale),
            E::TooLong { length } => t!(
                "topology.address.too_long",
                locale = locale,
                length = length,
                max = MAX_ADDRESS_BYTES
            ),
            E::MissingPort { value } => {
                t!(
                    "topology.address.missing_port",
                    locale = locale,
                    value = shown(value)
                )
            }
            E::PortNotNumber { value, port } => t!(
                "topology.address.port_not_number",
                locale = locale,
                value = shown(value),
                port = shown(port)
            ),
            E::PortOutOfRange { value, port } => t!(
                "topology.address.port_out_of_range",
                locale = locale,
                value = shown(value),
                port = port
            ),
            E::MissingHost { value } => {
                t!(
                    "topology.address.missing_host",
                    locale = locale,
                    value = shown(value)
                )
            }
            E::UnbracketedIpv6 { value } => t!(
                "topology.address.unbracketed_ipv6",
                locale = locale,
                value = shown(value)
            ),
            E::BadIpv6 { value, host } => t!(
                "topology.address.bad_ipv6",
                locale = locale,
                value = shown(value),
                host = shown(host)
            ),
            E::BadIpv4 { value, host } => t!(
                "topology.address.bad_ipv4",
                locale = locale,
                value = shown(value),
                host = shown(host)
            ),
            E::BadHostName { value, host } => t!(
                "topology.address.bad_host_name",
                locale = locale,
                value = shown(value),
                host = shown(host),
                max = MAX_DNS_LABEL_BYTES
            ),
        }
        .into_owned()
    }
}

display_in_current_language!(AddressError);

impl NodeAddress {
    /// Parses `host:port`, where host is a DNS name, an IPv4 address or `[IPv6 address]`.
    pub fn parse(text: &str) -> Result<Self, AddressError> {
        if text.is_empty() {
            return Err(AddressError::Empty);
        }
        if text.len() > MAX_ADDRESS_BYTES {
            return Err(AddressError::TooLong { length: text.len() });
        }
        let value = || text.to_owned();
        let Some((host, port_text)) = text.rsplit_once(':') else {
            return Err(AddressError::MissingPort { value: value() });
        };
        let colon = host.len();
        // A bare IPv6 address such as `::1` splits at its last colon; catch that before the port check.
        if !host.starts_with('[') && host.contains(':') {
            return Err(AddressError::UnbracketedIpv6 { value: value() });
        }
        if port_text.is_empty() {
            return Err(AddressError::MissingPort { value: value() });
        }
        // `u16::from_str` would accept a leading `+`; insist on digits only.
        if !port_text.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(AddressError::PortNotNumber {
                value: value(),
                port: port_text.to_owned(),
            });
        }
        // Digits only, so parsing fails only when the number overflows, which is out of range too.
        let port_number: u64 = port_text.parse().unwrap_or(u64::MAX);
        let port = match u16::try_from(port_number) {
            Ok(port) if port != 0 => port,
            _ => {
                return Err(AddressError::PortOutOfRange {
                    value: value(),
                    port: port_number,
                });
            }
        };
        check_host(host).map_err(|problem| problem.into_error(text, host))?;
        Ok(Self {
            text: text.to_owned(),
            colon,
            port,
        })
    }

    /// The host part as written (with brackets for IPv6).
    pub fn host(&self) -> &str {
        &self.text[..self.colon]
    }

    /// The port, from 1 to 65535.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The whole `host:port` text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl FromStr for NodeAddress {
    type Err = AddressError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for NodeAddress {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.text)
    }
}

/// What is wrong with a host, before it is turned into an [`AddressError`] that quotes the address.
enum HostProblem {
    Missing,
    BadIpv6,
    BadIpv4,
    BadName,
}

impl HostProblem {
    fn into_error(self, text: &str, host: &str) -> AddressError {
        let value = text.to_owned();
        let host = host.to_owned();
        match self {
            HostProblem::Missing => AddressError::MissingHost { value },
            HostProblem::BadIpv6 => AddressError::BadIpv6 { value, host },
            HostProblem::BadIpv4 => AddressError::BadIpv4 { value, host },
            HostProblem::BadName => AddressError::BadHostName { value, host },
        }
    }
}

fn check_host(host: &str) -> Result<(), HostProblem> {
    if host.is_empty() {
        return Err(HostProblem::Missing);
    }
    if let Some(inside) = host.strip_prefix('[') {
        let inside = inside.strip_suffix(']').ok_or(HostProblem::BadIpv6)?;
        return inside
            .parse::<Ipv6Addr>()
            .map(|_| ())
            .map_err(|_| HostProblem::BadIpv6);
    }
    let labels: Vec<&str> = host.split('.').collect();
    let all_numeric = labels
        .iter()
        .all(|label| !label.is_empty() && label.bytes().all(|byte| byte.is_ascii_digit()));
    if all_numeric {
        // Only digits and dots: the operator meant an IPv4 address, so hold it to that form.
        return host
            .parse::<Ipv4Addr>()
            .map(|_| ())
            .map_err(|_| HostProblem::BadIpv4);
    }
    let label_is_valid = |label: &&str| {
        !label.is_empty()
            && label.len() <= MAX_DNS_LABEL_BYTES
            && label
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if labels.iter().all(label_is_valid) {
        Ok(())
    } else {
        Err(HostProblem::BadName)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tells whether an error is the one a test case expects.
    type IsExpected = fn(&AddressError) -> bool;

    #[test]
    fn accepts_names_and_addresses_of_every_kind() {
        for text in [
            "127.0.0.1:47000",
            "node-640104.example.org:1",
            "localhost:65535",
            "[::1]:47000",
            "[2001:db8::7]:443",
        ] {
            let address = NodeAddress::parse(text).unwrap();
            assert_eq!(address.as_str(), text);
        }
        let address = NodeAddress::parse("[::1]:47000").unwrap();
        assert_eq!(address.host(), "[::1]");
        assert_eq!(address.port(), 47000);
    }

    #[test]
    fn refuses_malformed_addresses_with_the_reason() {
        let cases: [(&str, IsExpected); 12] = [
            ("", |error| matches!(error, AddressError::Empty)),
            ("127.0.0.1", |error| {
                matches!(error, AddressError::MissingPort { .. })
            }),
            ("127.0.0.1:", |error| {
                matches!(error, AddressError::MissingPort { .. })
            }),
            ("127.0.0.1:0", |error| {
                matches!(error, AddressError::PortOutOfRange { port: 0, .. })
            }),
            ("127.0.0.1:65536", |error| {
                matches!(error, AddressError::PortOutOfRange { port: 65536, .. })
            }),
            ("127.0.0.1:99999999999999999999999", |error| {
                matches!(error, AddressError::PortOutOfRange { .. })
            }),
            ("127.0.0.1:+80", |error| {
                matches!(error, AddressError::PortNotNumber { .. })
            }),
            (":80", |error| {
                matches!(error, AddressError::MissingHost { .. })
            }),
            ("::1:80", |error| {
                matches!(error, AddressError::UnbracketedIpv6 { .. })
            }),
            ("[fe80::zz]:80", |error| {
                matches!(error, AddressError::BadIpv6 { .. })
            }),
            ("300.1.1.1:80", |error| {
                matches!(error, AddressError::BadIpv4 { .. })
            }),
            ("bad_host.example:80", |error| {
                matches!(error, AddressError::BadHostName { .. })
            }),
        ];
        for (text, is_expected) in cases {
            let error = NodeAddress::parse(text).unwrap_err();
            assert!(is_expected(&error), "{text:?} gave {error:?}");
        }
        let long = format!("{}.example:80", "a".repeat(MAX_ADDRESS_BYTES));
        assert!(matches!(
            NodeAddress::parse(&long),
            Err(AddressError::TooLong { .. })
        ));
    }
}
