import { IsNull } from 'typeorm';
import type { AppContext } from '../../shared/context';
import { clock } from '../../shared/clock';
import { forbidden, UserErrorCode } from '../../shared/errors';
import { fromGlobalId } from '../../shared/relay/global-id';
import { fail, failIfAny, inTransaction } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { areasById } from '../area/area.loaders';
import { jurisdictionOrganizationIdsByAreaId } from '../case/case.loaders';
import { caseFacts, findCase } from '../case/case.service';
import { contractPartiesByContractId } from '../contract/contract.loaders';
import { SIGNED_STATUSES } from '../contract/contract.policy';
import { findContract } from '../contract/contract.service';
import { LegalEducationStatus } from '../legal-education/legal-education.entity';
import { findActivity } from '../legal-education/legal-education.service';
import { clearBoardCache, publicArea } from './public.board';
import { Area } from '../area/area.entity';
import { idOf } from '../../shared/relay/global-id';
import { Publication, PublicationRecordType, type PublicArea, type PublicationPublishInput, type PublicationWithdrawInput } from './public.entity';
import { activityPublisher, casePublisher, contractPublisher, withdrawingOrganization } from './public.policy';

export const PUBLICATION_TOPIC = 'publication';

const TYPES: Record<string, PublicationRecordType> = {
  Case: PublicationRecordType.CASE,
  LegalEducationActivity: PublicationRecordType.LEGAL_EDUCATION_ACTIVITY,
  Contract: PublicationRecordType.CONTRACT,
};

/** The payload key naming the record, so the feed shows its global id. */
const ID_KEYS: Record<PublicationRecordType, string> = {
  [PublicationRecordType.CASE]: 'caseId',
  [PublicationRecordType.LEGAL_EDUCATION_ACTIVITY]: 'legalEducationActivityId',
  [PublicationRecordType.CONTRACT]: 'contractId',
};

/** The area a contract's results appear under: its widest scope area (the shallowest, then by path). */
export async function contractBoardAreaId(db: { query(sql: string, parameters?: unknown[]): Promise<{ area_id: string }[]> }, contractId: string): Promise<string | null> {
  const [scope] = await db.query(`SELECT ca.area_id FROM contract_area ca JOIN area a ON a.id = ca.area_id WHERE ca.contract_id = $1 ORDER BY a.depth, a.path LIMIT 1`, [contractId]);
  return scope?.area_id ?? null;
}

interface Target {
  type: PublicationRecordType;
  id: string;
  areaId: string;
  /** The organisation the viewer may publish it for, or null. */
  publisher: string | null;
  /** Why it cannot be published now, if it cannot. */
  notPublishable: { code: UserErrorCode; message: string } | null;
}

/** The record behind a global id as the viewer may see it, with who may publish it; null when unknown or invisible. */
async function target(ctx: AppContext, recordId: string): Promise<Target | null> {
  const parsed = fromGlobalId(recordId);
  const type = parsed ? TYPES[parsed.type] : undefined;
  if (!parsed || !type) return null;
  if (type === PublicationRecordType.CASE) {
    const record = await findCase(ctx, parsed.id);
    if (!record) return null;
    return {
      type,
      id: record.id,
      areaId: record.areaId,
      publisher: casePublisher(ctx.viewer, await caseFacts(ctx, record)),
      notPublishable: record.supervisedAt ? null : { code: UserErrorCode.NOT_PERMITTED_HERE, message: 'Only cases under public supervision (掛牌督辦) are published.' },
    };
  }
  if (type === PublicationRecordType.LEGAL_EDUCATION_ACTIVITY) {
    const activity = await findActivity(ctx, parsed.id);
    if (!activity) return null;
    const upcoming = activity.status === LegalEducationStatus.PLANNED && activity.startsAt > clock.now();
    return {
      type,
      id: activity.id,
      areaId: activity.areaId,
      publisher: activityPublisher(ctx.viewer, activity.organizerOrganizationId),
      notPublishable: upcoming ? null : { code: UserErrorCode.INVALID_TRANSITION, message: 'Only planned activities still to come are published.' },
    };
  }
  const contract = await findContract(ctx, parsed.id);
  if (!contract) return null;
  const parties = await contractPartiesByContractId(ctx).load(contract.id);
  const scope = await contractBoardAreaId(ctx.app.db, contract.id);
  return {
    type,
    id: contract.id,
    areaId: scope ?? '',
    publisher: contractPublisher(ctx.viewer, parties.filter((p) => p.role === 'CLIENT').map((p) => p.organizationId)),
    notPublishable: !SIGNED_STATUSES.includes(contract.status)
      ? { code: UserErrorCode.INVALID_TRANSITION, message: 'Only a signed contract has results to publish.' }
      : scope ? null : { code: UserErrorCode.INVALID, message: 'The contract has no scope area.' },
  };
}

