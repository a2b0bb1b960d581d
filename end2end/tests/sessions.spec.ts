import { expect, test, type Page } from "@playwright/test";
import {
  PASSWORD,
  REFRESH_COOKIE,
  SHORT_TTL_BASE_URL,
  SHORT_TTL_SECS,
  claimsOf,
  gotoHydrated,
  signupViaApi,
  storeToken,
  storedToken,
  submitCredentials,
  uniqueUsername,
  waitForHydration,
} from "./helpers";

/** One response to an `/api/` call, with the body of a refusal (filled in shortly after). */
type Seen = { status: number; path: string; body: string };

/** Records every `/api/` response `page` receives from now on. */
function recordApi(page: Page): Seen[] {
  const seen: Seen[] = [];
  page.on("response", (response) => {
    const path = new URL(response.url()).pathname;
    if (!path.startsWith("/api/")) return;
    const entry: Seen = { status: response.status(), path, body: "" };
    seen.push(entry);
    if (entry.status >= 400) response.text().then((body) => (entry.body = body), () => {});
  });
  return seen;
}

/** `STATUS PATH BODY`, for readable failure messages. */
const show = (s: Seen) => `${s.status} ${s.path} ${s.body}`.trim();

/** The path and query of every main-frame navigation of `page` from now on (client-side ones included). */
function recordNavigations(page: Page): string[] {
  const urls: string[] = [];
  page.on("framenavigated", (frame) => {
    if (frame !== page.mainFrame()) return;
    const url = new URL(frame.url());
    urls.push(url.pathname + url.search);
  });
  return urls;
}

/** Counts, in the page itself, every time the dashboard greeting leaves the DOM after having been shown. */
async function watchGreeting(page: Page): Promise<void> {
  await page.addInitScript(() => {
    let shown = false;
    (window as any).__e2eGreetingLost = 0;
    new MutationObserver(() => {
      const now = document.querySelector('[data-testid="greeting"]') !== null;
      if (shown && !now) (window as any).__e2eGreetingLost += 1;
      shown = now;
    }).observe(document, { childList: true, subtree: true });
  });
}

const greetingLosses = (page: Page) => page.evaluate(() => (window as any).__e2eGreetingLost as number);

/** Marks the current document, so that `sameDocument` can tell a live update from a reload. */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => ((window as any).__e2eMark = true));
}

const sameDocument = (page: Page) => page.evaluate(() => (window as any).__e2eMark === true);

const isRefresh = (s: Seen) => s.path === "/api/auth/refresh";

// The long waits below mostly idle: let both workers share this file's tests.
test.describe.configure({ mode: "parallel" });

