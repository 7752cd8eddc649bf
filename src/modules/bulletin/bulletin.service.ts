import type { AppContext } from '../../shared/context';
import { clock } from '../../shared/clock';
import { forbidden, UserErrorCode } from '../../shared/errors';
import { Connection, type ConnectionArgs, paginate } from '../../shared/relay/connection';
import { fail, failIfAny, inTransaction } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { areasById } from '../area/area.loaders';
import { jurisdictionOrganizationIdsByAreaId } from '../case/case.loaders';
import { Organization, OrganizationKind } from '../organization/organization.entity';
import { findCheckpoint } from '../patrol/patrol.service';
import { Bulletin, BulletinRecipient, BulletinWatch, type BulletinAcknowledgeInput, type BulletinIssueInput, type BulletinKind } from './bulletin.entity';
import { bulletinRecipientsByBulletinId, bulletinsById } from './bulletin.loaders';
import { canAcknowledgeBulletin, canIssueBulletin, canSeeBulletin } from './bulletin.policy';

export const BULLETIN_TOPIC = 'bulletin';
const ISSUER_KINDS = [OrganizationKind.POLICE_STATION, OrganizationKind.STREET_OFFICE];

export const BulletinConnection = Connection(Bulletin);

/** One bulletin, or null when unknown or not visible (the two look alike). */
export async function findBulletin(ctx: AppContext, id: string | null): Promise<Bulletin | null> {
  if (!id || !ctx.viewer.signedIn) return null;
  const bulletin = await bulletinsById(ctx).load(id);
  if (!bulletin) return null;
  const recipients = await bulletinRecipientsByBulletinId(ctx).load(bulletin.id);
  return canSeeBulletin(ctx.viewer, { issuerOrganizationId: bulletin.issuerOrganizationId, recipientOrganizationIds: recipients.map((r) => r.organizationId) }) ? bulletin : null;
}

/** Something that runs SQL: the data source, a transaction's or the demo loader's entity manager. */
type Sql = { query(sql: string, parameters?: unknown[]): Promise<any[]> };

/**
 * The organisations a bulletin reaches: those of the addressed kinds (every
 * kind when none is given) that are at home in the area subtree, hold
 * jurisdiction in it or run a patrol team there; never the issuer. (The
 * keepers of checkpoints it asks patrols to watch are added by the caller.)
 */
export async function bulletinRecipientIds(db: Sql, issuerId: string, areaPath: string, kinds: readonly OrganizationKind[]): Promise<string[]> {
  const rows: { id: string }[] = await db.query(
    `SELECT o.id FROM organization o
      WHERE o.id <> $1 AND (cardinality($3::text[]) = 0 OR o.kind = ANY($3::text[]))
        AND (EXISTS (SELECT 1 FROM area a WHERE a.id = o.home_area_id AND a.path LIKE $2 || '%')
          OR EXISTS (SELECT 1 FROM organization_jurisdiction j JOIN area a ON a.id = j.area_id WHERE j.organization_id = o.id AND a.path LIKE $2 || '%')
          OR EXISTS (SELECT 1 FROM patrol_team t JOIN area a ON a.id = t.area_id WHERE t.organization_id = o.id AND a.path LIKE $2 || '%'))
      ORDER BY o.id`,
    [issuerId, areaPath, kinds],
  );
  return rows.map((r) => r.id);
}

