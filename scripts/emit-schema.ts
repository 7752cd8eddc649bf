import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { printGraphQLSchema } from '../src/server/schema';

/** `npm run schema`: writes schema/schema.graphql from the code. A test fails when the committed file is stale. */
const target = path.resolve(__dirname, '..', '..', 'schema', 'schema.graphql');
fs.writeFileSync(target, printGraphQLSchema());
console.log(`Wrote ${path.relative(process.cwd(), target)}`);
