import path from "node:path";
import { defineConfig, devices } from "@playwright/test";

// The server under test: started here with a fresh database, or an already running one when
// TOKENGATE_E2E_BASE_URL is set (then nothing is started). The browser talks to it as localhost,
// not 127.0.0.1: WebAuthn (tests/passkeys.spec.ts) needs a domain name as its relying party ID.
const port = Number(process.env.TOKENGATE_E2E_PORT ?? 3100);
const externalBaseURL = process.env.TOKENGATE_E2E_BASE_URL;
const baseURL = externalBaseURL ?? `http://localhost:${port}`;

// A second server whose access tokens live 6 seconds (no leeway), for the session-keeping specs
// (tests/sessions.spec.ts). Started here unless TOKENGATE_E2E_SHORT_BASE_URL names a running one;
// its port is TOKENGATE_E2E_SHORT_PORT (default 3101). The specs read the URL from
// TOKENGATE_E2E_SHORT_BASE_URL, set here for the test workers.
const shortPort = Number(process.env.TOKENGATE_E2E_SHORT_PORT ?? 3101);
const externalShortBaseURL = process.env.TOKENGATE_E2E_SHORT_BASE_URL;
const shortBaseURL = externalShortBaseURL ?? `http://localhost:${shortPort}`;
process.env.TOKENGATE_E2E_SHORT_BASE_URL = shortBaseURL;

// The first server's data directory (relative to end2end/, where it runs). Without an SMTP URL it
// writes every mail as an .eml file under <data dir>/outbox/: tests/mail.ts reads them from
// TOKENGATE_E2E_OUTBOX_DIR, set here for the test workers (or by whoever runs an external server).
const mainDataDir = ".data";
process.env.TOKENGATE_E2E_OUTBOX_DIR ??= path.join(__dirname, mainDataDir, "outbox");

/** The environment both servers share. */
function serverEnv(addressPort: number, dataDir: string): Record<string, string> {
  return {
    LEPTOS_SITE_ROOT: "../target/site",
    LEPTOS_SITE_PKG_DIR: "pkg",
    LEPTOS_OUTPUT_NAME: "tokengate",
    LEPTOS_SITE_ADDR: `127.0.0.1:${addressPort}`,
    // The origin the browser uses (see baseURL): passkeys' relying party, links in mails.
    TOKENGATE_PUBLIC_URL: `http://localhost:${addressPort}`,
    TOKENGATE_DATA_DIR: dataDir,
    // Cheap hashing: the suite creates many accounts on a small machine.
    TOKENGATE_ARGON2_MEMORY_KIB: "8192",
    TOKENGATE_ARGON2_ITERATIONS: "1",
    // Every test talks from 127.0.0.1: lift the per-address throttles (per-account stays).
    TOKENGATE_SIGNUP_MAX_PER_IP: "1000",
    TOKENGATE_LOGIN_MAX_FAILURES_PER_IP: "1000",
    RUST_LOG: "warn",
  };
}

export default defineConfig({
  testDir: "./tests",
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: "list",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    trace: "retain-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          executablePath: "/usr/bin/chromium",
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
          ],
        },
      },
    },
  ],
  webServer: [
    ...(externalBaseURL
      ? []
      : [
          {
            // Runs in this directory (end2end/): a fresh SQLite database and signing key every run.
            command: `sh -c 'rm -rf ${mainDataDir} && exec ../target/debug/tokengate'`,
            url: `${baseURL}/healthz`,
            reuseExistingServer: false,
            timeout: 120_000,
            gracefulShutdown: { signal: "SIGTERM" as const, timeout: 5_000 },
            env: serverEnv(port, mainDataDir),
          },
        ]),
    ...(externalShortBaseURL
      ? []
      : [
          {
            // Same binary, its own fresh database; access tokens expire 6 s after issue, no leeway.
            // (The .gitignore written inside keeps the directory out of `git status`.)
            command:
              "sh -c 'rm -rf .data-short && mkdir .data-short && echo \\* > .data-short/.gitignore && exec ../target/debug/tokengate'",
            url: `${shortBaseURL}/healthz`,
            reuseExistingServer: false,
            timeout: 120_000,
            gracefulShutdown: { signal: "SIGTERM" as const, timeout: 5_000 },
            env: {
              ...serverEnv(shortPort, ".data-short"),
              TOKENGATE_ACCESS_TOKEN_TTL_SECS: "6",
              TOKENGATE_JWT_LEEWAY_SECS: "0",
            },
          },
        ]),
  ],
});
