import { expect, test } from "@playwright/test";

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
