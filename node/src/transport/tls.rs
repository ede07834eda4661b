//! Mutual TLS 1.3 over QUIC with pinned ed25519 keys and no certificate authority.
//!
//! Every node has one ed25519 key. At start-up [`server_config`] and [`client_config`] wrap it in a
//! self-signed X.509 certificate (rcgen), because TLS carries keys in certificates; nothing in the
//! certificate except its public key is trusted. Trust comes from the signed topology instead:
//!
//! - a client (a child dialling its parent) accepts only the one server key the topology names for
//!   its parent, the `expected_server` of [`client_config`];
//! - a server (a parent accepting its children) accepts only the client keys in its [`AcceptedKeys`],
//!   which the node replaces whenever a new topology arrives.
//!
//! The certificate verifiers below compare the certificate's ed25519 key with the pinned key(s) and
//! then check the TLS 1.3 `CertificateVerify` signature over the handshake transcript, which is what
//! proves that the peer holds the private key. Validity dates and the self-signature are ignored: they
//! prove nothing here, and the clocks of machines in remote offices are often wrong.
//!
//! Once a connection is up, [`peer_key`] returns the key the peer proved, so the session can look up
//! which division it speaks for.
//!
//! In TLS 1.3 the client finishes its handshake before the server has checked the client's
//! certificate. So when a server refuses a client's key, the client's `connect` still resolves to a
//! connection, which the server's `certificate_unknown` alert closes a round trip later (a
//! `ConnectionError::ConnectionClosed` whose code is the crypto error for alert 46). A client only
//! knows it was accepted once the server has said something, such as the session's hello.

use std::collections::HashSet;
use std::fmt::{self, Write as _};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use ed25519_dalek::{SigningKey, VerifyingKey};
use quinn::crypto::rustls::{NoInitialCipherSuite, QuicClientConfig, QuicServerConfig};
use quinn::{IdleTimeout, TransportConfig, VarInt};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, OtherError, PeerIncompatible,
    PeerMisbehaved, SignatureScheme,
};

/// The ALPN protocol both sides require; a peer speaking anything else fails the handshake.
pub const ALPN: &[u8] = b"huizong/1";

/// The name in every node's certificate, and the server name a client connects with.
///
/// It identifies nothing (all nodes share it): the pinned key is the identity. It exists because TLS
/// needs a server name and rcgen a subject.
pub const SERVER_NAME: &str = "huizong-node";

/// How often an otherwise idle connection sends a keep-alive packet.
///
/// Many NATs and firewalls on the way out of an office forget a UDP mapping after about 30 seconds of
/// silence; 15 seconds keeps the mapping alive with room for one lost keep-alive, at a cost of a few
/// dozen bytes per interval.
pub const KEEP_ALIVE_INTERVAL: Duration = Duration::from_secs(15);

/// How long a connection may receive nothing before it is declared dead (the smaller of the two
/// sides' values applies).
///
/// With keep-alives every [`KEEP_ALIVE_INTERVAL`], a minute of silence means four keep-alives and
/// their retransmissions all lost: long enough to ride out a congested or flapping rural link, short
/// enough that a dead peer is noticed, the child reconnects and the parent frees the slot.
pub const IDLE_TIMEOUT_MS: u32 = 60_000;

/// The most bidirectional streams a peer may have open at once on one connection.
///
/// A sync session uses one stream; a few more let a new session start while the old one drains,
/// without letting a peer open streams without bound.
pub const MAX_CONCURRENT_BIDI_STREAMS: u32 = 4;

/// The most unidirectional streams a peer may have open at once: the protocol uses none.
pub const MAX_CONCURRENT_UNI_STREAMS: u32 = 0;

/// Connection attempts quinn holds for the accept loop before it has decided on them (a Retry, a
/// refusal or a handshake); past this, quinn refuses new attempts itself.
///
/// The accept loop decides each attempt in microseconds, so a backlog only builds while it is
/// starved; 256 covers every child of the widest node reconnecting in one burst together with a
/// flood, while quinn's default (65,536) would let a flood of Initials queue some 100 MiB.
pub const MAX_INCOMING: usize = 256;

