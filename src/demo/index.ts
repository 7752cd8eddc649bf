import type { DataSource } from 'typeorm';
import type { Logger } from '../shared/logger';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, seedFoundation } from './demo.foundation';
import type { DemoPart } from './demo.types';
import { seedContracts } from './demo.contracts';
import { seedMeetings } from './demo.meetings';
import { seedPatrols } from './demo.patrols';
import { seedCases } from './demo.cases';
import { seedScreening } from './demo.screening';
import { seedEducation } from './demo.education';
import { seedFunds } from './demo.funds';
import { seedBulletins } from './demo.bulletins';
import { seedRosters } from './demo.rosters';
import { seedPublic } from './demo.public';
import { seedRosterScale } from './demo.roster-scale';

export { DEMO_ACCOUNTS, DEMO_PASSWORD };

/** Each domain adds its part; they run in this order in one transaction, so demo data is all there or not at all. */
const parts: DemoPart[] = [seedFoundation, seedContracts, seedMeetings, seedPatrols, seedCases, seedScreening, seedEducation, seedRosters, seedFunds, seedRosterScale, seedBulletins, seedPublic];

/** Loads the demo data set once; returns false when it is already there. */
export async function loadDemoData(db: DataSource, log: Logger): Promise<boolean> {
  return db.transaction(async (em) => {
    // Two servers starting at once on one database must not both seed it.
    await em.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['demo-data']);
    const [{ present }] = await em.query(`SELECT EXISTS (SELECT 1 FROM app_user WHERE email = $1) AS present`, [DEMO_ACCOUNTS[0].email]);
    if (present) return false;
    const ids: Record<string, string> = {};
    for (const part of parts) await part({ em, ids, log });
    log.info({ records: Object.keys(ids).length }, 'demo data loaded');
    return true;
  });
}
