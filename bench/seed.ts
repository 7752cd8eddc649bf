import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { hashPassword } from '../src/shared/auth/password';

export const BENCH_ADMIN = { email: 'bench.admin@gongzhi.bench', password: 'bench-password-2026' };

const KINDS = ['POLICE_STATION', 'RESIDENT_COMMITTEE', 'VILLAGE_COMMITTEE', 'NGO', 'SECURITY_COMPANY', 'VOLUNTEER_PATROL', 'PROPERTY_MANAGER', 'STREET_OFFICE'];
const ROLES = ['ADMIN', 'COORDINATOR', 'MEMBER', 'MEMBER', 'MEMBER', 'OBSERVER'];
const REL_TYPES = ['GUIDES', 'SUPERVISES', 'FUNDS', 'CONTRACTS_WITH', 'PARTNERS_WITH'];

/** Deterministic pseudo-random numbers, so every run seeds the same city. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

async function insertColumns(db: DataSource, table: string, columns: [name: string, type: string, values: unknown[]][]): Promise<void> {
  const chunk = 5000;
  const total = columns[0][2].length;
  for (let start = 0; start < total; start += chunk) {
    const params = columns.map(([, , values]) => values.slice(start, start + chunk));
    await db.query(
      `INSERT INTO ${table} (${columns.map(([n]) => n).join(', ')}) SELECT * FROM unnest(${columns.map(([, t], i) => `$${i + 1}::${t}[]`).join(', ')})`,
      params,
    );
  }
}

export interface SeedSize {
  organizations: number;
  users: number;
  relationships: number;
}

/** A city-sized network: 1 city, 10 districts, 100 streets, 1,000 communities, and the organisations, users and relations asked for. */
export async function seedCity(db: DataSource, size: SeedSize, progress: (line: string) => void = () => {}): Promise<void> {
  const random = rng(42);
  const started = Date.now();
  const step = (line: string) => progress(`seeding: ${line} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const areaIds: string[] = [];
  const areaRows: { id: string; name: string; kind: string; parent: string | null; path: string; depth: number }[] = [];
  const add = (name: string, kind: string, parent: (typeof areaRows)[number] | null) => {
    const id = randomUUID();
    const row = { id, name, kind, parent: parent?.id ?? null, path: `${parent?.path ?? '/'}${id}/`, depth: parent ? parent.depth + 1 : 0 };
    areaRows.push(row);
    return row;
  };
  const city = add('基準市', 'CITY', null);
  const communities: string[] = [];
  for (let d = 0; d < 10; d++) {
    const district = add(`第${d + 1}區`, 'DISTRICT', city);
    for (let s = 0; s < 10; s++) {
      const street = add(`第${d + 1}區第${s + 1}街道`, 'STREET', district);
      for (let c = 0; c < 10; c++) communities.push(add(`${street.name}第${c + 1}社區`, 'COMMUNITY', street).id);
    }
  }
  areaIds.push(...areaRows.map((a) => a.id));
  step(`${areaRows.length} areas`);
  await insertColumns(db, 'area', [
    ['id', 'uuid', areaRows.map((a) => a.id)],
    ['name', 'text', areaRows.map((a) => a.name)],
    ['kind', 'text', areaRows.map((a) => a.kind)],
    ['parent_id', 'uuid', areaRows.map((a) => a.parent)],
    ['path', 'text', areaRows.map((a) => a.path)],
    ['depth', 'int', areaRows.map((a) => a.depth)],
  ]);

  step(`${size.organizations} organisations`);
  const orgIds = Array.from({ length: size.organizations }, () => randomUUID());
  await insertColumns(db, 'organization', [
    ['id', 'uuid', orgIds],
    ['name', 'text', orgIds.map((_, i) => `組織 ${String(i).padStart(5, '0')}`)],
    ['kind', 'text', orgIds.map((_, i) => KINDS[i % KINDS.length])],
    ['home_area_id', 'uuid', orgIds.map(() => communities[Math.floor(random() * communities.length)])],
  ]);

  step(`${size.users} users`);
  const hash = await hashPassword('bench-user-password');
  const userIds = Array.from({ length: size.users }, () => randomUUID());
  await insertColumns(db, 'app_user', [
    ['id', 'uuid', userIds],
    ['email', 'text', userIds.map((_, i) => `user${i}@gongzhi.bench`)],
    ['display_name', 'text', userIds.map((_, i) => `用戶${i}`)],
    ['password_hash', 'text', userIds.map(() => hash)],
  ]);
  step(`${size.users} memberships`);
  await insertColumns(db, 'membership', [
    ['user_id', 'uuid', userIds],
    ['organization_id', 'uuid', userIds.map((_, i) => orgIds[i % orgIds.length])],
    ['role', 'text', userIds.map((_, i) => ROLES[Math.floor(i / orgIds.length) % ROLES.length])],
  ]);

  const pairs = new Set<string>();
  const from: string[] = [];
  const to: string[] = [];
  const types: string[] = [];
  while (from.length < size.relationships) {
    const a = orgIds[Math.floor(random() * orgIds.length)];
    const b = orgIds[Math.floor(random() * orgIds.length)];
    const type = REL_TYPES[Math.floor(random() * REL_TYPES.length)];
    if (a === b || pairs.has(`${a}${b}${type}`)) continue;
    pairs.add(`${a}${b}${type}`);
    from.push(a);
    to.push(b);
    types.push(type);
  }
  step(`${size.relationships} relationships`);
  await insertColumns(db, 'relationship', [
    ['from_organization_id', 'uuid', from],
    ['to_organization_id', 'uuid', to],
    ['type', 'text', types],
    ['starts_on', 'date', from.map(() => '2026-01-01')],
  ]);

  await db.query(`INSERT INTO app_user (email, display_name, password_hash, is_platform_admin) VALUES ($1, 'bench admin', $2, true)`, [
    BENCH_ADMIN.email,
    await hashPassword(BENCH_ADMIN.password),
  ]);
  step('statistics (ANALYZE)');
  await db.query('ANALYZE');
}
