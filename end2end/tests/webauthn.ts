import { expect, type CDPSession, type Page } from "@playwright/test";

/** A credential as Chromium's virtual authenticator holds it (CDP `WebAuthn.Credential`). */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  /** PKCS#8, base64. */
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

/**
 * A platform authenticator for one page, through the DevTools protocol: a passkey store that
 * verifies the user (as a fingerprint would) and says yes at once, with no dialog to click.
 */
export class VirtualAuthenticator {
  private constructor(
    private readonly cdp: CDPSession,
    readonly id: string,
  ) {}

  static async attach(page: Page): Promise<VirtualAuthenticator> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return new VirtualAuthenticator(cdp, authenticatorId);
  }

  /**
   * With presence off, a request waits as if nobody touched the sensor: the login page's autofill
   * request then stays pending (as for a user who ignores the suggestions) instead of signing in
   * at once, which is what the virtual authenticator does with a conditional request. A request
   * already waiting keeps waiting when presence comes back on.
   */
  async setPresence(enabled: boolean): Promise<void> {
    await this.cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId: this.id, enabled });
  }

  /** The passkeys it holds. */
  async credentials(): Promise<VirtualCredential[]> {
    const { credentials } = await this.cdp.send("WebAuthn.getCredentials", { authenticatorId: this.id });
    return credentials as VirtualCredential[];
  }

  /** Its only passkey (fails unless it holds exactly one). */
  async onlyCredential(): Promise<VirtualCredential> {
    const held = await this.credentials();
    expect(held, "passkeys on the virtual authenticator").toHaveLength(1);
    return held[0];
  }

  async removeCredential(credentialId: string): Promise<void> {
    await this.cdp.send("WebAuthn.removeCredential", { authenticatorId: this.id, credentialId });
  }

  async addCredential(credential: VirtualCredential): Promise<void> {
    await this.cdp.send("WebAuthn.addCredential", { authenticatorId: this.id, credential });
  }
}
