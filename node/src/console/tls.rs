//! The console's TLS: a certificate browsers accept (ECDSA P-256, which every browser takes),
//! either the operator's (`certificate` and `private_key` in node.toml) or one the node makes
//! once and keeps in its directory (`console.crt`, `console.key`, the key readable by the owner
//! only). Its SHA-256 fingerprint is printed for the operator to compare when a browser asks.
//! The node's ed25519 identity is for QUIC only: browsers do not take ed25519 certificates.

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

use crate::directory::ConsoleSettings;
use crate::t;

/// Days a certificate the node makes is valid: browsers limit the lifetime of certificates from
/// public authorities, not of one the operator trusts by hand; ten years avoids a surprise
/// expiry in an office that nobody touches.
const GENERATED_CERTIFICATE_DAYS: i64 = 3650;

/// The certificate and key the console serves with, and the certificate's fingerprint.
#[derive(Debug)]
pub struct ConsoleCertificate {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    /// SHA-256 of the leaf certificate, as `AB:CD:…`, the form browsers show.
    pub fingerprint: String,
    /// Whether the node made it just now.
    pub generated: bool,
}

/// The operator's certificate, or the node's own (made on first use).
pub fn console_certificate(
    node_directory: &Path,
    settings: &ConsoleSettings,
    host: &str,
) -> Result<ConsoleCertificate> {
    let (certificate_path, key_path, given) = match (&settings.certificate, &settings.private_key) {
        (Some(certificate), Some(key)) => (certificate.clone(), key.clone(), true),
        (None, None) => (
            node_directory.join("console.crt"),
            node_directory.join("console.key"),
            false,
        ),
        _ => return Err(anyhow!(t!("console.tls.certificate_and_key_together"))),
    };
    let mut generated = false;
    if !given && !certificate_path.exists() {
        generate(&certificate_path, &key_path, host)?;
        generated = true;
    }
    let chain = CertificateDer::pem_file_iter(&certificate_path)
        .and_then(|certificates| certificates.collect::<Result<Vec<_>, _>>())
        .map_err(|error| {
            anyhow!(t!(
                "console.tls.cannot_read",
                file = certificate_path.display(),
                reason = error
            ))
        })?;
    let leaf = chain.first().ok_or_else(|| {
        anyhow!(t!(
            "console.tls.no_certificate",
            file = certificate_path.display()
        ))
    })?;
    let fingerprint = fingerprint(leaf.as_ref());
    let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|error| {
        anyhow!(t!(
            "console.tls.cannot_read",
            file = key_path.display(),
            reason = error
        ))
    })?;
    Ok(ConsoleCertificate {
        chain,
        key,
        fingerprint,
        generated,
    })
}

/// The rustls server configuration (ring only, HTTP/1.1).
pub fn server_config(certificate: ConsoleCertificate) -> Result<Arc<rustls::ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS versions")?
        .with_no_client_auth()
        .with_single_cert(certificate.chain, certificate.key)
        .map_err(|error| anyhow!(t!("console.tls.unusable", reason = error)))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// `AB:CD:…` of SHA-256 over a DER certificate.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|byte| format!("{byte:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Makes an ECDSA P-256 certificate for `host` (and localhost), key file private.
fn generate(certificate_path: &Path, key_path: &Path, host: &str) -> Result<()> {
    let key_pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|error| anyhow!(t!("console.tls.cannot_make", reason = error)))?;
    let mut names = vec!["localhost".to_owned()];
    if !host.is_empty() && host != "localhost" {
        names.push(host.to_owned());
    }
    let mut params = rcgen::CertificateParams::new(names)
        .map_err(|error| anyhow!(t!("console.tls.cannot_make", reason = error)))?;
    if let Ok(address) = host.parse::<IpAddr>() {
        params
            .subject_alt_names
            .push(rcgen::SanType::IpAddress(address));
    }
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "huizong console");
    let now = jiff::Timestamp::now();
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    let until = jiff::tz::Offset::UTC
        .to_datetime(
            now.checked_add(jiff::SignedDuration::from_hours(
                24 * GENERATED_CERTIFICATE_DAYS,
            ))
            .unwrap_or(now),
        )
        .date();
    params.not_after = rcgen::date_time_ymd(
        i32::from(until.year()),
        until.month().unsigned_abs(),
        until.day().unsigned_abs(),
    );
    let certificate = params
        .self_signed(&key_pair)
        .map_err(|error| anyhow!(t!("console.tls.cannot_make", reason = error)))?;
    crate::directory::write_private_file(key_path, key_pair.serialize_pem().as_bytes())?;
    std::fs::write(certificate_path, certificate.pem()).with_context(|| {
        t!(
            "console.tls.cannot_write",
            file = certificate_path.display()
        )
        .into_owned()
    })?;
    Ok(())
}
