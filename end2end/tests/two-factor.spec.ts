import { readFile } from "node:fs/promises";
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
  waitForHydration,
} from "./helpers";
import { Authenticator } from "./totp";

const STEP_UP_LABEL = "Code from your authenticator app (or a recovery code)";
const RECOVERY_CODE = /^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/;
const WRONG_CODE = "That code is not correct, or was already used";
/** Shaped like a recovery code, and no account's: refused without spending a TOTP step. */
const NOT_A_RECOVERY_CODE = "aaaa-aaaa-aaaa-aaaa";

/** Turns the factor on through the JSON API (fast set-up): the account's authenticator and codes. */
async function enrolViaApi(
  request: APIRequestContext,
  token: string,
): Promise<{ app: Authenticator; recoveryCodes: string[] }> {
  const headers = { Authorization: `Bearer ${token}` };
  const setup = await request.post("/api/auth/mfa/totp/setup", { headers, data: { password: PASSWORD } });
  expect(setup.status(), await setup.text()).toBe(200);
  const app = new Authenticator((await setup.json()).secret);
  const confirm = await request.post("/api/auth/mfa/totp/confirm", { headers, data: { code: app.nextCode() } });
  expect(confirm.status(), await confirm.text()).toBe(200);
  return { app, recoveryCodes: (await confirm.json()).recovery_codes };
}

/** The two-factor card of the (hydrated) account page, once the account has loaded. */
async function twoFactorCard(page: Page) {
  const card = page.getByRole("region", { name: "Two-factor authentication" });
  await expect(card.getByTestId("two-factor-status")).toBeVisible();
  return card;
}

/** Logs out with the nav's button and waits until the token is gone. */
async function logOut(page: Page): Promise<void> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("button", { name: "Log out" }).click();
  await expect.poll(() => storedToken(page)).toBeNull();
}

/** The password step, for an account with the factor on: the code step takes the form's place. */
async function passwordStep(page: Page, username: string) {
  await gotoHydrated(page, "/login");
  await submitCredentials(page, "Log in", username);
  const step = page.getByTestId("second-factor-step");
  await expect(step.getByRole("heading", { name: "Two-factor authentication" })).toBeVisible();
  return step;
}

/** Fails if the page is wider than the window. */
async function expectNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth, what).toBeLessThanOrEqual(innerWidth);
}

