import { randomUUID } from 'node:crypto';
import { hashPassword } from '../shared/auth/password';
import { MemberRole } from '../shared/auth/roles';
import { Area, AreaKind } from '../modules/area/area.entity';
import { Membership } from '../modules/membership/membership.entity';
import { Organization, OrganizationJurisdiction, OrganizationKind } from '../modules/organization/organization.entity';
import { Relationship, RelationshipType } from '../modules/relationship/relationship.entity';
import { User } from '../modules/user/user.entity';
import type { DemoContext } from './demo.types';

export const DEMO_PASSWORD = 'gongzhi-demo-2026';

/** One account per role; the first is the platform administrator. */
export const DEMO_ACCOUNTS = [
  { key: 'admin', email: 'admin@gongzhi.demo', name: '平台管理員 (platform admin)', role: 'platform admin', org: null, memberRole: null, platformAdmin: true },
  { key: 'station-admin', email: 'station.admin@gongzhi.demo', name: '王建國', role: 'ADMIN, 中山路派出所 (police station)', org: 'police-zhongshan', memberRole: MemberRole.ADMIN },
  { key: 'liaison', email: 'liaison@gongzhi.demo', name: '李警官', role: 'LIAISON_OFFICER, 中山路派出所', org: 'police-zhongshan', memberRole: MemberRole.LIAISON_OFFICER },
  { key: 'community-admin', email: 'community.admin@gongzhi.demo', name: '張秀蘭', role: 'ADMIN, 三板橋社區居委會 (resident committee)', org: 'rc-sanbanqiao', memberRole: MemberRole.ADMIN },
  { key: 'community-member', email: 'member@gongzhi.demo', name: '劉偉', role: 'MEMBER, 三板橋社區居委會', org: 'rc-sanbanqiao', memberRole: MemberRole.MEMBER },
  { key: 'coordinator', email: 'coordinator@gongzhi.demo', name: '陳志強', role: 'COORDINATOR, 沙市區義務巡防總隊 (volunteer patrols)', org: 'patrol-volunteers', memberRole: MemberRole.COORDINATOR },
  { key: 'security-admin', email: 'security.admin@gongzhi.demo', name: '趙明', role: 'ADMIN, 荊州市沙市保安服務公司 (security company)', org: 'security-shashi', memberRole: MemberRole.ADMIN },
  { key: 'observer', email: 'observer@gongzhi.demo', name: '周敏', role: 'OBSERVER, 中山路街道辦事處 (street office)', org: 'street-office-zhongshan', memberRole: MemberRole.OBSERVER },
  { key: 'minyi-admin', email: 'minyi.admin@gongzhi.demo', name: '黃麗華', role: 'ADMIN, 民意街社區居委會 (Wuhan, self-funded security)', org: 'rc-minyi', memberRole: MemberRole.ADMIN },
  { key: 'minyi-treasurer', email: 'minyi.treasurer@gongzhi.demo', name: '何建平', role: 'MEMBER, 民意街社區居委會 (records the security fund; the ADMIN approves payouts)', org: 'rc-minyi', memberRole: MemberRole.MEMBER },
  { key: 'resident', email: 'resident@gongzhi.demo', name: '孫大爺 (resident)', role: 'resident, no organisation', org: null, memberRole: null },
] as const;

type AreaSeed = [key: string, name: string, kind: AreaKind, parent: string | null, code?: string];

/** Jingzhou City > Shashi District with its streets and communities (the seed text's 沙市區), and Wuhan's Minyi Street. */
const AREAS: AreaSeed[] = [
  ['jingzhou', '荊州市', AreaKind.CITY, null, '421000'],
  ['shashi', '沙市區', AreaKind.DISTRICT, 'jingzhou', '421002'],
  ['st-zhongshan', '中山路街道', AreaKind.STREET, 'shashi'],
  ['st-jiefang', '解放路街道', AreaKind.STREET, 'shashi'],
  ['st-chongwen', '崇文街道', AreaKind.STREET, 'shashi'],
  ['st-shengli', '勝利街道', AreaKind.STREET, 'shashi'],
  ['st-chaoyang', '朝陽街道', AreaKind.STREET, 'shashi'],
  ['st-lixin', '立新街道', AreaKind.STREET, 'shashi'],
  ['c-sanbanqiao', '三板橋社區', AreaKind.COMMUNITY, 'st-zhongshan'],
  ['c-hongjiatai', '洪家台社區', AreaKind.COMMUNITY, 'st-zhongshan'],
  ['c-bianhe', '便河社區', AreaKind.COMMUNITY, 'st-jiefang'],
  ['c-wenhuagong', '文化宮社區', AreaKind.COMMUNITY, 'st-jiefang'],
  ['c-chongwen', '崇文社區', AreaKind.COMMUNITY, 'st-chongwen'],
  ['c-shengli', '勝利社區', AreaKind.COMMUNITY, 'st-shengli'],
  ['c-chaoyang', '朝陽社區', AreaKind.COMMUNITY, 'st-chaoyang'],
  ['c-lixin', '立新社區', AreaKind.COMMUNITY, 'st-lixin'],
  ['g-sanbanqiao-1', '三板橋社區第一網格', AreaKind.GRID, 'c-sanbanqiao'],
  ['g-sanbanqiao-2', '三板橋社區第二網格', AreaKind.GRID, 'c-sanbanqiao'],
  ['g-hongjiatai-1', '洪家台社區第一網格', AreaKind.GRID, 'c-hongjiatai'],
  ['g-bianhe-1', '便河社區第一網格', AreaKind.GRID, 'c-bianhe'],
  ['wuhan', '武漢市', AreaKind.CITY, null, '420100'],
  ['jianghan', '江漢區', AreaKind.DISTRICT, 'wuhan', '420103'],
  ['st-minyi', '民意街道', AreaKind.STREET, 'jianghan'],
  ['c-minyi', '民意街社區', AreaKind.COMMUNITY, 'st-minyi'],
];

