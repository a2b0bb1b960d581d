import { mkdir } from "node:fs/promises";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import {
  PASSWORD,
  claimsOf,
  gotoHydrated,
  signupViaApi,
  storeToken,
  storedToken,
  submitCredentials,
  uniqueUsername,
} from "./helpers";
import { Authenticator } from "./totp";
import { VirtualAuthenticator } from "./webauthn";

// Passkeys (issue 15), with Chromium's virtual authenticator standing in for a fingerprint
// reader. WebAuthn needs a domain name: the suite's baseURL is http://localhost:<port>.

const REFUSED = "That passkey was not accepted. Try again, or use another way to sign in.";
const LAST_CREDENTIAL = "This is your only way to sign in. Add another passkey (or set a password) first.";
const STEP_UP_LABEL = "Code from your authenticator app (or a recovery code)";

/** The passkeys card of the (hydrated) account page, once its list has loaded. */
async function passkeysCard(page: Page) {
  const card = page.getByRole("region", { name: "Passkeys" });
  await expect(card.getByRole("button", { name: "Add a passkey" })).toBeVisible();
  return card;
}

/** Adds a passkey from the account page; `password` null for an account without one. */
async function addPasskey(page: Page, name: string, password: string | null = PASSWORD, code?: string) {
  await gotoHydrated(page, "/account");
  const card = await passkeysCard(page);
  const before = await card.getByTestId("passkey-row").count();
  await card.getByRole("button", { name: "Add a passkey" }).click();
  await expect(card.getByLabel("Name (optional)")).toBeFocused();
  await card.getByLabel("Name (optional)").fill(name);
  if (password !== null) await card.getByLabel("Current password").fill(password);
  if (code !== undefined) await card.getByLabel(STEP_UP_LABEL).fill(code);
  await card.getByRole("button", { name: "Add passkey" }).click();
  await expect(card.getByTestId("passkeys-message")).toHaveText(`Passkey “${name}” added.`);
  await expect(card.getByTestId("passkey-row")).toHaveCount(before + 1);
  return card;
}

/** Logs out with the nav's button and waits until the token is gone. */
async function logOut(page: Page): Promise<void> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("button", { name: "Log out" }).click();
  await expect.poll(() => storedToken(page)).toBeNull();
}

/** The `amr` claim of the stored token. */
async function amr(page: Page): Promise<unknown> {
  const token = await storedToken(page);
  expect(token, "a token is stored").not.toBeNull();
  return claimsOf(token!).amr;
}

/** Turns TOTP on through the JSON API: the account's authenticator app. */
async function enrolTotpViaApi(request: APIRequestContext, token: string): Promise<Authenticator> {
  const headers = { Authorization: `Bearer ${token}` };
  const setup = await request.post("/api/auth/mfa/totp/setup", { headers, data: { password: PASSWORD } });
  expect(setup.status(), await setup.text()).toBe(200);
  const app = new Authenticator((await setup.json()).secret);
  const confirm = await request.post("/api/auth/mfa/totp/confirm", { headers, data: { code: app.nextCode() } });
  expect(confirm.status(), await confirm.text()).toBe(200);
  return app;
}

/**
 * The login page with its autofill request waiting, as for a user who ignores the suggestions
 * (the virtual authenticator would otherwise answer the request at once: see `setPresence`).
 */
async function openLogin(page: Page, authenticator: VirtualAuthenticator): Promise<void> {
  await authenticator.setPresence(false);
  await gotoHydrated(page, "/login");
  await expect(page.locator("[data-autofill]")).toHaveAttribute("data-autofill", "waiting");
  // Until the request has reached the authenticator (it keeps waiting once presence is back).
  await page.waitForTimeout(300);
  await authenticator.setPresence(true);
}

/** The password step of an account with a second factor: its second step, once shown. */
async function secondStep(page: Page, authenticator: VirtualAuthenticator, username: string) {
  await openLogin(page, authenticator);
  await submitCredentials(page, "Log in", username);
  const step = page.getByTestId("second-factor-step");
  await expect(step.getByRole("heading", { name: "Two-factor authentication" })).toBeVisible();
  return step;
}

