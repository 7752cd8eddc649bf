/** The illegal-construction ledger of a case and its disposal plan, phase by phase. */
import { IsNull, Not } from 'typeorm';
import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import { clock, isLocalDate, today } from '../../shared/clock';
import { fail, failIfAny, inTransaction } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { Case, CaseCategory, CaseEventType, CaseEventVisibility, CaseStatus, ConstructionClassification, DisposalPhaseKind, DisposalPlanPhase, FoundHow, IllegalConstructionLedgerRecord, OPEN_STATUSES } from './case.entity';
import { recordStep } from './case.events';
import { STOP_ORDER_DAYS, addDays, classProblem, templateFor } from './case.construction';
import type { CaseDisposalPhaseCompleteInput, CaseDisposalPlanSetInput, CaseLedgerSetInput } from './case.inputs';
import { canWorkCase } from './case.policy';

/** Channels a person without an organisation may report by (完善群眾舉報和反饋制度: mailbox, phone, app, WeChat, in person). */
import { NOTE_MAX } from './case.service';
import { lockVisibleCase, transition, noteStep } from './case.transitions';

// ---------- illegal-construction ledger ----------

export function setLedger(ctx: AppContext, input: CaseLedgerSetInput) {
  const check = new InputCheck();
  const structureType = check.text('structureType', input.structureType, { max: 200, required: true });
  const discoveredBy = check.text('discoveredBy', input.discoveredBy, { max: 200, required: true });
  if (!Number.isFinite(input.floorAreaM2) || input.floorAreaM2 <= 0 || input.floorAreaM2 >= 100_000_000) check.add('floorAreaM2', UserErrorCode.OUT_OF_RANGE, 'floorAreaM2 must be more than 0 and below 100,000,000.');
  if (!Object.values(FoundHow).includes(input.foundHow)) check.add('foundHow', UserErrorCode.INVALID, 'Unknown value.');
  if (!Object.values(ConstructionClassification).includes(input.classification)) check.add('classification', UserErrorCode.INVALID, 'Unknown classification.');
  const disposalClass = input.disposalClass ?? null;
  const problem = classProblem(input.classification, disposalClass, input.safetyHazard);
  if (problem) check.add('disposalClass', problem.code === 'REQUIRED' ? UserErrorCode.REQUIRED : UserErrorCode.INVALID, problem.message);
  return transition(ctx, input.caseId, null, {
    action: 'caseLedgerSet',
    from: Object.values(CaseStatus),
    allowed: canWorkCase,
    forbiddenMessage: 'Only the handling organisations keep the ledger.',
    apply: async (tx, record, now) => {
      if (record.category !== CaseCategory.ILLEGAL_CONSTRUCTION) fail('caseId', UserErrorCode.INVALID, 'Only ILLEGAL_CONSTRUCTION cases have a ledger record.');
      const values = {
        structureType: structureType!,
        floorAreaM2: Math.round(input.floorAreaM2 * 100) / 100,
        discoveredBy: discoveredBy!,
        foundHow: input.foundHow,
        classification: input.classification,
        safetyHazard: input.safetyHazard,
        disposalClass,
      };
      const updated = await tx.em
        .createQueryBuilder()
        .update(IllegalConstructionLedgerRecord)
        .set({ ...values, updatedAt: now, version: () => 'version + 1' })
        .where('case_id = :id', { id: record.id })
        .execute();
      if (!updated.affected) await tx.em.insert(IllegalConstructionLedgerRecord, { caseId: record.id, ...values, createdAt: now, updatedAt: now });
      const steps = [noteStep(CaseEventType.LEDGER_RECORDED, null, values)];
      // The track sets the plan of a case that has none yet: NEW is stopped at once with a short deadline, a class follows its own plan.
      const template = templateFor(input.classification, disposalClass);
      let changes: Partial<Case> = {};
      if (template && !(await tx.em.existsBy(DisposalPlanPhase, { caseId: record.id }))) {
        const on = today();
        const phases = template.map((t, i) => ({ caseId: record.id, ordinal: i + 1, kind: t.kind, title: t.title, dueOn: addDays(on, t.days), completedOn: null, note: null }));
        await tx.em.insert(DisposalPlanPhase, phases);
        steps.push(noteStep(CaseEventType.PLAN_SET, null, { phases: phases.map((p) => ({ kind: p.kind, title: p.title, dueOn: p.dueOn })), track: disposalClass ?? input.classification }));
        if (OPEN_STATUSES.includes(record.status)) {
          const planDue = new Date(`${phases[phases.length - 1].dueOn}T23:59:59.999+08:00`);
          const dueAt = input.classification === ConstructionClassification.NEW && record.dueAt < planDue ? record.dueAt : planDue;
          if (dueAt.getTime() !== record.dueAt.getTime()) changes = { dueAt, ...(dueAt > now ? { escalatedAt: null } : {}) };
        }
      }
      return { changes, steps, details: { ...values, ...(changes.dueAt ? { dueAt: changes.dueAt.toISOString() } : {}) } };
    },
  }, check);
}

