//! Notices: signed statements about the reporting workflow that travel both ways on a tree edge,
//! as opposed to submissions and rollups, which only go up.
//!
//! A review decision is made by the parent of a document's owner, about one signed submission:
//! accepted, or returned with a reason. The decision goes down to the owner (so the clerk sees the
//! reason) and up to every ancestor (so a figure that includes unaccepted input is known to be
//! provisional all the way up). Notices form a grow-only set: every node keeps every notice it may
//! see, each identified by its hash, and a session sends the peer those it has not sent it yet.
//!
//! A decision names the person who decided (since protocol 5). Its encoding is a new kind of body
//! (`NoticeBodyForm::NamedDecision`, the fifth variant) under the same domain, so receipts,
//! definitions and locks keep their bytes, and a decision signed before, which named nobody, still
//! decodes (`NoticeBodyForm::Decision`, the first variant), as a [`Decision`] without a person. New
//! decisions are always signed in the named form.
//!
//! A return definition carries its [`ReturnChoices`] (since protocol 6): the benchmark table its
//! findings compare with, the saving-type institutions target and the heading of its forms. Its
//! encoding is the sixth variant (`NoticeBodyForm::DefinitionWithChoices`); a definition signed
//! before (the second variant) still decodes, with the default choices.

use schemas::{Ledger, Period};
use serde::{Deserialize, Serialize};
use topology::{DivisionCode, Topology};

use crate::key::DocumentKey;
use crate::limits::MAX_TEXT_BYTES;
use crate::person::check_person_name;
use crate::refusal::RefusalReason;
use crate::signed::{ObjectHash, Signed, SignedPayload};

/// A signed statement about the reporting workflow. Its encoding is `NoticeForm`, not this
/// type's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The node whose key signed it.
    pub signer: DivisionCode,
    /// The signer's wall clock when it signed, milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// What it states.
    pub body: NoticeBody,
}

/// What a notice states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoticeBody {
    /// A review decision on one submission.
    Decision(Decision),
    /// A return defined by the root: what is reported, for when, by when, under which rules.
    Definition(ReturnDefinition),
    /// The root closes a return's period (or reopens it).
    Lock(PeriodLock),
    /// The owner's parent received a submission: what the tree observed of it, signed by the first
    /// ancestor, so that lateness and lock membership never rest on the owner's own clock.
    Receipt(Receipt),
}

/// The parent's signed record that it received and stored one of its child's submissions. Its
/// notice's `time_ms` is the parent's clock at that moment. Receipts travel down to the owner and
/// up to every ancestor, like decisions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The document whose submission was received.
    pub key: DocumentKey,
    /// The sequence of the submission received.
    pub sequence: u64,
    /// The hash of the signed submission received.
    pub submission: ObjectHash,
    /// The highest revision of the root's lock of the document's (ledger, period) the parent held
    /// when the submission arrived; 0 when it held none. While the period is closed at revision
    /// `r`, the submission counts only if this is below `r`: it reached the tree before the
    /// closing did, whatever the owner's clock said.
    pub lock_revision_held: u64,
    /// The topology version the parent held when the submission arrived: a submission signed by a
    /// key retired in a later version was received while that key was still current.
    pub topology_version: u64,
}

/// The root's closing (or reopening) of a return's period. While the latest revision is closed,
/// every node counts for each document the latest submission signed before the lock; a
/// submission signed after it is a late correction, held and flagged but not counted until the
/// root reopens the period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodLock {
    pub ledger: Ledger,
    pub period: Period,
    /// True to close, false to reopen.
    pub closed: bool,
    /// Increases with each close or reopen of the same (ledger, period); the highest wins.
    pub revision: u64,
}

/// A return the root asks every node to report: one ledger for one period. A later revision of
/// the same (ledger, period) replaces an earlier one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnDefinition {
    pub ledger: Ledger,
    /// The period, whose form (year, quarter, month) is the return's period type.
    pub period: Period,
    /// When submissions are due, milliseconds since the Unix epoch.
    pub deadline_ms: i64,
    /// Warning rules (by code) that block a submission for this return; error rules always do.
    pub blocking_rules: Vec<String>,
    /// The coefficient table the figures must be computed with.
    pub coefficients_version: String,
    /// Increases with each revision of the definition; the highest wins.
    pub revision: u64,
    /// What the return chooses besides: benchmarks, targets and the heading of its forms.
    pub choices: ReturnChoices,
}

