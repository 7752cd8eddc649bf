import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import { isLocalDate, today } from '../../shared/clock';
import { fail, failIfAny, inTransaction, type Tx } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { areasById } from '../area/area.loaders';
import { Organization, OrganizationKind } from '../organization/organization.entity';
import { Contract, ContractStatus, ServiceLevelMetric, ServiceLevelPeriod } from '../contract/contract.entity';
import { contractAudience } from '../contract/contract.policy';
import { contractPartiesByContractId, overseerOrganizationIdsByOrganizationId } from '../contract/contract.loaders';
import { findContract } from '../contract/contract.service';
import { jurisdictionOrganizationIdsByAreaId } from '../case/case.loaders';
import { complianceByContractAndRange, complianceKey } from '../patrol/patrol.compliance';
import {
  QualityEvaluation,
  QualityFigures,
  QualityStandard,
  type ContractQualityStandardAdoptInput,
  type QualityStandardCreateInput,
  type QualityStandardEvaluateInput,
} from './quality.entity';
import { canAdoptQualityStandard, canEvaluateQuality, canSetQualityStandard } from './quality.policy';

const COMPUTED = [ServiceLevelMetric.PATROLS_PER_DAY, ServiceLevelMetric.CHECKPOINT_COVERAGE, ServiceLevelMetric.RESPONSE_MINUTES];

function monthBounds(day: string): { first: string; last: string } {
  const d = new Date(`${day}T00:00:00Z`);
  const first = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)).toISOString().slice(0, 10);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
  return { first, last };
}

export async function findStandard(ctx: AppContext, id: string | null): Promise<QualityStandard | null> {
  if (!id || !ctx.viewer.signedIn) return null;
  return ctx.app.db.getRepository(QualityStandard).findOneBy({ id });
}

export async function createStandard(ctx: AppContext, input: QualityStandardCreateInput): Promise<{ standard: QualityStandard }> {
  const check = new InputCheck();
  const organizationId = check.id('organizationId', input.organizationId, 'Organization', { required: true });
  const areaId = check.id('areaId', input.areaId, 'Area', { required: true });
  const name = check.text('name', input.name, { max: 200, required: true });
  if (!input.serviceLevels.length || input.serviceLevels.length > 10) check.add('serviceLevels', UserErrorCode.OUT_OF_RANGE, 'A standard has 1 to 10 service levels.');
  const levels = input.serviceLevels.slice(0, 10).map((l, i) => {
    const at = ['input', 'serviceLevels', String(i)];
    if (!COMPUTED.includes(l.metric)) check.add([...at, 'metric'], UserErrorCode.INVALID, 'A standard holds computed levels (PATROLS_PER_DAY, CHECKPOINT_COVERAGE, RESPONSE_MINUTES).');
    const max = l.metric === ServiceLevelMetric.CHECKPOINT_COVERAGE ? 100 : 9_999_999;
    if (!Number.isFinite(l.target) || l.target < 0 || l.target > max) check.add([...at, 'target'], UserErrorCode.OUT_OF_RANGE, `target must be between 0 and ${max}.`);
    return { metric: l.metric, target: Math.round(l.target * 100) / 100, description: check.text(`serviceLevels.${i}.description`, l.description, { max: 1000 }) };
  });
  if (input.minimumResidentRating != null && !(input.minimumResidentRating >= 1 && input.minimumResidentRating <= 5)) check.add('minimumResidentRating', UserErrorCode.OUT_OF_RANGE, 'minimumResidentRating lies between 1 and 5.');
  check.int('breachMonths', input.breachMonths, { min: 1, max: 12 });
  failIfAny(check.errors);
  if (!canSetQualityStandard(ctx.viewer, organizationId!)) throw forbidden('Only an ADMIN of the supervising police station sets quality standards.');
  const [organization, area, covering] = await Promise.all([
    ctx.app.db.getRepository(Organization).findOneBy({ id: organizationId! }),
    areasById(ctx).load(areaId!),
    jurisdictionOrganizationIdsByAreaId(ctx).load(areaId!),
  ]);
  if (!area) fail('areaId', UserErrorCode.NOT_FOUND, 'No Area with this id.');
  if (organization?.kind !== OrganizationKind.POLICE_STATION) fail('organizationId', UserErrorCode.NOT_PERMITTED_HERE, 'Quality standards are set by the supervising police station.');
  if (!covering.includes(organizationId!)) fail('areaId', UserErrorCode.NOT_PERMITTED_HERE, "The area lies outside the station's jurisdiction.");
  return inTransaction(ctx, async (tx) => {
    const standard = tx.em.create(QualityStandard, { organizationId: organizationId!, areaId: area.id, name: name!, serviceLevels: levels, minimumResidentRating: input.minimumResidentRating ?? null, breachMonths: input.breachMonths, createdByUserId: ctx.viewer.userId });
    await tx.em.insert(QualityStandard, standard);
    tx.audit({ action: 'qualityStandardCreate', recordType: 'QualityStandard', recordId: standard.id, details: { areaId: area.id, name, levels, minimumResidentRating: input.minimumResidentRating ?? null, breachMonths: input.breachMonths } });
    return { standard: await tx.em.findOneByOrFail(QualityStandard, { id: standard.id }) };
  });
}

