//! Submissions: an owner's signed statement that its document, at these automerge heads, holds this
//! many records whose figures have this digest.
//!
//! Automerge change hashes form a hash DAG, so signing the heads covers every record and its whole
//! history. A document travels to the parent only as far as its latest signed heads; the parent
//! stores a change only if the heads it ends at are exactly the signed ones.
//!
//! Two forms: since protocol 5 a submission names the person who submitted and is signed under
//! `huizong/submission/2`; a submission signed before (`huizong/submission/1`) names nobody. Both
//! decode into [`Submission`], the earlier with `submitted_by: None`; only the current form is
//! ever signed.

use schemas::figures::Figures;
use serde::{Deserialize, Serialize};
use topology::DivisionCode;

use crate::key::DocumentKey;
use crate::limits::{MAX_HEADS_PER_SUBMISSION, MAX_TEXT_BYTES};
use crate::person::check_person_name;
use crate::signed::{Signed, SignedPayload};

/// What the owner of a document signs when it submits a period's return. Its encodings are
/// `SubmissionForm2` (signed now) and `SubmissionForm1` (read only), not this type's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    /// The document submitted.
    pub key: DocumentKey,
    /// The automerge heads of the document as submitted, sorted ascending.
    pub heads: Vec<[u8; 32]>,
    /// Records in the document at those heads, so a receiver can tell a truncated read.
    pub n_records: u64,
    /// SHA-256 digest of the figures computed from the records, so every receiver can check that
    /// its own computation agrees with the owner's.
    pub figures_digest: [u8; 32],
    /// The coefficient table the figures were computed with.
    pub coefficients_version: String,
    /// Increases by one with each submission of this document; the newest wins.
    pub sequence: u64,
    /// The owner's wall clock when it signed, in milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// The person on whose behalf the owner signed (who ran `submit` or `confirm`), so that every
    /// node above sees who submitted. `None` only for a submission signed before protocol 5, in
    /// the earlier form, which named nobody; a submission without one is never signed now.
    pub submitted_by: Option<String>,
}

/// The domain of submissions signed before protocol 5, which named no person ([`SubmissionForm1`]).
const DOMAIN_FORM_1: &[u8] = b"huizong/submission/1\0";

/// The encoding of a submission signed now, under `huizong/submission/2`: the earlier form's
/// fields, then the person. postcard writes fields one after the other, so bytes of one form
/// never decode as the other (a form-1 payload ends where the name would begin; a form-2 payload
/// leaves the name as trailing bytes after form 1).
#[derive(Serialize, Deserialize)]
struct SubmissionForm2 {
    key: DocumentKey,
    heads: Vec<[u8; 32]>,
    n_records: u64,
    figures_digest: [u8; 32],
    coefficients_version: String,
    sequence: u64,
    time_ms: i64,
    submitted_by: String,
}

/// The encoding of a submission signed before protocol 5, under `huizong/submission/1`: read from
/// stores and peers' restores, never signed.
#[derive(Serialize, Deserialize)]
struct SubmissionForm1 {
    key: DocumentKey,
    heads: Vec<[u8; 32]>,
    n_records: u64,
    figures_digest: [u8; 32],
    coefficients_version: String,
    sequence: u64,
    time_ms: i64,
}

impl SignedPayload for Submission {
    const DOMAIN: &'static [u8] = b"huizong/submission/2\0";
    const MAX_ENVELOPE_BYTES: usize = crate::limits::MAX_SUBMISSION_ENVELOPE_BYTES;

    fn signer(&self) -> DivisionCode {
        self.key.owner
    }

    /// Form 2; a submission that names no person has only form 1, which is never signed.
    fn encode(&self) -> Result<Vec<u8>, String> {
        let Some(submitted_by) = &self.submitted_by else {
            return Err("a new submission names the person who submits it".to_owned());
        };
        crate::signed::encode_serde(&SubmissionForm2 {
            key: self.key,
            heads: self.heads.clone(),
            n_records: self.n_records,
            figures_digest: self.figures_digest,
            coefficients_version: self.coefficients_version.clone(),
            sequence: self.sequence,
            time_ms: self.time_ms,
            submitted_by: submitted_by.clone(),
        })
    }

