//! Grammar-based fuzzing of the release binary: `ROBUSTNESS_CASES` generated requests (default
//! 1,500) from `ROBUSTNESS_SEED` (printed; the same seed generates the same cases), a few
//! connections at a time. No answer may be a 5xx other than a 503 with `Retry-After`, and the
//! server must be alive after every batch of 50 and at the end. Cases are generated a batch at
//! a time, so that the DPoP proofs among them are fresh (a proof is good for 60 s).

mod body;
#[path = "../common/mod.rs"]
mod common;
mod dpop;
mod grammar;
mod passkeys;
mod vocabulary;

use std::time::Duration;

use common::dpop::{base64url, base64url_decode, ProofKey};
use common::http::{request, shown, with_header, Outcome, Response};
use common::webauthn::{client_data, SoftPasskey};
use common::{assert_alive, Server};
use grammar::{Case, Credentials};
use passkeys::Ceremony;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
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
    let mut rng = StdRng::seed_from_u64(seed);
    let credentials = signed_up(&server, ProofKey::from_seed(rng.random())).await;
    let mut cases: Vec<Case> = Vec::with_capacity(count);

    let start = Instant::now();
    let mut tally = Tally::default();
    // Forbidden answers are collected, not fatal, so one run shows every kind the seed finds.
    let mut forbidden = Vec::new();
    for first in (0..count).step_by(BATCH) {
        let end = (first + BATCH).min(count);
        cases.extend((first..end).map(|_| grammar::case(&mut rng, &credentials)));
        let batch = &cases[first..end];
        let range = format!("cases {first}..{end} (seed {seed})");
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

/// A real account, so some cases carry a valid token and refresh cookie, a token bound to a
/// DPoP key, and passkey ceremonies to finish.
async fn signed_up(server: &Server, proof_key: ProofKey) -> Credentials {
    let (username, password) = ("fuzzer", "correct horse battery staple");
    let body = json!({ "username": username, "password": password }).to_string();
    let signup = setup_call(
        server,
        request("POST", "/api/auth/signup", Some(&body)),
        201,
    )
    .await;
    let access_token = token_of(&signup);
    let cookies = signup
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, value)| value.split(';').next().map(str::to_owned))
        .collect();
    let origin = server.public_origin();
    let proof = proof_key.proof("POST", &format!("{origin}/api/auth/login"), None, "setup");
    let login = with_header(
        request("POST", "/api/auth/login", Some(&body)),
        "DPoP",
        proof.as_bytes(),
    );
    let bound_token = token_of(&setup_call(server, login, 200).await);
    let mut ceremonies = Vec::new();
    let bearer = format!("Bearer {access_token}");
    let step_up = json!({ "password": password }).to_string();
    let passkey = SoftPasskey::from_seed([5; 32], &[7; 16]);
    let start = request("POST", "/api/auth/passkeys/register/start", Some(&step_up));
    let start = with_header(start, "Authorization", bearer.as_bytes());
    let passkey_handle = register(server, start, &bearer, &passkey).await;
    for _ in 0..CEREMONIES_EACH {
        let start = request("POST", "/api/auth/passkeys/register/start", Some(&step_up));
        let start = with_header(start, "Authorization", bearer.as_bytes());
        ceremonies.push(ceremony(server, start, "register").await);
        let start = request("POST", "/api/auth/passkeys/login/start", Some("{}"));
        ceremonies.push(ceremony(server, start, "sign_in").await);
        let signup = json!({ "username": format!("fuzz-passkey-{}", ceremonies.len()) });
        let start = request(
            "POST",
            "/api/auth/passkeys/signup/start",
            Some(&signup.to_string()),
        );
        ceremonies.push(ceremony(server, start, "signup").await);
    }
    Credentials {
        username: username.to_owned(),
        password: password.to_owned(),
        access_token,
        cookies,
        rp_id: "localhost".to_owned(),
        origin,
        proof_key,
        bound_token,
        ceremonies,
        passkey,
        passkey_handle,
    }
}

/// Registers `passkey` with the register ceremony `start` begins; its user handle.
async fn register(server: &Server, start: Vec<u8>, bearer: &str, passkey: &SoftPasskey) -> Vec<u8> {
    let started = setup_call(server, start, 200)
        .await
        .json()
        .unwrap_or(Value::Null);
    let options = &started["options"]["publicKey"];
    let challenge = options["challenge"].as_str().unwrap_or_default();
    let handle = base64url_decode(options["user"]["id"].as_str().unwrap_or_default());
    let client_data = client_data("webauthn.create", challenge, &server.public_origin());
    let id = base64url(&passkey.credential_id);
    let credential = json!({
        "id": id,
        "rawId": id,
        "type": "public-key",
        "response": {
            "attestationObject": base64url(&passkey.attestation_object("localhost")),
            "clientDataJSON": base64url(&client_data),
        },
    });
    let body = json!({ "ceremony": started["ceremony"], "credential": credential }).to_string();
    let finish = request("POST", "/api/auth/passkeys/register/finish", Some(&body));
    setup_call(
        server,
        with_header(finish, "Authorization", bearer.as_bytes()),
        201,
    )
    .await;
    handle
}

/// Passkey ceremonies of each kind started before fuzzing.
const CEREMONIES_EACH: usize = 12;

async fn ceremony(server: &Server, start: Vec<u8>, purpose: &'static str) -> Ceremony {
    let response = setup_call(server, start, 200).await;
    let body = response.json().unwrap_or(Value::Null);
    let id = body["ceremony"].as_str().unwrap_or_default().to_owned();
    let challenge = body["options"]["publicKey"]["challenge"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if id.is_empty() || challenge.is_empty() {
        let problem = format!(
            "no ceremony id and challenge in {}",
            shown(&response.body, 600)
        );
        server.fail("starting a passkey ceremony", &problem).await;
    }
    Ceremony {
        purpose,
        id,
        challenge,
    }
}

/// A setup request that must answer `status`; anything else fails the test.
async fn setup_call(server: &Server, bytes: Vec<u8>, status: u16) -> Response {
    let case = format!("setup: {}", shown(&bytes, 300));
    match server.exchange(&bytes).await {
        Outcome::Answered(response) if response.status == status => response,
        outcome => {
            let problem = format!("expected {status}: {outcome}");
            server.fail(&case, &problem).await
        }
    }
}

fn token_of(response: &Response) -> String {
    let body = response.json().unwrap_or(Value::Null);
    body["access_token"].as_str().unwrap_or_default().to_owned()
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
