import { execFileSync } from "node:child_process";
import path from "node:path";

/**
 * `tokengate` at the command line, against the database of the server under test: the same binary
 * and the same environment as the first server of playwright.config.ts (run in end2end/, data in
 * .data/). Whoever runs an external server sets TOKENGATE_E2E_DATA_DIR (and TOKENGATE_E2E_BIN).
 */
const END2END_DIR = path.join(__dirname, "..");
const BINARY = process.env.TOKENGATE_E2E_BIN ?? path.join(END2END_DIR, "..", "target", "debug", "tokengate");
const DATA_DIR = process.env.TOKENGATE_E2E_DATA_DIR ?? ".data";

function cliEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    TOKENGATE_DATA_DIR: DATA_DIR,
    TOKENGATE_ARGON2_MEMORY_KIB: "8192",
    TOKENGATE_ARGON2_ITERATIONS: "1",
    RUST_LOG: "warn",
  };
}

/** Runs `tokengate <args>` with `stdin` as its standard input; returns stdout (throws on a non-zero exit). */
export function tokengate(args: string[], stdin = ""): string {
  return execFileSync(BINARY, args, {
    cwd: END2END_DIR,
    env: cliEnv(),
    input: stdin,
    encoding: "utf8",
    timeout: 30_000,
  });
}

/** Creates an administrator the way an operator makes the first one: the password on a pipe, never an argument. */
export function createAdmin(username: string, password: string): void {
  tokengate(["users", "create", username, "--admin"], `${password}\n`);
}
