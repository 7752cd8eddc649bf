import path from 'node:path';
import type { Browser } from 'playwright-core';
import { loadDemoData } from '../src/demo';
import { createLogger } from '../src/shared/logger';
import { launchBrowser, openPage, signIn, waitUntilLive, type WatchedPage } from './support/browser';
import { toGlobalId } from '../src/shared/relay/global-id';
import { gql } from './support/graphql';
import { createTestDatabase, startTestServer, type TestDatabase, type TestServer } from './support/server';

// The console in a real headless Chromium against a real server on the demo data.
const PASSWORD = 'gongzhi-demo-2026';
const SCREENSHOTS = path.join(__dirname, '..', 'docs', 'screenshots');
jest.setTimeout(120_000);

let database: TestDatabase;
let server: TestServer;
let browser: Browser;
let base: string;
const pages: WatchedPage[] = [];

async function tokenFor(email: string): Promise<string> {
  const [user] = await server.services.db.query('SELECT id FROM app_user WHERE email = $1', [email]);
  return server.services.tokens.issue(`user:${user.id}`).token;
}

async function areaId(name: string): Promise<string> {
  const res = await gql(server.httpUrl, 'query($s: String) { areas(search: $s, first: 1) { nodes { id name } } }', { s: name }, await tokenFor('admin@gongzhi.demo'));
  return res.body.data.areas.nodes[0].id;
}

async function reportCase(title: string, area: string): Promise<{ id: string; reference: string }> {
  const res = await gql(
    server.httpUrl,
    'mutation($input: CaseReportInput!) { caseReport(input: $input) { case { id reference } userErrors { message } } }',
    { input: { areaId: area, title, description: '樓道堆放雜物，阻塞消防通道。', category: 'PUBLIC_SECURITY', channel: 'MOBILE_APP' } },
    await tokenFor('resident@gongzhi.demo'),
  );
  expect(res.body.data.caseReport.userErrors).toEqual([]);
  return res.body.data.caseReport.case;
}

/** Plans a shift of the demo team of this name on its first route, starting now, and starts it as the team's phone would; returns the patrol's id. */
async function putTeamOnDuty(teamName: string): Promise<string> {
  const [row] = await server.services.db.query(
    `SELECT t.id AS team_id, r.id AS route_id FROM patrol_team t JOIN route r ON r.organization_id = t.organization_id WHERE t.name = $1 ORDER BY r.name LIMIT 1`,
    [teamName],
  );
  const token = await tokenFor('coordinator@gongzhi.demo');
  const now = Date.now();
  const planned = await gql(
    server.httpUrl,
    'mutation($input: PatrolPlanInput!) { patrolPlan(input: $input) { patrols { id } userErrors { field message } } }',
    { input: { teamId: toGlobalId('PatrolTeam', row.team_id), routeId: toGlobalId('Route', row.route_id), plannedStart: new Date(now).toISOString(), plannedEnd: new Date(now + 3 * 3_600_000).toISOString() } },
    token,
  );
  expect(planned.body.data.patrolPlan.userErrors).toEqual([]);
  const patrolId: string = planned.body.data.patrolPlan.patrols[0].id;
  const started = await gql(
    server.httpUrl,
    'mutation($input: PatrolEventsRecordInput!) { patrolEventsRecord(input: $input) { userErrors { field message } } }',
    { input: { deviceId: 'browser-test-phone', patrolId, events: [{ clientEventId: `bt-start-${now}`, kind: 'STARTED', deviceTime: new Date(now).toISOString() }] } },
    token,
  );
  expect(started.body.data.patrolEventsRecord.userErrors).toEqual([]);
  return patrolId;
}

async function open(email: string, options: { mobile?: boolean } = {}): Promise<WatchedPage> {
  const watched = await openPage(browser, base, options);
  pages.push(watched);
  await signIn(watched.page, email, PASSWORD);
  return watched;
}

beforeAll(async () => {
  browser = await launchBrowser();
  database = await createTestDatabase();
  server = await startTestServer(database.url);
  await loadDemoData(server.services.db, createLogger('silent'));
  base = server.httpUrl.replace(/\/graphql$/, '');
});

afterEach(async () => {
  // No page may log a console error or throw.
  const errors = pages.flatMap((p) => p.errors);
  for (const p of pages.splice(0)) await p.context.close();
  expect(errors).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await database?.drop();
});

