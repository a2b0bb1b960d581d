import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { createAdmin } from "./cli";
import {
  PASSWORD,
  gotoHydrated,
  signupViaApi,
  storeToken,
  submitCredentials,
  uniqueUsername,
} from "./helpers";

const FORBIDDEN = "This page is for administrators.";
const LOGIN_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/;

/** Logs in through the JSON API (fast set-up) and returns the access token. */
async function loginViaApi(request: APIRequestContext, username: string): Promise<string> {
  const response = await request.post("/api/auth/login", { data: { username, password: PASSWORD } });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()).access_token as string;
}

function mainNav(page: Page) {
  return page.getByRole("navigation", { name: "Main" });
}

test("an administrator finds a user, disables them after confirming, and the user's open browser is signed out", async ({
  page,
  browser,
}) => {
  const admin = uniqueUsername("adm");
  createAdmin(admin, PASSWORD);
  const username = uniqueUsername();

  // The user signs up in their own browser, logs out and in again, and keeps it open.
  const userContext = await browser.newContext();
  const userPage = await userContext.newPage();
  await gotoHydrated(userPage, "/signup");
  await submitCredentials(userPage, "Sign up", username);
  await expect(userPage).toHaveURL("/dashboard");
  const loggedOut = userPage.waitForResponse((r) => new URL(r.url()).pathname === "/api/auth/logout");
  await mainNav(userPage).getByRole("button", { name: "Log out" }).click();
  expect((await loggedOut).status()).toBe(200);
  await gotoHydrated(userPage, "/login");
  await submitCredentials(userPage, "Log in", username);
  await expect(userPage).toHaveURL("/dashboard");
  await expect(mainNav(userPage).getByRole("link", { name: "Admin" })).toHaveCount(0);

  // Their own account page lists what they did, newest first.
  await mainNav(userPage).getByRole("link", { name: "Account" }).click();
  const activity = userPage.getByRole("region", { name: "Recent security activity" });
  await expect(activity.locator(".activity-what")).toHaveText(["Logged in", "Logged out", "Account created"]);
  await mainNav(userPage).getByRole("link", { name: "Dashboard" }).click();
  await expect(userPage.getByTestId("greeting")).toHaveText(`Hello, ${username}`);

  // The administrator logs in, finds the user and opens their page.
  await gotoHydrated(page, "/login");
  await submitCredentials(page, "Log in", admin);
  await expect(page).toHaveURL("/dashboard");
  await mainNav(page).getByRole("link", { name: "Admin" }).click();
  await expect(page).toHaveURL("/admin");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Users");
  const search = page.getByRole("searchbox", { name: "Search by username or e-mail" });
  await search.fill(username);
  await search.press("Enter");
  await expect(page).toHaveURL(`/admin?q=${username}`);
  await expect(page.getByTestId("users-summary")).toHaveText(`1 account matches “${username}”`);
  const rows = page.getByTestId("user-row");
  await expect(rows).toHaveCount(1);
  await expect(rows.locator("th, td")).toHaveText([username, "None", "user", "Active", LOGIN_TIME]);
  await expect(page.getByTestId("page-of")).toHaveText("Page 1 of 1");
  await rows.getByRole("link", { name: username }).click();
  await expect(page).toHaveURL(/\/admin\/users\/[0-9a-f-]{36}$/);
  const userId = new URL(page.url()).pathname.split("/").pop()!;
  await expect(page.getByTestId("admin-username")).toHaveText(username);
  await expect(page.getByTestId("user-state")).toHaveText("Active");
  await expect(page.getByTestId("user-mfa")).toHaveText("Off");
  await expect(page.getByTestId("user-session")).toHaveCount(1);

  // Every action asks first; Escape cancels and gives the focus back.
  const actions = page.getByRole("region", { name: "Actions" });
  const question = actions.getByTestId("confirm-question");
  const signOut = actions.getByRole("button", { name: "Sign out everywhere" });
  await signOut.click();
  await expect(question).toHaveText(`Are you sure? This ends every session of ${username}.`);
  await expect(actions.getByRole("button", { name: "Confirm" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(question).toHaveCount(0);
  await expect(signOut).toBeFocused();
  await expect(page.getByTestId("user-session")).toHaveCount(1);

  // Disable, confirmed from the keyboard.
  await actions.getByRole("button", { name: "Disable" }).click();
  await expect(question).toHaveText(
    `Are you sure? This ends every session of ${username}, who cannot log in again until the account is enabled.`,
  );
  await expect(actions.getByRole("button", { name: "Confirm" })).toBeFocused();
  await page.keyboard.press("Enter");
  const message = actions.getByTestId("action-message");
  await expect(message).toHaveText(`${username} is disabled and signed out everywhere.`);
  await expect(message).toBeFocused();
  await expect(question).toHaveCount(0);
  await expect(page.getByTestId("user-state")).toHaveText("Disabled");
  await expect(page.getByTestId("no-sessions")).toHaveText("No live sessions.");
  await expect(actions.getByRole("button")).toHaveText(["Enable", "Make admin"]);
  const events = page.getByRole("region", { name: "Security events" });
  await expect(events.locator(".activity-what").first()).toHaveText("Account disabled by an administrator");

  // The user's open browser is signed out at its next call, and cannot log in again.
  await mainNav(userPage).getByRole("link", { name: "Account" }).click();
  await expect(userPage).toHaveURL("/login?next=/account");
  await submitCredentials(userPage, "Log in", username);
  await expect(userPage.getByRole("alert")).toHaveText("This account has been disabled by an administrator");
  await userContext.close();

  // The global feed, filtered to one kind, has the change and links to the account.
  await page.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Security events" }).click();
  await expect(page).toHaveURL("/admin/events");
  await page.getByLabel("Type").selectOption("account_disabled");
  await expect(page).toHaveURL("/admin/events?type=account_disabled");
  await expect(page.locator(`.activity-item:has(a[href="/admin/users/${userId}"])`)).toHaveCount(1);
  const kinds = await page.getByTestId("activity-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-kind")));
  expect(new Set(kinds)).toEqual(new Set(["account_disabled"]));
});

test("a user who is not an administrator gets the administrators-only message, not the admin pages", async ({
  page,
  request,
}) => {
  const token = await signupViaApi(request, uniqueUsername());
  await storeToken(page, token);
  for (const path of ["/admin", "/admin/events", "/admin/users/00000000-0000-0000-0000-000000000000"]) {
    await gotoHydrated(page, path);
    await expect(page.getByRole("alert")).toHaveText(FORBIDDEN);
    await expect(page.getByRole("navigation", { name: "Administration" })).toHaveCount(0);
    await expect(page.getByRole("searchbox")).toHaveCount(0);
  }
  await expect(mainNav(page).getByRole("link", { name: "Account" })).toBeVisible();
  await expect(mainNav(page).getByRole("link", { name: "Admin" })).toHaveCount(0);
});

test("the account page shows the newest 20 security events, and all of them on Show all", async ({
  page,
  request,
}) => {
  const username = uniqueUsername();
  await signupViaApi(request, username);
  let token = "";
  for (let i = 0; i < 21; i++) token = await loginViaApi(request, username);
  await storeToken(page, token);
  await gotoHydrated(page, "/account");

  const activity = page.getByRole("region", { name: "Recent security activity" });
  const rows = activity.getByTestId("activity-row");
  await expect(rows).toHaveCount(20);
  await expect(rows.first().locator(".activity-what")).toHaveText("Logged in");
  const showAll = activity.getByRole("button", { name: "Show all 22" });
  await expect(showAll).toHaveAttribute("aria-expanded", "false");
  await showAll.click();
  await expect(rows).toHaveCount(22);
  await expect(rows.last().locator(".activity-what")).toHaveText("Account created");
  await expect(activity.getByRole("button", { name: "Show fewer" })).toHaveAttribute("aria-expanded", "true");
});

for (const width of [390, 320]) {
  test(`/admin at ${width} px scrolls the table inside its box, never the page`, async ({ page, request }) => {
    const admin = uniqueUsername("adm");
    createAdmin(admin, PASSWORD);
    const longAddress = `${"a".repeat(40)}${uniqueUsername("x")}@example.com`;
    const response = await request.post("/api/auth/signup", {
      data: { username: uniqueUsername(), password: PASSWORD, email: longAddress },
    });
    expect(response.status(), await response.text()).toBe(201);

    await page.setViewportSize({ width, height: 800 });
    await storeToken(page, await loginViaApi(request, admin));
    await gotoHydrated(page, "/admin");
    await expect(page.getByTestId("user-row").first()).toBeVisible();

    const page_ = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(page_.scroll).toBe(page_.client);
    const table = page.getByRole("region", { name: "Accounts" });
    expect(await table.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    await expect(mainNav(page).getByRole("link", { name: "Admin" })).toBeInViewport();
  });
}