type OrgSeed = { key: string; name: string; kind: OrganizationKind; home: string; parent?: string; jurisdiction?: string[]; description?: string };

const ORGANIZATIONS: OrgSeed[] = [
  { key: 'bureau-shashi', name: '荊州市公安局沙市區分局', kind: OrganizationKind.GOVERNMENT_BODY, home: 'shashi', jurisdiction: ['shashi'], description: '沙市區公安分局，統籌全區治安防控。' },
  { key: 'police-zhongshan', name: '中山路派出所', kind: OrganizationKind.POLICE_STATION, home: 'st-zhongshan', parent: 'bureau-shashi', jurisdiction: ['st-zhongshan'], description: '轄中山路街道；對社區安防隊進行業務指導。' },
  { key: 'police-jiefang', name: '解放路派出所', kind: OrganizationKind.POLICE_STATION, home: 'st-jiefang', parent: 'bureau-shashi', jurisdiction: ['st-jiefang'] },
  { key: 'police-chongwen', name: '崇文派出所', kind: OrganizationKind.POLICE_STATION, home: 'st-chongwen', parent: 'bureau-shashi', jurisdiction: ['st-chongwen', 'st-shengli'] },
  { key: 'street-office-zhongshan', name: '中山路街道辦事處', kind: OrganizationKind.STREET_OFFICE, home: 'st-zhongshan', jurisdiction: ['st-zhongshan'] },
  { key: 'rc-sanbanqiao', name: '三板橋社區居委會', kind: OrganizationKind.RESIDENT_COMMITTEE, home: 'c-sanbanqiao', jurisdiction: ['c-sanbanqiao'], description: '以契約形式將轄區治安防範交給保安服務公司（誰出資誰受益）。' },
  { key: 'rc-hongjiatai', name: '洪家台社區居委會', kind: OrganizationKind.RESIDENT_COMMITTEE, home: 'c-hongjiatai', jurisdiction: ['c-hongjiatai'] },
  { key: 'rc-bianhe', name: '便河社區居委會', kind: OrganizationKind.RESIDENT_COMMITTEE, home: 'c-bianhe', jurisdiction: ['c-bianhe'] },
  { key: 'security-shashi', name: '荊州市沙市保安服務公司', kind: OrganizationKind.SECURITY_COMPANY, home: 'shashi', description: '承包社區局部區域的安防責任。' },
  { key: 'security-jingchu', name: '荊楚安保服務有限公司', kind: OrganizationKind.SECURITY_COMPANY, home: 'st-jiefang' },
  { key: 'patrol-volunteers', name: '沙市區義務巡防總隊', kind: OrganizationKind.VOLUNTEER_PATROL, home: 'shashi', description: '324支義務巡防隊、1,614人，負責社區白天門棟（店）關照和義務治安巡邏。' },
  { key: 'patrol-anfang', name: '沙市區社區安防大隊', kind: OrganizationKind.VOLUNTEER_PATROL, home: 'shashi', description: '260支安防隊、520人，從下崗職工和低保群眾中挑選，社區統一籌資每月發放報酬。' },
  { key: 'ngo-volunteers', name: '荊州市志願者協會', kind: OrganizationKind.NGO, home: 'jingzhou' },
  { key: 'legal-shashi', name: '沙市區法律援助中心', kind: OrganizationKind.LEGAL_SERVICE, home: 'shashi', jurisdiction: ['shashi'] },
  { key: 'property-sanbanqiao', name: '三板橋物業服務中心', kind: OrganizationKind.PROPERTY_MANAGER, home: 'c-sanbanqiao' },
  { key: 'police-minyi', name: '民意街派出所', kind: OrganizationKind.POLICE_STATION, home: 'st-minyi', jurisdiction: ['st-minyi'], description: '只對安保隊的具體技術進行業務指導，並對責權利分配進行監督。' },
  { key: 'rc-minyi', name: '民意街社區居委會', kind: OrganizationKind.RESIDENT_COMMITTEE, home: 'c-minyi', jurisdiction: ['c-minyi'], description: '安保經費由社區收取、管理和監督；安保隊由社區自己組建。' },
  { key: 'patrol-minyi', name: '民意街社區安保隊', kind: OrganizationKind.VOLUNTEER_PATROL, home: 'c-minyi', parent: 'rc-minyi' },
];