describe('liaison officer console', () => {
  test('given the liaison officer signs in, then the dashboard figures equal the API answer for the same jurisdiction', async () => {
    const { page } = await open('liaison@gongzhi.demo');
    await page.waitForSelector('[data-testid=fig-open] .figure-value');
    const area = await page.locator('[data-testid=area-picker]').inputValue();
    const res = await gql(
      server.httpUrl,
      'query($a: ID!) { jurisdictionDashboard(areaId: $a) { cases { open overdue supervisedOpen } patrols { onDuty } meetings { upcomingNext30Days openActionItems } contracts { active } } }',
      { a: area },
      await tokenFor('liaison@gongzhi.demo'),
    );
    const d = res.body.data.jurisdictionDashboard;
    const figure = (id: string) => page.locator(`[data-testid=${id}] .figure-value`).innerText();
    expect({
      open: await figure('fig-open'),
      overdue: await figure('fig-overdue'),
      supervised: await figure('fig-supervised'),
      onDuty: await figure('fig-onduty'),
      upcoming: await figure('fig-upcoming'),
      actions: await figure('fig-actions'),
      contracts: await figure('fig-contracts'),
    }).toEqual({
      open: String(d.cases.open),
      overdue: String(d.cases.overdue),
      supervised: String(d.cases.supervisedOpen),
      onDuty: String(d.patrols.onDuty),
      upcoming: String(d.meetings.upcomingNext30Days),
      actions: String(d.meetings.openActionItems),
      contracts: String(d.contracts.active),
    });
    await waitUntilLive(page);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'liaison.png') });
  });

  test('given the liaison page is open, when a case is reported through the API, then it appears in the live feed and the queue within 2 s; triage and assignment from the page are what the API then answers', async () => {
    const { page } = await open('liaison@gongzhi.demo');
    await waitUntilLive(page);
    const reported = await reportCase('樓道堆物阻塞通道（瀏覽器測試）', await areaId('三板橋社區'));
    await page.locator('[data-testid=feed-item]', { hasText: reported.reference }).waitFor({ timeout: 2000 });
    const row = page.locator(`[data-testid=case-row][data-reference="${reported.reference}"]`);
    await row.waitFor({ timeout: 2000 });

    await row.locator('.row-main').click();
    await row.locator('[data-testid=action-triage] select[name=severity]').selectOption('HIGH');
    await row.locator('[data-testid=action-triage] button[type=submit]').click();
    await page.locator(`[data-testid=case-row][data-reference="${reported.reference}"][data-status=TRIAGED]`).waitFor();

    const assign = row.locator('[data-testid=action-assign]');
    await assign.locator('select[name=leader]').selectOption({ label: '王建國' });
    await assign.locator('select[name=handler]').selectOption({ label: '李警官' });
    await assign.locator('button[type=submit]').click();
    await page.locator(`[data-testid=case-row][data-reference="${reported.reference}"][data-status=ASSIGNED]`).waitFor();

    const res = await gql(
      server.httpUrl,
      'query($id: ID!) { case(id: $id) { status severity responsibleOrganization { name } leader { displayName } handler { displayName } } }',
      { id: reported.id },
      await tokenFor('liaison@gongzhi.demo'),
    );
    expect(res.body.data.case).toEqual({ status: 'ASSIGNED', severity: 'HIGH', responsibleOrganization: { name: '中山路派出所' }, leader: { displayName: '王建國' }, handler: { displayName: '李警官' } });
  });

  test('given a socket slower than the page’s lists, when a case is reported before the live feed is up, then its row still comes without a reload', async () => {
    const { page } = await open('liaison@gongzhi.demo');
    // Every WebSocket of the page reports itself open only when the test says so: the lists load, the feed waits.
    await page.context().addInitScript(() => {
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      (globalThis as unknown as { releaseSockets: () => void }).releaseSockets = () => release();
      const onopen = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onopen')!;
      Object.defineProperty(WebSocket.prototype, 'onopen', {
        configurable: true,
        get() {
          return onopen.get!.call(this);
        },
        set(handler: ((event: Event) => void) | null) {
          onopen.set!.call(this, handler && ((event: Event) => void gate.then(() => handler.call(this, event))));
        },
      });
    });
    await page.reload();
    await page.locator('[data-testid=case-row]').first().waitFor();
    const reported = await reportCase('路燈不亮（瀏覽器測試，連線慢）', await areaId('三板橋社區'));
    await expect(page.locator('[data-testid=live-badge]').first().getAttribute('data-live')).resolves.toBe('false');
    await page.evaluate(() => (globalThis as unknown as { releaseSockets: () => void }).releaseSockets());
    await page.locator(`[data-testid=case-row][data-reference="${reported.reference}"]`).waitFor({ timeout: 5000 });
  });

  test('given a missing handler, when assigning from the page, then the userErrors message is shown next to the handler field', async () => {
    const { page } = await open('liaison@gongzhi.demo');
    // The row comes with the live feed (the test above shows a case reported before it is up comes too).
    await waitUntilLive(page);
    const reported = await reportCase('井蓋缺失（瀏覽器測試）', await areaId('三板橋社區'));
    const row = page.locator(`[data-testid=case-row][data-reference="${reported.reference}"]`);
    await row.waitFor({ timeout: 5000 });
    await row.locator('.row-main').click();
    const assign = row.locator('[data-testid=action-assign]');
    await assign.locator('select[name=leader]').selectOption({ label: '王建國' });
    await assign.locator('button[type=submit]').click();
    await expect(assign.locator('.field[data-name=handlerUserId] .field-error').innerText()).resolves.toMatch(/handlerUserId/);
  });

  test('given an organisation outside the jurisdiction, when a case is reported in 三板橋社區, then its page never shows it and the API agrees', async () => {
    const { page } = await open('minyi.admin@gongzhi.demo');
    await page.waitForSelector('[data-testid=fig-open] .figure-value');
    await waitUntilLive(page);
    const reported = await reportCase('外單位不應看到的案件（瀏覽器測試）', await areaId('三板橋社區'));
    await page.waitForTimeout(2500);
    expect(await page.locator(`[data-testid=case-row][data-reference="${reported.reference}"]`).count()).toBe(0);
    expect(await page.locator('[data-testid=feed-item]', { hasText: reported.reference }).count()).toBe(0);
    expect(await page.locator('body').innerText()).not.toContain('外單位不應看到的案件');
    const res = await gql(server.httpUrl, 'query($id: ID!) { case(id: $id) { id } }', { id: reported.id }, await tokenFor('minyi.admin@gongzhi.demo'));
    expect(res.body.data.case).toBeNull();
  });
});

