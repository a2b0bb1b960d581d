// TEMPORARY exploration, not part of the suite.
import { expect, test, type Page } from "@playwright/test";
import { PASSWORD, SHORT_TTL_BASE_URL, claimsOf, gotoHydrated, storedToken, submitCredentials, uniqueUsername } from "./helpers";

function log(page: Page, name: string, out: string[]) {
  const t0 = Date.now();
  const ts = () => ((Date.now() - t0) / 1000).toFixed(1);
  page.on("console", (m) => out.push(`${ts()} ${name} console.${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => out.push(`${ts()} ${name} pageerror: ${e.message}`));
  page.on("response", async (r) => {
    const p = new URL(r.url()).pathname;
    if (!p.startsWith("/api/")) return;
    const body = r.status() >= 400 ? await r.text().catch(() => "") : "";
    out.push(`${ts()} ${name} ${r.request().method()} ${p} ${r.status()} ${body}`);
  });
  page.on("framenavigated", (f) => {
    if (f === page.mainFrame()) out.push(`${ts()} ${name} nav ${f.url()}`);
  });
}

test.describe("probe", () => {
  test.use({ baseURL: SHORT_TTL_BASE_URL });

  test("P1 expired token on load", async ({ page }) => {
    const out: string[] = [];
    log(page, "A", out);
    const u = uniqueUsername();
    await gotoHydrated(page, "/signup");
    await submitCredentials(page, "Sign up", u);
    await expect(page.getByTestId("greeting")).toBeVisible();
    await page.goto("about:blank");
    await page.waitForTimeout(8000);
    out.push("---- reopen");
    await gotoHydrated(page, "/dashboard");
    await page.waitForTimeout(4000);
    out.push(`url ${page.url()} greeting ${await page.getByTestId("greeting").count()}`);
    console.log(out.join("\n"));
  });

  test("P2 clock 10 s ahead", async ({ page }) => {
    const out: string[] = [];
    await page.addInitScript(() => {
      const real = Date.now.bind(Date);
      Date.now = () => real() + 10_000;
    });
    log(page, "A", out);
    const u = uniqueUsername();
    await gotoHydrated(page, "/signup");
    await submitCredentials(page, "Sign up", u);
    await expect(page.getByTestId("greeting")).toBeVisible();
    await page.waitForTimeout(8000);
    console.log(out.join("\n"));
  });

  test("P3 logout in A while B's refresh is in flight", async ({ page: a, context }) => {
    const out: string[] = [];
    log(a, "A", out);
    const u = uniqueUsername();
    await gotoHydrated(a, "/signup");
    await submitCredentials(a, "Sign up", u);
    await expect(a.getByTestId("greeting")).toBeVisible();
    const b = await context.newPage();
    log(b, "B", out);
    await gotoHydrated(b, "/dashboard");
    await expect(b.getByTestId("greeting")).toBeVisible();
    // Stop A from refreshing on its own: A only sees storage events.
    await a.route("**/api/auth/refresh", (r) => r.abort());
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let inFlight!: () => void;
    const started = new Promise<void>((r) => (inFlight = r));
    await b.route("**/api/auth/refresh", async (route) => {
      const response = await route.fetch();
      out.push(`B refresh processed by server: ${response.status()}`);
      inFlight();
      await released;
      await route.fulfill({ response });
    });
    await started;
    await a.getByRole("navigation", { name: "Main" }).getByRole("button", { name: "Log out" }).click();
    await expect(a).toHaveURL("/");
    await a.waitForTimeout(1000);
    release();
    await a.waitForTimeout(1500);
    out.push(`after: A url ${a.url()} A nav dashboard=${await a.getByRole("link", { name: "Dashboard" }).count()} token=${(await storedToken(a)) !== null}`);
    out.push(`after: B url ${b.url()} greeting=${await b.getByTestId("greeting").count()}`);
    await a.waitForTimeout(8000);
    out.push(`later: A url ${a.url()} token=${(await storedToken(a)) !== null}; B url ${b.url()}`);
    console.log(out.join("\n"));
  });

  test("P4 sign out everywhere else", async ({ page: x, browser, baseURL }) => {
    const out: string[] = [];
    log(x, "X", out);
    const u = uniqueUsername();
    await gotoHydrated(x, "/signup");
    await submitCredentials(x, "Sign up", u);
    await expect(x.getByTestId("greeting")).toBeVisible();
    const other = await browser.newContext({ baseURL });
    const y = await other.newPage();
    log(y, "Y", out);
    await gotoHydrated(y, "/login");
    await submitCredentials(y, "Log in", u);
    await expect(y.getByTestId("greeting")).toBeVisible();
    await gotoHydrated(x, "/account");
    await expect(x.getByTestId("session-row")).toHaveCount(2);
    await x.getByRole("button", { name: "Sign out everywhere else" }).click();
    await x.waitForTimeout(1500);
    out.push(`X status: ${await x.getByRole("status").allInnerTexts()} rows=${await x.getByTestId("session-row").count()}`);
    await expect(y).toHaveURL("/login?next=/dashboard", { timeout: 12000 });
    // password change afterwards, then keep X open for 2 lifetimes
    await x.getByLabel("Current password").fill(PASSWORD);
    await x.getByLabel("New password").fill("another fine horse staple");
    await x.getByRole("button", { name: "Change password" }).click();
    await x.waitForTimeout(14000);
    out.push(`X after pw change+14s: url ${x.url()} status ${await x.getByRole("status").allInnerTexts()}`);
    console.log(out.join("\n"));
    await other.close();
  });

  test("P6 logout in A while B on /account", async ({ page: a, context }) => {
    const out: string[] = [];
    const u = uniqueUsername();
    await gotoHydrated(a, "/signup");
    await submitCredentials(a, "Sign up", u);
    await expect(a.getByTestId("greeting")).toBeVisible();
    const b = await context.newPage();
    log(b, "B", out);
    await gotoHydrated(b, "/account");
    await expect(b.getByTestId("session-row")).toHaveCount(1);
    await a.getByRole("button", { name: "Log out" }).click();
    await b.waitForTimeout(3000);
    out.push(`B url ${b.url()}`);
    console.log(out.join("\n"));
  });

  test("P7 both tabs refresh at once", async ({ page: a, context }) => {
    const out: string[] = [];
    log(a, "A", out);
    const u = uniqueUsername();
    await gotoHydrated(a, "/signup");
    await submitCredentials(a, "Sign up", u);
    await expect(a.getByTestId("greeting")).toBeVisible();
    const b = await context.newPage();
    log(b, "B", out);
    await gotoHydrated(b, "/dashboard");
    await expect(b.getByTestId("greeting")).toBeVisible();
    for (let round = 0; round < 3; round++) {
      let arrived = 0;
      let go!: () => void;
      const both = new Promise<void>((r) => (go = r));
      for (const tab of [a, b]) {
        await tab.route("**/api/auth/refresh", async (route) => {
          arrived += 1;
          if (arrived === 2) go();
          await both;
          await route.continue();
        });
      }
      await both;
      out.push(`round ${round}: both refreshes pending, releasing`);
      await a.waitForTimeout(1500);
      for (const tab of [a, b]) await tab.unrouteAll();
      out.push(`round ${round}: A ${a.url()} B ${b.url()} token ${claimsOf((await storedToken(a)) ?? '"x.e30.x"').jti}`);
    }
    await a.waitForTimeout(8000);
    out.push(`end: A ${a.url()} B ${b.url()} greetings ${await a.getByTestId("greeting").count()} ${await b.getByTestId("greeting").count()}`);
    console.log(out.join("\n"));
  });
});