/// Bytes quinn buffers for one undecided attempt, beyond its first datagram.
///
/// 0-RTT is off, so before the accept loop decides, a client sends nothing but retransmissions of
/// its Initial (one 1,200-byte datagram here: TLS 1.3 with one X25519 share and no resumption);
/// 16 KiB holds a dozen of them. quinn's default (10 MiB) is room for 0-RTT data we never accept.
pub const INCOMING_BUFFER_BYTES: u64 = 16 * 1024;

/// Bytes quinn buffers for all undecided attempts together, beyond their first datagrams.
///
/// Most attempts buffer nothing (they are decided before their Initial is resent); 1 MiB is 64 full
/// [`INCOMING_BUFFER_BYTES`], and a flood cannot make quinn hold more. A packet dropped for lack of
/// room is resent by its client.
pub const INCOMING_BUFFER_BYTES_TOTAL: u64 = 1024 * 1024;

/// How long the token of a stateless Retry stays valid.
///
/// A client answers a Retry at once, one round trip later; 15 s (quinn's default, set here so it
/// is a decision) covers the slowest link many times over while keeping a captured token useful to
/// a replaying stranger only briefly.
pub const RETRY_TOKEN_LIFETIME: Duration = Duration::from_secs(15);

/// The DER encoding of an ed25519 PKCS#8 v1 private key (RFC 8410, section 7) up to the 32-byte seed:
/// `SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32 bytes) } }`.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// The DER encoding of an ed25519 SubjectPublicKeyInfo (RFC 8410, section 4) up to the 32-byte key:
/// `SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (0 unused bits, 32 bytes) }`. RFC 8410 forbids
/// parameters, and DER has one encoding, so every valid ed25519 SPKI starts with exactly these bytes.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// Why a TLS configuration could not be built, or a peer's key could not be read or was refused.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// rcgen could not load the node's key as an ed25519 key pair.
    #[error("{}", crate::t!("node.tls.key_pair"))]
    KeyPair(#[source] rcgen::Error),
    /// rcgen could not build or sign the self-signed certificate.
    #[error("{}", crate::t!("node.tls.certificate"))]
    Certificate(#[source] rcgen::Error),
    /// The crypto provider cannot do TLS 1.3.
    #[error("{}", crate::t!("node.tls.protocol_version"))]
    ProtocolVersion(#[source] rustls::Error),
    /// rustls refused the node's certificate and private key.
    #[error("{}", crate::t!("node.tls.certificate_key"))]
    CertificateKey(#[source] rustls::Error),
    /// The crypto provider lacks the cipher suite QUIC needs for its initial packets.
    #[error("{}", crate::t!("node.tls.initial_cipher_suite"))]
    InitialCipherSuite(#[source] NoInitialCipherSuite),
    /// The connection has no peer certificate: the handshake is not complete.
    #[error("{}", crate::t!("node.tls.no_peer_identity"))]
    NoPeerIdentity,
    /// The connection's peer identity is not a rustls certificate chain.
    #[error("{}", crate::t!("node.tls.unexpected_peer_identity"))]
    UnexpectedPeerIdentity,
    /// The peer sent an empty certificate chain.
    #[error("{}", crate::t!("node.tls.empty_certificate_chain"))]
    EmptyCertificateChain,
    /// The peer's certificate is not well-formed X.509.
    #[error("{}", crate::t!("node.tls.malformed_certificate"))]
    MalformedCertificate(#[source] webpki::Error),
    /// The peer's certificate holds a key other than ed25519.
    #[error("{}", crate::t!("node.tls.not_ed25519"))]
    NotEd25519,
    /// The peer's certificate holds 32 bytes that are not an ed25519 public key.
    #[error("{}", crate::t!("node.tls.invalid_public_key"))]
    InvalidPublicKey(#[source] ed25519_dalek::SignatureError),
    /// The server proved a key other than the one the topology names for this node's parent.
    #[error("{}", crate::t!("node.tls.server_key_not_pinned", presented = .presented, expected = .expected))]
    ServerKeyNotPinned {
        /// The key the topology names, in hex.
        expected: String,
        /// The key the server presented, in hex.
        presented: String,
    },
    /// The client presented a key that is not among this node's accepted children.
    #[error("{}", crate::t!("node.tls.client_key_not_accepted", presented = .presented))]
    ClientKeyNotAccepted {
        /// The key the client presented, in hex.
        presented: String,
    },
}

/// The set of peer keys a server accepts from clients (the node's children), replaceable when a new
/// topology arrives.
///
/// Clones share one set, so the node keeps a clone and replaces the keys while the server's verifier
/// reads them. A replacement applies to handshakes that start afterwards; connections already
/// established are the session's business. TLS session resumption is disabled so that every
/// connection runs the full handshake against the current set.
#[derive(Clone, Debug, Default)]
pub struct AcceptedKeys {
    /// The keys, shared between the node (which replaces them) and the server verifier (which reads
    /// them on every handshake).
    keys: Arc<RwLock<HashSet<VerifyingKey>>>,
}

impl AcceptedKeys {
    /// A set holding exactly `keys`.
    pub fn new(keys: impl IntoIterator<Item = VerifyingKey>) -> Self {
        Self {
            keys: Arc::new(RwLock::new(keys.into_iter().collect())),
        }
    }

    /// Replaces the whole set with `keys`, for every clone of this set.
    pub fn replace(&self, keys: impl IntoIterator<Item = VerifyingKey>) {
        let keys: HashSet<VerifyingKey> = keys.into_iter().collect();
        // The set is only ever swapped whole, so a panic elsewhere cannot have left it half-written.
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = keys;
    }

    /// Whether a client holding `key` may connect.
    pub fn contains(&self, key: &VerifyingKey) -> bool {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(key)
    }
}

/// A quinn server configuration that presents `identity` and accepts only clients whose key is in
/// `accepted_clients` at the time of their handshake.
pub fn server_config(
    identity: &SigningKey,
    accepted_clients: AcceptedKeys,
) -> Result<quinn::ServerConfig, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = AcceptedClientsVerifier {
        accepted_clients,
        algorithms: provider.signature_verification_algorithms,
    };
    let (certificate, private_key) = self_signed_certificate(identity)?;
    let mut tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(TlsError::ProtocolVersion)?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(vec![certificate], private_key)
        .map_err(TlsError::CertificateKey)?;
    tls.alpn_protocols = vec![ALPN.to_vec()];
    // No resumption: a resumed handshake skips the client certificate verifier, and so would let in
    // a client whose key has since been removed from the accepted keys.
    tls.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    tls.send_tls13_tickets = 0;
    tls.max_early_data_size = 0;
    let quic = QuicServerConfig::try_from(Arc::new(tls)).map_err(TlsError::InitialCipherSuite)?;
    let mut config = quinn::ServerConfig::with_crypto(Arc::new(quic));
    config
        .transport_config(transport_config())
        .max_incoming(MAX_INCOMING)
        .incoming_buffer_size(INCOMING_BUFFER_BYTES)
        .incoming_buffer_size_total(INCOMING_BUFFER_BYTES_TOTAL)
        .retry_token_lifetime(RETRY_TOKEN_LIFETIME);
    Ok(config)
}

/// A quinn client configuration that presents `identity` and accepts only a server that proves
/// `expected_server`. Connect with [`SERVER_NAME`] as the server name.
///
/// A connection that resolves has authenticated the server, but the server may still refuse this
/// client's key and close it (see the module documentation).
pub fn client_config(
    identity: &SigningKey,
    expected_server: VerifyingKey,
) -> Result<quinn::ClientConfig, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = PinnedServerVerifier {
        expected_server,
        algorithms: provider.signature_verification_algorithms,
    };
    let (certificate, private_key) = self_signed_certificate(identity)?;
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(TlsError::ProtocolVersion)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_client_auth_cert(vec![certificate], private_key)
        .map_err(TlsError::CertificateKey)?;
    tls.alpn_protocols = vec![ALPN.to_vec()];
    // No resumption and no early data: every connection proves both keys afresh.
    tls.resumption = rustls::client::Resumption::disabled();
    tls.enable_early_data = false;
    let quic = QuicClientConfig::try_from(Arc::new(tls)).map_err(TlsError::InitialCipherSuite)?;
    let mut config = quinn::ClientConfig::new(Arc::new(quic));
    config.transport_config(transport_config());
    Ok(config)
}

/// The ed25519 key the peer proved during the handshake (from the connection's `peer_identity()`).
pub fn peer_key(connection: &quinn::Connection) -> Result<VerifyingKey, TlsError> {
    let identity = connection.peer_identity().ok_or(TlsError::NoPeerIdentity)?;
    let chain = identity
        .downcast::<Vec<CertificateDer<'static>>>()
        .map_err(|_| TlsError::UnexpectedPeerIdentity)?;
    let end_entity = chain.first().ok_or(TlsError::EmptyCertificateChain)?;
    ed25519_key_of(end_entity)
}

/// The transport settings both sides use: keep-alives and an idle timeout for poor networks, and
/// bounded streams.
fn transport_config() -> Arc<TransportConfig> {
    let mut transport = TransportConfig::default();
    transport
        .keep_alive_interval(Some(KEEP_ALIVE_INTERVAL))
        .max_idle_timeout(Some(IdleTimeout::from(VarInt::from_u32(IDLE_TIMEOUT_MS))))
        .max_concurrent_bidi_streams(VarInt::from_u32(MAX_CONCURRENT_BIDI_STREAMS))
        .max_concurrent_uni_streams(VarInt::from_u32(MAX_CONCURRENT_UNI_STREAMS))
        // The protocol sends no unreliable datagrams, so the peer may not send any either.
        .datagram_receive_buffer_size(None);
    Arc::new(transport)
}

/// The node's self-signed certificate for `identity`, and the key in the form rustls loads.
fn self_signed_certificate(
    identity: &SigningKey,
) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), TlsError> {
    // ed25519-dalek is built without its `pkcs8` feature; an ed25519 PKCS#8 v1 document is a fixed
    // prefix followed by the seed, so it is written here. ring derives the public key from the seed.
    let mut pkcs8 = Vec::with_capacity(ED25519_PKCS8_PREFIX.len() + 32);
    pkcs8.extend_from_slice(&ED25519_PKCS8_PREFIX);
    pkcs8.extend_from_slice(identity.as_bytes());
    let private_key = PrivatePkcs8KeyDer::from(pkcs8);

    let key_pair = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&private_key, &rcgen::PKCS_ED25519)
        .map_err(TlsError::KeyPair)?;
    assert_eq!(
        key_pair.public_key_raw(),
        identity.verifying_key().as_bytes(),
        "ring must derive the same public key as ed25519-dalek from the seed"
    );
    let mut params = rcgen::CertificateParams::new(vec![SERVER_NAME.to_owned()])
        .map_err(TlsError::Certificate)?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, SERVER_NAME);
    let certificate = params
        .self_signed(&key_pair)
        .map_err(TlsError::Certificate)?;
    Ok((certificate.der().clone(), PrivateKeyDer::Pkcs8(private_key)))
}

/// The ed25519 public key in `certificate`, refusing any other kind of key.
fn ed25519_key_of(certificate: &CertificateDer<'_>) -> Result<VerifyingKey, TlsError> {
    let end_entity =
        webpki::EndEntityCert::try_from(certificate).map_err(TlsError::MalformedCertificate)?;
    let spki = end_entity.subject_public_key_info();
    let key_bytes: &[u8; 32] = spki
        .as_ref()
        .strip_prefix(&ED25519_SPKI_PREFIX)
        .and_then(|rest| rest.try_into().ok())
        .ok_or(TlsError::NotEd25519)?;
    VerifyingKey::from_bytes(key_bytes).map_err(TlsError::InvalidPublicKey)
}

/// `key` as lowercase hex, for error messages and logs.
fn key_hex(key: &VerifyingKey) -> String {
    key.as_bytes()
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// A verification failure in the form rustls reports: the peer gets a `certificate_unknown` alert,
/// and the local error's text, which quinn keeps as the connection error's reason, says why.
fn refused(error: TlsError) -> rustls::Error {
    CertificateError::Other(OtherError(Arc::new(Refusal(error)))).into()
}

/// Our reason for refusing a peer's certificate, inside a rustls error.
///
/// rustls renders the reason with `Debug`, so this prints the sentence of its `Display`.
struct Refusal(TlsError);

impl fmt::Display for Refusal {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, formatter)
    }
}

