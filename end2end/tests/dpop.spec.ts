import { expect, test, type Page, type Request } from "@playwright/test";
import {
  SHORT_TTL_BASE_URL,
  SHORT_TTL_SECS,
  claimsOf,
  gotoHydrated,
  storeToken,
  storedToken,
  submitCredentials,
  uniqueUsername,
  waitForHydration,
} from "./helpers";

// DPoP in the browser (issue 17): the app binds every session it starts to a non-extractable
// WebCrypto key kept in IndexedDB, and presents its tokens only with proofs by that key.

/** What the page can learn about the stored DPoP key: its RFC 7638 thumbprint and whether it can read it out. */
type DeviceKey = { jkt: string; algorithm: string; extractable: boolean; pkcs8Export: string };

/** The key pair the app stored in IndexedDB (`null` when there is none), examined in the page itself. */
async function deviceKey(page: Page): Promise<DeviceKey | null> {
  return page.evaluate(async () => {
    const pair = await new Promise<CryptoKeyPair | undefined>((resolve, reject) => {
      const open = indexedDB.open("tokengate.dpop", 1);
      // Never create the database here: that is the app's job (and its schema).
      open.onupgradeneeded = () => open.transaction!.abort();
      open.onerror = () => (open.error?.name === "AbortError" ? resolve(undefined) : reject(open.error));
      open.onsuccess = () => {
        const db = open.result;
        const get = db.transaction("keys").objectStore("keys").get("device");
        get.onsuccess = () => (db.close(), resolve(get.result));
        get.onerror = () => (db.close(), reject(get.error));
      };
    });
    if (!pair) return null;
    const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
    const members =
      jwk.kty === "OKP" ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(members))),
    );
    const jkt = btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    let pkcs8Export = "allowed";
    try {
      await crypto.subtle.exportKey("pkcs8", pair.privateKey);
    } catch (e) {
      pkcs8Export = (e as DOMException).name;
    }
    return { jkt, algorithm: pair.privateKey.algorithm.name, extractable: pair.privateKey.extractable, pkcs8Export };
  });
}

/** `cnf.jkt` of the token the page stored. */
async function storedJkt(page: Page): Promise<string | undefined> {
  const token = await storedToken(page);
  return token ? (claimsOf(token).cnf as { jkt?: string } | undefined)?.jkt : undefined;
}

/** The token the page stored, without gloo-storage's JSON quotes. */
async function rawToken(page: Page): Promise<string> {
  return JSON.parse((await storedToken(page))!) as string;
}

/** Every `/api/` request `page` sends from now on. */
function recordRequests(page: Page): Request[] {
  const seen: Request[] = [];
  page.on("request", (request) => {
    if (new URL(request.url()).pathname.startsWith("/api/")) seen.push(request);
  });
  return seen;
}

const to = (path: string) => (r: Request) => new URL(r.url()).pathname === path;

/** `status`, `WWW-Authenticate` and the error code of a `fetch` made by the page itself. */
async function fetchFromPage(page: Page, path: string, headers: Record<string, string>) {
  return page.evaluate(
    async ([path, headers]) => {
      const response = await fetch(path, { headers });
      const body = await response.json().catch(() => ({}));
      return { status: response.status, challenge: response.headers.get("www-authenticate"), error: body.error };
    },
    [path, headers] as const,
  );
}

/** Signs up through the form and waits for the dashboard's greeting. */
async function signUpInBrowser(page: Page): Promise<string> {
  const username = uniqueUsername("dp");
  await gotoHydrated(page, "/signup");
  await submitCredentials(page, "Sign up", username);
  await expect(page).toHaveURL("/dashboard");
  await expect(page.getByTestId("greeting")).toHaveText(`Hello, ${username}`);
  return username;
}

