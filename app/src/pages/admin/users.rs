//! `/admin?q=&page=`: the accounts, 25 a page, searchable by username or address. The URL holds
//! the search and the page, so both survive a reload and the back button.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::location::Url;

use super::{load_error, role_badge, state_badge, AdminSection, AdminTabs};
use crate::api::admin::{admin_users, AdminUser, UserPage};
use crate::auth_context::use_auth;
use crate::components::require_auth::RequireAuth;
use crate::policy::EMAIL_MAX_CHARS;
use crate::time_fmt::utc_datetime;
use crate::workarounds::SyncHydrate;

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    SyncHydrate(view! {
        <Title text="Users · Admin · Tokengate" />
        <RequireAuth path="/admin">
            <AdminUsers />
        </RequireAuth>
    })
}

/// `/admin` with this search and page (page 1 and an empty search are left out).
fn users_href(q: &str, page: i64) -> String {
    let mut params = Vec::new();
    if !q.is_empty() {
        params.push(format!("q={}", Url::escape(q)));
    }
    if page > 1 {
        params.push(format!("page={page}"));
    }
    match params.is_empty() {
        true => "/admin".to_owned(),
        false => format!("/admin?{}", params.join("&")),
    }
}

/// Pages needed for `total` users (at least one, so an empty result is "Page 1 of 1").
fn page_count(total: i64, per_page: i64) -> i64 {
    ((total + per_page - 1) / per_page.max(1)).max(1)
}

#[component]
fn AdminUsers() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let navigate = use_navigate();
    let q = Memo::new(move |_| query.with(|m| m.get("q")).unwrap_or_default());
    let page = Memo::new(move |_| {
        query
            .with(|m| m.get("page"))
            .and_then(|p| p.parse::<i64>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    });
    let users = LocalResource::new(move || {
        let (q, page) = (q.get(), page.get());
        auth.with_session(move || admin_users(Some(q.clone()), Some(page)))
    });

    // The box follows the URL (back and forward included); Enter puts its text in the URL.
    let search = RwSignal::new(q.get_untracked());
    Effect::new(move |_| search.set(q.get()));
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        navigate(
            &users_href(search.get_untracked().trim(), 1),
            Default::default(),
        );
    };

    view! {
        <section class="admin">
            <AdminTabs current=AdminSection::Users />
            <h1>"Users"</h1>
            {move || auth.claims_admin().then(|| view! {
                <form class="admin-search" role="search" on:submit=on_search.clone()>
                    <label for="user-search">"Search by username or e-mail"</label>
                    <div class="admin-search-row">
                        <input id="user-search" type="search" name="q" autocomplete="off" autocapitalize="none"
                            spellcheck="false" maxlength=EMAIL_MAX_CHARS bind:value=search />
                        <button type="submit" class="button">"Search"</button>
                    </div>
                </form>
            })}
            <Transition fallback=|| view! { <p class="checking" role="status">"Loading users…"</p> }>
                {move || users.get().map(|result| match result {
                    Ok(found) => Either::Left(user_table(found, q.get_untracked())),
                    Err(err) => Either::Right(load_error(err)),
                })}
            </Transition>
        </section>
    }
}

fn user_table(found: UserPage, q: String) -> impl IntoView {
    let pages = page_count(found.total, found.per_page);
    let summary = match (found.total, q.is_empty()) {
        (1, true) => "1 account".to_owned(),
        (n, true) => format!("{n} accounts"),
        (1, false) => format!("1 account matches “{q}”"),
        (n, false) => format!("{n} accounts match “{q}”"),
    };
    let body = if found.users.is_empty() {
        Either::Left(view! { <p class="muted" data-testid="no-users">"No accounts to show."</p> })
    } else {
        Either::Right(view! {
            <div class="table-scroll" role="region" aria-labelledby="users-caption" tabindex="0">
                <table class="data-table">
                    <caption id="users-caption" class="visually-hidden">"Accounts"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Username"</th>
                            <th scope="col">"E-mail"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"State"</th>
                            <th scope="col">"Last login"</th>
                        </tr>
                    </thead>
                    <tbody>{found.users.into_iter().map(user_row).collect_view()}</tbody>
                </table>
            </div>
        })
    };
    let previous = (found.page > 1).then(|| users_href(&q, found.page - 1));
    let next = (found.page < pages).then(|| users_href(&q, found.page + 1));
    view! {
        <p class="muted admin-summary" role="status" data-testid="users-summary">{summary}</p>
        {body}
        <nav class="pager" aria-label="Pages of users">
            {page_link(previous, "Previous")}
            <span data-testid="page-of">{format!("Page {} of {pages}", found.page)}</span>
            {page_link(next, "Next")}
        </nav>
    }
}

/// A link to another page of the list, or the same words greyed out when there is none.
fn page_link(href: Option<String>, label: &'static str) -> impl IntoView {
    match href {
        Some(href) => Either::Left(view! { <a class="button button-small" href=href>{label}</a> }),
        None => Either::Right(view! {
            <span class="button button-small pager-none" aria-disabled="true">{label}</span>
        }),
    }
}

fn user_row(user: AdminUser) -> impl IntoView {
    let href = format!("/admin/users/{}", user.id);
    view! {
        <tr data-testid="user-row">
            <th scope="row"><a href=href class="user-link">{user.username}</a></th>
            <td class="email-cell">
                {match user.email {
                    Some(email) => Either::Left(view! {
                        <span class="address">{email}</span>
                        " "
                        {if user.email_verified {
                            Either::Left(view! { <span class="badge">"Verified"</span> })
                        } else {
                            Either::Right(view! { <span class="badge badge-warn">"Not verified"</span> })
                        }}
                    }),
                    None => Either::Right(view! { <span class="muted">"None"</span> }),
                }}
            </td>
            <td>{role_badge(user.role)}</td>
            <td>{state_badge(user.disabled)}</td>
            <td class="nowrap">{user.last_login_at.map_or_else(|| "Never".to_owned(), utc_datetime)}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_keeps_only_what_differs_from_the_first_page() {
        assert_eq!(users_href("", 1), "/admin");
        assert_eq!(users_href("", 3), "/admin?page=3");
        assert_eq!(users_href("al", 2), "/admin?q=al&page=2");
    }

    #[test]
    fn an_empty_list_is_one_page() {
        assert_eq!(page_count(0, 25), 1);
        assert_eq!(page_count(25, 25), 1);
        assert_eq!(page_count(26, 25), 2);
    }
}