/// What a return definition chooses besides its period, deadline, blocking rules and coefficients
/// (protocol 6). A definition signed before carries the [`Default`] choices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnChoices {
    /// The energy benchmark table the findings compare intensities with, by id; `None` for the
    /// default table.
    pub benchmarks: Option<String>,
    /// The share of eligible bodies that should be created as saving-type institutions
    /// (节约型机关), in whole percent; a lower rate is a finding.
    pub saving_target_percent: u8,
    /// How the return's forms are headed.
    pub form: FormHeading,
}

/// The national action plan's target: at least 70 % of Party and government bodies at county
/// level and above created as saving-type institutions.
pub const SAVING_TARGET_PERCENT_DEFAULT: u8 = 70;

impl Default for ReturnChoices {
    fn default() -> Self {
        ReturnChoices {
            benchmarks: None,
            saving_target_percent: SAVING_TARGET_PERCENT_DEFAULT,
            form: FormHeading::default(),
        }
    }
}

/// The heading of a statistical report form (统计报表), as the statistics office prints it above
/// each table. An empty text is not known and left blank on the form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormHeading {
    /// 表号: the form's number in the statistical system, such as `机关事务 1 表`.
    pub table_number: String,
    /// 制定机关: the body that made the form.
    pub made_by: String,
    /// 批准机关: the statistics office that approved it.
    pub approved_by: String,
    /// 批准文号: the approval's document number.
    pub approval_number: String,
}

impl FormHeading {
    /// The heading's texts with their names, for checks and messages.
    pub fn texts(&self) -> [(&'static str, &str); 4] {
        [
            ("table_number", &self.table_number),
            ("made_by", &self.made_by),
            ("approved_by", &self.approved_by),
            ("approval_number", &self.approval_number),
        ]
    }
}

/// A return definition as signed before protocol 6, without choices.
#[derive(Serialize, Deserialize)]
struct DefinitionForm1 {
    ledger: Ledger,
    period: Period,
    deadline_ms: i64,
    blocking_rules: Vec<String>,
    coefficients_version: String,
    revision: u64,
}

/// A parent's decision on one of its child's submissions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The document reviewed.
    pub key: DocumentKey,
    /// The sequence of the submission reviewed.
    pub sequence: u64,
    /// The hash of the signed submission reviewed, so the decision cannot be moved to another.
    pub submission: ObjectHash,
    /// What the reviewer decided.
    pub verdict: Verdict,
    /// The person on whose behalf the parent signed (who ran `review`), so that the child and
    /// every ancestor see who accepted or returned. `None` only for a decision signed before
    /// protocol 5, which named nobody; a decision without one is never signed now.
    pub decided_by: Option<String>,
}

/// The encoding of a notice (domain `huizong/notice/1`).
#[derive(Serialize, Deserialize)]
struct NoticeForm {
    signer: DivisionCode,
    time_ms: i64,
    body: NoticeBodyForm,
}

/// The encoding of a notice's body. postcard writes a variant's index before its fields, so the
/// order is the wire's: new kinds only ever go at the end.
#[derive(Serialize, Deserialize)]
enum NoticeBodyForm {
    /// A decision signed before protocol 5, naming no person: read, never signed.
    Decision(DecisionForm1),
    /// A definition signed before protocol 6, without choices: read, never signed.
    Definition(DefinitionForm1),
    Lock(PeriodLock),
    Receipt(Receipt),
    /// A decision naming the person who decided: how every decision is signed now.
    NamedDecision(DecisionForm2),
    /// A definition with its choices: how every definition is signed now.
    DefinitionWithChoices(ReturnDefinition),
}

/// A decision as signed before protocol 5.
#[derive(Serialize, Deserialize)]
struct DecisionForm1 {
    key: DocumentKey,
    sequence: u64,
    submission: ObjectHash,
    verdict: Verdict,
}

/// A decision as signed now: the earlier fields, then the person.
#[derive(Serialize, Deserialize)]
struct DecisionForm2 {
    key: DocumentKey,
    sequence: u64,
    submission: ObjectHash,
    verdict: Verdict,
    decided_by: String,
}

/// A reviewer's verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// The submission is accepted: figures that include it are final as far as it goes.
    Accepted,
    /// The submission is returned for correction, with the reason the clerk reads.
    Returned { reason: String },
}

