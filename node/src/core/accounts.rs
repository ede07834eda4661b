//! The people who may use this node's web console: local accounts, each with a role, kept in the
//! store's meta tree under `account/<login>` (so a backup of the store carries them, and a node
//! restored from its parent starts with none: the operator adds the admin again with
//! `huizong user add`). Passwords are kept only as argon2id hashes in the PHC string form, with
//! the crate's default parameters (19 MiB, two passes: OWASP's recommendation).
//!
//! What a role may do is decided in [`Role::may`]; the console asks it for every page and form.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::{Deserialize, Serialize};

use super::{Actor, CoreError, NodeCore};
use crate::store::{Batch, Durability, Tree};

/// Prefix of the accounts in the meta tree, followed by the login.
pub(crate) const ACCOUNT_PREFIX: &[u8] = b"account/";

/// Shortest password accepted: NIST SP 800-63B's minimum for passwords a person chooses.
pub const PASSWORD_CHARS_MIN: usize = 8;
/// Longest password accepted: enough for a passphrase, short of making hashing a burden.
pub const PASSWORD_CHARS_MAX: usize = 128;
/// Longest login.
pub const LOGIN_CHARS_MAX: usize = 32;

/// What a person may do on this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Edits, imports and submits this node's own ledgers.
    Clerk,
    /// Reviews the children's submissions: accepts or returns them.
    Reviewer,
    /// Manages accounts and, at the root, defines, closes and reopens returns.
    Admin,
    /// Reads everything, changes nothing.
    Viewer,
}

/// Something a person may ask the console to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read pages.
    Read,
    /// Change this node's drafts and submit them.
    EditOwnLedgers,
    /// Accept or return a child's submission.
    ReviewChildren,
    /// Add, change and remove accounts.
    ManageAccounts,
    /// Define, close and reopen returns (at the root).
    ManageReturns,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Clerk, Role::Reviewer, Role::Admin, Role::Viewer];

    /// The role's name in commands and the store.
    pub fn slug(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
            Role::Viewer => "viewer",
        }
    }

    /// Whether the role allows it.
    pub fn may(self, permission: Permission) -> bool {
        match permission {
            Permission::Read => true,
            Permission::EditOwnLedgers => self == Role::Clerk,
            Permission::ReviewChildren => self == Role::Reviewer,
            Permission::ManageAccounts | Permission::ManageReturns => self == Role::Admin,
        }
    }
}

impl std::str::FromStr for Role {
    type Err = AccountError;

    fn from_str(text: &str) -> Result<Role, AccountError> {
        Role::ALL
            .into_iter()
            .find(|role| role.slug() == text.trim())
            .ok_or_else(|| AccountError::UnknownRole(text.to_owned()))
    }
}

/// One account as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// What the person types to log in: letters, digits, `.`, `_`, `-`.
    pub login: String,
    /// The person's name as others see it (张三): what signed submissions and decisions carry.
    pub name: Actor,
    pub role: Role,
    /// The argon2id hash in PHC string form.
    pub password_hash: String,
    pub created_ms: i64,
    pub password_changed_ms: i64,
    /// Set when an admin (or the CLI) chose the password: the person is asked to change it.
    #[serde(default)]
    pub must_change_password: bool,
}

/// An account without its hash, as pages and commands show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub login: String,
    pub name: Actor,
    pub role: Role,
    pub created_ms: i64,
    pub password_changed_ms: i64,
    pub must_change_password: bool,
}

impl From<&Account> for AccountView {
    fn from(account: &Account) -> AccountView {
        AccountView {
            login: account.login.clone(),
            name: account.name.clone(),
            role: account.role,
            created_ms: account.created_ms,
            password_changed_ms: account.password_changed_ms,
            must_change_password: account.must_change_password,
        }
    }
}

/// Why an account operation cannot be done.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{}", crate::t!("accounts.bad_login", login = .0, max = LOGIN_CHARS_MAX))]
    BadLogin(String),
    #[error("{}", crate::t!("accounts.unknown_role", role = .0))]
    UnknownRole(String),
    #[error("{}", crate::t!("accounts.password_length", min = PASSWORD_CHARS_MIN, max = PASSWORD_CHARS_MAX))]
    PasswordLength,
    #[error("{}", crate::t!("accounts.exists", login = .0))]
    Exists(String),
    #[error("{}", crate::t!("accounts.not_found", login = .0))]
    NotFound(String),
    #[error("{}", crate::t!("accounts.last_admin"))]
    LastAdmin,
    #[error("{}", crate::t!("accounts.hashing", reason = .0))]
    Hashing(String),
    #[error(transparent)]
    Core(#[from] CoreError),
}

/// Checks a login: 1 to 32 of ASCII letters, digits, `.`, `_`, `-`.
pub fn check_login(login: &str) -> Result<(), AccountError> {
    let fine = !login.is_empty()
        && login.len() <= LOGIN_CHARS_MAX
        && login
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || "._-".contains(character));
    if fine {
        Ok(())
    } else {
        Err(AccountError::BadLogin(login.to_owned()))
    }
}