async function emitContractChange(tx: Tx, ctx: AppContext, contract: Contract, type: string, payload: Record<string, unknown>, extra: string[] = []): Promise<void> {
  const parties = await contractPartiesByContractId(ctx).load(contract.id);
  const partyIds = [...new Set(parties.map((p) => p.organizationId))];
  const overseers = (await overseerOrganizationIdsByOrganizationId(ctx).loadMany(partyIds)).flatMap((o) => (Array.isArray(o) ? o : []));
  tx.emit({
    topic: 'contract',
    type,
    subjectId: contract.id,
    organizationIds: [...contractAudience({ partyOrganizationIds: partyIds, overseerOrganizationIds: overseers, status: contract.status, createdByOrganizationId: contract.createdByOrganizationId }), ...extra],
    payload: { contractId: contract.id, ...payload },
  });
}

export async function adoptStandard(ctx: AppContext, input: ContractQualityStandardAdoptInput): Promise<{ contract: Contract }> {
  const check = new InputCheck();
  const contractId = check.id('contractId', input.contractId, 'Contract', { required: true });
  const standardId = check.id('standardId', input.standardId, 'QualityStandard', { required: true });
  failIfAny(check.errors);
  const contract = await findContract(ctx, contractId);
  if (!contract) fail('contractId', UserErrorCode.NOT_FOUND, 'No Contract with this id.');
  const standard = await findStandard(ctx, standardId);
  if (!standard) fail('standardId', UserErrorCode.NOT_FOUND, 'No QualityStandard with this id.');
  if (!canAdoptQualityStandard(ctx.viewer, await contractPartiesByContractId(ctx).load(contract.id))) throw forbidden("Only an ADMIN of the contract's client adopts a quality standard.");
  if (contract.status === ContractStatus.TERMINATED || contract.status === ContractStatus.EXPIRED) fail('contractId', UserErrorCode.INVALID_TRANSITION, `A ${contract.status} contract adopts nothing.`);
  const [outside]: { n: number }[] = await ctx.app.db.query(
    `SELECT count(*)::int AS n FROM contract_area ca JOIN area a ON a.id = ca.area_id, area s
      WHERE ca.contract_id = $1 AND s.id = $2 AND a.path NOT LIKE s.path || '%'`,
    [contract.id, standard.areaId],
  );
  if (outside.n > 0) fail('standardId', UserErrorCode.NOT_PERMITTED_HERE, "The contract's scope lies outside the standard's area.");
  return inTransaction(ctx, async (tx) => {
    await tx.em.update(Contract, { id: contract.id }, { qualityStandardId: standard.id, suspendOnQualityBreach: input.suspendOnBreach, updatedAt: () => 'now()' });
    tx.audit({ action: 'contractQualityStandardAdopt', recordType: 'Contract', recordId: contract.id, details: { standardId: standard.id, suspendOnBreach: input.suspendOnBreach } });
    await emitContractChange(tx, ctx, contract, 'contract.qualityStandardAdopted', { qualityStandardId: standard.id, suspendOnBreach: input.suspendOnBreach }, [standard.organizationId]);
    return { contract: await tx.em.findOneByOrFail(Contract, { id: contract.id }) };
  });
}