export function setDisposalPlan(ctx: AppContext, input: CaseDisposalPlanSetInput) {
  const check = new InputCheck();
  if (!input.phases.length || input.phases.length > 20) check.add('phases', UserErrorCode.OUT_OF_RANGE, 'A plan has 1 to 20 open phases.');
  const phases = input.phases.map((p, i) => {
    const title = check.text(`phases.${i}.title`, p.title, { max: 200, required: true });
    if (!isLocalDate(p.dueOn)) check.add(['input', 'phases', String(i), 'dueOn'], UserErrorCode.INVALID, 'dueOn must be a date (YYYY-MM-DD).');
    return { title: title!, dueOn: p.dueOn, kind: p.kind ?? DisposalPhaseKind.OTHER };
  });
  return transition(ctx, input.caseId, null, {
    action: 'caseDisposalPlanSet',
    from: Object.values(CaseStatus).filter((s) => s !== CaseStatus.CLOSED),
    allowed: canWorkCase,
    forbiddenMessage: 'Only the handling organisations plan the disposal.',
    apply: async (tx, record) => {
      const ledger = await tx.em.findOneBy(IllegalConstructionLedgerRecord, { caseId: record.id });
      if (!ledger) fail('caseId', UserErrorCode.INVALID, 'Record the ledger entry of this case first (caseLedgerSet).');
      if (ledger.classification === ConstructionClassification.NEW) {
        // New building is stopped first: until a stop order is done, the plan opens with one, due within a day.
        const stopped = await tx.em.existsBy(DisposalPlanPhase, { caseId: record.id, kind: DisposalPhaseKind.STOP_ORDER, completedOn: Not(IsNull()) });
        if (!stopped && phases[0]?.kind !== DisposalPhaseKind.STOP_ORDER) fail(['input', 'phases', '0', 'kind'], UserErrorCode.INVALID, 'NEW construction is stopped at once: the plan opens with a STOP_ORDER.');
        if (!stopped && phases[0].dueOn > addDays(today(), STOP_ORDER_DAYS)) fail(['input', 'phases', '0', 'dueOn'], UserErrorCode.OUT_OF_RANGE, `The stop order is due within ${STOP_ORDER_DAYS} day.`);
      }
      await tx.em.query(`DELETE FROM disposal_plan_phase WHERE case_id = $1 AND completed_on IS NULL`, [record.id]);
      const [{ last }] = await tx.em.query(`SELECT coalesce(max(ordinal), 0)::int AS last FROM disposal_plan_phase WHERE case_id = $1`, [record.id]);
      if (last + phases.length > 50) fail('phases', UserErrorCode.OUT_OF_RANGE, 'A plan has at most 50 phases in all.');
      await tx.em.insert(DisposalPlanPhase, phases.map((p, i) => ({ caseId: record.id, ordinal: last + i + 1, kind: p.kind, title: p.title, dueOn: p.dueOn, completedOn: null, note: null })));
      return { changes: {}, steps: [noteStep(CaseEventType.PLAN_SET, null, { phases })], details: { phases } };
    },
  }, check);
}

export async function completeDisposalPhase(ctx: AppContext, input: CaseDisposalPhaseCompleteInput): Promise<{ case: Case }> {
  const check = new InputCheck();
  const phaseId = check.id('phaseId', input.phaseId, 'DisposalPlanPhase', { required: true });
  const note = check.text('note', input.note, { max: NOTE_MAX });
  const completedOn = input.completedOn ?? today();
  if (!isLocalDate(completedOn)) check.add('completedOn', UserErrorCode.INVALID, 'completedOn must be a date (YYYY-MM-DD).');
  else if (completedOn > today()) check.add('completedOn', UserErrorCode.OUT_OF_RANGE, 'completedOn must not lie in the future.');
  failIfAny(check.errors);
  return inTransaction(ctx, async (tx) => {
    const phase = await tx.em.findOne(DisposalPlanPhase, { where: { id: phaseId! }, lock: { mode: 'pessimistic_write' } });
    if (!phase) fail('phaseId', UserErrorCode.NOT_FOUND, 'No DisposalPlanPhase with this id.');
    // Phases are seen by those who see the whole case: to anyone else a phase id is as unknown as a made-up one.
    const { record, audience, facts } = await lockVisibleCase(tx, phase.caseId, 'phaseId', { message: 'No DisposalPlanPhase with this id.', need: 'FULL' });
    if (!canWorkCase(ctx.viewer, facts)) throw forbidden('Only the handling organisations complete disposal phases.');
    if (phase.completedOn) fail('phaseId', UserErrorCode.ALREADY_DONE, 'The phase is already completed.');
    await tx.em.update(DisposalPlanPhase, { id: phase.id }, { completedOn, note });
    await recordStep(tx, record, audience, {
      type: CaseEventType.PHASE_COMPLETED,
      visibility: CaseEventVisibility.INTERNAL,
      body: note,
      data: { phaseId: phase.id, ordinal: phase.ordinal, title: phase.title, completedOn },
      at: clock.now(),
    });
    tx.audit({ action: 'caseDisposalPhaseComplete', recordType: 'Case', recordId: record.id, details: { phaseId: phase.id, completedOn } });
    return { case: record };
  });
}

