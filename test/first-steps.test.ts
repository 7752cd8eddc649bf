import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { getOperationAST, parse, print, validate } from 'graphql';
import { DEMO_PASSWORD, loadDemoData } from '../src/demo';
import { buildGraphQLSchema } from '../src/server/schema';
import { gql, sleep } from './support/graphql';
import { startHarness, stopHarness, type Harness } from './support/harness';

/**
 * The README's "First ten minutes" runs on schema/operations/first-steps: one
 * operation per file, with a header saying who sends it (`# as:` an e-mail, or
 * `$TOKEN`), its variables (`$NAME` is a value captured by an earlier step) and
 * what to keep from the answer (`# captures: NAME = path.in.data`). This test
 * runs every file against the demo data in order, and checks that the README
 * shows exactly these operations, variables and captures.
 */
const root = path.resolve(__dirname, '..');
const OPERATIONS = path.join(root, 'schema', 'operations');
const FIRST_STEPS = path.join(OPERATIONS, 'first-steps');
const schema = buildGraphQLSchema();

interface Step {
  file: string;
  document: string;
  kind: 'query' | 'mutation' | 'subscription';
  as: string | null;
  variables: Record<string, unknown>;
  captures: [name: string, path: string][];
}

function readStep(file: string): Step {
  const text = fs.readFileSync(file, 'utf8');
  const header = (name: string) => text.match(new RegExp(`^# ${name}: (.*)$`, 'm'))?.[1].trim() ?? null;
  const document = parse(text);
  return {
    file: path.relative(root, file),
    document: print(document),
    kind: getOperationAST(document)!.operation,
    as: header('as'),
    variables: JSON.parse(header('variables') ?? '{}'),
    captures: (header('captures') ?? '')
      .split(',')
      .filter(Boolean)
      .map((c) => c.split('=').map((s) => s.trim()) as [string, string]),
  };
}

const pick = (data: unknown, dotted: string) => dotted.split('.').reduce<any>((value, key) => value?.[key], data);
const fill = (value: unknown, captured: Record<string, string>): unknown =>
  typeof value === 'string' && value.startsWith('$') ? captured[value.slice(1)] : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, captured)])) : value;

const signIn = readStep(path.join(FIRST_STEPS, 'SignIn.graphql'));
const personas = fs
  .readdirSync(FIRST_STEPS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const stepsOf = (persona: string) =>
  fs
    .readdirSync(path.join(FIRST_STEPS, persona))
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readStep(path.join(FIRST_STEPS, persona, f)));

describe('every operation in schema/operations', () => {
  const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.graphql') ? [path.join(dir, e.name)] : []));

  test('given the committed schema, when validating each operation file, then each is one valid, named operation', () => {
    const problems = files(OPERATIONS).flatMap((file) => {
      const document = parse(fs.readFileSync(file, 'utf8'));
      const errors = validate(schema, document).map((e) => `${path.relative(root, file)}: ${e.message}`);
      const operations = document.definitions.filter((d) => d.kind === 'OperationDefinition');
      if (operations.length !== 1 || !operations[0].name) errors.push(`${path.relative(root, file)}: needs exactly one named operation`);
      return errors;
    });
    expect(problems).toEqual([]);
    expect(files(FIRST_STEPS).length).toBeGreaterThanOrEqual(10);
  });
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await loadDemoData(h.server.services.db, h.server.services.log);
}, 120_000);
afterAll(() => stopHarness(h));

