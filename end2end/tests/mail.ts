import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { expect } from "@playwright/test";
import { simpleParser, type AddressObject } from "mailparser";

/**
 * The outbox of the server under test: without an SMTP URL it writes every mail as an `.eml` file
 * under `<TOKENGATE_DATA_DIR>/outbox/`. playwright.config.ts sets this for the workers.
 */
export const OUTBOX_DIR = process.env.TOKENGATE_E2E_OUTBOX_DIR ?? path.join(__dirname, "..", ".data", "outbox");

/** One delivered mail, parsed. */
export interface Mail {
  file: string;
  subject: string;
  text: string;
  html: string;
}

function recipients(to: AddressObject | AddressObject[] | undefined): string[] {
  const objects = to === undefined ? [] : Array.isArray(to) ? to : [to];
  return objects.flatMap((o) => o.value.map((a) => (a.address ?? "").toLowerCase()));
}

/** File sizes seen by the previous poll: a file is read only once its size stopped changing. */
const sizes = new Map<string, number>();

async function settledFiles(): Promise<{ file: string; mtimeMs: number }[]> {
  let names: string[];
  try {
    names = await readdir(OUTBOX_DIR);
  } catch {
    return []; // no mail sent yet: the server creates the directory on its first one
  }
  const files = [];
  for (const name of names.filter((n) => n.endsWith(".eml"))) {
    const file = path.join(OUTBOX_DIR, name);
    const { size, mtimeMs } = await stat(file);
    // lettre writes the file in place: a size that differs from the last poll's may be partial.
    if (sizes.get(file) === size) files.push({ file, mtimeMs });
    sizes.set(file, size);
  }
  return files.sort((a, b) => b.mtimeMs - a.mtimeMs);
}

/** The newest settled mail to `to` whose subject includes `subjectIncludes`, if any. */
async function newestMail(
  to: string,
  subjectIncludes: string,
  excluding: string[] = [],
): Promise<Mail | undefined> {
  const wanted = to.toLowerCase();
  for (const { file } of await settledFiles()) {
    if (excluding.includes(file)) continue;
    const parsed = await simpleParser(await readFile(file));
    const subject = parsed.subject ?? "";
    if (recipients(parsed.to).includes(wanted) && subject.includes(subjectIncludes)) {
      return { file, subject, text: parsed.text ?? "", html: parsed.html || "" };
    }
  }
  return undefined;
}

/**
 * Polls the outbox until a mail to `to` whose subject includes `subjectIncludes` is there, and
 * returns the newest such mail that is not one of `excluding` (mails already read: a resent link
 * must not be mistaken for the first). Fails after `timeoutMs`.
 */
export async function waitForMail(
  to: string,
  subjectIncludes: string,
  timeoutMs = 10_000,
  excluding: Mail[] = [],
): Promise<Mail> {
  let found: Mail | undefined;
  const seen = excluding.map((mail) => mail.file);
  await expect
    .poll(async () => (found = await newestMail(to, subjectIncludes, seen)) !== undefined, {
      message: `a mail to ${to} with a subject containing "${subjectIncludes}" in ${OUTBOX_DIR}`,
      timeout: timeoutMs,
    })
    .toBe(true);
  return found!;
}

/**
 * The link in `mail` to `pathname` (e.g. "/reset-password"), as a path with its query, for
 * `page.goto` against the server under test. The text and the HTML part must carry the same one.
 */
export function linkFrom(mail: Mail, pathname: string): string {
  const find = (body: string) =>
    (body.match(/https?:\/\/[^\s"'<>]+/g) ?? [])
      .map((raw) => new URL(raw.replace(/&amp;/g, "&")))
      .filter((url) => url.pathname === pathname)
      .map((url) => url.pathname + url.search);
  const inText = find(mail.text);
  const inHtml = find(mail.html);
  if (inText.length !== 1 || inHtml.length === 0 || inHtml.some((link) => link !== inText[0])) {
    throw new Error(`expected one ${pathname} link in ${mail.file}, text: ${inText}, html: ${inHtml}`);
  }
  return inText[0];
}