async function emitPublication(ctx: AppContext, tx: Parameters<Parameters<typeof inTransaction>[1]>[0], publication: Publication, type: string, payload: Record<string, unknown>): Promise<void> {
  const area = await areasById(ctx).load(publication.areaId);
  const jurisdiction = await jurisdictionOrganizationIdsByAreaId(ctx).load(publication.areaId);
  tx.emit({
    topic: PUBLICATION_TOPIC,
    type,
    areaPath: area?.path ?? null,
    organizationIds: [publication.publishedByOrganizationId, ...jurisdiction],
    payload: { recordType: publication.recordType, [ID_KEYS[publication.recordType]]: publication.recordId, ...payload },
  });
}

export async function publish(ctx: AppContext, input: PublicationPublishInput): Promise<{ publication: Publication }> {
  const check = new InputCheck();
  const summary = check.text('summary', input.summary, { max: 500 });
  failIfAny(check.errors);
  const record = await target(ctx, input.recordId);
  if (!record) fail('recordId', UserErrorCode.NOT_FOUND, 'No publishable record with this id.');
  if (!record.publisher) throw forbidden('Only ADMINs, COORDINATORs and LIAISON_OFFICERs of the responsible organisation publish (for contracts, an ADMIN of a client).');
  if (record.notPublishable) fail('recordId', record.notPublishable.code, record.notPublishable.message);
  const result = await inTransaction(ctx, async (tx) => {
    const live = await tx.em.findOneBy(Publication, { recordType: record.type, recordId: record.id, withdrawnAt: IsNull() });
    if (live) fail('recordId', UserErrorCode.ALREADY_DONE, 'It is already published.');
    const publication = tx.em.create(Publication, { recordType: record.type, recordId: record.id, areaId: record.areaId, summary, publishedByOrganizationId: record.publisher!, publishedByUserId: ctx.viewer.userId });
    await tx.em.insert(Publication, publication);
    tx.audit({ action: 'publicationPublish', recordType: record.type, recordId: record.id, details: { publicationId: publication.id, summary, organizationId: record.publisher } });
    await emitPublication(ctx, tx, publication, 'publication.published', {});
    return { publication: await tx.em.findOneByOrFail(Publication, { id: publication.id }) };
  });
  clearBoardCache();
  return result;
}

/** Takes a record off the board; the publication row stays, stamped, and the audit trail keeps who and why. */
export async function withdraw(ctx: AppContext, input: PublicationWithdrawInput): Promise<{ publication: Publication }> {
  const check = new InputCheck();
  const reason = check.text('reason', input.reason, { max: 1000, required: true });
  failIfAny(check.errors);
  const record = await target(ctx, input.recordId);
  if (!record) fail('recordId', UserErrorCode.NOT_FOUND, 'No publishable record with this id.');
  const result = await inTransaction(ctx, async (tx) => {
    const live = await tx.em.findOne(Publication, { where: { recordType: record.type, recordId: record.id, withdrawnAt: IsNull() }, lock: { mode: 'pessimistic_write' } });
    const by = live ? withdrawingOrganization(ctx.viewer, record.publisher, live.publishedByOrganizationId) : record.publisher;
    if (!by && !ctx.viewer.isPlatformAdmin) throw forbidden('Only those who may publish the record, or the organisation that published it, withdraw it.');
    if (!live) fail('recordId', UserErrorCode.NOT_FOUND, 'It is not published.');
    await tx.em.update(Publication, { id: live.id }, { withdrawnAt: clock.now(), withdrawnByUserId: ctx.viewer.userId, withdrawnReason: reason });
    tx.audit({ action: 'publicationWithdraw', recordType: record.type, recordId: record.id, details: { publicationId: live.id, reason, organizationId: by, publishedAt: live.publishedAt } });
    await emitPublication(ctx, tx, live, 'publication.withdrawn', { reason });
    return { publication: await tx.em.findOneByOrFail(Publication, { id: live.id }) };
  });
  clearBoardCache();
  return result;
}

/** Areas for the public board: the top-level ones, or the children of one, by name (at most 500). */
export async function listPublicAreas(ctx: AppContext, parentGlobalId: string | undefined): Promise<PublicArea[]> {
  const parent = parentGlobalId ? idOf(parentGlobalId, 'Area') : null;
  if (parentGlobalId && !parent) return [];
  const qb = ctx.app.db.getRepository(Area).createQueryBuilder('a');
  if (parent) qb.where('a.parent_id = :parent', { parent });
  else qb.where('a.parent_id IS NULL');
  return (await qb.orderBy('a.name').addOrderBy('a.id').limit(500).getMany()).map(publicArea);
}
