//! `user`: the web console's accounts of this node: add, list, change a role, set or reset a
//! password, remove. The CLI (`huizong user …`) and the console's admin page call the same
//! requests; a password set by someone else must be changed at the next login.

use serde::{Deserialize, Serialize};

use super::{Context, Operation, OperationError};
use crate::core::accounts::{
    Account, AccountError, AccountView, Role, check_login, check_password, hash_password,
    password_matches,
};
use crate::core::{Actor, ErrorKind, NodeCore};

/// The arguments of `user`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum UsersRequest {
    /// A new account; the person changes the password at first login.
    Add {
        login: String,
        name: Actor,
        role: Role,
        password: String,
    },
    /// Every account.
    List,
    /// A new password chosen by an admin (the person changes it at next login).
    ResetPassword { login: String, password: String },
    /// The person's own change: the current password proves it is them.
    ChangeOwnPassword {
        login: String,
        current: String,
        new: String,
    },
    /// Another role.
    SetRole { login: String, role: Role },
    /// The account is gone (the last admin stays).
    Remove { login: String },
}

/// The answer to `user`: the accounts after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersAnswer {
    /// The account the request was about, when it named one.
    pub changed: Option<String>,
    pub accounts: Vec<AccountView>,
}

impl From<AccountError> for OperationError {
    fn from(error: AccountError) -> OperationError {
        let kind = match &error {
            AccountError::NotFound(_) => ErrorKind::NotFound,
            AccountError::Exists(_) | AccountError::LastAdmin => ErrorKind::Conflict,
            AccountError::Core(core) => core.kind(),
            AccountError::Hashing(_) => ErrorKind::Internal,
            AccountError::BadLogin(_)
            | AccountError::UnknownRole(_)
            | AccountError::PasswordLength => ErrorKind::Invalid,
        };
        OperationError::new(kind, error.to_string())
    }
}

fn existing(core: &NodeCore, login: &str) -> Result<Account, AccountError> {
    core.account(login)?
        .ok_or_else(|| AccountError::NotFound(login.to_owned()))
}

impl Operation for UsersRequest {
    type Answer = UsersAnswer;

    fn apply(
        self,
        core: &mut NodeCore,
        context: &Context<'_>,
    ) -> Result<UsersAnswer, OperationError> {
        let changed = match self {
            UsersRequest::List => None,
            UsersRequest::Add {
                login,
                name,
                role,
                password,
            } => {
                check_login(&login)?;
                check_password(&password)?;
                if core.account(&login)?.is_some() {
                    return Err(AccountError::Exists(login).into());
                }
                core.put_account(&Account {
                    login: login.clone(),
                    name,
                    role,
                    password_hash: hash_password(&password)?,
                    created_ms: context.now_ms,
                    password_changed_ms: context.now_ms,
                    must_change_password: true,
                })?;
                Some(login)
            }
            UsersRequest::ResetPassword { login, password } => {
                check_password(&password)?;
                let mut account = existing(core, &login)?;
                account.password_hash = hash_password(&password)?;
                account.password_changed_ms = context.now_ms;
                account.must_change_password = true;
                core.put_account(&account)?;
                Some(login)
            }
            UsersRequest::ChangeOwnPassword {
                login,
                current,
                new,
            } => {
                let mut account = existing(core, &login)?;
                if !password_matches(&account.password_hash, &current) {
                    return Err(OperationError::new(
                        ErrorKind::Invalid,
                        crate::t!("accounts.wrong_current_password"),
                    ));
                }
                check_password(&new)?;
                account.password_hash = hash_password(&new)?;
                account.password_changed_ms = context.now_ms;
                account.must_change_password = false;
                core.put_account(&account)?;
                Some(login)
            }
            UsersRequest::SetRole { login, role } => {
                let mut account = existing(core, &login)?;
                if account.role == Role::Admin && role != Role::Admin && core.admins()? <= 1 {
                    return Err(AccountError::LastAdmin.into());
                }
                account.role = role;
                core.put_account(&account)?;
                Some(login)
            }
            UsersRequest::Remove { login } => {
                core.remove_account(&login)?;
                Some(login)
            }
        };
        Ok(UsersAnswer {
            changed,
            accounts: core.accounts()?.iter().map(AccountView::from).collect(),
        })
    }
}