    /// Form 2, else form 1; when neither decodes, why form 2 does not.
    fn decode(bytes: &[u8]) -> Result<(Self, &'static [u8]), String> {
        match crate::encoding::decode_exact::<SubmissionForm2>(bytes) {
            Ok(form) => Ok((
                Submission {
                    key: form.key,
                    heads: form.heads,
                    n_records: form.n_records,
                    figures_digest: form.figures_digest,
                    coefficients_version: form.coefficients_version,
                    sequence: form.sequence,
                    time_ms: form.time_ms,
                    submitted_by: Some(form.submitted_by),
                },
                Self::DOMAIN,
            )),
            Err(current) => {
                let form =
                    crate::encoding::decode_exact::<SubmissionForm1>(bytes).map_err(|_| current)?;
                Ok((
                    Submission {
                        key: form.key,
                        heads: form.heads,
                        n_records: form.n_records,
                        figures_digest: form.figures_digest,
                        coefficients_version: form.coefficients_version,
                        sequence: form.sequence,
                        time_ms: form.time_ms,
                        submitted_by: None,
                    },
                    DOMAIN_FORM_1,
                ))
            }
        }
    }

    /// Checks: between one and [`MAX_HEADS_PER_SUBMISSION`] heads, sorted without duplicates; a
    /// sequence of at least one; a coefficient version of bounded length; the person's name, when
    /// there is one, not blank, of at most [`crate::limits::ACTOR_NAME_CHARS_MAX`] characters and
    /// without control characters.
    fn check(&self) -> Result<(), String> {
        if self.heads.is_empty() || self.heads.len() > MAX_HEADS_PER_SUBMISSION {
            return Err(format!(
                "a submission names 1 to {MAX_HEADS_PER_SUBMISSION} heads, this one {}",
                self.heads.len()
            ));
        }
        if !self.heads.windows(2).all(|pair| pair[0] < pair[1]) {
            return Err("the heads of a submission must be sorted and distinct".to_owned());
        }
        if self.sequence == 0 {
            return Err("submission sequence numbers start at 1".to_owned());
        }
        if self.coefficients_version.is_empty() || self.coefficients_version.len() > MAX_TEXT_BYTES
        {
            return Err("the coefficient version must be 1 to 1024 bytes".to_owned());
        }
        if let Some(person) = &self.submitted_by {
            check_person_name(person)?;
        }
        Ok(())
    }
}

impl Submission {
    /// The heads as automerge change hashes.
    pub fn change_hashes(&self) -> Vec<automerge::ChangeHash> {
        self.heads
            .iter()
            .map(|head| automerge::ChangeHash(*head))
            .collect()
    }

    /// Heads in the form a submission stores them: sorted, distinct.
    pub fn heads_from(hashes: &[automerge::ChangeHash]) -> Vec<[u8; 32]> {
        let mut heads: Vec<[u8; 32]> = hashes.iter().map(|hash| hash.0).collect();
        heads.sort_unstable();
        heads.dedup();
        heads
    }
}

/// A verified submission together with the figures its receiver computed from the document and
/// checked against the signed digest.
#[derive(Clone, Debug)]
pub struct AcceptedSubmission {
    pub submission: Signed<Submission>,
    pub figures: Figures,
}

#[cfg(test)]
mod tests {
    use schemas::{Ledger, Period};

    use super::*;
    use crate::limits::{ACTOR_NAME_CHARS_MAX, MAX_SUBMISSION_ENVELOPE_BYTES};
    use crate::signed::testing::{county, key_of, signed_by_hand, topology};
    use crate::signed::{Envelope, SignedError};

    fn submission(submitted_by: Option<&str>) -> Submission {
        Submission {
            key: DocumentKey::new(county(), Ledger::Energy, Period::Year(2025)),
            heads: vec![[7; 32]],
            n_records: 3,
            figures_digest: [9; 32],
            coefficients_version: "GB/T 2589-2020".to_owned(),
            sequence: 1,
            time_ms: 1_000,
            submitted_by: submitted_by.map(str::to_owned),
        }
    }

    fn form_1_bytes(submission: &Submission) -> Vec<u8> {
        postcard::to_stdvec(&SubmissionForm1 {
            key: submission.key,
            heads: submission.heads.clone(),
            n_records: submission.n_records,
            figures_digest: submission.figures_digest,
            coefficients_version: submission.coefficients_version.clone(),
            sequence: submission.sequence,
            time_ms: submission.time_ms,
        })
        .unwrap()
    }

    #[test]
    fn a_signed_submission_carries_the_person_who_submitted() {
        let topology = topology();
        let signed = Signed::sign(submission(Some("张三")), &key_of(county()), &topology).unwrap();
        let verified = Signed::<Submission>::from_bytes(&signed.to_bytes(), &topology).unwrap();
        assert_eq!(verified.payload().submitted_by.as_deref(), Some("张三"));
        assert_eq!(verified.hash(), signed.hash());
    }

