import { expect, test } from "@playwright/test";
import { gotoHydrated, submitCredentials } from "./helpers";

test("every page is served with a nonce-based Content-Security-Policy that its own scripts satisfy", async ({
  page,
}) => {
  const violations: string[] = [];
  page.on("console", (msg) => {
    if (/Content[- ]Security[- ]Policy/i.test(msg.text())) violations.push(msg.text());
  });

  const response = await page.goto("/login");
  const csp = response?.headers()["content-security-policy"] ?? "";
  const nonce = /'nonce-([A-Za-z0-9+/=_-]+)'/.exec(csp)?.[1];
  expect(csp).toContain("script-src 'self' 'nonce-");
  expect(csp).toContain("'wasm-unsafe-eval'");
  expect(csp).toContain("object-src 'none'");
  expect(csp).toContain("base-uri 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain("unsafe-inline");
  expect(nonce).toBeTruthy();
  // Every inline script on the page carries this response's nonce.
  const nonces = await page.locator("script").evaluateAll((els) => els.map((el) => (el as HTMLScriptElement).nonce));
  expect(nonces.length).toBeGreaterThan(0);
  for (const n of nonces) expect(n).toBe(nonce);

  // Hydration works under the policy, with no violation reported.
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  expect(violations).toEqual([]);

  // A second response gets a different nonce.
  const again = await page.request.get("/login");
  expect(again.headers()["content-security-policy"]).not.toContain(`'nonce-${nonce}'`);
});

test("markup typed as a username is kept as text and never runs", async ({ page }) => {
  const dialogs: string[] = [];
  page.on("dialog", async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  // 29 characters: the field accepts at most 32, the server's limit (app/src/policy.rs).
  const injected = `<img src=x onerror=__pwned=2>`;

  await gotoHydrated(page, "/login");
  await submitCredentials(page, "Log in", injected, "some password");
  await expect(page.getByRole("alert")).toHaveText("Invalid username or password");
  await expect(page.getByLabel("Username")).toHaveValue(injected);

  await gotoHydrated(page, "/signup");
  await submitCredentials(page, "Sign up", injected, "some long password");
  await expect(page.getByRole("alert")).toHaveText(
    "Username may contain only letters a-z, digits, '.', '_' and '-'",
  );

  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(dialogs).toEqual([]);
  await expect(page.locator("img[src=x]")).toHaveCount(0);
});
