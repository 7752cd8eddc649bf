import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('console operation types', () => {
  test('given schema/schema.graphql and web/src/operations, when the types are generated again, then they equal the committed web/src/gql/graphql.ts', async () => {
    // scripts/web-codegen.mjs --check exits non-zero with a one-line message when the file is stale.
    await expect(run(process.execPath, ['scripts/web-codegen.mjs', '--check'], { cwd: `${__dirname}/..` })).resolves.toBeDefined();
  });
});

describe('README example operations', () => {
  test('given the README, then every graphql block is a valid operation against schema/schema.graphql', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { buildSchema, parse, validate } = require('graphql') as typeof import('graphql');
    const fs = require('node:fs') as typeof import('node:fs');
    const schema = buildSchema(fs.readFileSync(`${__dirname}/../schema/schema.graphql`, 'utf8'));
    const readme = fs.readFileSync(`${__dirname}/../README.md`, 'utf8');
    const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const block of blocks) expect(validate(schema, parse(block)).map((e) => e.message)).toEqual([]);
  });
});
