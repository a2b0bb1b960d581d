//! The words of every mail, in plain English and short. A notice says what happened, when, from
//! which browser and address, and what to do if it was not the user. The layout (text and HTML
//! from the same blocks, escaping) is `layout`'s.

use super::layout::{count, render, value, Block};

/// Subject and both parts of one mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Where the request that caused a notice came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// Unix seconds, shown as `2026-12-02 14:03 UTC`.
    pub when: i64,
    pub client_address: String,
    pub user_agent: String,
}

const IF_NOT_YOU_RESET: &str =
    "If it was not you, reset your password at once (\"Forgot password\" \
on the login page) and tell the operator of this site.";

fn hello(username: &str) -> Block<'static> {
    Block::Para(format!("Hello {},", value(username)))
}

pub fn verify_email(username: &str, link: &str, valid_hours: i64) -> Rendered {
    render(
        "Confirm your e-mail address",
        &[
            hello(username),
            Block::Para(format!(
                "Please confirm that this address belongs to your Tokengate account by opening \
                 the link below. It works once, within {}.",
                count(valid_hours, "hour")
            )),
            Block::Link {
                label: "Confirm your address",
                url: link,
            },
            Block::Para(
                "If you did not ask for this, ignore this message: nothing changes unless the \
                 link is opened."
                    .into(),
            ),
        ],
    )
}

pub fn password_reset(username: &str, link: &str, valid_minutes: i64, ctx: &Context) -> Rendered {
    render(
        "Reset your password",
        &[
            hello(username),
            Block::Para(format!(
                "Someone asked to reset the password of your Tokengate account. To choose a new \
                 one, open the link below. It works once, within {}.",
                count(valid_minutes, "minute")
            )),
            Block::Link {
                label: "Choose a new password",
                url: link,
            },
            Block::Details("The request came from:", ctx),
            Block::Para(
                "If it was not you, ignore this message: your password stays as it is. Do not \
                 forward it: the link lets whoever holds it set your password."
                    .into(),
            ),
        ],
    )
}

pub fn address_in_use(ctx: &Context) -> Rendered {
    render(
        "Someone tried to use your e-mail address",
        &[
            Block::Para("Hello,".into()),
            Block::Para(
                "Someone tried to sign up for Tokengate, or to move an account, to this e-mail \
                 address. It already belongs to an account, so nothing changed."
                    .into(),
            ),
            Block::Details("The attempt came from:", ctx),
            Block::Para(
                "If it was you, log in to your account instead, or reset your password if you \
                 have forgotten it. If it was not you, you need not do anything."
                    .into(),
            ),
        ],
    )
}

pub fn password_changed(username: &str, ctx: &Context) -> Rendered {
    render(
        "Your password was changed",
        &[
            hello(username),
            Block::Para("The password of your Tokengate account was changed.".into()),
            Block::Details("The change was made from:", ctx),
            Block::Para(IF_NOT_YOU_RESET.into()),
        ],
    )
}

pub fn mfa_enabled(username: &str, ctx: &Context) -> Rendered {
    render(
        "Two-factor authentication was turned on",
        &[
            hello(username),
            Block::Para(
                "Two-factor authentication was turned on for your Tokengate account: logging in \
                 now needs a code from your authenticator app. Every other session was signed \
                 out. Keep your recovery codes somewhere safe."
                    .into(),
            ),
            Block::Details("The change was made from:", ctx),
            Block::Para(IF_NOT_YOU_RESET.into()),
        ],
    )
}

pub fn mfa_disabled(username: &str, ctx: &Context) -> Rendered {
    render(
        "Two-factor authentication was turned off",
        &[
            hello(username),
            Block::Para(
                "Two-factor authentication was turned off for your Tokengate account: the \
                 password alone logs in again. Every other session was signed out."
                    .into(),
            ),
            Block::Details("The change was made from:", ctx),
            Block::Para(IF_NOT_YOU_RESET.into()),
        ],
    )
}

pub fn passkey_added(username: &str, passkey: &str, ctx: &Context) -> Rendered {
    render(
        "A passkey was added to your account",
        &[
            hello(username),
            Block::Para(format!(
                "A passkey named \"{passkey}\" was added to your Tokengate account: it can now \
                 sign you in without a password."
            )),
            Block::Details("The change was made from:", ctx),
            Block::Para(IF_NOT_YOU_RESET.into()),
        ],
    )
}

pub fn passkey_removed(username: &str, passkey: &str, ctx: &Context) -> Rendered {
    render(
        "A passkey was removed from your account",
        &[
            hello(username),
            Block::Para(format!(
                "The passkey named \"{passkey}\" was removed from your Tokengate account, and \
                 every other session was signed out."
            )),
            Block::Details("The change was made from:", ctx),
            Block::Para(IF_NOT_YOU_RESET.into()),
        ],
    )
}

pub fn recovery_code_used(username: &str, codes_left: i64, ctx: &Context) -> Rendered {
    render(
        "A recovery code was used to log in",
        &[
            hello(username),
            Block::Para(format!(
                "A recovery code was used to log in to your Tokengate account, and every other \
                 session was signed out. {} left; you can make a new set on your account page.",
                count(codes_left, "recovery code")
            )),
            Block::Details("The login came from:", ctx),
            Block::Para(IF_NOT_YOU_RESET.into()),
        ],
    )
}

pub fn password_reset_done(username: &str, ctx: &Context) -> Rendered {
    render(
        "Your password was reset",
        &[
            hello(username),
            Block::Para(
                "The password of your Tokengate account was reset with a link sent to this \
                 address. Every session was signed out: log in again with the new password."
                    .into(),
            ),
            Block::Details("The reset was made from:", ctx),
            Block::Para(IF_NOT_YOU_RESET.into()),
        ],
    )
}