/// Checks a password's length (the only rule: long passphrases beat composition rules).
pub fn check_password(password: &str) -> Result<(), AccountError> {
    let length = password.chars().count();
    if (PASSWORD_CHARS_MIN..=PASSWORD_CHARS_MAX).contains(&length) {
        Ok(())
    } else {
        Err(AccountError::PasswordLength)
    }
}

/// The argon2id hash of a password, with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let mut salt_bytes = [0u8; 16];
    getrandom::fill(&mut salt_bytes).map_err(|error| AccountError::Hashing(error.to_string()))?;
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|error| AccountError::Hashing(error.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| AccountError::Hashing(error.to_string()))
}

/// Whether `password` is the one hashed. A hash that does not parse matches nothing.
pub fn password_matches(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

fn account_key(login: &str) -> Vec<u8> {
    let mut key = ACCOUNT_PREFIX.to_vec();
    key.extend_from_slice(login.as_bytes());
    key
}

fn corrupt(error: serde_json::Error) -> CoreError {
    CoreError::CorruptObject {
        what: "account".to_owned(),
        reason: error.to_string(),
    }
}

impl NodeCore {
    /// Every account, by login.
    pub fn accounts(&self) -> Result<Vec<Account>, CoreError> {
        self.store
            .scan_prefix(Tree::Meta, ACCOUNT_PREFIX)?
            .into_iter()
            .map(|(_, value)| serde_json::from_slice(&value).map_err(corrupt))
            .collect()
    }

    /// One account.
    pub fn account(&self, login: &str) -> Result<Option<Account>, CoreError> {
        self.store
            .get(Tree::Meta, &account_key(login))?
            .map(|value| serde_json::from_slice(&value).map_err(corrupt))
            .transpose()
    }

    /// Writes an account (new or changed), durably.
    pub fn put_account(&mut self, account: &Account) -> Result<(), CoreError> {
        let value = serde_json::to_vec(account).map_err(corrupt)?;
        let mut batch = Batch::new();
        batch.put(Tree::Meta, account_key(&account.login), value);
        self.store.apply(&batch, Durability::Flush)?;
        Ok(())
    }

    /// Removes an account; the last admin stays, so that the node can always be managed.
    pub fn remove_account(&mut self, login: &str) -> Result<Account, AccountError> {
        let account = self
            .account(login)?
            .ok_or_else(|| AccountError::NotFound(login.to_owned()))?;
        if account.role == Role::Admin && self.admins()? <= 1 {
            return Err(AccountError::LastAdmin);
        }
        let mut batch = Batch::new();
        batch.delete(Tree::Meta, account_key(login));
        self.store
            .apply(&batch, Durability::Flush)
            .map_err(CoreError::from)?;
        Ok(account)
    }

    /// How many admins there are.
    pub fn admins(&self) -> Result<usize, CoreError> {
        Ok(self
            .accounts()?
            .iter()
            .filter(|account| account.role == Role::Admin)
            .count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_matches_its_hash_only() {
        let hash = hash_password("正确的密码 horse").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(password_matches(&hash, "正确的密码 horse"));
        assert!(!password_matches(&hash, "正确的密码 horsE"));
        assert!(!password_matches("not a hash", "anything"));
        assert_ne!(hash, hash_password("正确的密码 horse").unwrap(), "salted");
    }

    #[test]
    fn logins_and_passwords_are_checked() {
        assert!(check_login("county.clerk-1").is_ok());
        assert!(check_login("").is_err());
        assert!(check_login("张三").is_err());
        assert!(check_login(&"a".repeat(LOGIN_CHARS_MAX + 1)).is_err());
        assert!(check_password("1234567").is_err());
        assert!(check_password("12345678").is_ok());
        assert!(check_password(&"x".repeat(PASSWORD_CHARS_MAX + 1)).is_err());
    }

    #[test]
    fn roles_allow_what_they_are_for() {
        assert!(Role::Clerk.may(Permission::EditOwnLedgers));
        assert!(!Role::Clerk.may(Permission::ReviewChildren));
        assert!(Role::Reviewer.may(Permission::ReviewChildren));
        assert!(!Role::Reviewer.may(Permission::EditOwnLedgers));
        assert!(!Role::Viewer.may(Permission::EditOwnLedgers));
        assert!(!Role::Viewer.may(Permission::ReviewChildren));
        assert!(Role::Viewer.may(Permission::Read));
        assert!(Role::Admin.may(Permission::ManageAccounts));
        assert!(!Role::Admin.may(Permission::EditOwnLedgers));
        assert_eq!("reviewer".parse::<Role>().unwrap(), Role::Reviewer);
        assert!("boss".parse::<Role>().is_err());
    }
}
