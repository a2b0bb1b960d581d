import { expect, test } from "@playwright/test";
import { gotoHydrated, signupViaApi, submitCredentials, uniqueUsername } from "./helpers";

test("a wrong password shows the generic error and keeps the username", async ({ page, request }) => {
  const username = uniqueUsername();
  await signupViaApi(request, username);
  await gotoHydrated(page, "/login");

  await submitCredentials(page, "Log in", username, "not the right password");

  await expect(page.getByRole("alert")).toHaveText("Invalid username or password");
  await expect(page.getByLabel("Username")).toHaveValue(username);
  await expect(page).toHaveURL("/login");
});

test("an unknown user shows the same generic error", async ({ page }) => {
  await gotoHydrated(page, "/login");

  await submitCredentials(page, "Log in", uniqueUsername("nobody"), "whatever password");

  await expect(page.getByRole("alert")).toHaveText("Invalid username or password");
  await expect(page).toHaveURL("/login");
});

test("while logging in the button is disabled and a second submit sends no second request", async ({
  page,
  request,
}) => {
  const username = uniqueUsername();
  await signupViaApi(request, username);
  await gotoHydrated(page, "/login");

  const loginRequests: string[] = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname === "/api/auth/login") loginRequests.push(r.method());
  });
  // Hold the login request until the test has tried to submit again.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/api/auth/login", async (route) => {
    await held;
    await route.continue();
  });

  await submitCredentials(page, "Log in", username);
  const pendingButton = page.getByRole("button", { name: "Logging in…" });
  await expect(pendingButton).toBeDisabled();
  await expect(pendingButton).toHaveAttribute("aria-busy", "true");

  // Enter in the password field, a click on the (disabled) button, and a scripted submit.
  await page.getByLabel("Password").press("Enter");
  await pendingButton.click({ force: true });
  await page.locator("form").evaluate((form: HTMLFormElement) => form.requestSubmit());

  release();
  await expect(page).toHaveURL("/dashboard");
  await expect(page.getByTestId("greeting")).toHaveText(`Hello, ${username}`);
  expect(loginRequests).toEqual(["POST"]);
});