describe('language', () => {
  test('given Chinese by default, when English is chosen, then the console speaks English and remembers it after a reload', async () => {
    const { page } = await open('liaison@gongzhi.demo');
    await expect(page.locator('[data-testid=nav-liaison]').innerText()).resolves.toBe('聯絡儀表板');
    await page.click('[data-testid=lang]');
    await expect(page.locator('[data-testid=nav-liaison]').innerText()).resolves.toBe('Liaison dashboard');
    await page.reload();
    await expect(page.locator('[data-testid=fig-open] .figure-label').innerText()).resolves.toBe('Open cases');
  });
});

describe('explorer', () => {
  test('given a signed-in console, when GET /graphql is opened in the browser, then GraphiQL loads from this server only and runs a query with the signed-in token', async () => {
    const watched = await open('liaison@gongzhi.demo');
    const { page } = watched;
    const foreign: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(base) && !request.url().startsWith('ws://127.0.0.1') && !/^(data|blob):/.test(request.url())) foreign.push(request.url());
    });
    await page.goto('/graphql');
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 30_000 });
    await page.locator('.graphiql-query-editor .view-lines').waitFor({ timeout: 30_000 });
    await page.locator('.graphiql-execute-button').click();
    await expect(page.locator('.graphiql-response').getByText('李警官').first().waitFor({ timeout: 15_000 })).resolves.toBeUndefined();
    expect(foreign).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'explorer.png') });
  });
});

