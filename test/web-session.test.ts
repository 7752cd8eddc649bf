import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, signIn, waitUntilLive, type WatchedPage } from './support/browser';
import { gql } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';
import { WORLD_PASSWORD } from './support/world';

// The console stays signed in past its access token's expiry by refreshing (authRefresh), in a real
// headless Chromium against a server whose access tokens live the shortest allowed time.
const TTL_SECONDS = 60;
jest.setTimeout(240_000);

let h: Harness;
let browser: Browser;
let watched: WatchedPage | undefined;

interface StoredSession {
  token: string;
  expiresAt: string;
  refreshToken: string | null;
}

const stored = async (page: Page): Promise<StoredSession | null> => JSON.parse((await page.evaluate<string | null>("localStorage.getItem('gongzhi.session')")) ?? 'null');

beforeAll(async () => {
  browser = await launchBrowser();
  h = await startHarness({ env: { JWT_TTL_SECONDS: String(TTL_SECONDS) } });
}, 120_000);

afterAll(async () => {
  await watched?.context.close();
  await browser?.close();
  await stopHarness(h);
});

test('given 60-second access tokens and two tabs of one signed-in console, when they stay open past the token expiry, then both still load data without the password, and after sign-out the refresh token is refused', async () => {
  watched = await openPage(browser, h.server.httpUrl.replace(/\/graphql$/, ''));
  const { page, context, errors } = watched;
  await signIn(page, h.world.users.policeLiaison.email, WORLD_PASSWORD);
  await page.waitForSelector('[data-testid=fig-open] .figure-value');
  // A second tab shares the session (and so the refresh token): both must not rotate it, or reuse detection ends the session.
  const second = await context.newPage();
  second.on('pageerror', (error) => errors.push(error.message));
  await second.goto('/');
  await second.waitForSelector('[data-testid=fig-open] .figure-value');

  const first = (await stored(page))!;
  expect(first.refreshToken).toMatch(/^gzr_/);
  expect(await page.evaluate<string>('JSON.stringify({ ...localStorage })')).not.toContain(WORLD_PASSWORD);

  // Past the first access token's expiry, with the pages left alone.
  await page.waitForTimeout(Date.parse(first.expiresAt) - Date.now() + 3000);
  const renewed = await stored(page);
  expect(renewed).not.toBeNull();
  expect(renewed!.token).not.toBe(first.token);

  // Data still loads: the pages ask again (another screen, then back) and the API answers them as the signed-in user.
  for (const tab of [page, second]) {
    const answered = tab.waitForResponse((r) => r.url().endsWith('/graphql') && r.request().postData()?.includes('jurisdictionDashboard') === true);
    await tab.click('[data-testid=nav-patrols]');
    await tab.click('[data-testid=nav-liaison]');
    const response = await answered;
    expect(response.status()).toBe(200);
    expect((await response.json()).errors).toBeUndefined();
    await tab.waitForSelector('[data-testid=fig-open] .figure-value');
    await waitUntilLive(tab);
    expect(await tab.locator('[data-testid=sign-in-form]').count()).toBe(0);
  }

  const last = (await stored(page))!;
  await page.click('[data-testid=sign-out]');
  await page.waitForSelector('[data-testid=sign-in-form]');
  const refused = await gql(h.server.httpUrl, 'mutation($input: AuthRefreshInput!) { authRefresh(input: $input) { accessToken { token } userErrors { code } } }', { input: { refreshToken: last.refreshToken } });
  expect(refused.body.data.authRefresh).toEqual({ accessToken: null, userErrors: [{ code: 'INVALID_CREDENTIALS' }] });
  expect(errors).toEqual([]);
});