impl fmt::Debug for Refusal {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, formatter)
    }
}

impl std::error::Error for Refusal {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// Checks a TLS 1.3 `CertificateVerify` signature made with the certificate's key.
fn verify_handshake_signature(
    message: &[u8],
    certificate: &CertificateDer<'_>,
    signature: &DigitallySignedStruct,
    algorithms: &WebPkiSupportedAlgorithms,
) -> Result<HandshakeSignatureValid, rustls::Error> {
    if signature.scheme != SignatureScheme::ED25519 {
        return Err(PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme.into());
    }
    rustls::crypto::verify_tls13_signature(message, certificate, signature, algorithms)
}

/// The only signature scheme either side offers or accepts.
fn supported_schemes() -> Vec<SignatureScheme> {
    vec![SignatureScheme::ED25519]
}

/// The client's verifier: the server must prove exactly the key the topology names for the parent.
#[derive(Debug)]
struct PinnedServerVerifier {
    /// The parent's key, from the topology.
    expected_server: VerifyingKey,
    /// The ring provider's algorithms, for checking the handshake signature.
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = ed25519_key_of(end_entity).map_err(refused)?;
        if presented != self.expected_server {
            return Err(refused(TlsError::ServerKeyNotPinned {
                expected: key_hex(&self.expected_server),
                presented: key_hex(&presented),
            }));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _certificate: &CertificateDer<'_>,
        _signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(PeerIncompatible::Tls13RequiredForQuic.into())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_handshake_signature(message, certificate, signature, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        supported_schemes()
    }
}

/// The server's verifier: the client must present a certificate, and its key must be accepted.
#[derive(Debug)]
struct AcceptedClientsVerifier {
    /// The children's keys, from the topology; replaced as it changes.
    accepted_clients: AcceptedKeys,
    /// The ring provider's algorithms, for checking the handshake signature.
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for AcceptedClientsVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let presented = ed25519_key_of(end_entity).map_err(refused)?;
        if !self.accepted_clients.contains(&presented) {
            return Err(refused(TlsError::ClientKeyNotAccepted {
                presented: key_hex(&presented),
            }));
        }
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _certificate: &CertificateDer<'_>,
        _signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(PeerIncompatible::Tls13RequiredForQuic.into())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_handshake_signature(message, certificate, signature, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, SocketAddr};

