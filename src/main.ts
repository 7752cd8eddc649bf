import 'reflect-metadata';
import { ConfigError, loadConfig } from './shared/config';
import { createLogger } from './shared/logger';
import { startApp } from './app';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, loadDemoData } from './demo';

const SHUTDOWN_GRACE_MS = 15_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

  let demoLoaded = false;
  const app = await startApp(config, log, {
    beforeListen: config.loadDemoData
      ? async (db, l) => {
          demoLoaded = await loadDemoData(db, l);
        }
      : undefined,
  });

  log.info({ url: app.url, redis: Boolean(config.redisUrl), embedded: !config.databaseUrl }, 'Gongzhi API ready');
  const lines = [`\n  Gongzhi GraphQL API: ${app.url}  (WebSocket subscriptions on the same URL)`];
  if (config.loadDemoData) {
    lines.push(demoLoaded ? '  Demo data loaded.' : '  Demo data already present.', `  Demo accounts (password "${DEMO_PASSWORD}"):`);
    for (const account of DEMO_ACCOUNTS) lines.push(`    ${account.email.padEnd(34)} ${account.role}`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      log.warn('second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    app.stop().then(
      () => {
        log.info('stopped cleanly');
        process.exit(0);
      },
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  console.error('Gongzhi failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
