import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { gotoHydrated, signupViaApi, submitCredentials, uniqueUsername } from "./helpers";

// `cargo leptos build --split` cuts the WASM: every page but /login is a lazy route
// (app/src/pages/lazy.rs) whose code lives in `split_<route>.wasm` and in `chunk_<n>.wasm` files
// shared between routes (each name content-hashed in release).
const CHUNK = /\/pkg\/(split|chunk)_[^/]*\.wasm$/;
const SPLIT = /\/pkg\/split_[^/]*\.wasm$/;

/** The WASM chunks the server tells the browser to preload for a page loaded directly. */
async function chunksOf(request: APIRequestContext, path: string): Promise<string[]> {
  const html = await (await request.get(path)).text();
  const links = html.match(/<link [^>]*>/g) ?? [];
  return links
    .filter((link) => link.includes('rel="preload"'))
    .map((link) => /href="([^"]+)"/.exec(link)?.[1] ?? "")
    .filter((href) => CHUNK.test(href));
}

/** Every /pkg path the page requests from now on, in order. */
function pkgRequests(page: Page): string[] {
  const paths: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith("/pkg/")) paths.push(path);
  });
  return paths;
}

test("an interactive /login downloads no page chunk", async ({ page }) => {
  const fetched = pkgRequests(page);

  await gotoHydrated(page, "/login");
  await page.waitForLoadState("networkidle");

  expect(fetched.some((p) => p.endsWith(".wasm")), fetched.join(" ")).toBe(true);
  expect(fetched.filter((p) => CHUNK.test(p))).toEqual([]);
});

test("the account page's chunk is fetched when the page is first shown, and the page works", async ({
  page,
  request,
}) => {
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console error: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  const accountChunks = await chunksOf(request, "/account");
  const adminChunks = await chunksOf(request, "/admin");
  const accountSplit = accountChunks.filter((p) => SPLIT.test(p));
  expect(accountSplit, accountChunks.join(" ")).toHaveLength(1);
  expect(adminChunks.filter((p) => SPLIT.test(p))).not.toEqual(accountSplit);
  const username = uniqueUsername();
  await signupViaApi(request, username);
  const fetched = pkgRequests(page);

  await gotoHydrated(page, "/login");
  await submitCredentials(page, "Log in", username);
  await expect(page.getByTestId("greeting")).toHaveText(`Hello, ${username}`);
  expect(fetched).not.toContain(accountSplit[0]);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).click();

  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  // The sign-up's session and this login's, this one marked as the current one.
  await expect(page.getByTestId("session-row")).toHaveCount(2);
  await expect(page.locator('[data-testid="session-row"][data-current="true"]')).toHaveCount(1);
  for (const chunk of accountChunks) expect(fetched).toContain(chunk);
  expect(fetched.filter((p) => SPLIT.test(p) && adminChunks.includes(p))).toEqual([]);
  expect(problems).toEqual([]);
});