/** One contract's month under the standard: its service levels over the contract's scope, the provider's cases and the reporters' ratings. */
async function figuresOf(ctx: AppContext, standard: QualityStandard, contract: Contract, provider: string, first: string, last: string): Promise<QualityFigures> {
  const key = complianceKey(
    { id: contract.id, startsOn: contract.startsOn, endsOn: contract.endsOn, serviceLevels: standard.serviceLevels.map((l, i) => ({ id: `${standard.id}:${i}`, metric: l.metric, target: Number(l.target), period: ServiceLevelPeriod.MONTH, description: l.description })) },
    first,
    last,
  );
  // Keyed by contract and range: a standard's levels must not share the contract's own cached report.
  const report = await complianceByContractAndRange(ctx).clear(key).load(key);
  const periods = report.serviceLevels.flatMap((l) => l.periods);
  const [cases]: { assigned: number; late: number; ratings: number; average: string | null }[] = await ctx.app.db.query(
    `SELECT count(*)::int AS assigned,
            count(*) FILTER (WHERE c.due_at < least($4::timestamptz, now()) AND (c.resolved_at IS NULL OR c.resolved_at > c.due_at))::int AS late,
            count(c.satisfaction)::int AS ratings, avg(c.satisfaction) AS average
       FROM case_record c JOIN area a ON a.id = c.area_id
      WHERE c.responsible_organization_id = $1 AND c.merged_into_id IS NULL
        AND (c.reported_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN $2 AND $3
        AND EXISTS (SELECT 1 FROM contract_area ca JOIN area s ON s.id = ca.area_id WHERE ca.contract_id = $5 AND a.path LIKE s.path || '%')`,
    [provider, first, last, new Date(`${last}T23:59:59.999+08:00`), contract.id],
  );
  return Object.assign(new QualityFigures(), {
    levelsMet: periods.filter((p) => p.met).length,
    levelsAssessed: periods.length,
    casesAssigned: cases.assigned,
    casesLate: cases.late,
    residentRatings: cases.ratings,
    residentRatingAverage: cases.average === null ? null : Math.round(Number(cases.average) * 100) / 100,
  });
}

/**
 * Evaluates every contract adopting the standard (in force during the month)
 * for one complete month. Below target: a level missed or the residents'
 * average under the minimum. A run of `breachMonths` evaluated months below
 * target is a breach: an event, and the contract is suspended when its
 * clauses allow (suspendOnQualityBreach). Re-evaluating a month replaces it.
 */
