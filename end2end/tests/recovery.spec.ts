import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import {
  PASSWORD,
  gotoHydrated,
  storeToken,
  submitCredentials,
  uniqueUsername,
  waitForHydration,
} from "./helpers";
import { linkFrom, waitForMail } from "./mail";

const RESET_SENT = "If an account has this verified address, a link is on its way. It works for 30 minutes.";

/** An address nobody else uses, for `username`. */
function addressOf(username: string): string {
  return `${username}@example.com`;
}

/** Creates an account with an e-mail address through the JSON API; returns its access token. */
async function signupWithEmail(request: APIRequestContext, username: string, email: string): Promise<string> {
  const response = await request.post("/api/auth/signup", { data: { username, password: PASSWORD, email } });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()).access_token as string;
}

/** Confirms the verification link mailed to `email` through the JSON API (fast set-up). */
async function verifyViaApi(request: APIRequestContext, email: string): Promise<void> {
  const link = linkFrom(await waitForMail(email, "Confirm your e-mail address"), "/verify-email");
  const token = new URL(link, "http://x").searchParams.get("token");
  const response = await request.post("/api/auth/verify-email", { data: { token } });
  expect(response.status(), await response.text()).toBe(200);
}

/** The e-mail card of the (hydrated) account page, once it has loaded. */
async function emailCard(page: Page) {
  const card = page.getByRole("region", { name: "E-mail address" });
  await expect(card.getByTestId("email-state")).toBeVisible();
  return card;
}

test("an address given at sign-up is verified by the Confirm click, not by opening the link", async ({ page }) => {
  const username = uniqueUsername();
  const email = addressOf(username);
  const verifyCalls: string[] = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname === "/api/auth/verify-email") verifyCalls.push(r.method());
  });

  await gotoHydrated(page, "/signup");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("E-mail (optional, for account recovery)").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up", exact: true }).click();
  await expect(page).toHaveURL("/dashboard");
  await expect(page.getByTestId("email-reminder").locator("p")).toHaveText(
    "Verify your e-mail address so you can recover your account.",
  );

  await page.getByTestId("email-reminder").getByRole("link", { name: "Go to your account" }).click();
  await expect(page).toHaveURL("/account");
  let card = await emailCard(page);
  await expect(card.getByTestId("email-address")).toHaveText(email);
  await expect(card.getByTestId("email-state")).toHaveText("Not verified");

  const link = linkFrom(await waitForMail(email, "Confirm your e-mail address"), "/verify-email");
  expect(link).toMatch(/^\/verify-email\?token=[\w-]+$/);

  // Opening the link (what a mail scanner does) changes nothing.
  await gotoHydrated(page, link);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Confirm your e-mail address");
  await gotoHydrated(page, "/account");
  card = await emailCard(page);
  await expect(card.getByTestId("email-state")).toHaveText("Not verified");
  expect(verifyCalls).toEqual([]);

  // The click does.
  await gotoHydrated(page, link);
  await page.getByRole("button", { name: "Confirm", exact: true }).click();
  await expect(page.getByRole("status")).toHaveText(`${email} is verified.`);
  expect(verifyCalls).toEqual(["POST"]);
  await page.getByRole("link", { name: "Go to your account" }).click();
  await expect(page).toHaveURL("/account");
  card = await emailCard(page);
  await expect(card.getByTestId("email-state")).toHaveText("Verified");
  await expect(card.getByRole("button", { name: "Resend link" })).toHaveCount(0);

  // The dashboard stops nagging once the account has loaded.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboard" }).click();
  await expect(page.getByTestId("member-since")).toBeVisible();
  await expect(page.getByTestId("email-reminder")).toHaveCount(0);

  // A used link is refused, with the reason.
  await gotoHydrated(page, link);
  await page.getByRole("button", { name: "Confirm", exact: true }).click();
  await expect(page.getByRole("alert")).toHaveText(
    "This verification link is not valid any more. Ask for a new one from your account page. Go to your account",
  );
});

test("a reset link sets a new password, logs in here and signs out every other browser", async ({
  page,
  browser,
  request,
}) => {
  const username = uniqueUsername();
  const email = addressOf(username);
  const newPassword = "a fresh reset passphrase";
  await signupWithEmail(request, username, email);
  await verifyViaApi(request, email);

  // A second browser, logged in as the same user.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await gotoHydrated(otherPage, "/login");
  await submitCredentials(otherPage, "Log in", username);
  await expect(otherPage.getByTestId("greeting")).toHaveText(`Hello, ${username}`);

  await gotoHydrated(page, "/login");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page).toHaveURL("/forgot-password");
  await page.getByLabel("E-mail address").fill(email);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByRole("status")).toHaveText(RESET_SENT);

  const link = linkFrom(await waitForMail(email, "Reset your password"), "/reset-password");
  expect(link).toMatch(/^\/reset-password\?token=[\w-]+$/);
  const confirmCalls: string[] = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname === "/api/auth/password-reset/confirm") confirmCalls.push(r.method());
  });
  await gotoHydrated(page, link);
  expect(confirmCalls).toEqual([]); // opening the page sends nothing

  await page.getByLabel("New password", { exact: true }).fill(newPassword);
  await page.getByLabel("Repeat the new password").fill(`${newPassword} typo`);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("alert")).toHaveText("The two passwords do not match");
  expect(confirmCalls).toEqual([]);

  await page.getByLabel("Repeat the new password").fill(newPassword);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page).toHaveURL("/dashboard");
  await expect(page.getByTestId("greeting")).toHaveText(`Hello, ${username}`);
  expect(confirmCalls).toEqual(["POST"]);

  // The other browser's session ended: its next protected page load sends it to log in.
  await otherPage.reload();
  await expect(otherPage).toHaveURL("/login?next=/dashboard");

  // The old password is gone; the verified address and the new password log in.
  const refused = await request.post("/api/auth/login", { data: { username, password: PASSWORD } });
  expect(refused.status()).toBe(401);
  await waitForHydration(otherPage);
  await submitCredentials(otherPage, "Log in", email, newPassword);
  await expect(otherPage).toHaveURL("/dashboard");
  await expect(otherPage.getByTestId("greeting")).toHaveText(`Hello, ${username}`);
  await other.close();

  // The link worked once.
  await gotoHydrated(page, link);
  await page.getByLabel("New password", { exact: true }).fill(newPassword);
  await page.getByLabel("Repeat the new password").fill(newPassword);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("alert")).toHaveText(
    "This reset link is not valid any more. Ask for a new one. Get a new link",
  );
  await expect(page.getByRole("alert").getByRole("link", { name: "Get a new link" })).toHaveAttribute(
    "href",
    "/forgot-password",
  );
});