describe('patrol coordinator console', () => {
  test('given the coordinator watches a patrol on duty, when check-ins are recorded through the API as a phone would, then the route plan and coverage update live', async () => {
    // The coordinator's own team goes on duty now, whatever the hour the suite runs at.
    const patrolId = await putTeamOnDuty('三板橋社區義務巡防一隊');
    const { page } = await open('coordinator@gongzhi.demo');
    await page.click('[data-testid=nav-patrols]');
    await page.locator('[data-testid=on-duty-row]', { hasText: '三板橋社區義務巡防一隊' }).locator('button').click();
    const detail = page.locator(`[data-testid=patrol-detail][data-patrol="${patrolId}"]`);
    await detail.locator('[data-testid=checkpoint]').first().waitFor();
    await waitUntilLive(page);
    const coverageBefore = await page.locator('[data-testid=patrol-coverage]').innerText();
    const pending = await detail.locator('[data-testid=checkpoint][data-state=pending]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-checkpoint')!));
    expect(pending.length).toBeGreaterThanOrEqual(2);

    const token = await tokenFor('coordinator@gongzhi.demo');
    const res = await gql(server.httpUrl, 'query($id: ID!) { checkpoint(id: $id) { latitude longitude } }', { id: pending[0] }, token);
    const { latitude, longitude } = res.body.data.checkpoint;
    const now = new Date().toISOString();
    const recorded = await gql(
      server.httpUrl,
      'mutation($input: PatrolEventsRecordInput!) { patrolEventsRecord(input: $input) { userErrors { field message } } }',
      {
        input: {
          deviceId: 'browser-test-phone',
          patrolId,
          events: [
            { clientEventId: `bt-${Date.now()}-1`, kind: 'CHECKPOINT', checkpointId: pending[0], deviceTime: now, latitude, longitude },
            // Two kilometres off: recorded, but flagged.
            { clientEventId: `bt-${Date.now()}-2`, kind: 'CHECKPOINT', checkpointId: pending[1], deviceTime: now, latitude: latitude + 0.02, longitude },
          ],
        },
      },
      token,
    );
    expect(recorded.body.data.patrolEventsRecord.userErrors).toEqual([]);
    await detail.locator(`[data-testid=checkpoint][data-checkpoint="${pending[0]}"][data-state=visited]`).waitFor({ timeout: 3000 });
    await detail.locator(`[data-testid=checkpoint][data-checkpoint="${pending[1]}"][data-state=flagged]`).waitFor({ timeout: 3000 });
    expect(await page.locator('[data-testid=patrol-coverage]').innerText()).not.toBe(coverageBefore);
    await page.locator('[data-testid=teams] summary', { hasText: '三板橋社區義務巡防一隊' }).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'patrols.png'), fullPage: true });
  });

  test('given a phone-sized screen, then the coordinator page fits its width', async () => {
    const { page } = await open('coordinator@gongzhi.demo', { mobile: true });
    await page.click('[data-testid=nav-patrols]');
    await page.locator('[data-testid=route-map]').waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'patrols-phone.png') });
  });
});

describe('joint meeting console', () => {
  test('given two participating organisations on the same meeting, when one adds an agenda item and the other accepts and moves it, then each sees the other change live', async () => {
    const station = await open('station.admin@gongzhi.demo');
    const community = await open('community.admin@gongzhi.demo');
    for (const { page } of [station, community]) {
      await page.click('[data-testid=nav-meetings]');
      await page.locator('[data-testid=agenda]').waitFor();
      await waitUntilLive(page);
    }
    const meetingId = await station.page.locator('[data-testid=meeting-picker]').inputValue();
    expect(await community.page.locator('[data-testid=meeting-picker]').inputValue()).toBe(meetingId);

    const title = `社區提議：夜間巡邏加密 ${Date.now()}`;
    const add = community.page.locator('[data-testid=agenda-add]');
    await add.locator('input[name=title]').fill(title);
    await add.locator('button[type=submit]').click();
    const onStation = station.page.locator(`[data-testid=agenda-item][data-title="${title}"]`);
    await onStation.waitFor({ timeout: 2000 });
    const position = Number(await onStation.getAttribute('data-position'));

    await onStation.locator('[data-testid=agenda-accept]').click();
    await community.page.locator(`[data-testid=agenda-item][data-title="${title}"][data-status=ACCEPTED]`).waitFor({ timeout: 2000 });
    await station.page.locator(`[data-testid=agenda-item][data-title="${title}"] [data-testid=agenda-up]`).click();
    await community.page.locator(`[data-testid=agenda-item][data-title="${title}"][data-position="${position - 1}"]`).waitFor({ timeout: 2000 });
    await station.page.screenshot({ path: path.join(SCREENSHOTS, 'meetings.png'), fullPage: true });
  });

  test('given an empty title, when adding an agenda item, then the userErrors message is shown next to the title field', async () => {
    const { page } = await open('community.admin@gongzhi.demo');
    await page.click('[data-testid=nav-meetings]');
    const add = page.locator('[data-testid=agenda-add]');
    await add.waitFor();
    await add.locator('button[type=submit]').click();
    await add.locator('.field[data-name=title] .field-error').waitFor({ timeout: 5000 });
  });
});
