import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('console operation types', () => {
  test('given schema/schema.graphql and web/src/operations, when the types are generated again, then they equal the committed web/src/gql/graphql.ts', async () => {
    // scripts/web-codegen.mjs --check exits non-zero with a one-line message when the file is stale.
    await expect(run(process.execPath, ['scripts/web-codegen.mjs', '--check'], { cwd: `${__dirname}/..` })).resolves.toBeDefined();
  });
});