describe.each(personas)('first ten minutes of the %s, against the demo data', (persona) => {
  const captured: Record<string, string> = {};
  const tokens = new Map<string, string>();
  const watchers: { step: Step; child: ChildProcess; lines: string[]; stderr: string }[] = [];

  afterAll(() => {
    for (const watcher of watchers) watcher.child.kill();
  });

  /** The token a step is sent with: a demo account signs in with SignIn.graphql, `$TOKEN` is a captured one. */
  async function tokenFor(as: string | null): Promise<string | null> {
    if (!as) return null;
    if (as.startsWith('$')) return captured[as.slice(1)];
    if (!tokens.has(as)) {
      const response = await gql(h.server.httpUrl, signIn.document, { email: as, password: DEMO_PASSWORD });
      expect(response.body.data.authLogin.userErrors).toEqual([]);
      tokens.set(as, pick(response.body.data, signIn.captures[0]?.[1] ?? 'authLogin.accessToken.token'));
    }
    return tokens.get(as)!;
  }

  test.each(stepsOf(persona).map((step) => [step.file, step] as const))('given the earlier steps, when running %s, then it answers with data and no errors', async (_file, step) => {
    const token = await tokenFor(step.as);
    const variables = fill(step.variables, captured) as Record<string, unknown>;
    for (const value of Object.values(variables)) expect(value).toBeDefined();
    if (step.kind === 'subscription') {
      // Through the README's own client, examples/watch.mjs, as a separate process.
      const before = h.server.services.events.subscriberCount();
      const child = spawn(process.execPath, ['examples/watch.mjs', step.file, JSON.stringify(variables)], {
        cwd: root,
        env: { ...process.env, TOKEN: token ?? '', GZ_WS_URL: h.server.wsUrl },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const watcher = { step, child, lines: [] as string[], stderr: '' };
      child.stdout!.on('data', (chunk) => watcher.lines.push(...String(chunk).split('\n').filter(Boolean)));
      child.stderr!.on('data', (chunk) => (watcher.stderr += chunk));
      watchers.push(watcher);
      // The next step's change must find the subscription registered, or it would be missed.
      const deadline = Date.now() + 30_000;
      while (h.server.services.events.subscriberCount() <= before && child.exitCode === null && Date.now() < deadline) await sleep(100);
      expect([watcher.stderr, child.exitCode]).toEqual(['', null]);
      return;
    }
    const response = await gql(h.server.httpUrl, step.document, variables, token);
    expect(response.body.errors).toBeUndefined();
    const data = response.body.data;
    const payload = Object.values(data)[0] as Record<string, unknown> | null;
    expect(payload).not.toBeNull();
    if (payload && 'userErrors' in payload) expect(payload.userErrors).toEqual([]);
    for (const [name, dotted] of step.captures) {
      captured[name] = pick(data, dotted);
      expect([name, typeof captured[name]]).toEqual([name, 'string']);
    }
  });

  test('given the whole walk-through, when its subscriptions are asked, then each received the change a later step made', async () => {
    for (const watcher of watchers) {
      const deadline = Date.now() + 15_000;
      while (watcher.lines.length === 0 && watcher.child.exitCode === null && Date.now() < deadline) await sleep(100);
      expect([watcher.step.file, watcher.stderr, watcher.lines.length > 0]).toEqual([watcher.step.file, '', true]);
      const first = JSON.parse(watcher.lines[0]);
      expect(first.errors).toBeUndefined();
      expect(first.data).toBeTruthy();
    }
  });
});

describe('the README shows these operations, as they are', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## First ten minutes'), readme.indexOf('\n## ', readme.indexOf('## First ten minutes') + 5));
  /** `NAME=$(gz '<json>' | pick path)` or `gz '<json>'`, with `'"$X"'` shell splices read back as "$X". */
  const calls = [...section.replace(/'"\$([A-Z_]+)"'/g, '$$$1').matchAll(/(?:([A-Z_]+)=\$\()?gz '(\{.*?\})'(?: \| pick ([\w.]+))?/g)].map((m) => ({
    capture: m[1] ? ([m[1], m[3]] as [string, string]) : null,
    body: JSON.parse(m[2]) as { query: string; variables?: Record<string, unknown> },
  }));
  /** `NAME=$(pick path < saved.json)`: a second value kept from a saved answer. */
  const savedCaptures = [...section.matchAll(/([A-Z_]+)=\$\(pick ([\w.]+) < \w+\.json\)/g)].map((m) => [m[1], m[2]] as [string, string]);
  /** `node examples/watch.mjs <operation file> '<variables>'`: the graphql-ws client subscribing with a file. */
  const watched = [...section.replace(/'"\$([A-Z_]+)"'/g, '$$$1').matchAll(/node examples\/watch\.mjs (\S+\.graphql) '(\{.*?\})'/g)].map((m) => ({ file: m[1], variables: JSON.parse(m[2]) }));
  const allSteps = [signIn, ...personas.flatMap(stepsOf)];

  test('given the README section, when reading its snippets, then each is a first-steps operation with the same variables and captures', () => {
    expect(section.length).toBeGreaterThan(100);
    const mismatches: string[] = [];
    for (const call of calls) {
      const document = print(parse(call.body.query));
      const step = allSteps.find((s) => s.document === document);
      if (!step) {
        mismatches.push(`not in schema/operations/first-steps: ${call.body.query}`);
        continue;
      }
      if (step !== signIn && JSON.stringify(call.body.variables ?? {}) !== JSON.stringify(step.variables)) mismatches.push(`${step.file}: variables ${JSON.stringify(call.body.variables)}`);
      if (call.capture && step !== signIn && !step.captures.some(([n, p]) => n === call.capture![0] && p === call.capture![1])) mismatches.push(`${step.file}: capture ${call.capture.join('=')}`);
    }
    for (const [name, dotted] of savedCaptures) if (!allSteps.some((s) => s.captures.some(([n, p]) => n === name && p === dotted))) mismatches.push(`no step captures ${name} = ${dotted}`);
    for (const watch of watched) {
      const step = allSteps.find((s) => s.file === watch.file);
      if (!step || step.kind !== 'subscription') mismatches.push(`not a first-steps subscription: ${watch.file}`);
      else if (JSON.stringify(watch.variables) !== JSON.stringify(step.variables)) mismatches.push(`${step.file}: variables ${JSON.stringify(watch.variables)}`);
    }
    expect(mismatches).toEqual([]);
  });

  test('given the first-steps operations, when looking for each in the README, then none is missing', () => {
    const shown = new Set(calls.map((c) => print(parse(c.body.query))));
    const watchedFiles = new Set(watched.map((w) => w.file));
    expect(allSteps.filter((s) => !shown.has(s.document) && !watchedFiles.has(s.file)).map((s) => s.file)).toEqual([]);
  });
});
