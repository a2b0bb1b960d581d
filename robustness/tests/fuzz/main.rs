//! Grammar-based fuzzing of the release binary: `ROBUSTNESS_CASES` generated requests (default
//! 1,500) from `ROBUSTNESS_SEED` (printed; the same seed generates the same cases), a few
//! connections at a time. No answer may be a 5xx other than a 503 with `Retry-After`, and the
//! server must be alive after every batch of 50 and at the end.

mod body;
#[path = "../common/mod.rs"]
mod common;
mod grammar;
mod vocabulary;

use std::time::Duration;

use common::http::{request, shown, Outcome};
use common::{assert_alive, Server};
use grammar::{Case, Credentials};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::json;
use tokio::time::Instant;

const DEFAULT_SEED: u64 = 0x746f_6b65_6e67;
const DEFAULT_CASES: usize = 1500;
const BATCH: usize = 50;
/// How long a case that may legitimately keep the server waiting gets before its FIN.
const PATIENCE: Duration = Duration::from_millis(250);

struct Verdict {
    index: usize,
    outcome: Outcome,
    ended: Instant,
}

#[tokio::test]
async fn generated_hostile_requests_get_no_server_error_and_never_kill_the_server() {
    let seed = env_number("ROBUSTNESS_SEED", DEFAULT_SEED);
    let count = env_number("ROBUSTNESS_CASES", DEFAULT_CASES as u64) as usize;
    println!("fuzz: seed {seed}, {count} cases; reproduce with ROBUSTNESS_SEED={seed} ROBUSTNESS_CASES={count}");
    let server = Server::start().await;
    let credentials = signed_up(&server).await;
    let mut rng = StdRng::seed_from_u64(seed);
    let cases: Vec<Case> = (0..count)
        .map(|_| grammar::case(&mut rng, &credentials))
        .collect();

    let start = Instant::now();
    let mut tally = Tally::default();
    // Forbidden answers are collected, not fatal, so one run shows every kind the seed finds.
    let mut forbidden = Vec::new();
    for (batch_number, batch) in cases.chunks(BATCH).enumerate() {
        let first = batch_number * BATCH;
        let range = format!("cases {first}..{} (seed {seed})", first + batch.len());
        let (a, b, c, d) = tokio::join!(
            worker(&server, batch, first, 0),
            worker(&server, batch, first, 1),
            worker(&server, batch, first, 2),
            worker(&server, batch, first, 3),
        );
        let verdicts: Vec<Verdict> = [a, b, c, d].into_iter().flatten().collect();
        for verdict in &verdicts {
            tally.count(&verdict.outcome);
            if !acceptable(&verdict.outcome) {
                let case = describe(seed, verdict.index, &cases[verdict.index]);
                forbidden.push(format!("{case}\n    => {}", verdict.outcome));
            }
        }
        if server.exit_status().is_some() {
            let culprit = pinpoint(seed, &cases, &verdicts).await;
            let problem = format!(
                "the server died during these cases.\n{culprit}\nforbidden answers before that:\n{}",
                forbidden.join("\n")
            );
            server.fail(&range, &problem).await;
        }
        assert_alive(&server, &format!("after {range}")).await;
    }
    assert_alive(&server, &format!("after all {count} cases (seed {seed})")).await;
    println!(
        "fuzz: {count} cases in {:.1} s: {tally}",
        start.elapsed().as_secs_f64()
    );
    if !forbidden.is_empty() {
        let problem = format!(
            "{} answers were a 5xx (other than 503 with Retry-After) or never came:\n{}",
            forbidden.len(),
            forbidden.join("\n")
        );
        server
            .fail(&format!("{count} cases (seed {seed})"), &problem)
            .await;
    }
}

/// Outcomes by status class, for the closing line.
#[derive(Default)]
struct Tally {
    by_class: [usize; 6],
    closed: usize,
}

impl Tally {
    fn count(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Answered(r) => self.by_class[usize::from(r.status / 100).min(5)] += 1,
            _ => self.closed += 1,
        }
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [_, _, ok, redirect, client, server] = self.by_class;
        write!(
            f,
            "2xx {ok}, 3xx {redirect}, 4xx {client}, 5xx {server}, closed without answer {}",
            self.closed
        )
    }
}

