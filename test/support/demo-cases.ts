import type { DataSource } from 'typeorm';

/**
 * Given, on the demo data: four cases supervised by an organisation with no
 * jurisdiction there (the volunteer patrols) and three reported by a partner
 * system (the security company), so the supervising and reporter-organisation
 * branches of the case access rule are met on their own.
 */
export async function superviseAndReportFromOutside(db: DataSource): Promise<void> {
  await db.query(
    `UPDATE case_record SET supervising_organization_id = (SELECT organization_id FROM membership m JOIN app_user u ON u.id = m.user_id WHERE u.email = 'coordinator@gongzhi.demo'),
            supervised_at = now()
      WHERE id IN (SELECT id FROM case_record WHERE supervising_organization_id IS NULL ORDER BY reference LIMIT 4)`,
  );
  await db.query(
    `UPDATE case_record SET reporter_organization_id = (SELECT organization_id FROM membership m JOIN app_user u ON u.id = m.user_id WHERE u.email = 'security.admin@gongzhi.demo')
      WHERE id IN (SELECT id FROM case_record ORDER BY reference DESC LIMIT 3)`,
  );
}
