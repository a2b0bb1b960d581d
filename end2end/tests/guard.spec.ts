import { expect, test } from "@playwright/test";
import {
  TOKEN_KEY,
  gotoHydrated,
  signupViaApi,
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

test("a tampered token is refused with 401, removed, and the user is sent to login", async ({
  page,
  request,
}) => {
  const token = await signupViaApi(request, uniqueUsername());
  const [header, payload, signature] = token.split(".");
  const i = Math.floor(payload.length / 2);
  const tamperedPayload = payload.slice(0, i) + (payload[i] === "A" ? "B" : "A") + payload.slice(i + 1);
  const tampered = [header, tamperedPayload, signature].join(".");

  await gotoHydrated(page, "/");
  await page.evaluate(([key, value]) => localStorage.setItem(key, JSON.stringify(value)), [TOKEN_KEY, tampered]);

  const meResponse = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/me");
  await page.goto("/dashboard");

  expect((await meResponse).status()).toBe(401);
  await expect(page).toHaveURL("/login?next=/dashboard");
  await expect.poll(() => storedToken(page)).toBeNull();
  await expect(page.getByTestId("greeting")).toHaveCount(0);
});
