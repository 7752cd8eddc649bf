/**
 * `test` for files that StrykerJS runs once per mutant. Under a mutant one
 * failure is enough to kill it, yet jest would go on with the file's other
 * tests, and a mutant that stops events from flowing makes each of them wait
 * out its timeouts (a minute per mutant, then a runner restart). So in a
 * mutation run, after a test of the file has failed, the later ones fail at
 * once. Outside a mutation run this is plain `test`.
 */

/** Stryker's jest environment publishes the active mutant here. */
const activeMutant = (): unknown => (globalThis as { __stryker__?: { activeMutant?: unknown } }).__stryker__?.activeMutant;
const inMutationRun = (): boolean => activeMutant() !== undefined;

/**
 * The mutants a test has already killed in this runner process. Jest gives each test file its own globals and
 * module registry, but Node's core modules are the process's own, so the set is kept on one of them: a file that
 * runs after another file's test has failed under the same mutant skips its setup (a whole server) and its tests.
 */
const killed: Set<string> = ((require('node:os') as Record<symbol, Set<string> | undefined>)[Symbol.for('gongzhi.mutation-run.killed')] ??= new Set<string>());

/** For a file's `beforeAll`, before its setup: under a mutant that an earlier file has already killed, fail at once. */
export function failIfMutantKilled(): void {
  const mutant = activeMutant();
  if (mutant !== undefined && killed.has(String(mutant))) throw new Error('a test of an earlier file failed under this mutant');
}

/** Under a mutant, a test that has not settled by then (or a second before its own timeout) counts as failed: jest's timeout would not tell us. */
const MUTANT_TEST_DEADLINE_MS = 20_000;

let failed = false;

/** Wraps a test body: outside a mutation run it is the body itself. */
function guarded<Args extends unknown[]>(fn: (...args: Args) => unknown, timeout: number | undefined): (...args: Args) => Promise<unknown> {
  const deadline = timeout ? timeout - 1000 : MUTANT_TEST_DEADLINE_MS;
  return async (...args: Args) => {
    if (!inMutationRun()) return fn(...args);
    if (failed) throw new Error('an earlier test of this file failed under this mutant');
    failIfMutantKilled();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        fn(...args),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('test did not settle under this mutant')), deadline))),
      ]);
    } catch (error) {
      failed = true;
      killed.add(String(activeMutant()));
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
}

export function test(name: string, fn: () => unknown, timeout?: number): void {
  globalThis.test(name, guarded(fn, timeout), timeout);
}

/** jest's `test.each` over rows of arguments, with the same fail-fast wrapper; names take jest's `%s` placeholders. */
test.each = (rows: readonly (readonly unknown[])[]) =>
  // Rows of mixed types, as jest's own each takes them.
  (name: string, fn: (...args: any[]) => unknown, timeout?: number): void => {
    // guarded's wrapper takes only rest parameters (length 0), so jest never mistakes one for a `done` callback.
    globalThis.test.each(rows as unknown[][])(name, guarded(fn, timeout), timeout);
  };