test("a sign-up in the browser binds the session to a key the page itself cannot read out", async ({ page }) => {
  const requests = recordRequests(page);
  await signUpInBrowser(page);

  // The sign-up carried a proof; the token names that proof's key.
  const signup = requests.find(to("/api/auth/signup"))!;
  expect(await signup.headerValue("dpop")).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  const jkt = await storedJkt(page);
  expect(jkt).toMatch(/^[\w-]{43}$/);
  const key = (await deviceKey(page))!;
  expect(key.jkt).toBe(jkt);
  expect(["Ed25519", "ECDSA"]).toContain(key.algorithm);

  // Only the browser can sign with it: the private key does not leave WebCrypto.
  expect(key.extractable).toBe(false);
  expect(key.pkcs8Export).toBe("InvalidAccessError");

  // The dashboard's calls went as DPoP, each with its own proof.
  const me = requests.filter(to("/api/me"));
  expect(me.length).toBeGreaterThan(0);
  const token = await rawToken(page);
  for (const request of me) {
    expect(await request.headerValue("authorization")).toBe(`DPoP ${token}`);
    expect(await request.headerValue("dpop")).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  }
});

test("a bound token read out of localStorage is refused as Bearer, without a proof and with a replayed one", async ({
  page,
}) => {
  const requests = recordRequests(page);
  await signUpInBrowser(page);
  const token = await rawToken(page);

  const asBearer = await fetchFromPage(page, "/api/me", { Authorization: `Bearer ${token}` });
  expect(asBearer.status).toBe(401);
  expect(asBearer.challenge).toMatch(/^DPoP /);

  const withoutProof = await fetchFromPage(page, "/api/me", { Authorization: `DPoP ${token}` });
  expect(withoutProof).toMatchObject({ status: 401, error: "invalid_dpop_proof" });
  expect(withoutProof.challenge).toMatch(/^DPoP /);

  // A proof the app already sent (seen on the wire, or by a script) is good once only.
  const sent = requests.filter(to("/api/me")).at(-1)!;
  const proof = (await sent.headerValue("dpop"))!;
  const replayed = await fetchFromPage(page, "/api/me", { Authorization: `DPoP ${token}`, DPoP: proof });
  expect(replayed).toMatchObject({ status: 401, error: "invalid_dpop_proof" });

  // The app itself keeps working with its key.
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByTestId("greeting")).toBeVisible();
});

test("a bound token copied into another browser is refused there, and the owner's session goes on", async ({
  page,
  browser,
  baseURL,
}) => {
  const username = await signUpInBrowser(page);
  const token = await rawToken(page);
  const jkt = await storedJkt(page);

  const other = await browser.newContext({ baseURL });
  try {
    const thief = await other.newPage();
    const responses: { path: string; status: number; body: string }[] = [];
    thief.on("response", async (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith("/api/")) responses.push({ path, status: r.status(), body: await r.text().catch(() => "") });
    });
    await storeToken(thief, token);
    await thief.goto("/dashboard");

    // Its proofs are by its own key (made on the spot), which is not the token's: refused, and
    // without the owner's refresh cookie the stolen token is simply dropped.
    await expect(thief).toHaveURL("/login?next=/dashboard");
    await expect(thief.getByTestId("greeting")).toHaveCount(0);
    const me = responses.filter((r) => r.path === "/api/me");
    expect(me.length).toBeGreaterThan(0);
    for (const r of me) expect({ status: r.status, error: JSON.parse(r.body).error }).toEqual({ status: 401, error: "invalid_dpop_proof" });
    expect(await storedToken(thief)).toBeNull();
  } finally {
    await other.close();
  }

  // The owner is unaffected.
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByTestId("greeting")).toHaveText(`Hello, ${username}`);
  expect(await storedJkt(page)).toBe(jkt);
});

test("logging out deletes the key, and the next login binds a new one", async ({ page }) => {
  const username = await signUpInBrowser(page);
  const first = await storedJkt(page);

  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.getByRole("button", { name: "Log out" }).click();
  await expect(nav.getByRole("link", { name: "Log in" })).toBeVisible();
  await expect.poll(() => deviceKey(page)).toBeNull();

  await gotoHydrated(page, "/login");
  await submitCredentials(page, "Log in", username);
  await expect(page.getByTestId("greeting")).toHaveText(`Hello, ${username}`);
  const second = await storedJkt(page);
  expect(second).toMatch(/^[\w-]{43}$/);
  expect(second).not.toBe(first);
  expect((await deviceKey(page))!.jkt).toBe(second);
});

