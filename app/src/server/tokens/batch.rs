//! Ed25519 signature checks in batches, across concurrent requests.
//!
//! A token seen for the first time costs one Ed25519 verification (~45 µs), the whole price of a
//! request for distinct users. Checking n signatures together (`ed25519_dalek::verify_batch`, one
//! multi-scalar multiplication with random weights) costs about half per signature from n = 8 on
//! these cores (`tokengate bench verify` prints the figures). So misses are not verified on the
//! request's task: they queue for a few dedicated threads (one per two CPUs), and each thread takes
//! every signature waiting when it comes free. Nothing waits for a batch to fill: a lone request
//! is checked alone, at once; batches form only when requests arrive faster than one thread
//! verifies them, which is exactly when the saving matters.
//!
//! One bad signature fails its whole batch. Then every signature of that batch is checked on its
//! own (each gets its own, exact answer), and the thread stays on single checks for the next
//! [`SINGLE_AFTER_FAILURE`] signatures: a stream of forged tokens costs what it did without
//! batching, never twice that, and good tokens beside it are not held up by repeated failures.
//!
//! The queue is bounded ([`QUEUE_CAPACITY`]); when it is full, or the threads are gone, the
//! caller verifies on its own task, so memory stays flat and a request never hangs.
//!
//! Soundness: a batch accepts only signatures by the key the token names over the token's own
//! header and payload (the batch equation is the cofactored one; the accepted set can differ from
//! single verification only by torsion components, which no one without the private key can use
//! to sign other claims). The claims are validated by `jsonwebtoken` as for any other token.

use std::sync::{mpsc, Arc, Mutex};

use ed25519_dalek::{Signature, Verifier as _, VerifyingKey};
use tokio::sync::oneshot;

/// The most signatures one batch checks (beyond 64 the saving per signature is flat).
pub const MAX_BATCH: usize = 64;
/// Signatures waiting at most; past it callers verify on their own task.
pub const QUEUE_CAPACITY: usize = 4096;
/// Single checks a thread does after a batch failed, before it batches again.
pub const SINGLE_AFTER_FAILURE: usize = 256;

struct Job {
    message: Vec<u8>,
    signature: Signature,
    key: VerifyingKey,
    reply: oneshot::Sender<bool>,
}

/// The verification threads, stopped when the last handle is dropped.
#[derive(Clone)]
pub struct SignatureBatcher {
    jobs: Option<mpsc::SyncSender<Job>>,
}

impl SignatureBatcher {
    /// Starts `threads` threads (at least one).
    pub fn start(threads: usize) -> std::io::Result<Self> {
        let (sender, receiver) = mpsc::sync_channel::<Job>(QUEUE_CAPACITY);
        let receiver = Arc::new(Mutex::new(receiver));
        for index in 0..threads.max(1) {
            let receiver = Arc::clone(&receiver);
            std::thread::Builder::new()
                .name(format!("ed25519-{index}"))
                .spawn(move || run(&receiver))?;
        }
        Ok(Self { jobs: Some(sender) })
    }

    /// One thread per two CPUs, at least one ([`default_threads`]).
    pub fn with_default_threads() -> std::io::Result<Self> {
        Self::start(default_threads(
            std::thread::available_parallelism().map_or(1, usize::from),
        ))
    }

    /// No threads: every check runs on the caller's task (tests, tools).
    pub fn inline() -> Self {
        Self { jobs: None }
    }

    /// Whether `signature` is `key`'s signature of `message`.
    pub async fn verify(&self, message: &[u8], signature: Signature, key: VerifyingKey) -> bool {
        let Some(jobs) = &self.jobs else {
            return key.verify(message, &signature).is_ok();
        };
        let (reply, answer) = oneshot::channel();
        let job = Job {
            message: message.to_vec(),
            signature,
            key,
            reply,
        };
        match jobs.try_send(job) {
            Ok(()) => match answer.await {
                Ok(valid) => valid,
                // The thread died with the job: answer it here.
                Err(_) => key.verify(message, &signature).is_ok(),
            },
            Err(mpsc::TrySendError::Full(job) | mpsc::TrySendError::Disconnected(job)) => {
                job.key.verify(&job.message, &job.signature).is_ok()
            }
        }
    }
}

/// Verification threads for `cpus` CPUs: one per two, at least one. Fewer threads make bigger
/// batches (a thread busy with one batch lets the next one fill), and a thread checks a batch
/// of 8 or more at about 20 µs a signature, over 40 000 a second. Measured on 2 cores at 1M
/// distinct users (release build, wrk on the same cores): one thread 27,192 and 24,208 req/s at
/// 53 and 57 µs of server CPU a request, mean batch 7.7 and 8.7; two threads 22,671 and 20,650
/// req/s at 63 and 69 µs, mean batch 5.2 and 4.8.
fn default_threads(cpus: usize) -> usize {
    (cpus / 2).max(1)
}

/// A compact JWS's signing input (`header.payload`) and its Ed25519 signature, for
/// [`SignatureBatcher::verify`]; `None` when the last segment is not 64 bytes of base64url.
pub fn ed25519_signed_parts(jws: &str) -> Option<(&str, Signature)> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    let (message, signature) = jws.rsplit_once('.')?;
    let bytes = URL_SAFE_NO_PAD.decode(signature).ok()?;
    Some((message, Signature::from_slice(&bytes).ok()?))
}

