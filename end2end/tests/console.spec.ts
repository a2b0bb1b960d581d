import { expect, test } from "@playwright/test";
import { PASSWORD, gotoHydrated, submitCredentials, uniqueUsername, waitForHydration } from "./helpers";

// Chromium logs every 4xx fetch like this; the wrong-password attempt below causes one on purpose.
const EXPECTED_401 = /^Failed to load resource: the server responded with a status of 401 \(Unauthorized\)$/;

test("the whole journey logs no console error, no hydration warning and no page error", async ({ page }) => {
  const problems: string[] = [];
  page.on("console", (msg) => {
    const text = msg.text();
    if (msg.type() === "error" && !EXPECTED_401.test(text)) problems.push(`console error: ${text}`);
    if (msg.type() === "warning" && /hydrat/i.test(text)) problems.push(`hydration warning: ${text}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));

  const username = uniqueUsername();
  await gotoHydrated(page, "/signup");
  await submitCredentials(page, "Sign up", username);
  await expect(page.getByTestId("greeting")).toHaveText(`Hello, ${username}`);
  await expect(page.getByTestId("member-since")).toBeVisible();

  await page.reload();
  await waitForHydration(page);
  await expect(page.getByTestId("greeting")).toHaveText(`Hello, ${username}`);

  const loggedOut = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/auth/logout");
  await page.getByRole("button", { name: "Log out" }).click();
  expect((await loggedOut).status()).toBe(200);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Log in" })).toBeVisible();

  await gotoHydrated(page, "/login");
  await submitCredentials(page, "Log in", username, "a wrong password");
  await expect(page.getByRole("alert")).toHaveText("Invalid username or password");
  await submitCredentials(page, "Log in", username, PASSWORD);
  await expect(page.getByTestId("greeting")).toHaveText(`Hello, ${username}`);

  expect(problems).toEqual([]);
});