/// Sent to the old address when a change is asked for, before it takes effect: the owner hears
/// of it while the old address still is the account's.
pub fn email_changed(username: &str, new_address_masked: &str, ctx: &Context) -> Rendered {
    render(
        "A change of your account's e-mail address was requested",
        &[
            hello(username),
            Block::Para(format!(
                "Someone with your password asked to change the e-mail address of your \
                 Tokengate account to {}. The change takes effect when the link sent to that \
                 address is opened; from then on mail about the account, password resets \
                 included, goes there instead of here.",
                value(new_address_masked)
            )),
            Block::Details("The change was asked for from:", ctx),
            Block::Para(
                "If it was not you, change your password at once (whoever asked knows it) and \
                 tell the operator of this site."
                    .into(),
            ),
        ],
    )
}

pub fn account_locked(username: &str, lock_minutes: i64, ctx: &Context) -> Rendered {
    render(
        "Logging in to your account is locked for a while",
        &[
            hello(username),
            Block::Para(format!(
                "Several logins to your Tokengate account failed with a wrong password, so \
                 logging in is locked for {}.",
                count(lock_minutes, "minute")
            )),
            Block::Details("The last attempt came from:", ctx),
            Block::Para(
                "If it was you, wait and try again, or reset your password (\"Forgot \
                 password\" on the login page). If it was not you, someone is guessing your \
                 password: it was not found, and a long one used nowhere else keeps it so."
                    .into(),
            ),
        ],
    )
}

/// `alice@example.com` as `a***@example.com`: enough for its owner to recognise, too little to
/// hand a stranger the address. Something without `@` is shown as `***`.
pub fn mask_address(addr: &str) -> String {
    match addr.rsplit_once('@') {
        Some((local, domain)) => match local.chars().next() {
            Some(first) => format!("{first}***@{domain}"),
            None => format!("***@{domain}"),
        },
        None => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str = "https://auth.example.com/reset-password?token=abc_DEF-123";

    fn hostile() -> Context {
        Context {
            when: 1_796_220_180,
            client_address: "203.0.113.7".into(),
            user_agent: "<script>alert(1)</script>".into(),
        }
    }

    fn all() -> Vec<Rendered> {
        let ctx = hostile();
        vec![
            verify_email("alice", LINK, 24),
            password_reset("alice", LINK, 30, &ctx),
            address_in_use(&ctx),
            password_changed("alice", &ctx),
            password_reset_done("alice", &ctx),
            email_changed("alice", "b***@example.org", &ctx),
            account_locked("alice", 15, &ctx),
            mfa_enabled("alice", &ctx),
            mfa_disabled("alice", &ctx),
            recovery_code_used("alice", 9, &ctx),
        ]
    }

    #[test]
    fn html_escapes_a_hostile_user_agent_and_text_shows_it_as_sent() {
        let mail = password_changed("alice", &hostile());

        assert!(!mail.html.contains("<script>"), "{}", mail.html);
        assert!(mail.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(mail.text.contains("Browser: <script>alert(1)</script>"));
    }

    #[test]
    fn html_escapes_a_hostile_username() {
        let mail = verify_email("<b>eve</b>", LINK, 24);

        assert!(
            mail.html.contains("Hello &lt;b&gt;eve&lt;/b&gt;,"),
            "{}",
            mail.html
        );
    }

    #[test]
    fn text_and_html_both_carry_the_link() {
        for mail in [
            verify_email("alice", LINK, 24),
            password_reset("alice", LINK, 30, &hostile()),
        ] {
            assert!(mail.text.contains(LINK), "{}", mail.text);
            assert!(
                mail.html.contains(&format!("href=\"{LINK}\"")),
                "{}",
                mail.html
            );
        }
    }

    #[test]
    fn notices_say_when_from_which_browser_and_address_in_both_parts() {
        for mail in all().into_iter().skip(1) {
            for part in [&mail.text, &mail.html] {
                assert!(part.contains("When: 2026-12-02 14:03 UTC"), "{part}");
                assert!(part.contains("IP address: 203.0.113.7"), "{part}");
                assert!(part.contains("Browser: "), "{part}");
            }
        }
    }

    #[test]
    fn a_link_cannot_break_out_of_its_attribute() {
        let mail = verify_email("alice", "https://x.example/v?token=a\"onclick=\"x", 24);

        assert!(
            mail.html
                .contains("href=\"https://x.example/v?token=a&quot;onclick=&quot;x\">"),
            "{}",
            mail.html
        );
    }

    #[test]
    fn validity_is_counted_in_words() {
        assert!(verify_email("alice", LINK, 1)
            .text
            .contains("within 1 hour."));
        assert!(password_reset("alice", LINK, 30, &hostile())
            .text
            .contains("within 30 minutes."));
    }

    #[test]
    fn every_mail_has_a_subject_and_a_footer() {
        for mail in all() {
            assert!(!mail.subject.is_empty());
            assert!(mail
                .text
                .ends_with("This is an automatic message from Tokengate.\n"));
        }
    }

    #[test]
    fn an_address_is_masked_to_its_first_letter_and_domain() {
        assert_eq!(mask_address("alice@example.com"), "a***@example.com");
        assert_eq!(mask_address("élodie@exemple.fr"), "é***@exemple.fr");
        assert_eq!(mask_address("@example.com"), "***@example.com");
        assert_eq!(mask_address("nobody"), "***");
    }
}
