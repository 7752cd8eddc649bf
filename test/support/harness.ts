import { randomUUID } from 'node:crypto';
import { Membership } from '../../src/modules/membership/membership.entity';
import { User } from '../../src/modules/user/user.entity';
import type { MemberRole } from '../../src/shared/auth/roles';
import { createTestDatabase, startTestServer, type TestDatabase, type TestServer } from './server';
import { seedWorld, type World } from './world';

export interface Harness {
  server: TestServer;
  database: TestDatabase;
  world: World;
}

/**
 * Per test file: a fresh database, a real server on it and the seeded world.
 * Use in `beforeAll`, and `stopHarness` in `afterAll`.
 */
export async function startHarness(overrides: Parameters<typeof startTestServer>[1] = {}): Promise<Harness> {
  const database = await createTestDatabase();
  const server = await startTestServer(database.url, overrides);
  const world = await seedWorld(server.services.db, server.services.tokens);
  return { server, database, world };
}

export async function stopHarness(harness: Harness | undefined): Promise<void> {
  if (!harness) return;
  await harness.server.stop();
  await harness.database.drop();
}

/** A token for the user with this e-mail (e.g. a demo account), signed as the server would sign it. */
export async function tokenForEmail(harness: Harness, email: string): Promise<string> {
  const [user] = await harness.server.services.db.query('SELECT id FROM app_user WHERE email = $1', [email]);
  if (!user) throw new Error(`no user with e-mail ${email}`);
  return harness.server.services.tokens.issue(`user:${user.id}`).token;
}

/** A new user with one membership in `organizationId`, and their token: a viewer of that role made for one test. */
export async function addMember(harness: Harness, name: string, organizationId: string, role: MemberRole): Promise<{ id: string; token: string }> {
  const id = randomUUID();
  const db = harness.server.services.db;
  await db.getRepository(User).insert({ id, email: `${name.toLowerCase()}-${id.slice(0, 8)}@test.gongzhi`, displayName: name, passwordHash: 'x', isPlatformAdmin: false });
  await db.getRepository(Membership).insert({ userId: id, organizationId, role });
  return { id, token: harness.server.services.tokens.issue(`user:${id}`).token };
}
