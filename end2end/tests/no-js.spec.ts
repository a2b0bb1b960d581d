import { expect, test, type Request } from "@playwright/test";
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
    const requests: Request[] = [];
    page.on("request", (r) => requests.push(r));

    await page.goto(path);
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: button, exact: true }).click();

    await expect(page).toHaveURL(`${path}?js=required`);
    await expect(page.getByRole("status")).toHaveText(NOTICE);

    // The form went out as one POST (credentials in the body), answered with a 303 redirect.
    const toPath = requests.filter((r) => new URL(r.url()).pathname === path);
    expect(toPath.map((r) => r.method())).toEqual(["GET", "POST", "GET"]);
    expect((await toPath[1].response())?.status()).toBe(303);
    for (const r of requests) {
      expect(r.url()).not.toContain(password);
      expect(r.url()).not.toContain(username);
    }
  });
}

// The pages reached from mail links post their forms too; the token (well formed) survives the
// redirect so the page still works once JavaScript is on, and nothing is consumed.
const TOKEN = "A".repeat(43);
for (const [path, fill, button] of [
  ["/forgot-password", [["E-mail address", "nojs@example.com"]], "Send reset link"],
  [
    `/reset-password?token=${TOKEN}`,
    [
      ["New password", "a new passphrase"],
      ["Repeat the new password", "a new passphrase"],
    ],
    "Set new password",
  ],
  [`/verify-email?token=${TOKEN}`, [], "Confirm"],
] as const) {
  test(`without JavaScript ${path.split("?")[0]} posts, keeps the link's token and asks for JavaScript`, async ({
    page,
  }) => {
    await page.goto(path);
    for (const [label, value] of fill) {
      await page.getByLabel(label, { exact: true }).fill(value);
    }
    await page.getByRole("button", { name: button, exact: true }).click();

    const expected = path.includes("?") ? `${path}&js=required` : `${path}?js=required`;
    await expect(page).toHaveURL(expected);
    await expect(page.getByRole("status")).toHaveText(NOTICE);
  });
}