test("a reset request shows its progress, is sent once, and an unknown address gets the same answer", async ({
  page,
}) => {
  await gotoHydrated(page, "/forgot-password");
  const calls: string[] = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname === "/api/auth/password-reset") calls.push(r.method());
  });
  // Hold the request until the test has tried to submit again.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/api/auth/password-reset", async (route) => {
    await held;
    await route.continue();
  });

  await page.getByLabel("E-mail address").fill(addressOf(uniqueUsername("nobody")));
  await page.getByRole("button", { name: "Send reset link" }).click();
  const pending = page.getByRole("button", { name: "Sending…" });
  await expect(pending).toBeDisabled();
  await expect(pending).toHaveAttribute("aria-busy", "true");
  await page.getByLabel("E-mail address").press("Enter");

  release();
  await expect(page.getByRole("status")).toHaveText(RESET_SENT);
  expect(calls).toEqual(["POST"]);
});

test("changing the address needs the password and waits for the new address's link", async ({ page, request }) => {
  const username = uniqueUsername();
  const email = addressOf(username);
  const next = addressOf(`${username}.new`);
  await storeToken(page, await signupWithEmail(request, username, email));
  await verifyViaApi(request, email);
  await gotoHydrated(page, "/account");
  const card = await emailCard(page);
  await expect(card.getByTestId("email-state")).toHaveText("Verified");

  const form = card.locator("form");
  await form.getByLabel("New e-mail address").fill(next);
  await form.getByLabel("Current password").fill("not my password");
  await form.getByRole("button", { name: "Send confirmation link" }).click();
  await expect(form.getByRole("alert")).toHaveText("The current password is not correct");

  await form.getByLabel("Current password").fill(PASSWORD);
  await form.getByRole("button", { name: "Send confirmation link" }).click();
  await expect(card.getByTestId("email-message")).toHaveText(`Check ${next} for a confirmation link.`);
  await expect(form.getByRole("alert")).toBeHidden();
  await expect(card.getByTestId("email-pending")).toHaveText(`Waiting for confirmation: ${next}`);
  await expect(card.getByTestId("email-address")).toHaveText(email); // unchanged until confirmed
  await expect(card.getByTestId("email-state")).toHaveText("Verified");
  const first = await waitForMail(next, "Confirm your e-mail address");

  await card.getByRole("button", { name: "Resend link" }).click();
  await expect(card.getByTestId("email-message")).toHaveText(`A new link is on its way to ${next}.`);

  // The resent mail, not the first one (whose link the resend retired).
  const resent = await waitForMail(next, "Confirm your e-mail address", 10_000, [first]);
  const link = linkFrom(resent, "/verify-email");
  await gotoHydrated(page, link);
  await page.getByRole("button", { name: "Confirm", exact: true }).click();
  await expect(page.getByRole("status")).toHaveText(`${next} is verified.`);
  await gotoHydrated(page, "/account");
  await expect((await emailCard(page)).getByTestId("email-address")).toHaveText(next);
  await expect(page.getByTestId("email-pending")).toHaveCount(0);
});

for (const width of [390, 320]) {
  test(`at ${width} px no recovery page scrolls sideways`, async ({ page, request }) => {
    await page.setViewportSize({ width, height: 800 });
    const fits = async (path: string) => {
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
      }));
      expect(scrollWidth, `${path} at ${width} px`).toBeLessThanOrEqual(innerWidth);
    };

    for (const path of ["/forgot-password", "/reset-password?token=x", "/verify-email?token=x", "/login", "/signup"]) {
      await gotoHydrated(page, path);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      await fits(path);
    }

    // Logged in, with a long unverified address and a pending change: the longest content.
    const username = uniqueUsername("wide");
    const email = `${username}.with.a.rather.long.mailbox.name@recovery.example.com`;
    const token = await signupWithEmail(request, username, email);
    const change = await request.post("/api/account/email", {
      headers: { Authorization: `Bearer ${token}` },
      data: { email: `other.${email}`, password: PASSWORD },
    });
    expect(change.status(), await change.text()).toBe(202);
    await storeToken(page, token);
    await gotoHydrated(page, "/account");
    await expect((await emailCard(page)).getByTestId("email-pending")).toBeVisible();
    await fits("/account");
    await gotoHydrated(page, "/dashboard");
    await expect(page.getByTestId("email-reminder")).toBeVisible();
    await fits("/dashboard");
  });
}
