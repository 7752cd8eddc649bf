/**
 * A second, separate server process for multi-process tests. Started with
 * ts-node; prints "READY <port>" once listening and stops cleanly on SIGTERM.
 */
import 'reflect-metadata';
import { startApp } from '../../src/app';
import { loadConfig } from '../../src/shared/config';
import { createLogger } from '../../src/shared/logger';

async function main(): Promise<void> {
  const config = { ...loadConfig(process.env), port: 0, host: '127.0.0.1' };
  const app = await startApp(config, createLogger(process.env.LOG_LEVEL ?? 'silent'));
  process.stdout.write(`READY ${app.port}\n`);
  process.on('SIGTERM', () => void app.stop().then(() => process.exit(0)));
}

main().catch((err) => {
  process.stderr.write(`second server failed: ${err instanceof Error ? err.stack : err}\n`);
  process.exit(1);
});
