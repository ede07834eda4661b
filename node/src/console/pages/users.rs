//! Accounts of this node, for admins: add (a password is made and shown once), reset a password,
//! change a role, remove. Every change goes through the `user` operation the CLI uses; a reset or
//! removal ends the person's sessions.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};

use super::{Frame, run};
use crate::console::auth::SignedIn;
use crate::console::server::Console;
use crate::console::view;
use crate::console_answer;
use crate::core::Actor;
use crate::core::accounts::{Permission, Role};
use crate::operations::Request;
use crate::operations::users::UsersRequest;

pub fn routes() -> Router<Arc<Console>> {
    Router::new()
        .route("/admin/users", get(users_page))
        .route("/admin/users", post(change))
}

async fn users_page(State(console): State<Arc<Console>>, signed_in: SignedIn) -> Response {
    if let Err(refused) = signed_in.require(Permission::ManageAccounts) {
        return *refused;
    }
    show(&console, &signed_in, None, None, StatusCode::OK).await
}

async fn show(
    console: &Arc<Console>,
    signed_in: &SignedIn,
    problem: Option<String>,
    made: Option<(String, String)>,
    status: StatusCode,
) -> Response {
    let frame = Frame::of(console, signed_in, "/admin/users").await;
    let answer = run(console, signed_in, Request::Users(UsersRequest::List)).await;
    let accounts = match console_answer!(answer, Users) {
        Ok(answer) => answer.accounts,
        Err(error) => return super::failure_page(console, signed_in, "/admin/users", &error).await,
    };
    let roles: Vec<&str> = Role::ALL.iter().map(|role| role.slug()).collect();
    let mut page = view::page(
        &console.templates,
        signed_in.language,
        "users.html",
        minijinja::context! { frame, accounts, roles, problem, made },
    );
    *page.status_mut() = status;
    page
}

async fn change(
    State(console): State<Arc<Console>>,
    signed_in: SignedIn,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(refused) = signed_in.check_csrf(form.get("csrf").map_or("", String::as_str)) {
        return *refused;
    }
    if let Err(refused) = signed_in.require(Permission::ManageAccounts) {
        return *refused;
    }
    let field = |name: &str| {
        form.get(name)
            .map(|value| value.trim().to_owned())
            .unwrap_or_default()
    };
    let login = field("login");
    let role = field("role").parse::<Role>();
    let mut made = None;
    let request = match field("action").as_str() {
        "add" => {
            let name = match Actor::new(&field("name")) {
                Ok(name) => name,
                Err(error) => {
                    return show(
                        &console,
                        &signed_in,
                        Some(error.to_string()),
                        None,
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                    .await;
                }
            };
            let Ok(role) = role else {
                return super::not_found(signed_in.language);
            };
            let password = crate::console::new_password();
            made = Some((login.clone(), password.clone()));
            UsersRequest::Add {
                login: login.clone(),
                name,
                role,
                password,
            }
        }
        "reset" => {
            let password = crate::console::new_password();
            made = Some((login.clone(), password.clone()));
            UsersRequest::ResetPassword {
                login: login.clone(),
                password,
            }
        }
        "role" => {
            let Ok(role) = role else {
                return super::not_found(signed_in.language);
            };
            UsersRequest::SetRole {
                login: login.clone(),
                role,
            }
        }
        "remove" => UsersRequest::Remove {
            login: login.clone(),
        },
        _ => return super::not_found(signed_in.language),
    };
    let ends_sessions = !matches!(request, UsersRequest::Add { .. });
    match run(&console, &signed_in, Request::Users(request)).await {
        Ok(_) => {
            if ends_sessions {
                console.sessions.end_all_of(&login, Some(&signed_in.token));
            }
            show(&console, &signed_in, None, made, StatusCode::OK).await
        }
        Err(error) => {
            show(
                &console,
                &signed_in,
                Some(error.message),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
