import { clock } from '../shared/clock';
import { Consultation } from '../modules/consultation/consultation.entity';
import { residentOfSql } from '../modules/consultation/consultation.residents';
import { Publication, PublicationRecordType } from '../modules/public/public.entity';
import { contractBoardAreaId } from '../modules/public/public.service';
import type { DemoContext } from './demo.types';

const SUMMARIES: Record<string, string> = {
  ILLEGAL_CONSTRUCTION: '違法建設公開掛牌督辦：限期拆除，逾期依法強制處置。',
  DISPUTE: '重大矛盾糾紛掛牌督辦：已落實責任單位、責任領導和責任人員。',
  PUBLIC_SECURITY: '治安隱患掛牌督辦：限期整改。',
  ENVIRONMENT: '環境問題掛牌督辦：限期整治。',
};

/**
 * The public face (選擇部分典型案件公開掛牌督辦; 村務公開): the supervising
 * organisations have published a few typical supervised cases of Shashi
 * with public wording; the police station and the legal-aid centre their
 * upcoming 12.4 activities; 三板橋 its security contract's results. The
 * night-patrol consultation is open to 三板橋's residents, and the demo
 * resident (孫大爺) has stated a position.
 */
export async function seedPublic({ em, ids }: DemoContext): Promise<void> {
  const now = clock.now();
  const typical: { id: string; area_id: string; category: string; supervising_organization_id: string }[] = await em.query(
    `SELECT id, area_id, category, supervising_organization_id FROM (
       SELECT c.id, c.area_id, c.category, c.supervising_organization_id, c.supervised_at,
              row_number() OVER (PARTITION BY c.category ORDER BY c.supervised_at DESC, c.id) AS n
         FROM case_record c JOIN area a ON a.id = c.area_id, area s
        WHERE s.id = $1 AND a.path LIKE s.path || '%' AND c.supervised_at IS NOT NULL AND c.merged_into_id IS NULL) t
      WHERE n <= 2 ORDER BY supervised_at DESC, id`,
    [ids['area:shashi']],
  );
  const rows: Partial<Publication>[] = typical.slice(0, 4).map((c) => ({
    recordType: PublicationRecordType.CASE,
    recordId: c.id,
    areaId: c.area_id,
    summary: SUMMARIES[c.category] ?? '掛牌督辦，限期辦結。',
    publishedByOrganizationId: c.supervising_organization_id,
    publishedAt: now,
  }));
  for (const key of ['constitution', 'constitution-police']) {
    const [activity] = await em.query(`SELECT id, area_id, organizer_organization_id, starts_at FROM legal_education_activity WHERE id = $1 AND status = 'PLANNED'`, [ids[`activity:${key}`]]);
    if (activity && activity.starts_at > now) {
      rows.push({ recordType: PublicationRecordType.LEGAL_EDUCATION_ACTIVITY, recordId: activity.id, areaId: activity.area_id, summary: '歡迎居民參加，現場解答法律問題。', publishedByOrganizationId: activity.organizer_organization_id, publishedByUserId: key === 'constitution-police' ? ids['user:liaison'] : null, publishedAt: now });
    }
  }
  const contract = ids['contract:sanbanqiao-security'];
  if (contract) {
    const scope = await contractBoardAreaId(em, contract);
    if (scope) rows.push({ recordType: PublicationRecordType.CONTRACT, recordId: contract, areaId: scope, summary: '社區出資購買的保安巡邏服務，每月公開達標情況（誰出資誰受益）。', publishedByOrganizationId: ids['org:rc-sanbanqiao'], publishedByUserId: ids['user:community-admin'], publishedAt: now });
  }
  if (rows.length) await em.insert(Publication, rows);

  const consultation = ids['consultation:night-patrols'];
  if (consultation) {
    await em.update(Consultation, { id: consultation }, { residentAreaId: ids['area:c-sanbanqiao'] });
    const [resident] = await em.query(`SELECT ${residentOfSql('$1::uuid', '$2::uuid')} AS yes`, [ids['user:resident'], ids['area:c-sanbanqiao']]);
    if (resident.yes) {
      await em.query(`INSERT INTO consultation_resident_position (consultation_id, user_id, stance, comment) VALUES ($1, $2, 'SUPPORT', '夜裡巡邏多一點，老人家睡得安心。')`, [consultation, ids['user:resident']]);
    }
  }
}