export async function evaluateStandard(ctx: AppContext, input: QualityStandardEvaluateInput): Promise<{ evaluations: QualityEvaluation[] }> {
  const check = new InputCheck();
  const standardId = check.id('standardId', input.standardId, 'QualityStandard', { required: true });
  if (!isLocalDate(String(input.month))) check.add('month', UserErrorCode.INVALID, 'month must be a date (YYYY-MM-DD).');
  failIfAny(check.errors);
  const standard = await findStandard(ctx, standardId);
  if (!standard) fail('standardId', UserErrorCode.NOT_FOUND, 'No QualityStandard with this id.');
  if (!canEvaluateQuality(ctx.viewer, standard.organizationId)) throw forbidden('Only the organisation that set the standard evaluates under it.');
  const { first, last } = monthBounds(String(input.month));
  if (last >= today()) fail('month', UserErrorCode.OUT_OF_RANGE, 'Only a month that has ended is evaluated.');
  const previous = monthBounds(new Date(Date.parse(`${first}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)).first;

  const contracts = await ctx.app.db.getRepository(Contract).createQueryBuilder('c')
    .where('c.quality_standard_id = :id', { id: standard.id })
    .andWhere(`c.status IN ('ACTIVE','SUSPENDED','TERMINATED','EXPIRED')`)
    .andWhere('c.starts_on <= :last AND c.ends_on >= :first', { first, last })
    .orderBy('c.created_at').getMany();
  const rows: { contract: Contract; provider: string; figures: QualityFigures }[] = [];
  for (const contract of contracts) {
    const provider = (await contractPartiesByContractId(ctx).load(contract.id)).find((p) => p.role === 'PROVIDER');
    if (!provider) continue;
    rows.push({ contract, provider: provider.organizationId, figures: await figuresOf(ctx, standard, contract, provider.organizationId, first, last) });
  }

  return inTransaction(ctx, async (tx) => {
    const evaluations: QualityEvaluation[] = [];
    for (const { contract, provider, figures } of rows) {
      const below = figures.levelsMet < figures.levelsAssessed || (standard.minimumResidentRating !== null && figures.residentRatingAverage !== null && figures.residentRatingAverage < standard.minimumResidentRating);
      const [before] = await tx.em.query(`SELECT below_target, consecutive_months_below FROM quality_evaluation WHERE standard_id = $1 AND contract_id = $2 AND month = $3`, [standard.id, contract.id, previous]);
      const consecutive = below ? (before?.below_target ? before.consecutive_months_below : 0) + 1 : 0;
      const breach = consecutive >= standard.breachMonths;
      const [saved] = await tx.em.query(
        `INSERT INTO quality_evaluation (standard_id, contract_id, provider_organization_id, month, below_target, consecutive_months_below, figures, breach)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (standard_id, contract_id, month) DO UPDATE SET below_target = EXCLUDED.below_target, consecutive_months_below = EXCLUDED.consecutive_months_below,
           figures = EXCLUDED.figures, breach = EXCLUDED.breach, evaluated_at = now()
         RETURNING id`,
        [standard.id, contract.id, provider, first, below, consecutive, JSON.stringify(figures), breach],
      );
      tx.audit({ action: 'qualityStandardEvaluate', recordType: 'QualityEvaluation', recordId: saved.id, details: { standardId: standard.id, contractId: contract.id, month: first, below, consecutive, breach, figures } });
      if (breach) {
        await emitContractChange(tx, ctx, contract, 'contract.qualityBreach', { qualityStandardId: standard.id, qualityEvaluationId: saved.id, month: first, consecutiveMonthsBelow: consecutive }, [standard.organizationId]);
        const current = await tx.em.findOne(Contract, { where: { id: contract.id }, lock: { mode: 'pessimistic_write' } });
        if (current?.status === ContractStatus.ACTIVE && current.suspendOnQualityBreach) {
          const reason = `質量標準「${standard.name}」連續${consecutive}個月未達標 (quality standard missed ${consecutive} months running)`;
          await tx.em.update(Contract, { id: contract.id }, { status: ContractStatus.SUSPENDED, statusReason: reason, version: () => 'version + 1', updatedAt: () => 'now()' });
          tx.audit({ action: 'contractSuspend', recordType: 'Contract', recordId: contract.id, details: { from: ContractStatus.ACTIVE, to: ContractStatus.SUSPENDED, reason, by: 'qualityStandard', standardId: standard.id } });
          await emitContractChange(tx, ctx, { ...current, status: ContractStatus.SUSPENDED } as Contract, 'contract.suspended', { status: ContractStatus.SUSPENDED, from: ContractStatus.ACTIVE, reason }, [standard.organizationId]);
        }
      }
      evaluations.push(await tx.em.findOneByOrFail(QualityEvaluation, { id: saved.id }));
    }
    return { evaluations };
  });
}

