import { randomUUID } from 'node:crypto';
import { clock } from '../shared/clock';
import { Bulletin, BulletinKind, BulletinRecipient, BulletinSeverity, BulletinWatch } from '../modules/bulletin/bulletin.entity';
import { CaseCategory } from '../modules/case/case.entity';
import { bulletinRecipientIds } from '../modules/bulletin/bulletin.service';
import { OrganizationKind } from '../modules/organization/organization.entity';
import type { DemoContext } from './demo.types';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Information sharing (信息共享、聯動查處): 中山路派出所 warns the resident
 * committees, volunteer patrols and security companies of its street about a
 * night-time burglary pattern and asks patrols to watch the doors and the
 * alley where it happened; 三板橋 has acknowledged, 洪家台 has not yet. The
 * street office shares the 12.4 legal-publicity arrangements with its
 * communities.
 */
export async function seedBulletins({ em, ids }: DemoContext): Promise<void> {
  const now = clock.now();
  const recipientsOf = async (issuer: string, areaKey: string, kinds: OrganizationKind[]): Promise<string[]> => {
    const [area] = await em.query(`SELECT path FROM area WHERE id = $1`, [ids[`area:${areaKey}`]]);
    return bulletinRecipientIds(em, ids[`org:${issuer}`], area.path, kinds);
  };

  const burglary = randomUUID();
  ids['bulletin:burglary'] = burglary;
  const issuedAt = new Date(now.getTime() - 2 * DAY);
  await em.insert(Bulletin, {
    id: burglary,
    issuerOrganizationId: ids['org:police-zhongshan'],
    kind: BulletinKind.RISK_ALERT,
    severity: BulletinSeverity.WARNING,
    title: '近期夜間入室盜竊風險提示',
    body: '近兩週三板橋、洪家台社區連續發生夜間撬門入室盜竊，作案時段集中在凌晨1時至4時，目標多為臨街低層住戶和店鋪。請各社區提醒居民鎖好門窗、不在家中存放大額現金；義務巡防隊和保安公司加強凌晨時段門棟、店鋪和菜市場後巷的巡查，發現可疑人員及時報警。',
    areaId: ids['area:st-zhongshan'],
    targetKinds: [OrganizationKind.RESIDENT_COMMITTEE, OrganizationKind.VOLUNTEER_PATROL, OrganizationKind.SECURITY_COMPANY],
    caseCategory: CaseCategory.PUBLIC_SECURITY,
    issuedByUserId: ids['user:liaison'],
    issuedAt,
    expiresAt: new Date(now.getTime() + 28 * DAY),
  });
  const recipients = await recipientsOf('police-zhongshan', 'st-zhongshan', [OrganizationKind.RESIDENT_COMMITTEE, OrganizationKind.VOLUNTEER_PATROL, OrganizationKind.SECURITY_COMPANY]);
  await em.insert(
    BulletinRecipient,
    recipients.map((organizationId) => {
      const acknowledged = organizationId === ids['org:rc-sanbanqiao'] || organizationId === ids['org:patrol-volunteers'];
      return {
        bulletinId: burglary,
        organizationId,
        acknowledgedAt: acknowledged ? new Date(issuedAt.getTime() + 3 * HOUR) : null,
        acknowledgedByUserId: organizationId === ids['org:rc-sanbanqiao'] ? ids['user:community-admin'] : organizationId === ids['org:patrol-volunteers'] ? ids['user:coordinator'] : null,
        acknowledgementNote: organizationId === ids['org:rc-sanbanqiao'] ? '已通知各樓棟長，張貼提示。' : organizationId === ids['org:patrol-volunteers'] ? '凌晨時段加派兩組巡查。' : null,
      };
    }),
  );
  await em.insert(
    BulletinWatch,
    ['door-12', 'door-18', 'door-26', 'hotspot-alley'].filter((key) => ids[`checkpoint:${key}`]).map((key) => ({
      bulletinId: burglary,
      checkpointId: ids[`checkpoint:${key}`],
      note: key === 'hotspot-alley' ? '凌晨1-4時重點巡查，留意翻牆人員' : '凌晨時段檢查門鎖和單元門',
      watchUntil: new Date(now.getTime() + 14 * DAY),
    })),
  );

  const publicity = randomUUID();
  ids['bulletin:constitution-day'] = publicity;
  await em.insert(Bulletin, {
    id: publicity,
    issuerOrganizationId: ids['org:street-office-zhongshan'],
    kind: BulletinKind.BULLETIN,
    severity: BulletinSeverity.INFO,
    title: '12.4國家憲法日宣傳活動安排',
    body: '12月4日上午在中山路步行街廣場設咨詢臺，請各社區組織居民參加，並在社區宣傳櫥窗張貼憲法宣傳展板。',
    areaId: ids['area:st-zhongshan'],
    targetKinds: [OrganizationKind.RESIDENT_COMMITTEE],
    caseCategory: null,
    issuedByUserId: null,
    issuedAt: new Date(now.getTime() - 5 * DAY),
    expiresAt: null,
  });
  const committees = await recipientsOf('street-office-zhongshan', 'st-zhongshan', [OrganizationKind.RESIDENT_COMMITTEE]);
  await em.insert(BulletinRecipient, committees.map((organizationId) => ({ bulletinId: publicity, organizationId, acknowledgedAt: new Date(now.getTime() - 4 * DAY) })));
}
