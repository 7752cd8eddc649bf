import { execSync } from 'node:child_process';
import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

// Browser downloads are impossible here: the tests drive the system Chromium (Debian package `chromium`).
const CANDIDATES = ['/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const HOW_TO = 'Chromium is needed for the browser tests: install it with `apt-get install -y chromium` (Debian) or set CHROMIUM_PATH.';

function found(): string | undefined {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return fs.existsSync(configured) ? configured : undefined;
  return CANDIDATES.find((file) => fs.existsSync(file));
}

/**
 * The Chromium executable. Where it is missing and this process is root on
 * Debian, installs it (as CI's fresh machines need); anywhere else fails with
 * one line saying how to install it. Never skips.
 */
export function chromiumExecutable(): string {
  const existing = found();
  if (existing) return existing;
  if (!process.env.CHROMIUM_PATH && process.getuid?.() === 0 && fs.existsSync('/etc/debian_version')) {
    process.stderr.write('[test] Chromium not found: installing the Debian package (apt-get install chromium)\n');
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk', { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
    const installed = found();
    if (installed) return installed;
  }
  throw new Error(HOW_TO);
}

export async function launchBrowser(): Promise<Browser> {
  // As root Chromium refuses to start with its sandbox; the tests load only this project's pages.
  return chromium.launch({ executablePath: chromiumExecutable(), headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught exceptions the page produced. */
  errors: string[];
}

/** Each page's WebSocket traffic, last 60 lines, tokens blanked: what a failed wait for the live badge reports. */
const trafficOf = new WeakMap<Page, string[]>();

/** Waits for the page's live badge; on timeout the error carries the page's WebSocket traffic, or a flake says nothing. */
export async function waitUntilLive(page: Page): Promise<void> {
  try {
    await page.waitForSelector('[data-testid=live-badge][data-live=true]');
  } catch (error) {
    throw new Error(`${(error as Error).message}\nWebSocket traffic of the page:\n${trafficOf.get(page)?.join('\n') || '(none)'}`);
  }
}

/** A fresh context (its own storage, so its own session) and page, collecting console errors. */
export async function openPage(browser: Browser, baseURL: string, options: { mobile?: boolean } = {}): Promise<WatchedPage> {
  const context = await browser.newContext({
    baseURL,
    viewport: options.mobile ? { width: 390, height: 844 } : { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    locale: 'zh-TW',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  const sockets: string[] = [];
  const note = (line: string) => {
    sockets.push(`${new Date().toISOString().slice(11, 23)} ${line.replace(/Bearer [^"\s]+/g, 'Bearer …').slice(0, 300)}`);
    if (sockets.length > 60) sockets.shift();
  };
  page.on('websocket', (socket) => {
    note(`open ${socket.url()}`);
    socket.on('framesent', (frame) => note(`> ${String(frame.payload)}`));
    socket.on('framereceived', (frame) => note(`< ${String(frame.payload)}`));
    socket.on('socketerror', (message) => note(`error ${message}`));
    socket.on('close', () => note('closed'));
  });
  trafficOf.set(page, sockets);
  return { page, context, errors };
}

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=who]');
}
