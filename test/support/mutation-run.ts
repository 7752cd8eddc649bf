/**
 * `test` for files that StrykerJS runs once per mutant. Under a mutant one
 * failure is enough to kill it, yet jest would go on with the file's other
 * tests, and a mutant that stops events from flowing makes each of them wait
 * out its timeouts (a minute per mutant, then a runner restart). So in a
 * mutation run, after a test of the file has failed, the later ones fail at
 * once. Outside a mutation run this is plain `test`.
 */

/** Stryker's jest environment publishes the active mutant here. */
const inMutationRun = (): boolean => (globalThis as { __stryker__?: { activeMutant?: unknown } }).__stryker__?.activeMutant !== undefined;

/** Under a mutant, a test that has not settled by then (or a second before its own timeout) counts as failed: jest's timeout would not tell us. */
const MUTANT_TEST_DEADLINE_MS = 20_000;

let failed = false;

export function test(name: string, fn: () => unknown, timeout?: number): void {
  const deadline = timeout ? timeout - 1000 : MUTANT_TEST_DEADLINE_MS;
  globalThis.test(
    name,
    async () => {
      if (!inMutationRun()) return fn();
      if (failed) throw new Error('an earlier test of this file failed under this mutant');
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          fn(),
          new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('test did not settle under this mutant')), deadline))),
        ]);
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
    timeout,
  );
}