    use anyhow::{Context as _, bail, ensure};
    use quinn::{Connection, ConnectionError, Endpoint, TransportErrorCode};
    use rustls::AlertDescription;

    use super::*;

    /// The most any one test may take; a handshake on loopback takes milliseconds.
    const TEST_TIMEOUT: Duration = Duration::from_secs(10);

    /// The most bytes a test reads from a stream.
    const MESSAGE_SIZE_MAX: usize = 1024;

    /// A deterministic node key; different seeds give different keys.
    fn node_key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    /// A server endpoint on a free loopback port.
    fn server_endpoint(identity: &SigningKey, accepted: AcceptedKeys) -> anyhow::Result<Endpoint> {
        let config = server_config(identity, accepted)?;
        Ok(Endpoint::server(config, (Ipv4Addr::LOCALHOST, 0).into())?)
    }

    /// A client endpoint on a free loopback port.
    fn client_endpoint() -> anyhow::Result<Endpoint> {
        Ok(Endpoint::client((Ipv4Addr::LOCALHOST, 0).into())?)
    }

    /// Connects from `client` to `server_address` as `identity`, expecting `expected_server`.
    async fn connect(
        client: &Endpoint,
        server_address: SocketAddr,
        identity: &SigningKey,
        expected_server: VerifyingKey,
    ) -> anyhow::Result<Result<Connection, ConnectionError>> {
        let config = client_config(identity, expected_server)?;
        Ok(client
            .connect_with(config, server_address, SERVER_NAME)?
            .await)
    }