/// A verification thread: takes what is waiting, checks it, answers, until the sender is gone.
fn run(receiver: &Mutex<mpsc::Receiver<Job>>) {
    let mut singles_left = 0usize;
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        {
            // The lock is held while waiting: one idle thread takes the next jobs.
            let Ok(receiver) = receiver.lock() else {
                return;
            };
            let Ok(first) = receiver.recv() else { return };
            batch.push(first);
            while batch.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
        }
        crate::server::metrics_names::signature_batch(batch.len());
        if batch.len() == 1 || singles_left > 0 {
            singles_left = singles_left.saturating_sub(batch.len());
            answer_each(batch.drain(..));
        } else if verify_together(&batch) {
            for job in batch.drain(..) {
                let _ = job.reply.send(true);
            }
        } else {
            singles_left = SINGLE_AFTER_FAILURE;
            answer_each(batch.drain(..));
        }
    }
}

fn verify_together(batch: &[Job]) -> bool {
    let messages: Vec<&[u8]> = batch.iter().map(|job| job.message.as_slice()).collect();
    let signatures: Vec<Signature> = batch.iter().map(|job| job.signature).collect();
    let keys: Vec<VerifyingKey> = batch.iter().map(|job| job.key).collect();
    ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
}

fn answer_each(jobs: impl Iterator<Item = Job>) {
    for job in jobs {
        let valid = job.key.verify(&job.message, &job.signature).is_ok();
        // A caller that went away (its request was cancelled) needs no answer.
        let _ = job.reply.send(valid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer as _, SigningKey};
    use rand_core::OsRng;

    fn signed(key: &SigningKey, i: usize) -> (Vec<u8>, Signature) {
        let message = format!("header.payload-{i}").into_bytes();
        let signature = key.sign(&message);
        (message, signature)
    }

    /// Many concurrent checks, one of them forged: each gets its own exact answer.
    async fn check_concurrently(batcher: SignatureBatcher, forged: Option<usize>) -> Vec<bool> {
        let key = SigningKey::generate(&mut OsRng);
        let other = SigningKey::generate(&mut OsRng);
        let mut tasks = Vec::new();
        for i in 0..200 {
            let signer = if Some(i) == forged { &other } else { &key };
            let (message, signature) = signed(signer, i);
            let (batcher, public) = (batcher.clone(), key.verifying_key());
            tasks.push(tokio::spawn(async move {
                batcher.verify(&message, signature, public).await
            }));
        }
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap());
        }
        answers
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_good_signatures_are_all_accepted() {
        let answers = check_concurrently(SignatureBatcher::start(2).unwrap(), None).await;
        assert!(answers.iter().all(|&valid| valid));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_forged_signature_is_refused_and_every_other_one_accepted() {
        let answers = check_concurrently(SignatureBatcher::start(2).unwrap(), Some(57)).await;
        for (i, valid) in answers.iter().enumerate() {
            assert_eq!(*valid, i != 57, "signature {i}");
        }
    }

    #[tokio::test]
    async fn a_signature_over_other_bytes_or_by_another_key_is_refused() {
        let batcher = SignatureBatcher::start(1).unwrap();
        let key = SigningKey::generate(&mut OsRng);
        let (message, signature) = signed(&key, 1);
        assert!(
            batcher
                .verify(&message, signature, key.verifying_key())
                .await
        );
        assert!(
            !batcher
                .verify(b"header.payload-2", signature, key.verifying_key())
                .await
        );
        let other = SigningKey::generate(&mut OsRng).verifying_key();
        assert!(!batcher.verify(&message, signature, other).await);
    }

    #[test]
    fn one_thread_for_every_two_cpus_and_never_none() {
        assert_eq!([1, 2, 3, 4, 16].map(default_threads), [1, 1, 1, 2, 8]);
    }

    #[test]
    fn a_batch_with_one_bad_signature_fails_as_a_whole() {
        // What the per-signature fallback relies on: the batch never hides a bad signature.
        let key = SigningKey::generate(&mut OsRng);
        let jobs: Vec<Job> = (0..16)
            .map(|i| {
                let (message, mut signature) = signed(&key, i);
                if i == 9 {
                    let mut bytes = signature.to_bytes();
                    bytes[0] ^= 1;
                    signature = Signature::from_bytes(&bytes);
                }
                Job {
                    message,
                    signature,
                    key: key.verifying_key(),
                    reply: oneshot::channel().0,
                }
            })
            .collect();
        assert!(!verify_together(&jobs));
        assert!(verify_together(&jobs[..9]));
    }

    #[tokio::test]
    async fn without_threads_checks_run_inline_with_the_same_answers() {
        let batcher = SignatureBatcher::inline();
        let key = SigningKey::generate(&mut OsRng);
        let (message, signature) = signed(&key, 3);
        assert!(
            batcher
                .verify(&message, signature, key.verifying_key())
                .await
        );
        assert!(!batcher.verify(b"x", signature, key.verifying_key()).await);
    }
}
