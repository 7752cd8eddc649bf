import type { AppContext } from '../../shared/context';
import { UserErrorCode } from '../../shared/errors';
import { fail } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { CaseEventType, CaseEventVisibility, CaseStatus, ReporterVerdict, type Case } from './case.entity';
import type { CaseFeedbackInput } from './case.inputs';
import { dueFrom, slaHours } from './case.intake';
import { isCaseReporter } from './case.policy';
import { noteStep, transition } from './case.transitions';

/** How long after a resolution the reporter may still have the case reopened. */
export const REOPEN_WINDOW_DAYS = 15;
const DAY = 86_400_000;

/**
 * The reporter's say on a resolution: confirmed or disputed, a rating, and,
 * within the window, a reopening. Only the person who reported the case may
 * give it: the unit being rated cannot rate itself, and the rating replaces
 * nothing the unit wrote. Once per resolution (a new resolution after a
 * reopening may be judged again).
 */
export function giveCaseFeedback(ctx: AppContext, input: CaseFeedbackInput) {
  const check = new InputCheck();
  const comment = check.text('comment', input.comment, { max: 2000 });
  if (!Object.values(ReporterVerdict).includes(input.verdict)) check.add('verdict', UserErrorCode.INVALID, 'Unknown verdict.');
  if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5) check.add('rating', UserErrorCode.OUT_OF_RANGE, 'rating must be a whole number from 1 to 5.');
  if (input.reopen && input.verdict !== ReporterVerdict.DISPUTED) check.add('reopen', UserErrorCode.INVALID, 'Only a disputed resolution can be reopened.');
  return transition(ctx, input.caseId, null, {
    action: 'caseFeedback',
    from: [CaseStatus.RESOLVED, CaseStatus.CLOSED],
    allowed: (viewer, facts) => viewer.canWrite && viewer.userId !== null && isCaseReporter(viewer, facts),
    forbiddenMessage: 'Only the person who reported the case gives feedback on its resolution.',
    apply: async (tx, record: Case, now) => {
      // A merged duplicate was closed by the merge, never resolved: its reporter follows the original, so rating
      // or reopening the duplicate would score (or revive, without a handler) work that happens elsewhere.
      if (record.mergedIntoId) fail('caseId', UserErrorCode.INVALID_TRANSITION, 'This case was merged into another as a duplicate: its original carries the work, and the original\'s reporter rates it.');
      if (record.reporterUserId !== tx.ctx.viewer.userId) fail('caseId', UserErrorCode.NOT_PERMITTED_HERE, 'Only the person who reported this case (not the reporter of a merged duplicate) rates its resolution.');
      if (record.reporterFeedbackAt && record.resolvedAt && record.reporterFeedbackAt >= record.resolvedAt) fail('caseId', UserErrorCode.ALREADY_DONE, 'You have already given feedback on this resolution.');
      const feedback = { reporterVerdict: input.verdict, satisfaction: input.rating, reporterFeedbackAt: now, reporterComment: comment };
      const step = noteStep(CaseEventType.FEEDBACK, comment, { verdict: input.verdict, rating: input.rating, reopen: input.reopen }, CaseEventVisibility.PUBLIC);
      if (!input.reopen) return { changes: feedback, steps: [step], details: { verdict: input.verdict, rating: input.rating } };
      const resolvedAt = record.resolvedAt ?? record.closedAt ?? now;
      if (now.getTime() - resolvedAt.getTime() > REOPEN_WINDOW_DAYS * DAY) {
        fail('reopen', UserErrorCode.OUT_OF_RANGE, `A case can be reopened by its reporter within ${REOPEN_WINDOW_DAYS} days of its resolution; report it again as a new case.`);
      }
      const dueAt = dueFrom(now, await slaHours(tx, record.category, record.severity));
      return {
        changes: { ...feedback, status: CaseStatus.REOPENED, resolvedAt: null, closedAt: null, dueAt, escalatedAt: null },
        steps: [step, noteStep(CaseEventType.REOPENED, comment ?? 'Reopened at the reporter\'s request: the problem is not solved.', { dueAt: dueAt.toISOString(), byReporter: true }, CaseEventVisibility.PUBLIC)],
        details: { verdict: input.verdict, rating: input.rating, reopened: true, dueAt },
      };
    },
  }, check);
}