export async function issueBulletin(ctx: AppContext, input: BulletinIssueInput): Promise<{ bulletin: Bulletin }> {
  const check = new InputCheck();
  const issuerId = check.id('issuerOrganizationId', input.issuerOrganizationId, 'Organization', { required: true });
  const areaId = check.id('areaId', input.areaId, 'Area', { required: true });
  const title = check.text('title', input.title, { max: 200, required: true });
  const body = check.text('body', input.body, { max: 10_000, required: true });
  const now = clock.now();
  if (input.expiresAt && new Date(input.expiresAt) <= now) check.add('expiresAt', UserErrorCode.OUT_OF_RANGE, 'expiresAt lies in the past.');
  if (input.watches.length > 50) check.add('watches', UserErrorCode.OUT_OF_RANGE, 'At most 50 places to watch.');
  const watches = input.watches.slice(0, 50).map((w, i) => {
    const at = ['input', 'watches', String(i)];
    const checkpointId = check.id(`watches.${i}.checkpointId`, w.checkpointId, 'Checkpoint', { required: true });
    if (w.watchUntil && new Date(w.watchUntil) <= now) check.add([...at, 'watchUntil'], UserErrorCode.OUT_OF_RANGE, 'watchUntil lies in the past.');
    return { checkpointId, note: check.text(`watches.${i}.note`, w.note, { max: 500 }), watchUntil: w.watchUntil ? new Date(w.watchUntil) : null };
  });
  failIfAny(check.errors);
  if (!canIssueBulletin(ctx.viewer, issuerId!)) throw forbidden("Only the issuer's ADMINs, COORDINATORs and LIAISON_OFFICERs issue its bulletins.");
  const [issuer, area, covering] = await Promise.all([
    ctx.app.db.getRepository(Organization).findOneBy({ id: issuerId! }),
    areasById(ctx).load(areaId!),
    jurisdictionOrganizationIdsByAreaId(ctx).load(areaId!),
  ]);
  if (!area) fail('areaId', UserErrorCode.NOT_FOUND, 'No Area with this id.');
  if (!issuer || !ISSUER_KINDS.includes(issuer.kind)) fail('issuerOrganizationId', UserErrorCode.NOT_PERMITTED_HERE, 'Bulletins are issued by police stations and street offices.');
  if (!covering.includes(issuer.id)) fail('areaId', UserErrorCode.NOT_PERMITTED_HERE, "The area lies outside the issuer's jurisdiction.");
  const seen = new Set<string>();
  const watchOwners: string[] = [];
  for (const [i, w] of watches.entries()) {
    const checkpoint = await findCheckpoint(ctx, w.checkpointId);
    if (checkpoint && checkpoint.organizationId !== issuer.id) watchOwners.push(checkpoint.organizationId);
    const checkpointArea = checkpoint ? await areasById(ctx).load(checkpoint.areaId) : null;
    if (!checkpoint || checkpoint.retiredAt) check.add(['input', 'watches', String(i), 'checkpointId'], UserErrorCode.NOT_FOUND, 'No Checkpoint with this id.');
    else if (!checkpointArea?.path.startsWith(area.path)) check.add(['input', 'watches', String(i), 'checkpointId'], UserErrorCode.NOT_PERMITTED_HERE, "The checkpoint lies outside the bulletin's area.");
    if (seen.has(w.checkpointId!)) check.add(['input', 'watches', String(i), 'checkpointId'], UserErrorCode.DUPLICATE, 'Each checkpoint once.');
    seen.add(w.checkpointId!);
  }
  failIfAny(check.errors);
  const kinds = [...new Set(input.targetKinds)];
  // Whoever keeps a checkpoint the patrols are asked to watch is told, whatever its kind.
  const recipients = [...new Set([...(await bulletinRecipientIds(ctx.app.db, issuer.id, area.path, kinds)), ...watchOwners])].sort();
  if (recipients.length === 0) fail('targetKinds', UserErrorCode.NOT_FOUND, 'No organisation of these kinds in the area.');
  return inTransaction(ctx, async (tx) => {
    const bulletin = tx.em.create(Bulletin, {
      issuerOrganizationId: issuer.id,
      kind: input.kind,
      severity: input.severity,
      title: title!,
      body: body!,
      areaId: area.id,
      targetKinds: kinds,
      caseCategory: input.caseCategory ?? null,
      issuedByUserId: ctx.viewer.userId,
      issuedAt: now,
      expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
    });
    await tx.em.insert(Bulletin, bulletin);
    await tx.em.insert(BulletinRecipient, recipients.map((organizationId) => ({ bulletinId: bulletin.id, organizationId })));
    if (watches.length) await tx.em.insert(BulletinWatch, watches.map((w) => ({ bulletinId: bulletin.id, checkpointId: w.checkpointId!, note: w.note, watchUntil: w.watchUntil })));
    tx.audit({ action: 'bulletinIssue', recordType: 'Bulletin', recordId: bulletin.id, details: { kind: input.kind, severity: input.severity, areaId: area.id, targetKinds: kinds, recipients: recipients.length, watches: watches.length } });
    tx.emit({
      topic: BULLETIN_TOPIC,
      type: 'bulletin.issued',
      subjectId: bulletin.id,
      areaPath: area.path,
      organizationIds: [issuer.id, ...recipients],
      payload: { bulletinId: bulletin.id, issuerOrganizationId: issuer.id, kind: input.kind, severity: input.severity, title, checkpointIds: watches.map((w) => w.checkpointId!) },
    });
    return { bulletin: await tx.em.findOneByOrFail(Bulletin, { id: bulletin.id }) };
  });
}

