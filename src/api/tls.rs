//! TLS for appliances with self-signed certificates: SHA-256 certificate fingerprints and the
//! pinning verifier (perf-reliability B.3).
//!
//! A pinned fingerprint (`tls_fingerprint`) is checked *instead of* the certificate chain,
//! host name and validity dates: the certificate the appliance presents must be exactly the
//! pinned one. The handshake signatures are still verified against that certificate's key, so
//! only the holder of the private key can answer. The `rustls::ClientConfig` built here is
//! handed to reqwest with `tls_backend_preconfigured`, which only recognises it when our rustls
//! and reqwest's are the same crate (both `0.23`; a test connects through it).

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

/// A SHA-256 fingerprint of a DER certificate.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of a certificate in DER form.
    pub fn of(der: &[u8]) -> Fingerprint {
        let digest = ring::digest::digest(&ring::digest::SHA256, der);
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(digest.as_ref());
        Fingerprint(bytes)
    }

    /// Reads a fingerprint as `openssl x509 -fingerprint -sha256` prints it (`AB:CD:...`),
    /// or as plain hex; case, colons, spaces and a `sha256:`/`SHA256=` prefix do not matter.
    pub fn parse(text: &str) -> Result<Fingerprint, String> {
        let trimmed = text.trim();
        let lower = trimmed.to_ascii_lowercase();
        let body = ["sha256:", "sha256=", "sha256 fingerprint="]
            .iter()
            .find_map(|prefix| lower.strip_prefix(prefix))
            .unwrap_or(&lower);
        let hex: String = body
            .chars()
            .filter(|c| !matches!(c, ':' | ' ' | '-'))
            .collect();
        let invalid = || {
            format!(
                "tls_fingerprint \"{trimmed}\" is not a SHA-256 fingerprint (64 hex digits, e.g. AB:CD:...)"
            )
        };
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(invalid());
        }
        let mut bytes = [0u8; 32];
        for (index, byte) in bytes.iter_mut().enumerate() {
            *byte =
                u8::from_str_radix(&hex[index * 2..index * 2 + 2], 16).map_err(|_| invalid())?;
        }
        Ok(Fingerprint(bytes))
    }
}

impl fmt::Display for Fingerprint {
    /// `AB:CD:...`, like `openssl x509 -fingerprint -sha256`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, byte) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// The appliance presented another certificate than the pinned one.
#[derive(Debug)]
struct PinMismatch {
    presented: Fingerprint,
}

impl fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the certificate's SHA-256 fingerprint {} does not match the pinned tls_fingerprint",
            self.presented
        )
    }
}

impl std::error::Error for PinMismatch {}

/// A TLS failure in words: what the pin check said, else rustls' own text.
pub fn describe(error: &rustls::Error) -> String {
    if let rustls::Error::InvalidCertificate(CertificateError::Other(other)) = error
        && let Some(mismatch) = other.0.downcast_ref::<PinMismatch>()
    {
        return mismatch.to_string();
    }
    error.to_string()
}

/// Accepts exactly the pinned certificate; still verifies the handshake signatures with it.
#[derive(Debug)]
struct PinnedCertificate {
    pin: Fingerprint,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = Fingerprint::of(end_entity);
        if presented == self.pin {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                rustls::OtherError(Arc::new(PinMismatch { presented })),
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A rustls client configuration (ring provider) that trusts exactly the certificate `pin`.
pub fn pinned_client_config(pin: Fingerprint) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider: Arc<CryptoProvider> = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = PinnedCertificate {
        pin,
        algorithms: provider.signature_verification_algorithms,
    };
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_print_like_openssl_and_parse_back_leniently() {
        let print = Fingerprint::of(b"not really a certificate");
        let text = print.to_string();
        assert_eq!(text.len(), 32 * 3 - 1);
        assert!(text.chars().all(|c| c == ':' || c.is_ascii_hexdigit()));
        assert_eq!(Fingerprint::parse(&text), Ok(print));
        let plain = text.replace(':', "").to_lowercase();
        assert_eq!(Fingerprint::parse(&format!(" sha256:{plain} ")), Ok(print));
        assert_eq!(
            Fingerprint::parse(&format!("SHA256 Fingerprint={text}")),
            Ok(print)
        );
        let not_hex = format!("g{}", &plain[1..]);
        for bad in ["", "AB:CD", &format!("{plain}00"), &not_hex] {
            let error = Fingerprint::parse(bad).unwrap_err();
            assert!(error.contains("64 hex digits"), "{error}");
        }
    }
}
