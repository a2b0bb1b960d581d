import { expect, test } from "@playwright/test";
import { PASSWORD, gotoHydrated, signupViaApi, submitCredentials, uniqueUsername } from "./helpers";

test("a taken username is refused and the user stays on /signup", async ({ page, request }) => {
  const username = uniqueUsername();
  await signupViaApi(request, username);
  await gotoHydrated(page, "/signup");

  await submitCredentials(page, "Sign up", username, `another ${PASSWORD}`);

  await expect(page.getByRole("alert")).toHaveText("That username is already taken");
  await expect(page).toHaveURL("/signup");
});

test("a username differing only in case counts as taken", async ({ page, request }) => {
  const username = uniqueUsername();
  await signupViaApi(request, username);
  await gotoHydrated(page, "/signup");

  await submitCredentials(page, "Sign up", username.toUpperCase());

  await expect(page.getByRole("alert")).toHaveText("That username is already taken");
  await expect(page).toHaveURL("/signup");
});

test("a short password is refused and the user stays on /signup", async ({ page }) => {
  await gotoHydrated(page, "/signup");

  await submitCredentials(page, "Sign up", uniqueUsername(), "short");

  await expect(page.getByRole("alert")).toHaveText("Password must be at least 8 characters");
  await expect(page).toHaveURL("/signup");
});