    /// Accepts one incoming connection on `server` and runs its handshake.
    async fn accept_one(server: &Endpoint) -> anyhow::Result<Result<Connection, ConnectionError>> {
        let incoming = server.accept().await.context("server endpoint closed")?;
        Ok(incoming.await)
    }

    /// Runs one handshake, on fresh endpoints, from a client holding `client_identity` and expecting
    /// `expected_server` to a server holding `server_identity`, and returns (server, client) outcomes.
    async fn handshake(
        server_identity: &SigningKey,
        accepted: AcceptedKeys,
        client_identity: &SigningKey,
        expected_server: VerifyingKey,
    ) -> anyhow::Result<(
        Result<Connection, ConnectionError>,
        Result<Connection, ConnectionError>,
    )> {
        let server = server_endpoint(server_identity, accepted)?;
        let client = client_endpoint()?;
        let (server_outcome, client_outcome) = tokio::join!(
            accept_one(&server),
            connect(
                &client,
                server.local_addr()?,
                client_identity,
                expected_server
            )
        );
        Ok((server_outcome?, client_outcome?))
    }

    /// Asserts that a refused handshake left no usable connection on either side: the refusing side's
    /// handshake fails with `reason` in its error, and the other side either fails its handshake or
    /// sees its connection closed with a TLS error before it can use it.
    async fn assert_refused(
        refusing_side: Result<Connection, ConnectionError>,
        other_side: Result<Connection, ConnectionError>,
        reason: &str,
    ) -> anyhow::Result<()> {
        match refusing_side {
            Ok(_) => bail!("the refusing side completed the handshake"),
            Err(error) => ensure!(
                error.to_string().contains(reason),
                "refused for the wrong reason: {error}"
            ),
        }
        // The refusing side sends a certificate_unknown alert, which QUIC carries as a crypto error.
        let refusal = TransportErrorCode::crypto(u8::from(AlertDescription::CertificateUnknown));
        let error = match other_side {
            Ok(connection) => connection.closed().await,
            Err(error) => error,
        };
        ensure!(
            matches!(error, ConnectionError::ConnectionClosed(ref close) if close.error_code == refusal),
            "the other side's connection ended for an unexpected reason: {error}"
        );
        Ok(())
    }