impl SignedPayload for Notice {
    const DOMAIN: &'static [u8] = b"huizong/notice/1\0";
    const MAX_ENVELOPE_BYTES: usize = crate::limits::MAX_NOTICE_ENVELOPE_BYTES;

    fn signer(&self) -> DivisionCode {
        self.signer
    }

    /// A decision in the named form; a decision that names no person has only the earlier form,
    /// which is never signed.
    fn encode(&self) -> Result<Vec<u8>, String> {
        let body = match &self.body {
            NoticeBody::Decision(decision) => {
                let Some(decided_by) = &decision.decided_by else {
                    return Err("a new decision names the person who decides".to_owned());
                };
                NoticeBodyForm::NamedDecision(DecisionForm2 {
                    key: decision.key,
                    sequence: decision.sequence,
                    submission: decision.submission,
                    verdict: decision.verdict.clone(),
                    decided_by: decided_by.clone(),
                })
            }
            NoticeBody::Definition(definition) => {
                NoticeBodyForm::DefinitionWithChoices(definition.clone())
            }
            NoticeBody::Lock(lock) => NoticeBodyForm::Lock(lock.clone()),
            NoticeBody::Receipt(receipt) => NoticeBodyForm::Receipt(receipt.clone()),
        };
        crate::signed::encode_serde(&NoticeForm {
            signer: self.signer,
            time_ms: self.time_ms,
            body,
        })
    }

    /// Every form of notice is signed under the one domain; the body's variant tells a decision
    /// that names its person from one signed before that did not.
    fn decode(bytes: &[u8]) -> Result<(Self, &'static [u8]), String> {
        let form: NoticeForm = crate::encoding::decode_exact(bytes)?;
        let body = match form.body {
            NoticeBodyForm::Decision(decision) => NoticeBody::Decision(Decision {
                key: decision.key,
                sequence: decision.sequence,
                submission: decision.submission,
                verdict: decision.verdict,
                decided_by: None,
            }),
            NoticeBodyForm::NamedDecision(decision) => NoticeBody::Decision(Decision {
                key: decision.key,
                sequence: decision.sequence,
                submission: decision.submission,
                verdict: decision.verdict,
                decided_by: Some(decision.decided_by),
            }),
            NoticeBodyForm::Definition(definition) => NoticeBody::Definition(ReturnDefinition {
                ledger: definition.ledger,
                period: definition.period,
                deadline_ms: definition.deadline_ms,
                blocking_rules: definition.blocking_rules,
                coefficients_version: definition.coefficients_version,
                revision: definition.revision,
                choices: ReturnChoices::default(),
            }),
            NoticeBodyForm::DefinitionWithChoices(definition) => NoticeBody::Definition(definition),
            NoticeBodyForm::Lock(lock) => NoticeBody::Lock(lock),
            NoticeBodyForm::Receipt(receipt) => NoticeBody::Receipt(receipt),
        };
        let notice = Notice {
            signer: form.signer,
            time_ms: form.time_ms,
            body,
        };
        Ok((notice, Self::DOMAIN))
    }

    /// Checks: a decision names a submission sequence of at least one, a returned one a reason
    /// of 1 to [`MAX_TEXT_BYTES`] bytes, and the person who decided, when named, by a name that is
    /// not blank, of at most [`crate::limits::ACTOR_NAME_CHARS_MAX`] characters and without
    /// control characters.
    fn check(&self) -> Result<(), String> {
        match &self.body {
            NoticeBody::Lock(lock) => {
                if lock.revision == 0 {
                    return Err("lock revisions start at 1".to_owned());
                }
                Ok(())
            }
            NoticeBody::Definition(definition) => {
                if definition.revision == 0 {
                    return Err("definition revisions start at 1".to_owned());
                }
                if definition.coefficients_version.is_empty()
                    || definition.coefficients_version.len() > MAX_TEXT_BYTES
                {
                    return Err("the coefficient version must be 1 to 1024 bytes".to_owned());
                }
                if definition.blocking_rules.len() > MAX_BLOCKING_RULES
                    || definition
                        .blocking_rules
                        .iter()
                        .any(|rule| rule.is_empty() || rule.len() > MAX_RULE_CODE_BYTES)
                {
                    return Err(format!(
                        "a definition lists at most {MAX_BLOCKING_RULES} blocking rules of 1 to \
                         {MAX_RULE_CODE_BYTES} bytes"
                    ));
                }
                check_choices(&definition.choices)
            }
            NoticeBody::Receipt(receipt) => {
                if receipt.sequence == 0 {
                    return Err("a receipt names a submission sequence of at least 1".to_owned());
                }
                Ok(())
            }
            NoticeBody::Decision(decision) => {
                if decision.sequence == 0 {
                    return Err("a decision names a submission sequence of at least 1".to_owned());
                }
                if let Verdict::Returned { reason } = &decision.verdict
                    && (reason.trim().is_empty() || reason.len() > MAX_TEXT_BYTES)
                {
                    return Err(format!(
                        "a returned submission needs a reason of 1 to {MAX_TEXT_BYTES} bytes"
                    ));
                }
                if let Some(person) = &decision.decided_by {
                    check_person_name(person)?;
                }
                Ok(())
            }
        }
    }
}