test.describe("with 6-second access tokens", () => {
  test.use({ baseURL: SHORT_TTL_BASE_URL });

  test("a dashboard left open for four token lifetimes keeps working and survives a reload", async ({ page }) => {
    test.setTimeout(90_000);
    const username = uniqueUsername();
    const seen = recordApi(page);
    await watchGreeting(page);
    await gotoHydrated(page, "/signup");
    await submitCredentials(page, "Sign up", username);
    await expect(page).toHaveURL("/dashboard");
    const greeting = page.getByTestId("greeting");
    await expect(greeting).toHaveText(`Hello, ${username}`);
    const first = claimsOf((await storedToken(page))!);
    const navigations = recordNavigations(page);

    await page.waitForTimeout(4 * SHORT_TTL_SECS * 1_000 + 1_000);

    // Never left the page, never lost the greeting, never refused anything.
    expect(navigations).toEqual([]);
    await expect(page).toHaveURL("/dashboard");
    await expect(greeting).toHaveText(`Hello, ${username}`);
    expect(await greetingLosses(page)).toBe(0);
    const refreshes = seen.filter(isRefresh);
    expect(refreshes.filter((s) => s.status !== 200).map(show)).toEqual([]);
    expect(refreshes.length).toBeGreaterThanOrEqual(3);
    expect(seen.filter((s) => s.status === 401).map(show)).toEqual([]);

    // A newer token is stored and shown, counting down from at most the 6-second lifetime.
    const last = claimsOf((await storedToken(page))!);
    expect(last.jti).not.toBe(first.jti);
    expect(last.exp as number).toBeGreaterThan((first.exp as number) + 2 * SHORT_TTL_SECS);
    await expect(page.getByTestId("token-expiry")).toHaveText(/^Expires in 00:0[1-6]$/);
    const shownExp = async () => JSON.parse(await page.getByTestId("token-claims").innerText()).exp as number;
    await expect.poll(shownExp).toBeGreaterThan((first.exp as number) + 2 * SHORT_TTL_SECS);

    await page.reload();
    await waitForHydration(page);
    await expect(page).toHaveURL("/dashboard");
    await expect(greeting).toHaveText(`Hello, ${username}`);
  });

  test("two tabs of one browser both stay logged in across three token lifetimes", async ({ page, context }) => {
    test.setTimeout(90_000);
    const username = uniqueUsername();
    const tabs = [page, await context.newPage()];
    const seen = tabs.map(recordApi);
    for (const tab of tabs) await watchGreeting(tab);
    await gotoHydrated(tabs[0], "/signup");
    await submitCredentials(tabs[0], "Sign up", username);
    await expect(tabs[0].getByTestId("greeting")).toHaveText(`Hello, ${username}`);
    await gotoHydrated(tabs[1], "/dashboard");
    await expect(tabs[1].getByTestId("greeting")).toHaveText(`Hello, ${username}`);
    const navigations = tabs.map(recordNavigations);

    await page.waitForTimeout(3 * SHORT_TTL_SECS * 1_000 + 1_000);

    for (const [i, tab] of tabs.entries()) {
      expect(navigations[i], `navigations of tab ${i}`).toEqual([]);
      await expect(tab).toHaveURL("/dashboard");
      await expect(tab.getByTestId("greeting")).toHaveText(`Hello, ${username}`);
      expect(await greetingLosses(tab), `greeting losses in tab ${i}`).toBe(0);
      expect(seen[i].filter((s) => isRefresh(s) && s.status !== 200).map(show), `refusals in tab ${i}`).toEqual([]);
    }
    const all = seen.flat();
    expect(all.filter(isRefresh).length).toBeGreaterThanOrEqual(3);
    expect(all.filter((s) => s.body.includes("refresh_token_reused")).map(show)).toEqual([]);
  });

  test("signing out another device from the sessions list ends it within a token lifetime", async ({
    page: x,
    browser,
    baseURL,
  }) => {
    test.setTimeout(60_000);
    const username = uniqueUsername();
    await gotoHydrated(x, "/signup");
    await submitCredentials(x, "Sign up", username);
    await expect(x.getByTestId("greeting")).toHaveText(`Hello, ${username}`);

    // Another browser (its own cookies and storage) logs into the same account.
    const otherBrowser = await browser.newContext({ baseURL });
    try {
      const y = await otherBrowser.newPage();
      const seenY = recordApi(y);
      await gotoHydrated(y, "/login");
      await submitCredentials(y, "Log in", username);
      await expect(y).toHaveURL("/dashboard");
      await expect(y.getByTestId("greeting")).toHaveText(`Hello, ${username}`);
      await markDocument(y);

      await x.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).click();
      await expect(x).toHaveURL("/account");
      const rows = x.getByTestId("session-row");
      await expect(rows).toHaveCount(2);
      await expect(rows.and(x.locator('[data-current="true"]'))).toHaveCount(1);
      await rows.and(x.locator('[data-current="false"]')).getByRole("button", { name: "Sign out" }).click();
      await expect(x.getByText("Session signed out.", { exact: true })).toBeVisible();
      await expect(rows).toHaveCount(1);
      await expect(rows).toHaveAttribute("data-current", "true");

      // Y's access token runs out within one lifetime; its refresh is then refused.
      await expect(y).toHaveURL("/login?next=/dashboard", { timeout: (SHORT_TTL_SECS + 5) * 1_000 });
      expect(await sameDocument(y)).toBe(true);
      expect(await storedToken(y)).toBeNull();
      await expect
        .poll(() => seenY.filter((s) => isRefresh(s) && s.status !== 200).map((s) => JSON.parse(s.body || "{}").error))
        .toEqual(["invalid_refresh_token"]);

      // X is unaffected.
      await expect(x).toHaveURL("/account");
      await expect(rows).toHaveCount(1);
    } finally {
      await otherBrowser.close();
    }
  });
});

// The cross-tab tests run against the 15-minute server: no refresh is due during them, so the
// second tab can only have learnt of the change through the storage event.