    /// A client with the expected key reaches a server that accepts it, a stream carries a message
    /// each way, and each side learns the other's key.
    #[tokio::test]
    async fn accepted_client_and_pinned_server_exchange_messages() -> anyhow::Result<()> {
        tokio::time::timeout(TEST_TIMEOUT, async {
            let server_identity = node_key(1);
            let client_identity = node_key(2);
            let server = server_endpoint(
                &server_identity,
                AcceptedKeys::new([client_identity.verifying_key()]),
            )?;
            let client = client_endpoint()?;
            let server_address = server.local_addr()?;

            let server_task = async {
                let connection = accept_one(&server).await??;
                let (mut send, mut receive) = connection.accept_bi().await?;
                let request = receive.read_to_end(MESSAGE_SIZE_MAX).await?;
                send.write_all(b"pong").await?;
                send.finish()?;
                // Wait for the client to close, so the reply is not lost with the connection.
                connection.closed().await;
                anyhow::Ok((peer_key(&connection)?, request))
            };
            let client_task = async {
                let connection = connect(
                    &client,
                    server_address,
                    &client_identity,
                    server_identity.verifying_key(),
                )
                .await??;
                let (mut send, mut receive) = connection.open_bi().await?;
                send.write_all(b"ping").await?;
                send.finish()?;
                let reply = receive.read_to_end(MESSAGE_SIZE_MAX).await?;
                let key = peer_key(&connection)?;
                connection.close(VarInt::from_u32(0), b"done");
                anyhow::Ok((key, reply))
            };
            let (server_result, client_result) = tokio::join!(server_task, client_task);
            let (key_seen_by_server, request) = server_result?;
            let (key_seen_by_client, reply) = client_result?;

            assert_eq!(request, b"ping");
            assert_eq!(reply, b"pong");
            assert_eq!(key_seen_by_server, client_identity.verifying_key());
            assert_eq!(key_seen_by_client, server_identity.verifying_key());
            Ok(())
        })
        .await
        .context("test timed out")?
    }