/// Checks a definition's choices: a benchmark id of 1 to [`MAX_RULE_CODE_BYTES`] bytes, a
/// target of at most 100 %, heading texts of at most [`MAX_TEXT_BYTES`] bytes without control
/// characters.
fn check_choices(choices: &ReturnChoices) -> Result<(), String> {
    if let Some(id) = &choices.benchmarks
        && (id.is_empty() || id.len() > MAX_RULE_CODE_BYTES)
    {
        return Err(format!(
            "a benchmark table id is 1 to {MAX_RULE_CODE_BYTES} bytes"
        ));
    }
    if choices.saving_target_percent > 100 {
        return Err(format!(
            "a saving-type target of {} % is above 100 %",
            choices.saving_target_percent
        ));
    }
    for (name, text) in choices.form.texts() {
        if text.len() > MAX_TEXT_BYTES || text.chars().any(char::is_control) {
            return Err(format!(
                "the form heading's {name} must be at most {MAX_TEXT_BYTES} bytes without control \
                 characters"
            ));
        }
    }
    Ok(())
}

/// Most blocking rules one definition lists; the ledgers have a few dozen rules.
const MAX_BLOCKING_RULES: usize = 256;

/// Most bytes of a rule code.
const MAX_RULE_CODE_BYTES: usize = 64;

impl Notice {
    /// The document a notice is about; `None` for a definition, which is about every node.
    pub fn key(&self) -> Option<DocumentKey> {
        match &self.body {
            NoticeBody::Decision(decision) => Some(decision.key),
            NoticeBody::Receipt(receipt) => Some(receipt.key),
            NoticeBody::Definition(_) | NoticeBody::Lock(_) => None,
        }
    }

    /// What the notice is about, for messages.
    pub fn subject(&self) -> String {
        match &self.body {
            NoticeBody::Decision(decision) => format!("a decision about {}", decision.key),
            NoticeBody::Receipt(receipt) => {
                format!("the receipt of {} #{}", receipt.key, receipt.sequence)
            }
            NoticeBody::Definition(definition) => format!(
                "the definition of return {}/{}",
                definition.ledger, definition.period
            ),
            NoticeBody::Lock(lock) => format!(
                "the {} of return {}/{}",
                if lock.closed { "closing" } else { "reopening" },
                lock.ledger,
                lock.period
            ),
        }
    }
}

/// Checks that the signer of a verified notice may make it: a decision or a receipt is made by the
/// parent of the document's owner, a definition or a lock by the root, and by no one else.
pub fn check_authority(notice: &Signed<Notice>, topology: &Topology) -> Result<(), RefusalReason> {
    let payload = notice.payload();
    match &payload.body {
        NoticeBody::Decision(Decision { key, .. }) | NoticeBody::Receipt(Receipt { key, .. }) => {
            let reviewer = topology.parent_of(key.owner);
            if reviewer != Some(payload.signer) {
                return Err(RefusalReason::NotTheReviewer {
                    signer: payload.signer,
                    owner: key.owner,
                });
            }
            Ok(())
        }
        NoticeBody::Definition(_) | NoticeBody::Lock(_) => {
            let root = topology.root().code;
            if payload.signer != root {
                return Err(RefusalReason::NotTheRoot {
                    signer: payload.signer,
                    root,
                });
            }
            Ok(())
        }
    }
}