test("a passkey added on the account page signs in without a username, shows its last use, is renamed and removed", async ({
  page,
  request,
}) => {
  const authenticator = await VirtualAuthenticator.attach(page);
  const username = uniqueUsername("pk");
  await storeToken(page, await signupViaApi(request, username));
  await gotoHydrated(page, "/account");
  await expect((await passkeysCard(page)).getByTestId("passkeys-empty")).toHaveText("No passkeys yet.");

  const card = await addPasskey(page, "Laptop");
  const row = card.getByTestId("passkey-row");
  await expect(row.getByTestId("passkey-name")).toHaveText("Laptop");
  await expect(row.getByTestId("passkey-dates")).toHaveText(/^Added \d{4}-\d\d-\d\d \d\d:\d\d UTC · never used$/);
  const held = await authenticator.onlyCredential();
  expect(held.isResidentCredential, "a discoverable credential (no username needed)").toBe(true);
  expect(held.rpId).toBe("localhost");

  // One passkey per account on one device: the browser refuses a second (the exclude list).
  await card.getByRole("button", { name: "Add a passkey" }).click();
  await card.getByLabel("Current password").fill(PASSWORD);
  await card.getByRole("button", { name: "Add passkey" }).click();
  await expect(card.getByRole("form", { name: "Add a passkey" }).getByRole("alert")).toHaveText(
    "This device already holds a passkey for your account. Use another device or security key.",
  );
  await card.getByRole("button", { name: "Cancel" }).click();
  expect(await authenticator.credentials()).toHaveLength(1);

  // Signed out, the login page's button finds the passkey: no username typed. The autofill
  // request waiting in the background is aborted first (else the browser refuses a second one).
  await logOut(page);
  await openLogin(page, authenticator);
  await expect(page.getByLabel("Username or e-mail")).toHaveAttribute("autocomplete", "username webauthn");
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(username);
  expect(await amr(page)).toEqual(["hwk", "mfa"]);

  await gotoHydrated(page, "/account");
  await passkeysCard(page);
  await expect(row.getByTestId("passkey-dates")).toHaveText(/ · last used \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);

  // Rename inline: Escape leaves it as it was, Save keeps the new name.
  await row.getByRole("button", { name: "Rename Laptop" }).click();
  const nameField = row.getByLabel("Passkey name");
  await expect(nameField).toBeFocused();
  await expect(nameField).toHaveValue("Laptop");
  await nameField.fill("Nope");
  await nameField.press("Escape");
  await expect(card.getByRole("heading", { name: "Passkeys" })).toBeFocused();
  await expect(row.getByTestId("passkey-name")).toHaveText("Laptop");
  await row.getByRole("button", { name: "Rename Laptop" }).click();
  await row.getByLabel("Passkey name").fill("Work laptop");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(card.getByTestId("passkeys-message")).toHaveText("Passkey renamed to “Work laptop”.");
  await expect(row.getByTestId("passkey-name")).toHaveText("Work laptop");

  // Removing takes the password: a wrong one is refused, the right one removes it.
  await row.getByRole("button", { name: "Remove Work laptop" }).click();
  const confirm = row.getByRole("form", { name: "Remove Work laptop" });
  await expect(confirm.getByLabel("Current password")).toBeFocused();
  await confirm.getByLabel("Current password").fill("not the password at all");
  await confirm.getByRole("button", { name: "Remove passkey" }).click();
  await expect(confirm.getByRole("alert")).toHaveText("The current password is not correct");
  await confirm.getByLabel("Current password").fill(PASSWORD);
  await confirm.getByRole("button", { name: "Remove passkey" }).click();
  await expect(card.getByTestId("passkeys-message")).toHaveText("Passkey “Work laptop” removed.");
  await expect(card.getByTestId("passkeys-empty")).toBeVisible();

  // The authenticator still holds it, but the server no longer knows it.
  await logOut(page);
  await openLogin(page, authenticator);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page.getByTestId("passkey-error")).toHaveText(REFUSED);
  await expect(page).toHaveURL(/\/login$/);
  expect(await storedToken(page)).toBeNull();
});

test("with a password and a passkey, the password login asks for the passkey and finishes with it", async ({
  page,
  request,
}) => {
  const authenticator = await VirtualAuthenticator.attach(page);
  const username = uniqueUsername("pk2");
  await storeToken(page, await signupViaApi(request, username));
  await addPasskey(page, "Phone");
  await logOut(page);

  // The password step's autofill request ends with it: the passkey step's request can run.
  const step = await secondStep(page, authenticator, username);
  // The passkey is the only second factor: its button is the step, and no code is asked.
  const usePasskey = step.getByRole("button", { name: "Use your passkey" });
  await expect(usePasskey).toBeFocused();
  await expect(step.getByRole("textbox")).toHaveCount(0);
  expect(await storedToken(page)).toBeNull();
  await usePasskey.click();
  await expect(page).toHaveURL(/\/dashboard$/);
  expect(await amr(page)).toEqual(["pwd", "hwk", "mfa"]);
});