/// Runs every 4th case of `batch` from `lane` on, one connection each.
async fn worker(server: &Server, batch: &[Case], first: usize, lane: usize) -> Vec<Verdict> {
    let mut verdicts = Vec::new();
    for (offset, case) in batch.iter().enumerate().skip(lane).step_by(4) {
        let outcome = send(server, case).await;
        verdicts.push(Verdict {
            index: first + offset,
            outcome,
            ended: Instant::now(),
        });
    }
    verdicts
}

async fn send(server: &Server, case: &Case) -> Outcome {
    if case.may_wait {
        server.exchange_patiently(&case.bytes, PATIENCE).await
    } else {
        server.exchange(&case.bytes).await
    }
}

/// Replays the batch's unanswered cases, in the order they ended, one at a time on a fresh
/// server, and names the first that kills it (or lists them when none does alone).
async fn pinpoint(seed: u64, cases: &[Case], verdicts: &[Verdict]) -> String {
    let mut suspects: Vec<&Verdict> = verdicts
        .iter()
        .filter(|v| !matches!(v.outcome, Outcome::Answered(_)))
        .collect();
    suspects.sort_by_key(|v| v.ended);
    let server = Server::start().await;
    for verdict in &suspects {
        let outcome = send(&server, &cases[verdict.index]).await;
        // An abort takes a moment to show as an exit.
        for _ in 0..10 {
            if server.exit_status().is_some() {
                let case = describe(seed, verdict.index, &cases[verdict.index]);
                return format!("Replayed alone on a fresh server, this case kills it ({outcome}):\n{case}\nits output:\n{}", server.output());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let listed: Vec<String> = suspects
        .iter()
        .map(|v| describe(seed, v.index, &cases[v.index]))
        .collect();
    format!(
        "No single case kills a fresh server; the cases without an answer, in the order they ended:\n{}",
        listed.join("\n")
    )
}

/// Below 500, or a 503 that says when to retry; a close is fine, a hang is not.
fn acceptable(outcome: &Outcome) -> bool {
    match outcome {
        Outcome::Answered(r) => {
            r.status < 500 || (r.status == 503 && r.header("retry-after").is_some())
        }
        Outcome::Closed { partial } => match outcome.status() {
            Some(status) if status >= 500 => {
                let head = String::from_utf8_lossy(partial).to_ascii_lowercase();
                status == 503 && head.contains("\r\nretry-after:")
            }
            _ => true,
        },
        Outcome::Silent { .. } => false,
    }
}

fn describe(seed: u64, index: usize, case: &Case) -> String {
    let ending = if case.may_wait { ", then FIN" } else { "" };
    format!(
        "#{index} (seed {seed}){ending}: {}",
        shown(&case.bytes, 600)
    )
}

/// A real account, so some cases carry a valid token and refresh cookie.
async fn signed_up(server: &Server) -> Credentials {
    let (username, password) = ("fuzzer", "correct horse battery staple");
    let body = json!({ "username": username, "password": password });
    let outcome = server
        .exchange(&request(
            "POST",
            "/api/auth/signup",
            Some(&body.to_string()),
        ))
        .await;
    let Outcome::Answered(response) = &outcome else {
        server
            .fail("sign-up before fuzzing", &outcome.to_string())
            .await;
    };
    let token = response
        .json()
        .and_then(|b| b["access_token"].as_str().map(str::to_owned));
    let Some(access_token) = token.filter(|_| response.status == 201) else {
        server
            .fail(
                "sign-up before fuzzing",
                &format!("expected 201 with a token: {outcome}"),
            )
            .await;
    };
    let cookies = response
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, value)| value.split(';').next().map(str::to_owned))
        .collect();
    Credentials {
        username: username.to_owned(),
        password: password.to_owned(),
        access_token,
        cookies,
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(value) => value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value:?} is not a number")),
        Err(_) => default,
    }
}