const RELATIONSHIPS: [from: string, type: RelationshipType, to: string, note?: string][] = [
  ['bureau-shashi', RelationshipType.SUPERVISES, 'police-zhongshan'],
  ['bureau-shashi', RelationshipType.SUPERVISES, 'police-jiefang'],
  ['bureau-shashi', RelationshipType.SUPERVISES, 'police-chongwen'],
  ['police-zhongshan', RelationshipType.GUIDES, 'rc-sanbanqiao', '治安聯席會議與業務指導'],
  ['police-zhongshan', RelationshipType.GUIDES, 'rc-hongjiatai'],
  ['police-zhongshan', RelationshipType.SUPERVISES, 'security-shashi', '保安服務質量標準與監督權'],
  ['police-zhongshan', RelationshipType.GUIDES, 'patrol-volunteers'],
  ['police-jiefang', RelationshipType.GUIDES, 'rc-bianhe'],
  ['police-jiefang', RelationshipType.SUPERVISES, 'security-jingchu'],
  ['street-office-zhongshan', RelationshipType.GUIDES, 'rc-sanbanqiao'],
  ['street-office-zhongshan', RelationshipType.GUIDES, 'rc-hongjiatai'],
  ['rc-sanbanqiao', RelationshipType.CONTRACTS_WITH, 'security-shashi', '保安有償承包安防責任制'],
  // The 安防大隊 is paid by each community for its own teams (社區統一籌資), not by one community for all 260 teams.
  ['rc-sanbanqiao', RelationshipType.FUNDS, 'patrol-anfang', '本社區統一籌資，每月發放本社區安防隊員報酬'],
  ['rc-hongjiatai', RelationshipType.FUNDS, 'patrol-anfang', '本社區統一籌資，每月發放本社區安防隊員報酬'],
  ['rc-bianhe', RelationshipType.FUNDS, 'patrol-anfang', '本社區統一籌資，每月發放本社區安防隊員報酬'],
  ['rc-bianhe', RelationshipType.CONTRACTS_WITH, 'security-jingchu'],
  ['ngo-volunteers', RelationshipType.PARTNERS_WITH, 'patrol-volunteers'],
  ['legal-shashi', RelationshipType.PARTNERS_WITH, 'street-office-zhongshan'],
  ['property-sanbanqiao', RelationshipType.PARTNERS_WITH, 'rc-sanbanqiao'],
  ['rc-minyi', RelationshipType.FUNDS, 'patrol-minyi', '經費由社區收取、管理和監督'],
  ['police-minyi', RelationshipType.GUIDES, 'patrol-minyi', '技術業務指導'],
  ['police-minyi', RelationshipType.SUPERVISES, 'rc-minyi', '監督責權利分配'],
];

export async function seedFoundation({ em, ids }: DemoContext): Promise<void> {
  const areas: Record<string, Area> = {};
  for (const [key, name, kind, parentKey, code] of AREAS) {
    const parent = parentKey ? areas[parentKey] : null;
    const id = randomUUID();
    areas[key] = em.create(Area, { id, name, kind, code: code ?? null, parentId: parent?.id ?? null, path: `${parent?.path ?? '/'}${id}/`, depth: parent ? parent.depth + 1 : 0 });
    ids[`area:${key}`] = id;
  }
  await em.insert(Area, Object.values(areas));

  for (const seed of ORGANIZATIONS) ids[`org:${seed.key}`] = randomUUID();
  await em.insert(
    Organization,
    ORGANIZATIONS.map((o) => ({
      id: ids[`org:${o.key}`],
      name: o.name,
      kind: o.kind,
      description: o.description ?? null,
      homeAreaId: ids[`area:${o.home}`],
      parentId: o.parent ? ids[`org:${o.parent}`] : null,
    })),
  );
  await em.insert(
    OrganizationJurisdiction,
    ORGANIZATIONS.flatMap((o) => (o.jurisdiction ?? []).map((a) => ({ organizationId: ids[`org:${o.key}`], areaId: ids[`area:${a}`] }))),
  );
  await em.insert(
    Relationship,
    RELATIONSHIPS.map(([from, type, to, note]) => ({
      fromOrganizationId: ids[`org:${from}`],
      toOrganizationId: ids[`org:${to}`],
      type,
      startsOn: '2026-01-01',
      note: note ?? null,
    })),
  );

  for (const account of DEMO_ACCOUNTS) {
    const id = randomUUID();
    ids[`user:${account.key}`] = id;
    await em.insert(User, {
      id,
      email: account.email,
      displayName: account.name,
      passwordHash: await hashPassword(DEMO_PASSWORD),
      isPlatformAdmin: 'platformAdmin' in account && account.platformAdmin === true,
    });
    if (account.org && account.memberRole) {
      await em.insert(Membership, { userId: id, organizationId: ids[`org:${account.org}`], role: account.memberRole });
    }
  }
}