test("with TOTP on as well, adding a passkey takes a code, and the code step offers the passkey too", async ({
  page,
  request,
}) => {
  const authenticator = await VirtualAuthenticator.attach(page);
  const username = uniqueUsername("pk3");
  const token = await signupViaApi(request, username);
  const app = await enrolTotpViaApi(request, token);
  await storeToken(page, token);
  await addPasskey(page, "Key", PASSWORD, app.nextCode());
  await logOut(page);

  const step = await secondStep(page, authenticator, username);
  await expect(step.getByLabel("Code from your authenticator app")).toBeFocused();
  await step.getByRole("button", { name: "Use your passkey" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  expect(await amr(page)).toEqual(["pwd", "hwk", "mfa"]);
});

test("an answer signed with another account's passkey is refused for this account", async ({
  page,
  browser,
  request,
  baseURL,
}) => {
  // Account B, in a browser of its own, with a passkey of its own.
  const otherContext = await browser.newContext({ baseURL });
  const otherPage = await otherContext.newPage();
  const otherAuthenticator = await VirtualAuthenticator.attach(otherPage);
  await storeToken(otherPage, await signupViaApi(otherPage.request, uniqueUsername("pkb")));
  await addPasskey(otherPage, "B's key");
  const otherKey = await otherAuthenticator.onlyCredential();
  await otherContext.close();

  // Account A, password + passkey; then its authenticator's passkey is swapped for one with A's
  // credential id and user but B's private key.
  const authenticator = await VirtualAuthenticator.attach(page);
  const username = uniqueUsername("pka");
  await storeToken(page, await signupViaApi(request, username));
  await addPasskey(page, "A's key");
  await logOut(page);
  const own = await authenticator.onlyCredential();
  await authenticator.removeCredential(own.credentialId);
  await authenticator.addCredential({ ...own, privateKey: otherKey.privateKey, signCount: own.signCount + 1 });

  const step = await secondStep(page, authenticator, username);
  await step.getByRole("button", { name: "Use your passkey" }).click();
  await expect(step.getByRole("alert")).toHaveText(REFUSED);
  await expect(step.getByRole("button", { name: "Use your passkey" })).toBeEnabled();
  await expect(page).toHaveURL(/\/login$/);
  expect(await storedToken(page)).toBeNull();
});

test("a passkey-only sign-up lands on the dashboard, and its only passkey cannot be removed", async ({ page }) => {
  const authenticator = await VirtualAuthenticator.attach(page);
  const username = uniqueUsername("pko");
  await gotoHydrated(page, "/signup");
  await page.getByRole("button", { name: "Sign up with a passkey instead" }).click();
  const form = page.getByRole("form", { name: "Sign up with a passkey" });
  await expect(form.getByLabel("Username")).toBeFocused();
  await expect(form.getByLabel("Password")).toHaveCount(0);
  await form.getByLabel("Username").fill(username);
  await form.getByRole("button", { name: "Create account with a passkey" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  expect(await amr(page)).toEqual(["hwk", "mfa"]);
  const held = await authenticator.onlyCredential();
  expect(held.isResidentCredential).toBe(true);

  await gotoHydrated(page, "/account");
  const card = await passkeysCard(page);
  const row = card.getByTestId("passkey-row");
  await expect(row).toHaveCount(1);
  await row.getByRole("button", { name: "Remove" }).click();
  const confirm = row.getByRole("form", { name: /^Remove / });
  // No password to give: the recent sign-in is the proof.
  await expect(confirm.getByLabel("Current password")).toHaveCount(0);
  await expect(confirm.getByRole("button", { name: "Remove passkey" })).toBeFocused();
  await confirm.getByRole("button", { name: "Remove passkey" }).click();
  await expect(confirm.getByRole("alert")).toHaveText(LAST_CREDENTIAL);
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(row).toHaveCount(1);
  expect(await authenticator.credentials()).toHaveLength(1);

  // And the passkey signs this account in again, from the username field's suggestions: the
  // virtual authenticator answers the autofill request as a user picking the passkey would.
  await logOut(page);
  await gotoHydrated(page, "/login");
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(username);
});

test("the passkey card, the login page, the passkey step and the passkey sign-up fit 320-390 px phones and wide screens", async ({
  page,
  request,
}) => {
  const shots = process.env.TOKENGATE_E2E_SHOTS_DIR;
  if (shots) await mkdir(shots, { recursive: true });
  const snap = async (name: string, width: number) => {
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    expect(scrollWidth, `${name} at ${width} px scrolls sideways`).toBeLessThanOrEqual(innerWidth);
    if (shots) await page.screenshot({ path: `${shots}/${name}-${width}.png`, fullPage: true });
  };
  const authenticator = await VirtualAuthenticator.attach(page);
  const username = uniqueUsername("pkw");
  await storeToken(page, await signupViaApi(request, username));
  await addPasskey(page, "A rather long passkey name for a small screen");
  // A second one from the same device, once the device has forgotten the first.
  await authenticator.removeCredential((await authenticator.onlyCredential()).credentialId);
  await addPasskey(page, "Phone");
  for (const width of [320, 390, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await gotoHydrated(page, "/account");
    const card = await passkeysCard(page);
    await card.getByTestId("passkey-row").first().getByRole("button", { name: "Remove" }).click();
    await snap("account", width);
    if (shots) await card.screenshot({ path: `${shots}/passkeys-card-${width}.png` });
  }
  await logOut(page);
  for (const width of [320, 390, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await openLogin(page, authenticator);
    await snap("login", width);
    await submitCredentials(page, "Log in", username);
    await expect(page.getByRole("button", { name: "Use your passkey" })).toBeVisible();
    await snap("passkey-step", width);
  }
  for (const width of [320, 390, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await gotoHydrated(page, "/signup");
    await page.getByRole("button", { name: "Sign up with a passkey instead" }).click();
    await expect(page.getByRole("form", { name: "Sign up with a passkey" })).toBeVisible();
    await snap("signup-passkey", width);
  }
});