test("logging out in one tab logs out the other tab of the same browser, without a reload", async ({
  page: a,
  context,
}) => {
  const username = uniqueUsername();
  await storeToken(a, await signupViaApi(a.request, username)); // a.request shares the context's cookies
  const b = await context.newPage();
  for (const tab of [a, b]) {
    await gotoHydrated(tab, "/dashboard");
    await expect(tab.getByTestId("greeting")).toHaveText(`Hello, ${username}`);
  }
  await markDocument(b);

  await a.getByRole("navigation", { name: "Main" }).getByRole("button", { name: "Log out" }).click();
  await expect(a).toHaveURL("/");

  await expect(b).toHaveURL("/login?next=/dashboard", { timeout: 5_000 });
  expect(await sameDocument(b)).toBe(true);
  expect(await storedToken(b)).toBeNull();
  await expect(b.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Log in" })).toBeVisible();
});

test("logging in in one tab is picked up by the other tab, without a reload", async ({
  page: a,
  context,
  request,
}) => {
  const username = uniqueUsername();
  await signupViaApi(request, username);
  const b = await context.newPage();
  await gotoHydrated(b, "/");
  const navB = b.getByRole("navigation", { name: "Main" });
  await expect(navB.getByRole("link", { name: "Log in" })).toBeVisible();
  await markDocument(b);

  await gotoHydrated(a, "/login");
  await submitCredentials(a, "Log in", username);
  await expect(a).toHaveURL("/dashboard");

  await expect(navB.getByRole("link", { name: "Dashboard" })).toBeVisible({ timeout: 5_000 });
  await expect(navB.getByRole("link", { name: "Log in" })).toHaveCount(0);
  await expect(b).toHaveURL("/");
  expect(await sameDocument(b)).toBe(true);
});

test("the refresh token is an HttpOnly, SameSite=Strict cookie on /api/auth that scripts never see", async ({
  page,
  context,
  request,
}) => {
  const username = uniqueUsername();
  await signupViaApi(request, username);
  await gotoHydrated(page, "/login");
  await submitCredentials(page, "Log in", username);
  await expect(page.getByTestId("greeting")).toHaveText(`Hello, ${username}`);

  const cookie = (await context.cookies()).find((c) => c.name === REFRESH_COOKIE);
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/api/auth" });
  expect(cookie!.value.length).toBeGreaterThanOrEqual(43); // 256 bits, base64url

  expect(await page.evaluate(() => document.cookie)).not.toContain(REFRESH_COOKIE);
  const stored = await page.evaluate(() =>
    [window.localStorage, window.sessionStorage].flatMap((storage) =>
      Object.keys(storage).map((key) => `${key}=${storage.getItem(key)}`),
    ),
  );
  expect(stored.length).toBeGreaterThan(0); // the access token, at least
  for (const entry of stored) expect(entry).not.toContain(cookie!.value);
});

test("changing the password needs the current one, ends other sessions, and only the new one logs in", async ({
  page,
  request,
}) => {
  const username = uniqueUsername();
  const newPassword = "a brand new horse battery";
  await signupViaApi(request, username); // a second session, held by `request`
  await gotoHydrated(page, "/login?next=/account");
  await submitCredentials(page, "Log in", username);
  await expect(page).toHaveURL("/account");

  const form = page.locator("form").filter({ has: page.getByRole("heading", { name: "Change password" }) });
  await form.getByLabel("Current password").fill("not my password");
  await form.getByLabel("New password").fill(newPassword);
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(form.getByRole("alert")).toHaveText("The current password is not correct");
  await expect(form.getByRole("status")).toBeHidden(); // empty: no success message

  await form.getByLabel("Current password").fill(PASSWORD);
  await form.getByLabel("New password").fill(newPassword);
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(form.getByRole("status")).toHaveText("Password changed. 1 other session(s) signed out.");
  await expect(form.getByRole("alert")).toBeHidden(); // the error is gone
  const refused = await request.post("/api/auth/refresh", { data: {} });
  expect(refused.status()).toBe(401);

  await page.getByRole("navigation", { name: "Main" }).getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL("/");
  await gotoHydrated(page, "/login");
  await submitCredentials(page, "Log in", username, PASSWORD);
  await expect(page.getByRole("alert")).toHaveText("Invalid username or password");
  await submitCredentials(page, "Log in", username, newPassword);
  await expect(page).toHaveURL("/dashboard");
  await expect(page.getByTestId("greeting")).toHaveText(`Hello, ${username}`);
});
