import { expect, test } from "@playwright/test";
import { PASSWORD, gotoHydrated, signupViaApi, uniqueUsername } from "./helpers";

test("the login form can be completed with the keyboard only", async ({ page, request }) => {
  const username = uniqueUsername();
  await signupViaApi(request, username);
  await gotoHydrated(page, "/login");

  // Tab from the top of the page (skip link, brand, nav links...) until the username field.
  const usernameField = page.getByLabel("Username");
  for (let i = 0; i < 10 && !(await usernameField.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(usernameField).toBeFocused();
  await page.keyboard.type(username);

  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Password")).toBeFocused();
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");

  await expect(page).toHaveURL("/dashboard");
  await expect(page.getByTestId("greeting")).toHaveText(`Hello, ${username}`);
});
