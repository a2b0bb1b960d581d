import { expect, test } from "@playwright/test";

/** `<name>.<MD5, base64url>.<ext>`: how cargo-leptos names the bundle with `hash-files` on. */
// (`__wasm_split.______________________.js`, the split loader's placeholder, is not a hash.)
const CONTENT_HASHED = /\.(?!_{22}\.)[A-Za-z0-9_-]{22}\.(js|wasm|css)$/;

test("the JS and WASM that the page preloads for hydration are served", async ({ page, request }) => {
  await page.goto("/");
  const hrefs = await page
    .locator('link[rel="modulepreload"], link[rel="preload"]')
    .evaluateAll((links) => links.map((l) => l.getAttribute("href") ?? ""));

  expect(hrefs.some((h) => h.endsWith(".js"))).toBe(true);
  expect(hrefs.some((h) => h.endsWith(".wasm"))).toBe(true);
  for (const href of hrefs) {
    expect((await request.get(href)).status(), href).toBe(200);
  }
});

// Hashed names (release, `make serve`) are cached for a year; plain names (debug) are revalidated.
test("the bundle the page links is cached for a year only under content-hashed names", async ({
  page,
  request,
}) => {
  await page.goto("/");
  const hrefs = await page
    .locator('link[rel="modulepreload"], link[rel="preload"], link[rel="stylesheet"]')
    .evaluateAll((links) => links.map((l) => l.getAttribute("href") ?? ""));
  const bundle = hrefs.filter((h) => h.startsWith("/pkg/"));

  expect(bundle.some((h) => h.endsWith(".css")), hrefs.join(" ")).toBe(true);
  for (const href of bundle) {
    const response = await request.get(href);
    const expected = CONTENT_HASHED.test(href) ? "public, max-age=31536000, immutable" : "no-cache";
    expect(response.status(), href).toBe(200);
    expect(response.headers()["cache-control"], href).toBe(expected);
    expect(response.headers()["vary"], href).toBe("accept-encoding");
  }
});

test("a missing bundle file is an empty 404, not the page", async ({ request }) => {
  const response = await request.get("/pkg/no-such-file.js");

  expect(response.status()).toBe(404);
  expect(response.headers()["content-type"]).toBeUndefined();
  expect(await response.text()).toBe("");
});
