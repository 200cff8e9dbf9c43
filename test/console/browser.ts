/**
 * One headless Chromium (Debian's `chromium`, driven by puppeteer-core) for a test file, and
 * pages that record what the console must never do: send a request to another origin, or log
 * an error. A refused API call (an AWS-shaped 4xx the test provoked) is the only error the
 * browser may log, as its own "Failed to load resource" line.
 */
import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer-core';

export const CHROMIUM = process.env.OPENQLDB_CHROMIUM ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  // root in CI has no user namespace for Chromium's sandbox; the pages are our own
  return puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--lang=en-US'] });
}

export interface WatchedPage {
  page: Page;
  /** URLs of requests the page sent outside `origin` */
  foreign: string[];
  /** console errors and uncaught exceptions, except the browser's line for a refused API call */
  errors: string[];
  /** every request URL seen */
  requests: string[];
}

export async function watchedPage(context: Browser | BrowserContext, origin: string): Promise<WatchedPage> {
  const page = await context.newPage();
  await page.setViewport({ width: 1280, height: 860 });
  const refused = new Set<string>();
  const logged: { text: string; url: string }[] = [];
  const uncaught: string[] = [];
  const watched: WatchedPage = {
    page,
    foreign: [],
    requests: [],
    // filtered when read: Chromium may log a refused call's line before puppeteer reports its response
    get errors() {
      const refusedCall = (e: { text: string; url: string }) =>
        e.text.startsWith('Failed to load resource: the server responded with a status of 4') && refused.has(e.url);
      return [...logged.filter((e) => !refusedCall(e)).map((e) => `${e.text} (${e.url})`), ...uncaught];
    },
  };
  page.on('request', (r) => {
    const url = r.url();
    watched.requests.push(url);
    // data: URLs never leave the page (the empty favicon)
    if (!url.startsWith('data:') && new URL(url).origin !== origin) watched.foreign.push(url);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && r.headers()['x-amzn-errortype']) refused.add(r.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error') logged.push({ text: m.text(), url: m.location().url ?? '' });
  });
  page.on('pageerror', (e) => uncaught.push(`uncaught: ${(e as Error).message}`));
  page.on('dialog', (d) => void d.accept());
  return watched;
}

/** Sets a textarea or input as typing would, in one event (typing a long statement key by key is slow). */
export async function fill(page: Page, selector: string, value: string): Promise<void> {
  await page.waitForSelector(selector);
  await page.$eval(
    selector,
    (el, v) => {
      const input = el as any;
      input.value = v;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    },
    value,
  );
}

export const textOf = (page: Page, selector: string): Promise<string> => page.$eval(selector, (e) => (e as any).innerText);

export const textsOf = (page: Page, selector: string): Promise<string[]> => page.$$eval(selector, (es) => es.map((e) => (e as any).innerText));
