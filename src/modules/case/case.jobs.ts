import type { AppServices } from '../../shared/context';
import { Viewer } from '../../shared/auth/viewer';
import { registerJob } from '../../shared/scheduler';
import { inTransaction } from '../../shared/transaction';
import { createContext } from '../../server/context';
import { Case, CaseEventType, CaseEventVisibility, OPEN_STATUSES } from './case.entity';
import { loadAudience, recordStep } from './case.events';

const BATCH = 200;

/**
 * Escalates open cases past their due date, once per due date: the case's
 * timeline gets an internal ESCALATED step and an event goes to the
 * responsible organisation (for its leader), the supervising organisation and
 * the jurisdiction. `escalated_at` makes a second run a no-op; a new due date
 * (triage in the future, reopen) clears it.
 */
export async function escalateOverdueCases(app: AppServices, now: Date): Promise<number> {
  const ctx = createContext(app, Viewer.anonymous(), null);
  let total = 0;
  for (;;) {
    const escalated = await inTransaction(ctx, async (tx) => {
      const due = await tx.em
        .createQueryBuilder(Case, 'c')
        .where('c.due_at < :now', { now })
        .andWhere('c.status IN (:...open)', { open: OPEN_STATUSES })
        .andWhere('c.escalated_at IS NULL')
        .orderBy('c.due_at', 'ASC')
        .take(BATCH)
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .getMany();
      for (const record of due) {
        await tx.em.update(Case, { id: record.id }, { escalatedAt: now });
        record.escalatedAt = now;
        const audience = await loadAudience(tx, record);
        await recordStep(tx, record, audience, {
          type: CaseEventType.ESCALATED,
          visibility: CaseEventVisibility.INTERNAL,
          data: {
            dueAt: record.dueAt.toISOString(),
            responsibleOrganizationId: record.responsibleOrganizationId,
            leaderUserId: record.leaderUserId,
            supervisingOrganizationId: record.supervisingOrganizationId,
          },
          at: now,
        });
        tx.audit({ action: 'caseEscalate', recordType: 'Case', recordId: record.id, details: { dueAt: record.dueAt, leaderUserId: record.leaderUserId, supervisingOrganizationId: record.supervisingOrganizationId } });
      }
      return due.length;
    });
    total += escalated;
    if (escalated < BATCH) return total;
  }
}

registerJob({ name: 'case-escalation', run: async (app, now) => void (await escalateOverdueCases(app, now)) });