test("set up with the key the page shows, save ten recovery codes, then log in with a code", async ({
  page,
  context,
  request,
}) => {
  const cspReports: string[] = [];
  page.on("console", (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspReports.push(msg.text());
  });
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const username = uniqueUsername("mfa");
  await storeToken(page, await signupViaApi(request, username));
  await gotoHydrated(page, "/account");
  const card = await twoFactorCard(page);
  await expect(card.getByTestId("two-factor-status")).toHaveText("Off");
  await expect(page.getByLabel(STEP_UP_LABEL)).toHaveCount(0);

  // The password first.
  await card.getByRole("button", { name: "Set up" }).click();
  await expect(card.getByLabel("Current password")).toBeFocused();
  await card.getByLabel("Current password").fill(PASSWORD);
  await card.getByRole("button", { name: "Continue" }).click();

  // The QR code (server-made SVG) and the same key as text, in groups of four.
  await expect(card.getByRole("heading", { name: "Add Tokengate to your authenticator app" })).toBeFocused();
  const qr = card.getByRole("img", { name: "QR code of your two-factor key" });
  await expect(qr.locator("svg")).toHaveCount(1);
  const shownKey = (await card.getByTestId("totp-key").textContent()) ?? "";
  expect(shownKey).toMatch(/^[A-Z2-7]{4}( [A-Z2-7]{4}){7}$/);
  const key = shownKey.replace(/ /g, "");
  await card.getByRole("button", { name: "Copy key" }).click();
  await expect(card.getByText("Key copied.")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);

  // A first code from the app turns it on.
  const app = new Authenticator(key);
  const codeField = card.getByLabel("6-digit code");
  await expect(codeField).toHaveAttribute("autocomplete", "one-time-code");
  await expect(codeField).toHaveAttribute("inputmode", "numeric");
  await expect(codeField).toHaveAttribute("pattern", "[0-9]{6}");
  await expect(codeField).toHaveAttribute("maxlength", "6");
  await codeField.fill(app.nextCode());
  await card.getByRole("button", { name: "Turn on" }).click();

  // Ten recovery codes, shown once, copied and downloaded alike.
  await expect(card.getByRole("heading", { name: "Save your recovery codes" })).toBeFocused();
  const items = card.getByTestId("recovery-codes").getByRole("listitem");
  await expect(items).toHaveCount(10);
  const codes = await items.allTextContents();
  for (const code of codes) expect(code).toMatch(RECOVERY_CODE);
  expect(new Set(codes).size).toBe(10);
  await expect(card.getByTestId("two-factor-status")).toHaveText("On · 10 recovery codes left");

  const downloading = page.waitForEvent("download");
  await card.getByRole("link", { name: "Download" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe("tokengate-recovery-codes.txt");
  const file = await readFile(await download.path(), "utf8");
  expect(file).toBe(
    `Tokengate recovery codes for ${username}\n` +
      "Each code logs you in once in place of a code from your authenticator app.\n\n" +
      codes.map((c) => `${c}\n`).join(""),
  );
  await card.getByRole("button", { name: "Copy", exact: true }).click();
  await expect(card.getByText("Codes copied.")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(file);

  await card.getByRole("button", { name: "I have saved them" }).click();
  await expect(card.getByTestId("recovery-codes")).toHaveCount(0);
  await expect(card.getByTestId("two-factor-message")).toHaveText("Two-factor authentication is on.");
  await expect(card.getByRole("button", { name: "New recovery codes" })).toBeVisible();
  // The password and e-mail forms now ask for a code too.
  await expect(page.getByLabel(STEP_UP_LABEL)).toHaveCount(2);

  // The password alone no longer logs in: the code step does, to the page asked for.
  await logOut(page);
  await page.goto("/account");
  await expect(page).toHaveURL("/login?next=/account");
  await waitForHydration(page);
  await submitCredentials(page, "Log in", username);
  const step = page.getByTestId("second-factor-step");
  const loginCode = step.getByLabel("Code from your authenticator app");
  await expect(loginCode).toBeFocused();
  expect(await storedToken(page)).toBeNull();
  await loginCode.fill(app.nextCode());
  await step.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL("/account");
  expect(claimsOf((await storedToken(page))!).amr).toEqual(["pwd", "otp", "mfa"]);
  await expect((await twoFactorCard(page)).getByTestId("two-factor-status")).toHaveText(
    "On · 10 recovery codes left",
  );
  expect(cspReports).toEqual([]);
});

test("the code step takes a recovery code instead, once, and the account then has 9 left", async ({
  page,
  request,
}) => {
  const username = uniqueUsername("mfa");
  const { recoveryCodes } = await enrolViaApi(request, await signupViaApi(request, username));

  const step = await passwordStep(page, username);
  await step.getByRole("button", { name: "Use a recovery code instead" }).click();
  const field = step.getByLabel("Recovery code");
  await expect(field).toBeFocused();
  await expect(field).toHaveAttribute("autocomplete", "off");
  await field.fill(NOT_A_RECOVERY_CODE);
  await step.getByRole("button", { name: "Verify" }).click();
  await expect(step.getByRole("alert")).toHaveText(WRONG_CODE);
  await expect(field).toBeFocused();

  await field.fill(recoveryCodes[0].toUpperCase()); // case does not matter
  await step.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL("/dashboard");
  await expect(page.getByTestId("greeting")).toHaveText(`Hello, ${username}`);

  await gotoHydrated(page, "/account");
  await expect((await twoFactorCard(page)).getByTestId("two-factor-status")).toHaveText(
    "On · 9 recovery codes left",
  );

  // A used code does not work twice.
  await logOut(page);
  const again = await passwordStep(page, username);
  await again.getByRole("button", { name: "Use a recovery code instead" }).click();
  await again.getByLabel("Recovery code").fill(recoveryCodes[0]);
  await again.getByRole("button", { name: "Verify" }).click();
  await expect(again.getByRole("alert")).toHaveText(WRONG_CODE);
});

test("turning it off needs the password and a current code; then the password alone logs in", async ({
  page,
  request,
}) => {
  const username = uniqueUsername("mfa");
  const token = await signupViaApi(request, username);
  const { app } = await enrolViaApi(request, token);
  await storeToken(page, token);
  await gotoHydrated(page, "/account");
  const card = await twoFactorCard(page);
  await expect(card.getByTestId("two-factor-status")).toHaveText("On · 10 recovery codes left");

  await card.getByRole("button", { name: "Turn off" }).click();
  const form = card.getByRole("form", { name: "Turn off two-factor authentication" });
  await expect(form.getByLabel("Current password")).toBeFocused();
  await form.getByLabel("Current password").fill(PASSWORD);
  await form.getByLabel(STEP_UP_LABEL).fill(NOT_A_RECOVERY_CODE);
  await form.getByRole("button", { name: "Turn off" }).click();
  await expect(form.getByRole("alert")).toHaveText(WRONG_CODE);
  await expect(card.getByTestId("two-factor-status")).toHaveText("On · 10 recovery codes left");

  await form.getByLabel(STEP_UP_LABEL).fill(app.nextCode());
  await form.getByRole("button", { name: "Turn off" }).click();
  await expect(card.getByTestId("two-factor-message")).toHaveText("Two-factor authentication is off.");
  await expect(card.getByTestId("two-factor-status")).toHaveText("Off");
  await expect(card.getByRole("button", { name: "Set up" })).toBeVisible();
  await expect(page.getByLabel(STEP_UP_LABEL)).toHaveCount(0);

  await logOut(page);
  await gotoHydrated(page, "/login");
  await submitCredentials(page, "Log in", username);
  await expect(page).toHaveURL("/dashboard");
  await expect(page.getByTestId("greeting")).toHaveText(`Hello, ${username}`);
  expect(claimsOf((await storedToken(page))!).amr).toEqual(["pwd"]);
});

test("new recovery codes need the password and a current code, and the old ones stop working", async ({
  page,
  request,
}) => {
  const username = uniqueUsername("mfa");
  const token = await signupViaApi(request, username);
  const { app, recoveryCodes: oldCodes } = await enrolViaApi(request, token);
  await storeToken(page, token);
  await gotoHydrated(page, "/account");
  const card = await twoFactorCard(page);

  await card.getByRole("button", { name: "New recovery codes" }).click();
  const form = card.getByRole("form", { name: "New recovery codes" });
  await expect(form.getByLabel("Current password")).toBeFocused();
  await form.getByLabel("Current password").fill("not my password");
  await form.getByLabel(STEP_UP_LABEL).fill(app.nextCode());
  await form.getByRole("button", { name: "Make new codes" }).click();
  await expect(form.getByRole("alert")).toHaveText("The current password is not correct");

  // The code of the refused try was not spent: the server checks the password first.
  await form.getByLabel("Current password").fill(PASSWORD);
  await form.getByRole("button", { name: "Make new codes" }).click();
  const items = card.getByTestId("recovery-codes").getByRole("listitem");
  await expect(items).toHaveCount(10);
  const newCodes = await items.allTextContents();
  expect(newCodes.filter((code) => oldCodes.includes(code))).toEqual([]);
  await card.getByRole("button", { name: "I have saved them" }).click();
  await expect(card.getByTestId("two-factor-status")).toHaveText("On · 10 recovery codes left");

  const login = await request.post("/api/auth/login", { data: { username, password: PASSWORD } });
  expect(login.status()).toBe(403);
  const { mfa_token } = await login.json();
  const old = await request.post("/api/auth/mfa/verify", { data: { mfa_token, recovery_code: oldCodes[0] } });
  expect(old.status()).toBe(401);
  expect((await old.json()).error).toBe("invalid_mfa_code");
});

test("with the factor on, changing the password asks for a current code as well", async ({ page, request }) => {
  const username = uniqueUsername("mfa");
  const token = await signupViaApi(request, username);
  const { app } = await enrolViaApi(request, token);
  await storeToken(page, token);
  await gotoHydrated(page, "/account");
  await twoFactorCard(page);

  const form = page.locator("form", { has: page.getByRole("heading", { name: "Change password" }) });
  await form.getByLabel("Current password").fill(PASSWORD);
  await form.getByLabel("New password").fill("another fine passphrase");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(form.getByRole("alert")).toHaveText(
    "Enter a current code from your authenticator app (or a recovery code)",
  );

  await form.getByLabel(STEP_UP_LABEL).fill(app.nextCode());
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(form.getByRole("status")).toHaveText("Password changed. 0 other session(s) signed out.");
  await expect(form.getByLabel(STEP_UP_LABEL)).toHaveValue("");
});

test("an expired sign-in goes back to the password step, which keeps the username", async ({ page, request }) => {
  const username = uniqueUsername("mfa");
  await enrolViaApi(request, await signupViaApi(request, username));
  const step = await passwordStep(page, username);

  // The server no longer knows the token (as after 5 minutes, or 5 wrong codes).
  await page.route("**/api/auth/mfa/verify", (route) =>
    route.continue({ postData: { ...route.request().postDataJSON(), mfa_token: "A".repeat(43) } }),
  );
  await step.getByLabel("Code from your authenticator app").fill("123456");
  await step.getByRole("button", { name: "Verify" }).click();

  await expect(page.getByRole("alert")).toHaveText("This sign-in has expired. Enter your password again.");
  await expect(page.getByTestId("second-factor-step")).toHaveCount(0);
  await expect(page.getByLabel("Username")).toHaveValue(username);
  await expect(page.getByLabel("Password")).toHaveValue("");
  await expect(page.getByLabel("Password")).toBeFocused();

  // "Start over" goes back too, without a message.
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in", exact: true }).click();
  await page.getByTestId("second-factor-step").getByRole("button", { name: "Start over" }).click();
  await expect(page.getByLabel("Password")).toBeFocused();
  await expect(page.getByRole("alert")).toHaveCount(0);
});

for (const width of [390, 320]) {
  test(`at ${width} px the code step and the set-up fit without sideways scroll`, async ({ page, request }) => {
    await page.setViewportSize({ width, height: 800 });
    const username = uniqueUsername("mfa");
    const token = await signupViaApi(request, username);

    // The set-up: QR code and key, then the recovery codes.
    await storeToken(page, token);
    await gotoHydrated(page, "/account");
    const card = await twoFactorCard(page);
    await card.getByRole("button", { name: "Set up" }).click();
    await card.getByLabel("Current password").fill(PASSWORD);
    await card.getByRole("button", { name: "Continue" }).click();
    const qr = card.getByRole("img", { name: "QR code of your two-factor key" });
    await expect(qr).toBeVisible();
    expect((await qr.boundingBox())!.width).toBeLessThanOrEqual(220);
    await expectNoSidewaysScroll(page, `the QR code at ${width} px`);
    const app = new Authenticator((await card.getByTestId("totp-key").textContent()) ?? "");
    await card.getByLabel("6-digit code").fill(app.nextCode());
    await card.getByRole("button", { name: "Turn on" }).click();
    await expect(card.getByTestId("recovery-codes").getByRole("listitem")).toHaveCount(10);
    await expectNoSidewaysScroll(page, `the recovery codes at ${width} px`);

    // The code step, both ways.
    await logOut(page);
    const step = await passwordStep(page, username);
    await expect(step.getByLabel("Code from your authenticator app")).toBeFocused();
    await expectNoSidewaysScroll(page, `the code step at ${width} px`);
    await step.getByRole("button", { name: "Use a recovery code instead" }).click();
    await expect(step.getByLabel("Recovery code")).toBeFocused();
    await expectNoSidewaysScroll(page, `the recovery-code step at ${width} px`);
  });
}