/// Whether `node` is `ancestor` or below it.
pub fn is_in_subtree(topology: &Topology, node: DivisionCode, ancestor: DivisionCode) -> bool {
    let mut current = Some(node);
    while let Some(code) = current {
        if code == ancestor {
            return true;
        }
        current = topology.parent_of(code);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::{ACTOR_NAME_CHARS_MAX, MAX_NOTICE_ENVELOPE_BYTES};
    use crate::signed::SignedError;
    use crate::signed::testing::{city, county, key_of, signed_by_hand, topology};

    fn decision(decided_by: Option<&str>, verdict: Verdict) -> Notice {
        Notice {
            signer: city(),
            time_ms: 2_000,
            body: NoticeBody::Decision(Decision {
                key: DocumentKey::new(county(), Ledger::Energy, Period::Year(2025)),
                sequence: 1,
                submission: ObjectHash([5; 32]),
                verdict,
                decided_by: decided_by.map(str::to_owned),
            }),
        }
    }

    fn decided_by(notice: &Signed<Notice>) -> Option<&str> {
        match &notice.payload().body {
            NoticeBody::Decision(decision) => decision.decided_by.as_deref(),
            _ => panic!("not a decision"),
        }
    }

    #[test]
    fn a_signed_decision_carries_the_person_who_decided() {
        let topology = topology();
        let signed = Signed::sign(
            decision(Some("李四"), Verdict::Accepted),
            &key_of(city()),
            &topology,
        )
        .unwrap();
        let verified = Signed::<Notice>::from_bytes(&signed.to_bytes(), &topology).unwrap();
        assert_eq!(decided_by(&verified), Some("李四"));
    }

    #[test]
    fn a_forged_change_of_the_person_breaks_the_signature() {
        let topology = topology();
        let signed = Signed::sign(
            decision(Some("李四"), Verdict::Accepted),
            &key_of(city()),
            &topology,
        )
        .unwrap();
        let mut forged = signed.envelope().clone();
        let at = forged
            .payload
            .windows("李四".len())
            .position(|window| window == "李四".as_bytes())
            .unwrap();
        forged.payload[at..at + "王五".len()].copy_from_slice("王五".as_bytes());
        assert!(Notice::decode(&forged.payload).is_ok());
        assert_eq!(
            Signed::<Notice>::verify(forged, &topology).unwrap_err(),
            SignedError::BadSignature { signer: city() }
        );
    }

    #[test]
    fn a_definition_signed_before_protocol_6_reads_with_the_default_choices() {
        let topology = topology();
        let old = NoticeForm {
            signer: city(),
            time_ms: 2_000,
            body: NoticeBodyForm::Definition(DefinitionForm1 {
                ledger: Ledger::Energy,
                period: Period::Year(2025),
                deadline_ms: 9_000,
                blocking_rules: vec!["year_on_year_needs_note".to_owned()],
                coefficients_version: "gbt2589-2008-annex-a".to_owned(),
                revision: 2,
            }),
        };
        let envelope = signed_by_hand(
            Notice::DOMAIN,
            postcard::to_stdvec(&old).unwrap(),
            &key_of(city()),
        );
        let verified = Signed::<Notice>::verify(envelope, &topology).unwrap();
        let NoticeBody::Definition(definition) = &verified.payload().body else {
            panic!("not a definition");
        };
        assert_eq!(definition.revision, 2);
        assert_eq!(definition.choices, ReturnChoices::default());
        assert_eq!(definition.choices.saving_target_percent, 70);

        // A definition signed now carries its choices, and a forged target breaks the signature.
        let mut now = definition.clone();
        now.choices.saving_target_percent = 95;
        now.choices.form.table_number = "机关事务 3 表".to_owned();
        let signed = Signed::sign(
            Notice {
                signer: city(),
                time_ms: 3_000,
                body: NoticeBody::Definition(now.clone()),
            },
            &key_of(city()),
            &topology,
        )
        .unwrap();
        let read = Signed::<Notice>::from_bytes(&signed.to_bytes(), &topology).unwrap();
        assert_eq!(read.payload().body, NoticeBody::Definition(now));
        let mut over = definition.clone();
        over.choices.saving_target_percent = 101;
        assert!(
            Signed::sign(
                Notice {
                    signer: city(),
                    time_ms: 3_000,
                    body: NoticeBody::Definition(over),
                },
                &key_of(city()),
                &topology,
            )
            .is_err(),
            "a target above 100 % is never signed"
        );
    }

    #[test]
    fn notices_signed_before_still_verify_and_a_decision_among_them_names_nobody() {
        let topology = topology();
        let key = DocumentKey::new(county(), Ledger::Energy, Period::Year(2025));
        // What a binary of protocol 4 signed: the body's first variant, without the person.
        let old_decision = NoticeForm {
            signer: city(),
            time_ms: 2_000,
            body: NoticeBodyForm::Decision(DecisionForm1 {
                key,
                sequence: 1,
                submission: ObjectHash([5; 32]),
                verdict: Verdict::Returned {
                    reason: "请核对".to_owned(),
                },
            }),
        };
        let envelope = signed_by_hand(
            Notice::DOMAIN,
            postcard::to_stdvec(&old_decision).unwrap(),
            &key_of(city()),
        );
        let verified = Signed::<Notice>::verify(envelope.clone(), &topology).unwrap();
        assert_eq!(decided_by(&verified), None);
        assert_eq!(verified.envelope(), &envelope);
        // It is read, never signed again as it was.
        let unnamed = verified.payload().clone();
        assert!(matches!(
            Signed::sign(unnamed, &key_of(city()), &topology),
            Err(SignedError::OutOfBounds { .. })
        ));
        // A receipt keeps the encoding it had.
        let receipt = Receipt {
            key,
            sequence: 1,
            submission: ObjectHash([5; 32]),
            lock_revision_held: 0,
            topology_version: 1,
        };
        let old_receipt = postcard::to_stdvec(&NoticeForm {
            signer: city(),
            time_ms: 2_000,
            body: NoticeBodyForm::Receipt(receipt.clone()),
        })
        .unwrap();
        let now = Notice {
            signer: city(),
            time_ms: 2_000,
            body: NoticeBody::Receipt(receipt),
        };
        assert_eq!(now.encode().unwrap(), old_receipt);
    }

    #[test]
    fn names_out_of_bounds_are_refused() {
        let topology = topology();
        for bad in [
            "".to_owned(),
            "李\t四".to_owned(),
            "名".repeat(ACTOR_NAME_CHARS_MAX + 1),
        ] {
            assert!(matches!(
                Signed::sign(
                    decision(Some(&bad), Verdict::Accepted),
                    &key_of(city()),
                    &topology
                ),
                Err(SignedError::OutOfBounds { .. })
            ));
        }
    }

    #[test]
    fn the_largest_decision_fits_the_notice_cap() {
        let largest = decision(
            Some(&"𠀀".repeat(ACTOR_NAME_CHARS_MAX)),
            Verdict::Returned {
                reason: "因".repeat(MAX_TEXT_BYTES / 3),
            },
        );
        let signed = Signed::sign(largest, &key_of(city()), &topology()).unwrap();
        let bytes = signed.to_bytes().len();
        assert!(bytes <= 2 * 1024, "{bytes} bytes");
        assert!(bytes <= MAX_NOTICE_ENVELOPE_BYTES);
    }

    #[test]
    fn the_largest_definition_fits_the_notice_cap() {
        let text = "表".repeat(MAX_TEXT_BYTES / 3);
        let largest = Notice {
            signer: city(),
            time_ms: 2_000,
            body: NoticeBody::Definition(ReturnDefinition {
                ledger: Ledger::Energy,
                period: Period::Year(2025),
                deadline_ms: 9_000,
                blocking_rules: vec!["r".repeat(MAX_RULE_CODE_BYTES); MAX_BLOCKING_RULES],
                coefficients_version: "v".repeat(MAX_TEXT_BYTES),
                revision: 1,
                choices: ReturnChoices {
                    benchmarks: Some("b".repeat(MAX_RULE_CODE_BYTES)),
                    saving_target_percent: 100,
                    form: FormHeading {
                        table_number: text.clone(),
                        made_by: text.clone(),
                        approved_by: text.clone(),
                        approval_number: text,
                    },
                },
            }),
        };
        let signed = Signed::sign(largest, &key_of(city()), &topology()).unwrap();
        let bytes = signed.to_bytes().len();
        assert!(bytes <= MAX_NOTICE_ENVELOPE_BYTES, "{bytes} bytes");
    }
}