export async function acknowledgeBulletin(ctx: AppContext, input: BulletinAcknowledgeInput): Promise<{ bulletin: Bulletin }> {
  const check = new InputCheck();
  const bulletinId = check.id('bulletinId', input.bulletinId, 'Bulletin', { required: true });
  const organizationId = check.id('organizationId', input.organizationId, 'Organization', { required: true });
  const note = check.text('note', input.note, { max: 1000 });
  failIfAny(check.errors);
  const bulletin = await findBulletin(ctx, bulletinId);
  if (!bulletin) fail('bulletinId', UserErrorCode.NOT_FOUND, 'No Bulletin with this id.');
  if (!canAcknowledgeBulletin(ctx.viewer, organizationId!)) throw forbidden('Only members who act for the recipient acknowledge for it.');
  const area = await areasById(ctx).load(bulletin.areaId);
  const result = await inTransaction(ctx, async (tx) => {
    const recipient = await tx.em.findOne(BulletinRecipient, { where: { bulletinId: bulletin.id, organizationId: organizationId! }, lock: { mode: 'pessimistic_write' } });
    if (!recipient) fail('organizationId', UserErrorCode.NOT_PERMITTED_HERE, 'The bulletin was not addressed to this organisation.');
    if (recipient.acknowledgedAt) fail('bulletinId', UserErrorCode.ALREADY_DONE, 'This organisation has already acknowledged the bulletin.');
    const at = clock.now();
    await tx.em.update(BulletinRecipient, { bulletinId: bulletin.id, organizationId: organizationId! }, { acknowledgedAt: at, acknowledgedByUserId: ctx.viewer.userId, acknowledgementNote: note });
    tx.audit({ action: 'bulletinAcknowledge', recordType: 'Bulletin', recordId: bulletin.id, details: { organizationId, note } });
    tx.emit({
      topic: BULLETIN_TOPIC,
      type: 'bulletin.acknowledged',
      subjectId: bulletin.id,
      areaPath: area?.path ?? null,
      organizationIds: [bulletin.issuerOrganizationId, organizationId!],
      payload: { bulletinId: bulletin.id, organizationId, acknowledgedAt: at.toISOString() },
    });
    return { bulletin };
  });
  // The recipients were read (for visibility) before the change: the payload must show it.
  bulletinRecipientsByBulletinId(ctx).clear(bulletin.id);
  return result;
}

export interface BulletinFilter {
  organizationId: string | null;
  unacknowledgedOnly: boolean;
  kinds: BulletinKind[] | null;
}

/** Bulletins the viewer's organisations issued or received (all for platform admins), newest first. */
export async function listBulletins(ctx: AppContext, filter: BulletinFilter, page: ConnectionArgs) {
  const qb = ctx.app.db.getRepository(Bulletin).createQueryBuilder('b');
  const mine = ctx.viewer.organizationIds;
  if (!ctx.viewer.isPlatformAdmin) {
    qb.andWhere(`(b.issuer_organization_id = ANY(:mine) OR EXISTS (SELECT 1 FROM bulletin_recipient r WHERE r.bulletin_id = b.id AND r.organization_id = ANY(:mine)))`, { mine });
  }
  if (filter.organizationId) {
    qb.andWhere(`(b.issuer_organization_id = :org OR EXISTS (SELECT 1 FROM bulletin_recipient r WHERE r.bulletin_id = b.id AND r.organization_id = :org))`, { org: filter.organizationId });
  }
  if (filter.unacknowledgedOnly) {
    qb.andWhere(`EXISTS (SELECT 1 FROM bulletin_recipient r WHERE r.bulletin_id = b.id AND r.acknowledged_at IS NULL AND r.organization_id = ANY(:pending))`, {
      pending: filter.organizationId ? [filter.organizationId] : mine,
    });
  }
  if (filter.kinds?.length) qb.andWhere('b.kind IN (:...kinds)', { kinds: filter.kinds });
  return paginate(qb, page, [
    { sql: '(-EXTRACT(EPOCH FROM b.issued_at))', value: (b) => -b.issuedAt.getTime() / 1000 },
    { sql: 'b.id', value: (b) => b.id },
  ]);
}
