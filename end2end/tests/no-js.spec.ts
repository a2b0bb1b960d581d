import { expect, test } from "@playwright/test";
import { uniqueUsername } from "./helpers";

test.use({ javaScriptEnabled: false });

const NOTICE =
  "Tokengate keeps your session token in this browser, which needs JavaScript. Please enable it and try again.";

for (const [path, button] of [
  ["/login", "Log in"],
  ["/signup", "Sign up"],
] as const) {
  test(`without JavaScript ${path} posts the form, keeps credentials out of URLs and asks for JavaScript`, async ({
    page,
  }) => {
    const username = uniqueUsername("nojs");
    const password = `pw${uniqueUsername("secret")}`;
    const requests: { method: string; url: string }[] = [];
    page.on("request", (r) => requests.push({ method: r.method(), url: r.url() }));

    await page.goto(path);
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: button, exact: true }).click();

    await expect(page).toHaveURL(`${path}?js=required`);
    await expect(page.getByRole("status")).toHaveText(NOTICE);

    const posts = requests.filter((r) => new URL(r.url).pathname === path && r.method === "POST");
    expect(posts).toHaveLength(1);
    for (const { url } of requests) {
      expect(url).not.toContain(password);
      expect(url).not.toContain(username);
    }
  });
}
