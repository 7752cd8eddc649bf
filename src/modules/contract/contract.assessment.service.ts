import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import { today } from '../../shared/clock';
import { fail, failIfAny, inTransaction } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { isLocalDate } from '../../shared/clock';
import { periodsBetween } from '../patrol/patrol.compliance';
import { ContractParty, ContractServiceLevel, ServiceLevelMetric } from './contract.entity';
import { ServiceLevelAssessment, type ServiceLevelAssessmentRecordInput } from './contract.assessment';
import { SIGNED_STATUSES, canAssessServiceLevels, contractAudience } from './contract.policy';
import { findContract } from './contract.service';
import { contractPartiesByContractId, overseerOrganizationIdsByOrganizationId } from './contract.loaders';

/** Records the client's verdict on one period of a CUSTOM service level (append-only; the latest entry of a period counts). */
export async function recordAssessment(ctx: AppContext, input: ServiceLevelAssessmentRecordInput): Promise<{ assessment: ServiceLevelAssessment }> {
  const check = new InputCheck();
  const contractId = check.id('contractId', input.contractId, 'Contract', { required: true });
  const position = check.int('serviceLevelPosition', input.serviceLevelPosition, { min: 0, max: 49 });
  if (!isLocalDate(String(input.periodStartsOn))) check.add('periodStartsOn', UserErrorCode.INVALID, 'periodStartsOn must be a date (YYYY-MM-DD).');
  const note = check.text('note', input.note, { max: 2000 });
  if (input.achieved != null && (!Number.isFinite(input.achieved) || input.achieved < 0 || input.achieved > 9_999_999)) {
    check.add('achieved', UserErrorCode.OUT_OF_RANGE, 'achieved must be between 0 and 9999999.');
  }
  failIfAny(check.errors);

  const contract = await findContract(ctx, contractId);
  if (!contract) fail('contractId', UserErrorCode.NOT_FOUND, 'No Contract with this id.');
  const parties = await contractPartiesByContractId(ctx).load(contract.id);
  const assessor = canAssessServiceLevels(ctx.viewer, parties);
  if (!assessor) throw forbidden("Only the contract's client records assessments; the provider cannot assess its own service.");
  if (!SIGNED_STATUSES.includes(contract.status)) fail('contractId', UserErrorCode.INVALID_TRANSITION, `A ${contract.status} contract binds nobody yet; there is nothing to assess.`);

  return inTransaction(ctx, async (tx) => {
    const level = await tx.em.findOneBy(ContractServiceLevel, { contractId: contract.id, position: position! });
    if (!level) fail('serviceLevelPosition', UserErrorCode.NOT_FOUND, 'The contract has no service level at this position.');
    if (level.metric !== ServiceLevelMetric.CUSTOM) fail('serviceLevelPosition', UserErrorCode.INVALID, `${level.metric} is computed from the records, not assessed by hand.`);
    const period = periodsBetween(contract.startsOn, contract.endsOn, level.period).find((p) => p.startsOn === String(input.periodStartsOn));
    if (!period) fail('periodStartsOn', UserErrorCode.OUT_OF_RANGE, `Not the first day of a ${level.period.toLowerCase()} within the contract term.`);
    if (period.startsOn > today()) fail('periodStartsOn', UserErrorCode.OUT_OF_RANGE, 'The period has not begun.');
    const assessment = tx.em.create(ServiceLevelAssessment, {
      contractId: contract.id,
      serviceLevelId: level.id,
      startsOn: period.startsOn,
      endsOn: period.endsOn,
      met: input.met,
      achieved: input.achieved ?? null,
      note,
      assessedByOrganizationId: assessor,
      assessedByUserId: ctx.viewer.userId,
    });
    await tx.em.insert(ServiceLevelAssessment, assessment);
    const saved = await tx.em.findOneByOrFail(ServiceLevelAssessment, { id: assessment.id });
    tx.audit({ action: 'serviceLevelAssessmentRecord', recordType: 'ServiceLevelAssessment', recordId: saved.id, details: { contractId: contract.id, serviceLevelId: level.id, startsOn: period.startsOn, met: input.met, achieved: saved.achieved } });
    const partyIds = [...new Set((await tx.em.findBy(ContractParty, { contractId: contract.id })).map((p) => p.organizationId))];
    const overseers = (await overseerOrganizationIdsByOrganizationId(ctx).loadMany(partyIds)).flatMap((o) => (Array.isArray(o) ? o : []));
    tx.emit({
      topic: 'contract',
      type: 'contract.assessmentRecorded',
      subjectId: contract.id,
      organizationIds: contractAudience({ partyOrganizationIds: partyIds, overseerOrganizationIds: overseers, status: contract.status, createdByOrganizationId: contract.createdByOrganizationId }),
      payload: { contractId: contract.id, serviceLevelAssessmentId: saved.id, startsOn: period.startsOn, met: input.met },
    });
    return { assessment: saved };
  });
}
