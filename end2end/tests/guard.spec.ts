import { expect, test, type Page, type Response } from "@playwright/test";
import {
  gotoHydrated,
  signupViaApi,
  storeToken,
  storedToken,
  submitCredentials,
  uniqueUsername,
  waitForHydration,
} from "./helpers";

test("a logged-out visitor of /dashboard is sent to login and never gets protected data", async ({ page }) => {
  const protectedResponses: string[] = [];
  page.on("response", (r) => {
    const path = new URL(r.url()).pathname;
    if (path === "/api/me" || path === "/api/account") protectedResponses.push(`${r.status()} ${path}`);
  });
  // Report if the greeting is ever inserted into the DOM, even briefly.
  let sawGreeting = false;
  await page.exposeFunction("__e2eSawGreeting", () => {
    sawGreeting = true;
  });
  await page.addInitScript(() => {
    new MutationObserver(() => {
      if (document.querySelector('[data-testid="greeting"]')) (window as any).__e2eSawGreeting();
    }).observe(document, { childList: true, subtree: true });
  });

  await page.goto("/dashboard");

  await expect(page).toHaveURL("/login?next=/dashboard");
  await waitForHydration(page);
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
  await page.waitForLoadState("networkidle");
  expect(protectedResponses.filter((r) => r.startsWith("200 "))).toEqual([]);
  expect(sawGreeting).toBe(false);
});

for (const next of ["https://evil.example/", "//evil.example"]) {
  test(`login ignores an off-site next=${next} and lands on /dashboard`, async ({ page, request, baseURL }) => {
    const username = uniqueUsername();
    await signupViaApi(request, username);
    const offSite: string[] = [];
    page.on("request", (r) => {
      if (new URL(r.url()).origin !== new URL(baseURL!).origin) offSite.push(r.url());
    });

    await gotoHydrated(page, `/login?next=${next}`);
    await submitCredentials(page, "Log in", username);

    await expect(page).toHaveURL(`${baseURL}/dashboard`);
    await expect(page.getByTestId("greeting")).toHaveText(`Hello, ${username}`);
    expect(offSite).toEqual([]);
  });
}

/** A token whose payload has one character changed (the signature no longer matches). */
function tamper(token: string): string {
  const [header, payload, signature] = token.split(".");
  const i = Math.floor(payload.length / 2);
  const changed = payload.slice(0, i) + (payload[i] === "A" ? "B" : "A") + payload.slice(i + 1);
  return [header, changed, signature].join(".");
}

/** Stores `token` as the app would, then opens /dashboard; resolves with the /api/me response. */
async function openDashboardWith(page: Page, token: string): Promise<Response> {
  await storeToken(page, token);
  const meResponse = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/me");
  await page.goto("/dashboard");
  return meResponse;
}

test("a tampered token is refused with 401, removed, and the user is sent to log in", async ({ page, request }) => {
  const token = await signupViaApi(request, uniqueUsername());

  const meResponse = await openDashboardWith(page, tamper(token));

  expect(meResponse.status()).toBe(401);
  await expect(page).toHaveURL(/\/login\?next=/);
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
  await expect.poll(() => storedToken(page)).toBeNull();
  await expect(page.getByTestId("greeting")).toHaveCount(0);
});

test("after a refused token the user lands on /login?next=/dashboard and logging in returns there", async ({
  page,
  request,
}) => {
  const username = uniqueUsername();
  const token = await signupViaApi(request, username);

  await openDashboardWith(page, tamper(token));

  await expect(page).toHaveURL("/login?next=/dashboard");
  await waitForHydration(page);
  await submitCredentials(page, "Log in", username);
  await expect(page).toHaveURL("/dashboard");
});
