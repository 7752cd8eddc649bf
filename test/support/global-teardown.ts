import fs from 'node:fs';
import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const adminUrl = process.env.GONGZHI_TEST_ADMIN_URL;
  const template = process.env.GONGZHI_TEST_TEMPLATE;
  const embedded = (globalThis as Record<string, unknown>).__GONGZHI_EMBEDDED__ as { stop(): Promise<void>; dir: string } | undefined;
  if (embedded) {
    await embedded.stop();
    fs.rmSync(embedded.dir, { recursive: true, force: true });
    return;
  }
  if (adminUrl && template && process.env.GONGZHI_TEST_KEEP_TEMPLATE !== '1') {
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    // Test databases cloned from the template are dropped by the files that made them.
    await admin.query(`DROP DATABASE IF EXISTS ${template}`);
    await admin.end();
  }
}
