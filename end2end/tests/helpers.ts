import { expect, type APIRequestContext, type Page } from "@playwright/test";

/** The localStorage key the app keeps the access token under (JSON-encoded, with quotes). */
export const TOKEN_KEY = "tokengate.access_token";

export const PASSWORD = "correct horse battery staple";

/** A username no other test (or earlier run against the same server) uses: 3-32 of [a-z0-9]. */
export function uniqueUsername(prefix = "u"): string {
  const random = Math.random().toString(36).slice(2, 8);
  return `${prefix}${Date.now().toString(36)}${random}`;
}

/**
 * Waits until the WASM has hydrated the page. The app sets `data-hydrated="true"` on `<html>` from
 * an effect, which only runs in the browser after hydration, i.e. once every event handler is
 * attached. Interacting before that submits the plain HTML form (the no-JS fallback).
 */
export async function waitForHydration(page: Page): Promise<void> {
  await expect(
    page.locator("html"),
    "the page never hydrated: was the server built by `cargo leptos build` (its WASM under target/site/pkg)?",
  ).toHaveAttribute("data-hydrated", "true");
}

/** `page.goto(url)`, then wait for hydration. */
export async function gotoHydrated(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await waitForHydration(page);
}

/** Creates an account through the JSON API (fast set-up) and returns its access token. */
export async function signupViaApi(
  request: APIRequestContext,
  username: string,
  password = PASSWORD,
): Promise<string> {
  const response = await request.post("/api/auth/signup", { data: { username, password } });
  expect(response.status(), await response.text()).toBe(201);
  const body = await response.json();
  return body.access_token as string;
}

/** Fills and submits the (hydrated) login or sign-up form with the mouse. */
export async function submitCredentials(
  page: Page,
  button: "Log in" | "Sign up",
  username: string,
  password = PASSWORD,
): Promise<void> {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: button, exact: true }).click();
}

/** Stores `token` in localStorage the way the app does (JSON-encoded), from the home page. */
export async function storeToken(page: Page, token: string): Promise<void> {
  await gotoHydrated(page, "/");
  await page.evaluate(([key, value]) => localStorage.setItem(key, JSON.stringify(value)), [TOKEN_KEY, token]);
}

/** The raw localStorage value of the token key (`null` when absent). */
export async function storedToken(page: Page): Promise<string | null> {
  return page.evaluate((key) => window.localStorage.getItem(key), TOKEN_KEY);
}

/**
 * The second server (see playwright.config.ts): access tokens live `SHORT_TTL_SECS` seconds and
 * `exp` is checked without leeway, so refreshes happen every few seconds. A spec opts in with
 * `test.use({ baseURL: SHORT_TTL_BASE_URL })`.
 */
export const SHORT_TTL_BASE_URL = process.env.TOKENGATE_E2E_SHORT_BASE_URL ?? "http://localhost:3101";
export const SHORT_TTL_SECS = 6;

/** The name of the HttpOnly refresh-token cookie (path /api/auth). */
export const REFRESH_COOKIE = "tg_refresh";

/** The claims of a JWT, decoded but not verified; takes the raw localStorage value (with quotes) too. */
export function claimsOf(token: string): Record<string, unknown> {
  const jwt = token.startsWith('"') ? (JSON.parse(token) as string) : token;
  return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8"));
}