    #[test]
    fn a_forged_change_of_the_person_breaks_the_signature() {
        let topology = topology();
        let signed = Signed::sign(submission(Some("张三")), &key_of(county()), &topology).unwrap();
        let mut forged: Envelope = signed.envelope().clone();
        let at = forged
            .payload
            .windows("张三".len())
            .position(|window| window == "张三".as_bytes())
            .unwrap();
        // 李四 takes as many bytes as 张三: the payload still decodes, only the name differs.
        forged.payload[at..at + "李四".len()].copy_from_slice("李四".as_bytes());
        let (decoded, _) = Submission::decode(&forged.payload).unwrap();
        assert_eq!(decoded.submitted_by.as_deref(), Some("李四"));
        assert_eq!(
            Signed::<Submission>::verify(forged, &topology).unwrap_err(),
            SignedError::BadSignature { signer: county() }
        );
    }

    #[test]
    fn a_submission_signed_before_names_nobody_and_still_verifies_under_its_own_domain() {
        let topology = topology();
        let old = submission(None);
        let envelope = signed_by_hand(DOMAIN_FORM_1, form_1_bytes(&old), &key_of(county()));
        let verified = Signed::<Submission>::verify(envelope.clone(), &topology).unwrap();
        assert_eq!(verified.payload(), &old);
        assert_eq!(
            verified.envelope(),
            &envelope,
            "the original bytes are kept"
        );
        // The same bytes signed under the current domain are not a form-1 submission: the domain
        // goes with the form.
        let misdomained = signed_by_hand(Submission::DOMAIN, form_1_bytes(&old), &key_of(county()));
        assert!(matches!(
            Signed::<Submission>::verify(misdomained, &topology),
            Err(SignedError::BadSignature { .. })
        ));
    }

    #[test]
    fn a_submission_naming_nobody_is_never_signed_anew() {
        let error = Signed::sign(submission(None), &key_of(county()), &topology()).unwrap_err();
        assert!(
            matches!(error, SignedError::OutOfBounds { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn the_two_forms_never_decode_the_same_bytes() {
        let named = submission(Some("张三"));
        let form_2 = named.encode().unwrap();
        assert!(crate::encoding::decode_exact::<SubmissionForm1>(&form_2).is_err());
        let form_1 = form_1_bytes(&named);
        assert!(crate::encoding::decode_exact::<SubmissionForm2>(&form_1).is_err());
        assert_eq!(Submission::decode(&form_2).unwrap().1, Submission::DOMAIN);
        assert_eq!(Submission::decode(&form_1).unwrap().1, DOMAIN_FORM_1);
    }

    #[test]
    fn names_out_of_bounds_are_refused_when_signing_and_when_verifying() {
        let topology = topology();
        for bad in ["", " ", "张\n三"] {
            let error = Signed::sign(submission(Some(bad)), &key_of(county()), &topology);
            assert!(
                matches!(error, Err(SignedError::OutOfBounds { .. })),
                "{bad:?}"
            );
            let envelope = signed_by_hand(
                Submission::DOMAIN,
                submission(Some(bad)).encode().unwrap(),
                &key_of(county()),
            );
            assert!(matches!(
                Signed::<Submission>::verify(envelope, &topology),
                Err(SignedError::OutOfBounds { .. })
            ));
        }
        let too_long = "名".repeat(ACTOR_NAME_CHARS_MAX + 1);
        assert!(Signed::sign(submission(Some(&too_long)), &key_of(county()), &topology).is_err());
    }

    #[test]
    fn the_largest_submission_fits_its_envelope_cap() {
        let largest = Submission {
            heads: (0..crate::limits::MAX_HEADS_PER_SUBMISSION as u8)
                .map(|head| [head; 32])
                .collect(),
            n_records: u64::MAX,
            coefficients_version: "v".repeat(MAX_TEXT_BYTES),
            sequence: u64::MAX,
            time_ms: i64::MIN,
            // The widest characters UTF-8 has: four bytes each.
            submitted_by: Some("𠀀".repeat(ACTOR_NAME_CHARS_MAX)),
            ..submission(None)
        };
        let signed = Signed::sign(largest, &key_of(county()), &topology()).unwrap();
        let bytes = signed.to_bytes().len();
        assert!(bytes <= MAX_SUBMISSION_ENVELOPE_BYTES / 2, "{bytes} bytes");
    }
}
