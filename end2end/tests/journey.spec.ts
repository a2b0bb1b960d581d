import { expect, test } from "@playwright/test";
import {
  PASSWORD,
  gotoHydrated,
  signupViaApi,
  storeToken,
  storedToken,
  submitCredentials,
  uniqueUsername,
  waitForHydration,
} from "./helpers";

test("sign up, see the dashboard, survive a reload, log out and log back in", async ({ page }) => {
  const username = uniqueUsername();

  await gotoHydrated(page, "/");
  await page.getByRole("main").getByRole("link", { name: "Sign up" }).click();
  await expect(page).toHaveURL("/signup");
  await waitForHydration(page); // a no-op after a client-side navigation, needed after a full load
  await submitCredentials(page, "Sign up", username);

  // The dashboard: greeting from /api/me, account from /api/account, decoded token.
  await expect(page).toHaveURL("/dashboard");
  await expect(page.getByTestId("greeting")).toHaveText(`Hello, ${username}`);
  await expect(page.getByTestId("member-since")).toBeVisible();
  await expect(page.getByTestId("member-since")).toHaveText(/^Member since /);
  await expect(page.getByTestId("token-header")).toContainText('"alg": "EdDSA"');
  await expect(page.getByTestId("token-header")).toContainText('"typ": "at+jwt"');
  await expect(page.getByTestId("token-claims")).toContainText(`"username": "${username}"`);
  await expect(page.getByTestId("token-expiry")).toHaveText(/^Expires in (14|15):\d\d$/);

  // The token lives in localStorage, JSON-encoded (with quotes).
  expect(await storedToken(page)).toMatch(/^"[\w-]+\.[\w-]+\.[\w-]+"$/);

  // A reload keeps the session: the token is read back from storage after hydration.
  await page.reload();
  await waitForHydration(page);
  await expect(page).toHaveURL("/dashboard");
  await expect(page.getByTestId("greeting")).toHaveText(`Hello, ${username}`);

  // Log out: the token is gone and the nav offers "Log in" again.
  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.getByRole("button", { name: "Log out" }).click();
  await expect(nav.getByRole("link", { name: "Log in" })).toBeVisible();
  await expect.poll(() => storedToken(page)).toBeNull();

  // The dashboard is guarded again, and logging in from there comes back to it.
  await page.goto("/dashboard");
  await expect(page).toHaveURL("/login?next=/dashboard");
  await waitForHydration(page);
  await submitCredentials(page, "Log in", username, PASSWORD);
  await expect(page).toHaveURL("/dashboard");
  await expect(page.getByTestId("greeting")).toHaveText(`Hello, ${username}`);
  expect(await storedToken(page)).not.toBeNull();
});

test("logging out from the dashboard lands on the home page", async ({ page, request }) => {
  const token = await signupViaApi(request, uniqueUsername());
  await storeToken(page, token);
  await gotoHydrated(page, "/dashboard");
  await expect(page.getByTestId("greeting")).toBeVisible();

  await page.getByRole("button", { name: "Log out" }).click();

  await expect(page).toHaveURL("/");
  await expect(page.getByRole("heading", { name: "Log in once. Carry a token. Scale without sessions." })).toBeVisible();
});
