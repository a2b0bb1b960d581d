//! What one request costs in signature work, per signing algorithm: `verify_access_token` (the
//! full check the server runs for a token it has not verified before: header, `kid`, signature,
//! claims) and, in a second group, `issue_access_token` (sign-up, login, refresh).
//!
//! `tokengate bench verify [--json FILE]` (a server built with `--features bench`); short
//! settings, the whole run stays around a minute on two cores. Criterion prints its mean per
//! algorithm. With `--json FILE`, the same calls are then timed one by one (2,000 each, at most
//! 3 s) and their medians, in nanoseconds, are written there as JSON (bench/run.py and
//! bench/report.py read that file).

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use app::server::config::JwtAlgorithm;
use app::server::now_unix;
use app::server::tokens::{
    issue_access_token, verify_access_token, SigningKeys, Subject, TokenPolicy,
};
use criterion::Criterion;

const ALGORITHMS: [JwtAlgorithm; 4] = [
    JwtAlgorithm::HS256,
    JwtAlgorithm::EdDSA,
    JwtAlgorithm::ES256,
    JwtAlgorithm::RS256,
];
const VERIFY: &str = "verify";
const SIGN: &str = "sign";
/// Calls timed one by one for the JSON summary, and the time allowed for them per figure.
const SAMPLES: usize = 2_000;
const SAMPLE_BUDGET: Duration = Duration::from_secs(3);

fn policy() -> TokenPolicy {
    TokenPolicy {
        issuer: "tokengate".into(),
        audience: "tokengate".into(),
        ttl_secs: 900,
        leeway_secs: 5,
    }
}

fn subject() -> Subject<'static> {
    Subject {
        user_id: "6f1c0000-0000-4000-8000-000000000001",
        username: "alice",
        role: "user",
        session_id: "6f1c0000-0000-4000-8000-0000000000aa",
        amr: "pwd",
        dpop_jkt: None,
    }
}

/// One key set per algorithm, generated the way the server generates its keys.
fn key_sets() -> Vec<(JwtAlgorithm, SigningKeys)> {
    ALGORITHMS
        .into_iter()
        .map(|algorithm| (algorithm, SigningKeys::ephemeral_for(algorithm)))
        .collect()
}

fn bench_verify(c: &mut Criterion, key_sets: &[(JwtAlgorithm, SigningKeys)]) {
    let policy = policy();
    let mut group = c.benchmark_group(VERIFY);
    for (algorithm, keys) in key_sets {
        let (token, claims) =
            issue_access_token(keys, &policy, subject(), now_unix()).expect("signing works");
        // What is timed is an acceptance, never an early refusal.
        assert_eq!(verify_access_token(keys, &policy, &token), Ok(claims));
        group.bench_function(algorithm.as_str(), |b| {
            b.iter(|| verify_access_token(black_box(keys), &policy, black_box(&token)))
        });
    }
    group.finish();
}

fn bench_sign(c: &mut Criterion, key_sets: &[(JwtAlgorithm, SigningKeys)]) {
    let policy = policy();
    let now = now_unix();
    let mut group = c.benchmark_group(SIGN);
    for (algorithm, keys) in key_sets {
        group.bench_function(algorithm.as_str(), |b| {
            b.iter(|| issue_access_token(black_box(keys), &policy, subject(), now))
        });
    }
    group.finish();
}

/// Median of [`SAMPLES`] individually timed calls (fewer, but at least 100, when they take
/// longer than [`SAMPLE_BUDGET`]), in ns. A median rather than criterion's mean: on a machine shared with other builds, a call
/// preempted now and then is an outlier here instead of a shift of the whole figure.
fn median_ns(mut call: impl FnMut()) -> f64 {
    for _ in 0..SAMPLES / 10 {
        call();
    }
    let budget = Instant::now();
    let mut times = Vec::with_capacity(SAMPLES);
    while times.len() < SAMPLES && (times.len() < 100 || budget.elapsed() < SAMPLE_BUDGET) {
        let started = Instant::now();
        call();
        times.push(started.elapsed().as_nanos());
    }
    times.sort_unstable();
    times[times.len() / 2] as f64
}

/// Batch sizes timed for the Ed25519 batch figures (`tokens::batch` takes up to 64).
const BATCH_SIZES: [usize; 6] = [1, 2, 4, 8, 16, 64];

/// Median ns per signature of `ed25519_dalek::verify_batch` over `n` access-token signatures
/// (n = 1: a single `verify`), the saving the server's verification threads make.
fn ed25519_batch_ns(n: usize) -> f64 {
    use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _};
    let key = SigningKey::generate(&mut rand_core::OsRng);
    let messages: Vec<Vec<u8>> = (0..n)
        .map(|i| format!("eyJhbGciOiJFZERTQSJ9.{}-{i}", "p".repeat(400)).into_bytes())
        .collect();
    let signatures: Vec<Signature> = messages.iter().map(|m| key.sign(m)).collect();
    let keys = vec![key.verifying_key(); n];
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let ns = if n == 1 {
        median_ns(|| {
            black_box(keys[0].verify(black_box(refs[0]), &signatures[0])).ok();
        })
    } else {
        median_ns(|| {
            black_box(ed25519_dalek::verify_batch(
                black_box(&refs),
                &signatures,
                &keys,
            ))
            .ok();
        })
    };
    ns / n as f64
}

/// `{"verify": {"HS256": ns, ...}, "sign": {...}, "ed25519_batch": {"8": ns per signature,
/// ...}}`, medians measured by [`median_ns`].
fn write_summary(path: &Path, key_sets: &[(JwtAlgorithm, SigningKeys)]) -> std::io::Result<()> {
    let policy = policy();
    let (mut verify, mut sign) = (serde_json::Map::new(), serde_json::Map::new());
    for (algorithm, keys) in key_sets {
        let now = now_unix();
        let (token, _) = issue_access_token(keys, &policy, subject(), now).expect("signing works");
        let verify_ns = median_ns(|| {
            black_box(verify_access_token(
                black_box(keys),
                &policy,
                black_box(&token),
            ))
            .ok();
        });
        let sign_ns = median_ns(|| {
            black_box(issue_access_token(black_box(keys), &policy, subject(), now)).ok();
        });
        verify.insert(algorithm.as_str().to_owned(), verify_ns.into());
        sign.insert(algorithm.as_str().to_owned(), sign_ns.into());
    }
    let batch: serde_json::Map<String, serde_json::Value> = BATCH_SIZES
        .into_iter()
        .map(|n| (n.to_string(), ed25519_batch_ns(n).into()))
        .collect();
    let summary = serde_json::json!({ VERIFY: verify, SIGN: sign, "ed25519_batch": batch });
    let json = serde_json::to_string_pretty(&summary).map_err(std::io::Error::other)?;
    std::fs::write(path, json + "\n")
}

pub fn run(json: Option<&Path>) -> Result<(), String> {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    let key_sets = key_sets();
    bench_verify(&mut criterion, &key_sets);
    bench_sign(&mut criterion, &key_sets);
    criterion.final_summary();

    if let Some(path) = json {
        write_summary(path, &key_sets).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("medians written to {}", path.display());
    }
    Ok(())
}
