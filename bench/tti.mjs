// Time from navigation to an interactive login form, in headless Chromium (Debian's), over
// loopback. "Interactive" = the WASM has hydrated (the app sets `data-hydrated` on <html>) and
// the username field is enabled and focusable. Cold = a fresh browser context (empty cache);
// warm = the same page loaded again in that context (assets from the HTTP cache).
// Also lists what a cold load of /login fetches under /pkg until the network is idle after
// hydration (`login_pkg`: path, Content-Encoding, bytes on the wire): the files a browser needs
// for an interactive login page, whichever WASM chunks that includes.
//
//   node bench/tti.mjs http://127.0.0.1:3300 10   -> prints JSON
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../end2end/package.json"));
const { chromium } = require("@playwright/test");

const base = process.argv[2] ?? "http://127.0.0.1:3300";
const runs = Number(process.argv[3] ?? 10);

async function loadOnce(page) {
  await page.goto(`${base}/login`, { waitUntil: "commit" });
  await page.waitForSelector("html[data-hydrated]", { timeout: 20_000 });
  const field = page.getByLabel("Username");
  await field.focus();
  if (!(await field.isEnabled())) throw new Error("login form not interactive");
  return page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    return {
      interactive_ms: performance.now(),
      response_end_ms: nav ? nav.responseEnd : null,
      dom_content_loaded_ms: nav ? nav.domContentLoadedEventEnd : null,
    };
  });
}

async function loginPkgFiles(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const responses = [];
  page.on("response", (response) => {
    if (new URL(response.url()).pathname.startsWith("/pkg/")) responses.push(response);
  });
  await page.goto(`${base}/login`);
  await page.waitForSelector("html[data-hydrated]", { timeout: 20_000 });
  await page.waitForLoadState("networkidle");
  const files = [];
  for (const response of responses) {
    const sizes = await response.request().sizes();
    files.push({
      path: new URL(response.url()).pathname,
      status: response.status(),
      encoding: (await response.allHeaders())["content-encoding"] ?? null,
      wire_body_bytes: sizes.responseBodySize,
    });
  }
  await context.close();
  return files;
}

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
const cold = [];
const warm = [];
let loginPkg;
try {
  loginPkg = await loginPkgFiles(browser);
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    cold.push(await loadOnce(page));
    warm.push(await loadOnce(page));
    await context.close();
  }
} finally {
  await browser.close();
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};
const summary = (xs) => ({
  median_ms: median(xs.map((x) => x.interactive_ms)),
  max_ms: Math.max(...xs.map((x) => x.interactive_ms)),
  median_response_end_ms: median(xs.map((x) => x.response_end_ms ?? 0)),
});
console.log(JSON.stringify({ runs, cold: summary(cold), warm: summary(warm), login_pkg: loginPkg }));