    /// A client whose key the server does not accept fails the handshake.
    #[tokio::test]
    async fn client_not_in_accepted_keys_is_refused() -> anyhow::Result<()> {
        tokio::time::timeout(TEST_TIMEOUT, async {
            let server_identity = node_key(1);
            let stranger = node_key(3);
            let (server_outcome, client_outcome) = handshake(
                &server_identity,
                AcceptedKeys::new([node_key(2).verifying_key()]),
                &stranger,
                server_identity.verifying_key(),
            )
            .await?;
            assert_refused(server_outcome, client_outcome, "不在本节点接受的密钥之列").await
        })
        .await
        .context("test timed out")?
    }

    /// A client that expects a different server key refuses the server.
    #[tokio::test]
    async fn server_with_unexpected_key_is_refused() -> anyhow::Result<()> {
        tokio::time::timeout(TEST_TIMEOUT, async {
            let client_identity = node_key(2);
            let impostor = node_key(4);
            let (server_outcome, client_outcome) = handshake(
                &impostor,
                AcceptedKeys::new([client_identity.verifying_key()]),
                &client_identity,
                node_key(1).verifying_key(),
            )
            .await?;
            assert_refused(client_outcome, server_outcome, "不是拓扑为它列出的密钥").await
        })
        .await
        .context("test timed out")?
    }

    /// Replacing the accepted keys admits a new key and refuses a removed one on the next handshake.
    #[tokio::test]
    async fn replaced_accepted_keys_apply_to_new_connections() -> anyhow::Result<()> {
        tokio::time::timeout(TEST_TIMEOUT, async {
            let server_identity = node_key(1);
            let old_child = node_key(2);
            let new_child = node_key(3);
            let accepted = AcceptedKeys::new([old_child.verifying_key()]);
            let server = server_endpoint(&server_identity, accepted.clone())?;
            let client = client_endpoint()?;
            let server_address = server.local_addr()?;
            let expected_server = server_identity.verifying_key();

            let (server_outcome, client_outcome) = tokio::join!(
                accept_one(&server),
                connect(&client, server_address, &old_child, expected_server)
            );
            let first = server_outcome??;
            assert_eq!(peer_key(&first)?, old_child.verifying_key());
            client_outcome??.close(VarInt::from_u32(0), b"done");

            accepted.replace([new_child.verifying_key()]);
            assert!(accepted.contains(&new_child.verifying_key()));
            assert!(!accepted.contains(&old_child.verifying_key()));

            let (server_outcome, client_outcome) = tokio::join!(
                accept_one(&server),
                connect(&client, server_address, &old_child, expected_server)
            );
            assert_refused(server_outcome?, client_outcome?, "不在本节点接受的密钥之列").await?;

            let (server_outcome, client_outcome) = tokio::join!(
                accept_one(&server),
                connect(&client, server_address, &new_child, expected_server)
            );
            assert_eq!(peer_key(&server_outcome??)?, new_child.verifying_key());
            client_outcome??.close(VarInt::from_u32(0), b"done");
            Ok(())
        })
        .await
        .context("test timed out")?
    }

    #[test]
    fn certificate_carries_the_node_key() -> anyhow::Result<()> {
        let identity = node_key(5);
        let (certificate, _) = self_signed_certificate(&identity)?;
        assert_eq!(ed25519_key_of(&certificate)?, identity.verifying_key());
        Ok(())
    }

    #[test]
    fn certificate_with_another_kind_of_key_is_refused() -> anyhow::Result<()> {
        let key_pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let certificate =
            rcgen::CertificateParams::new(vec![SERVER_NAME.to_owned()])?.self_signed(&key_pair)?;
        let error = ed25519_key_of(certificate.der()).expect_err("a P-256 key is not ed25519");
        assert!(matches!(error, TlsError::NotEd25519), "{error}");
        Ok(())
    }
}