test("a browser without Ed25519 in WebCrypto binds to an ECDSA P-256 key instead", async ({ page }) => {
  await page.addInitScript(() => {
    const generate = SubtleCrypto.prototype.generateKey;
    SubtleCrypto.prototype.generateKey = function (this: SubtleCrypto, algorithm: any, ...rest: any[]) {
      const name = typeof algorithm === "string" ? algorithm : algorithm?.name;
      if (name === "Ed25519") return Promise.reject(new DOMException("Unrecognized name", "NotSupportedError"));
      return (generate as any).call(this, algorithm, ...rest);
    } as typeof generate;
  });
  await signUpInBrowser(page);
  const key = (await deviceKey(page))!;
  expect(key).toMatchObject({ algorithm: "ECDSA", extractable: false, pkcs8Export: "InvalidAccessError" });
  expect(await storedJkt(page)).toBe(key.jkt);
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByTestId("greeting")).toBeVisible();
});

test("a browser without IndexedDB still signs up and works, with an unbound Bearer token", async ({ page }) => {
  await page.addInitScript(() => Object.defineProperty(window, "indexedDB", { value: undefined }));
  const warnings: string[] = [];
  page.on("console", (m) => m.type() === "warning" && m.text().startsWith("DPoP") && warnings.push(m.text()));
  const requests = recordRequests(page);
  await signUpInBrowser(page);
  expect(claimsOf((await storedToken(page))!).cnf).toBeUndefined();
  const token = await rawToken(page);
  for (const request of requests.filter(to("/api/me"))) {
    expect(await request.headerValue("authorization")).toBe(`Bearer ${token}`);
  }
  expect(warnings).toHaveLength(1);
});

test.describe("with 6-second access tokens", () => {
  test.use({ baseURL: SHORT_TTL_BASE_URL });

  test("a bound session refreshes ahead of expiry with its key, in two tabs, and stays bound", async ({
    page,
    context,
  }) => {
    test.setTimeout(90_000);
    const failures: string[] = [];
    const watch = (tab: Page) =>
      tab.on("response", (r) => {
        if (new URL(r.url()).pathname.startsWith("/api/") && r.status() >= 400) failures.push(`${r.status()} ${r.url()}`);
      });
    watch(page);
    const requests = recordRequests(page);
    const username = await signUpInBrowser(page);
    const first = claimsOf((await storedToken(page))!);
    const jkt = (first.cnf as { jkt: string }).jkt;

    // A second tab of the same browser shares the key (one IndexedDB per origin).
    const tab = await context.newPage();
    watch(tab);
    const tabRequests = recordRequests(tab);
    await gotoHydrated(tab, "/dashboard");
    await expect(tab.getByTestId("greeting")).toHaveText(`Hello, ${username}`);
    expect((await deviceKey(tab))!.jkt).toBe(jkt);

    await page.waitForTimeout(3 * SHORT_TTL_SECS * 1_000 + 1_000);

    // Refreshed several times (by whichever tab was due first: the other one follows through
    // storage), each with a proof, never refused, still bound to the same key.
    const refreshes = [...requests, ...tabRequests].filter(to("/api/auth/refresh"));
    expect(refreshes.length).toBeGreaterThanOrEqual(2);
    for (const r of refreshes) expect(await r.headerValue("dpop")).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(failures).toEqual([]);
    const last = claimsOf((await storedToken(page))!);
    expect(last.jti).not.toBe(first.jti);
    expect((last.cnf as { jkt: string }).jkt).toBe(jkt);
    for (const t of [page, tab]) {
      await expect(t).toHaveURL("/dashboard");
      await expect(t.getByTestId("greeting")).toHaveText(`Hello, ${username}`);
    }

    // Past the first token's expiry, a reload still works with the refreshed, bound token.
    await page.reload();
    await waitForHydration(page);
    await expect(page.getByTestId("greeting")).toHaveText(`Hello, ${username}`);
    expect(await storedJkt(page)).toBe(jkt);
    expect(failures).toEqual([]);
  });
});
