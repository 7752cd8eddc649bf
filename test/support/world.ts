import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { hashPassword } from '../../src/shared/auth/password';
import { MemberRole } from '../../src/shared/auth/roles';
import type { TokenService } from '../../src/shared/auth/jwt';
import { toGlobalId } from '../../src/shared/relay/global-id';
import { Area, AreaKind } from '../../src/modules/area/area.entity';
import { Membership } from '../../src/modules/membership/membership.entity';
import { Organization, OrganizationJurisdiction, OrganizationKind } from '../../src/modules/organization/organization.entity';
import { User } from '../../src/modules/user/user.entity';

export const WORLD_PASSWORD = 'correct horse battery staple';
let passwordHash: Promise<string> | undefined;

/**
 * A small governance world for tests:
 *   city > district > street A (police station's jurisdiction) > community A > grid A
 *                   > street B > community B
 * Organisations: police (jurisdiction street A), community (RC of community A),
 * security (security company), outsider (RC of community B, unrelated).
 * One user (and token) per role; `resident` belongs to no organisation.
 */
export interface World {
  areas: Record<'city' | 'district' | 'streetA' | 'communityA' | 'gridA' | 'streetB' | 'communityB', Area>;
  orgs: Record<'police' | 'community' | 'security' | 'outsider', Organization>;
  users: Record<Role, User>;
  tokens: Record<Role, string>;
  /** Global ids, for GraphQL variables. */
  gid: {
    area: (key: keyof World['areas']) => string;
    org: (key: keyof World['orgs']) => string;
    user: (key: Role) => string;
  };
}

export type Role = 'platformAdmin' | 'policeAdmin' | 'policeLiaison' | 'communityAdmin' | 'communityMember' | 'communityObserver' | 'securityAdmin' | 'outsider' | 'resident';

export async function seedWorld(db: DataSource, tokens: TokenService): Promise<World> {
  passwordHash ??= hashPassword(WORLD_PASSWORD);
  const hash = await passwordHash;
  const area = (name: string, kind: AreaKind, parent: Area | null): Area => {
    const id = randomUUID();
    return db.getRepository(Area).create({ id, name, kind, code: null, parentId: parent?.id ?? null, path: `${parent?.path ?? '/'}${id}/`, depth: parent ? parent.depth + 1 : 0 });
  };
  const city = area('荊州市', AreaKind.CITY, null);
  const district = area('沙市區', AreaKind.DISTRICT, city);
  const streetA = area('中山路街道', AreaKind.STREET, district);
  const communityA = area('三板橋社區', AreaKind.COMMUNITY, streetA);
  const gridA = area('三板橋第一網格', AreaKind.GRID, communityA);
  const streetB = area('解放路街道', AreaKind.STREET, district);
  const communityB = area('便河社區', AreaKind.COMMUNITY, streetB);
  const areas = { city, district, streetA, communityA, gridA, streetB, communityB };
  await db.getRepository(Area).insert(Object.values(areas));

  const org = (name: string, kind: OrganizationKind, home: Area): Organization =>
    db.getRepository(Organization).create({ id: randomUUID(), name, kind, homeAreaId: home.id, description: null, parentId: null });
  const orgs = {
    police: org('中山路派出所', OrganizationKind.POLICE_STATION, streetA),
    community: org('三板橋社區居委會', OrganizationKind.RESIDENT_COMMITTEE, communityA),
    security: org('沙市保安服務公司', OrganizationKind.SECURITY_COMPANY, district),
    outsider: org('便河社區居委會', OrganizationKind.RESIDENT_COMMITTEE, communityB),
  };
  await db.getRepository(Organization).insert(Object.values(orgs));
  await db.getRepository(OrganizationJurisdiction).insert([
    { organizationId: orgs.police.id, areaId: streetA.id },
    { organizationId: orgs.community.id, areaId: communityA.id },
    { organizationId: orgs.outsider.id, areaId: communityB.id },
  ]);

  const members: [Role, keyof typeof orgs | null, MemberRole | null][] = [
    ['platformAdmin', null, null],
    ['policeAdmin', 'police', MemberRole.ADMIN],
    ['policeLiaison', 'police', MemberRole.LIAISON_OFFICER],
    ['communityAdmin', 'community', MemberRole.ADMIN],
    ['communityMember', 'community', MemberRole.MEMBER],
    ['communityObserver', 'community', MemberRole.OBSERVER],
    ['securityAdmin', 'security', MemberRole.ADMIN],
    ['outsider', 'outsider', MemberRole.ADMIN],
    ['resident', null, null],
  ];
  const users = {} as Record<Role, User>;
  const issued = {} as Record<Role, string>;
  for (const [role, orgKey, memberRole] of members) {
    const user = db.getRepository(User).create({
      id: randomUUID(),
      email: `${role.toLowerCase()}-${randomUUID().slice(0, 8)}@test.gongzhi`,
      displayName: role,
      passwordHash: hash,
      isPlatformAdmin: role === 'platformAdmin',
    });
    await db.getRepository(User).insert(user);
    if (orgKey && memberRole) await db.getRepository(Membership).insert({ userId: user.id, organizationId: orgs[orgKey].id, role: memberRole });
    users[role] = user;
    issued[role] = tokens.issue(`user:${user.id}`).token;
  }
  return {
    areas,
    orgs,
    users,
    tokens: issued,
    gid: {
      area: (key) => toGlobalId('Area', areas[key].id),
      org: (key) => toGlobalId('Organization', orgs[key].id),
      user: (key) => toGlobalId('User', users[key].id),
    },
  };
}
