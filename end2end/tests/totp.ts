import { Secret, TOTP } from "otpauth";

/** Seconds per step, as the server and authenticator apps count them (RFC 6238, SHA-1, 6 digits). */
export const STEP_SECS = 30;

/**
 * A code of the previous step is only handed out while this many seconds of the current step are
 * left: it stops counting the moment the server's clock enters the next step, and the page has
 * to be filled and submitted before that.
 */
const PREVIOUS_STEP_MARGIN_SECS = 10;

/**
 * An authenticator app for one account's key, as a test uses it: each code is for a strictly
 * later step than the one before, because the server accepts the current step and one either
 * side, and each step only once per account (a code of a step already used, or of an older step,
 * is refused).
 *
 * So one 30-second window yields at most three codes (previous, current and next step); asking
 * for a fourth throws instead of waiting. Design each test to need no more: with the margin
 * above, two are always available.
 */
export class Authenticator {
  private readonly totp: TOTP;
  private lastStep = Number.NEGATIVE_INFINITY;

  /** `key` as the page or the API shows it: base32, spaces between groups allowed. */
  constructor(key: string) {
    this.totp = new TOTP({
      secret: Secret.fromBase32(key.replace(/\s+/g, "")),
      algorithm: "SHA1",
      digits: 6,
      period: STEP_SECS,
    });
  }

  /** The code of the earliest step that the server takes now and that is later than the last one. */
  nextCode(): string {
    const now = Date.now() / 1000;
    const current = Math.floor(now / STEP_SECS);
    const leftInStep = (current + 1) * STEP_SECS - now;
    const earliest = leftInStep > PREVIOUS_STEP_MARGIN_SECS ? current - 1 : current;
    const step = Math.max(this.lastStep + 1, earliest);
    if (step > current + 1) {
      throw new Error(`no fresh step until the next ${STEP_SECS} s window: this test asks for too many codes`);
    }
    this.lastStep = step;
    return this.totp.generate({ timestamp: step * STEP_SECS * 1000 });
  }
}
