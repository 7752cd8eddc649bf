import type { AppContext } from '../../shared/context';
import { UserErrorCode, forbidden } from '../../shared/errors';
import { isLocalDate, today } from '../../shared/clock';
import { fail, failIfAny, inTransaction, updateVersioned, type Tx } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { areasById } from '../area/area.loaders';
import { Patrol, PatrolStatus, PatrolTeam, PatrolTeamKind } from '../patrol/patrol.entity';
import { audienceAt } from '../patrol/patrol.events';
import { findPatrol, findPatrolTeam } from '../patrol/patrol.service';
import { RecognitionKind, RosterCategory, RosterEntry, RosterRecognition } from './roster.entity';
import type { PatrolParticipantsRecordInput, RosterEntryAddInput, RosterEntryLeaveInput, RosterEntryUpdateInput, RosterRecognitionAwardInput } from './roster.inputs';
import { rosterEntriesById, rosterRecognitionsById } from './roster.loaders';
import { canManageRoster, canRecordParticipants, recognitionGiver } from './roster.policy';

export const ROSTER_TOPIC = 'roster';
const MAX_PARTICIPANTS = 100;
const PHONE = /^\+?[0-9 -]{5,20}$/;

// ---------------------------------------------------------------- visibility

/** A roster entry is seen by whoever sees its team, and by the person it names (when linked to their account). */
export async function findRosterEntry(ctx: AppContext, id: string | null): Promise<RosterEntry | null> {
  if (!id || !ctx.viewer.signedIn) return null;
  const entry = await rosterEntriesById(ctx).load(id);
  if (!entry) return null;
  if (entry.userId !== null && entry.userId === ctx.viewer.userId) return entry;
  return (await findPatrolTeam(ctx, entry.teamId)) ? entry : null;
}

export async function findRecognition(ctx: AppContext, id: string | null): Promise<RosterRecognition | null> {
  if (!id || !ctx.viewer.signedIn) return null;
  const recognition = await rosterRecognitionsById(ctx).load(id);
  return recognition && (await findRosterEntry(ctx, recognition.rosterEntryId)) ? recognition : null;
}

// ---------------------------------------------------------------- events

/** One entry in the event log about a team's roster, for the team's audience (the patrol audience) now. Ids and figures only: no names or phones. */
async function emitRoster(tx: Tx, team: PatrolTeam, type: string, payload: Record<string, unknown>): Promise<void> {
  const area = await areasById(tx.ctx).load(team.areaId);
  const path = area?.path ?? '/';
  tx.emit({ topic: ROSTER_TOPIC, type, subjectId: team.id, areaPath: path, organizationIds: await audienceAt(tx, team.organizationId, team.kind === PatrolTeamKind.CONTRACTED, path), payload: { teamId: team.id, ...payload } });
}

// ---------------------------------------------------------------- checks

function categoriesOf(check: InputCheck, raw: RosterCategory[] | null | undefined, required: boolean): RosterCategory[] | null {
  if (raw === null || raw === undefined) {
    if (required) check.add('categories', UserErrorCode.REQUIRED, 'categories is required.');
    return null;
  }
  const unique = [...new Set(raw)];
  if (unique.length === 0) check.add('categories', UserErrorCode.REQUIRED, 'Give at least one category.');
  return unique;
}

function phoneOf(check: InputCheck, raw: string | null | undefined): string | null | undefined {
  if (raw === undefined || raw === null) return raw;
  const phone = raw.trim();
  if (phone === '') return null;
  if (!PHONE.test(phone)) check.add('phone', UserErrorCode.INVALID, 'phone holds digits, spaces and dashes (5-20), with an optional leading +.');
  return phone;
}

function rateOf(check: InputCheck, raw: number | null | undefined): number | null | undefined {
  if (raw === undefined || raw === null) return raw;
  if (!Number.isSafeInteger(raw) || raw < 1 || raw > 10_000_000) check.add('hourlyRateMinor', UserErrorCode.OUT_OF_RANGE, 'hourlyRateMinor is a whole number of minor units between 1 and 10,000,000.');
  return raw;
}

function dayOf(check: InputCheck, field: string, raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  if (!isLocalDate(String(raw))) {
    check.add(field, UserErrorCode.INVALID, `${field} must be a date (YYYY-MM-DD).`);
    return null;
  }
  return String(raw);
}

async function teamToKeep(ctx: AppContext, teamId: string | null): Promise<PatrolTeam> {
  const team = await findPatrolTeam(ctx, teamId);
  if (!team) fail('teamId', UserErrorCode.NOT_FOUND, 'No PatrolTeam with this id.');
  if (!canManageRoster(ctx.viewer, team.organizationId)) throw forbidden("Only the team organisation's ADMINs and COORDINATORs keep its roster.");
  return team;
}

async function entryToKeep(ctx: AppContext, raw: string): Promise<{ entry: RosterEntry; team: PatrolTeam }> {
  const check = new InputCheck();
  const id = check.id('rosterEntryId', raw, 'RosterEntry', { required: true });
  failIfAny(check.errors);
  const entry = await findRosterEntry(ctx, id);
  if (!entry) fail('rosterEntryId', UserErrorCode.NOT_FOUND, 'No RosterEntry with this id.');
  const team = (await findPatrolTeam(ctx, entry.teamId))!;
  if (!canManageRoster(ctx.viewer, team.organizationId)) throw forbidden("Only the team organisation's ADMINs and COORDINATORs keep its roster.");
  return { entry, team };
}

// ---------------------------------------------------------------- roster

export async function addRosterEntry(ctx: AppContext, input: RosterEntryAddInput): Promise<{ rosterEntry: RosterEntry }> {
  const check = new InputCheck();
  const teamId = check.id('teamId', input.teamId, 'PatrolTeam', { required: true });
  const name = check.text('name', input.name, { max: 100, required: true });
  const phone = phoneOf(check, input.phone);
  const categories = categoriesOf(check, input.categories, true);
  const joinedOn = dayOf(check, 'joinedOn', input.joinedOn);
  if (input.joinedOn == null) check.add('joinedOn', UserErrorCode.REQUIRED, 'joinedOn is required.');
  const userId = check.id('userId', input.userId, 'User');
  const hourlyRateMinor = rateOf(check, input.hourlyRateMinor);
  failIfAny(check.errors);
  const team = await teamToKeep(ctx, teamId);
  return inTransaction(ctx, async (tx) => {
    if (userId) {
      const [user] = await tx.em.query(`SELECT id FROM app_user WHERE id = $1`, [userId]);
      if (!user) fail('userId', UserErrorCode.NOT_FOUND, 'No User with this id.');
    }
    const entry = tx.em.create(RosterEntry, { teamId: team.id, name: name!, phone: phone ?? null, categories: categories!, joinedOn: joinedOn!, userId, hourlyRateMinor: hourlyRateMinor ?? null });
    await tx.em.insert(RosterEntry, entry);
    tx.audit({ action: 'rosterEntryAdd', recordType: 'RosterEntry', recordId: entry.id, details: { teamId: team.id, name, categories, joinedOn, userId, hourlyRateMinor: hourlyRateMinor ?? null, phoneGiven: Boolean(phone) } });
    await emitRoster(tx, team, 'roster.entryAdded', { rosterEntryId: entry.id, categories });
    return { rosterEntry: await tx.em.findOneByOrFail(RosterEntry, { id: entry.id }) };
  });
}

export async function updateRosterEntry(ctx: AppContext, input: RosterEntryUpdateInput): Promise<{ rosterEntry: RosterEntry }> {
  const check = new InputCheck();
  const name = input.name == null ? null : check.text('name', input.name, { max: 100, required: true });
  const phone = phoneOf(check, input.phone === '' ? null : input.phone);
  const categories = categoriesOf(check, input.categories, false);
  const hourlyRateMinor = rateOf(check, input.hourlyRateMinor);
  failIfAny(check.errors);
  const { entry, team } = await entryToKeep(ctx, input.rosterEntryId);
  return inTransaction(ctx, async (tx) => {
    const changes: Record<string, unknown> = { updatedAt: () => 'now()' };
    if (name) changes.name = name;
    if (input.phone !== undefined) changes.phone = phone ?? null;
    if (categories) changes.categories = categories;
    if (hourlyRateMinor !== undefined) changes.hourlyRateMinor = hourlyRateMinor;
    await updateVersioned(tx, RosterEntry, entry.id, input.expectedVersion, changes, 'roster entry');
    tx.audit({ action: 'rosterEntryUpdate', recordType: 'RosterEntry', recordId: entry.id, details: { name, categories, hourlyRateMinor, phoneChanged: input.phone !== undefined } });
    await emitRoster(tx, team, 'roster.entryUpdated', { rosterEntryId: entry.id, categories: categories ?? entry.categories });
    return { rosterEntry: await tx.em.findOneByOrFail(RosterEntry, { id: entry.id }) };
  });
}

export async function leaveRoster(ctx: AppContext, input: RosterEntryLeaveInput): Promise<{ rosterEntry: RosterEntry }> {
  const check = new InputCheck();
  const leftOn = dayOf(check, 'leftOn', input.leftOn);
  failIfAny(check.errors);
  const { entry, team } = await entryToKeep(ctx, input.rosterEntryId);
  if (entry.leftOn) fail('rosterEntryId', UserErrorCode.ALREADY_DONE, `They left on ${entry.leftOn}.`);
  if (leftOn! < entry.joinedOn) fail('leftOn', UserErrorCode.DATE_ORDER, 'leftOn lies before the day they joined.');
  return inTransaction(ctx, async (tx) => {
    await updateVersioned(tx, RosterEntry, entry.id, input.expectedVersion, { leftOn, updatedAt: () => 'now()' }, 'roster entry');
    tx.audit({ action: 'rosterEntryLeave', recordType: 'RosterEntry', recordId: entry.id, details: { leftOn } });
    await emitRoster(tx, team, 'roster.entryLeft', { rosterEntryId: entry.id, leftOn });
    return { rosterEntry: await tx.em.findOneByOrFail(RosterEntry, { id: entry.id }) };
  });
}

// ---------------------------------------------------------------- participants

/** The first day of the month (China Standard Time) a patrol counts in. */
export function patrolMonth(patrol: Pick<Patrol, 'plannedStart'>): string {
  return `${new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(patrol.plannedStart)}-01`;
}

/**
 * Records who took part in a patrol, replacing the earlier list. Each person
 * must be on the team's roster on the patrol's day. A person whose pay for
 * the patrol's month was already drawn from their hours cannot be added or
 * removed (PAY_DRAWN): the payout would no longer match the hours.
 */
export async function recordParticipants(ctx: AppContext, input: PatrolParticipantsRecordInput): Promise<{ patrol: Patrol }> {
  const check = new InputCheck();
  const patrolId = check.id('patrolId', input.patrolId, 'Patrol', { required: true });
  const entryIds = check.ids('rosterEntryIds', input.rosterEntryIds, 'RosterEntry', { max: MAX_PARTICIPANTS });
  failIfAny(check.errors);
  const patrol = await findPatrol(ctx, patrolId);
  if (!patrol) fail('patrolId', UserErrorCode.NOT_FOUND, 'No Patrol with this id.');
  const team = (await findPatrolTeam(ctx, patrol.teamId))!;
  const [member] = ctx.viewer.userId ? await ctx.app.db.query(`SELECT 1 FROM patrol_team_member WHERE team_id = $1 AND user_id = $2`, [team.id, ctx.viewer.userId]) : [];
  if (!canRecordParticipants(ctx.viewer, { teamOrganizationId: team.organizationId, viewerIsTeamMember: Boolean(member) })) throw forbidden("Only the team's members and those who run its organisation's patrols record who took part.");
  if (patrol.status === PatrolStatus.CANCELLED) fail('patrolId', UserErrorCode.INVALID_TRANSITION, 'Nobody takes part in a cancelled patrol.');
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(patrol.plannedStart);
  const month = patrolMonth(patrol);
  return inTransaction(ctx, async (tx) => {
    await tx.em.query(`SELECT id FROM patrol WHERE id = $1 FOR UPDATE`, [patrol.id]);
    const rows: { id: string; team_id: string; joined_on: string; left_on: string | null }[] = entryIds.length
      ? await tx.em.query(`SELECT id, team_id, joined_on::text, left_on::text FROM roster_entry WHERE id = ANY($1)`, [entryIds])
      : [];
    const found = new Map(rows.map((r) => [r.id, r]));
    entryIds.forEach((id, i) => {
      const row = found.get(id);
      if (!row || row.team_id !== team.id) check.add(['input', 'rosterEntryIds', String(i)], UserErrorCode.NOT_PERMITTED_HERE, "Not on this patrol team's roster.");
      else if (row.joined_on > day || (row.left_on !== null && row.left_on < day)) check.add(['input', 'rosterEntryIds', String(i)], UserErrorCode.OUT_OF_RANGE, `Not on the team on ${day}.`);
    });
    failIfAny(check.errors);
    const before: string[] = (await tx.em.query(`SELECT roster_entry_id FROM patrol_participant WHERE patrol_id = $1`, [patrol.id])).map((r: { roster_entry_id: string }) => r.roster_entry_id);
    const changed = [...before.filter((id) => !entryIds.includes(id)), ...entryIds.filter((id) => !before.includes(id))];
    if (changed.length) {
      const drawn: { roster_entry_id: string }[] = await tx.em.query(
        `SELECT DISTINCT e.roster_entry_id FROM fund_entry e
          WHERE e.roster_entry_id = ANY($1) AND e.pay_month = $2 AND e.hours IS NOT NULL AND e.reverses_entry_id IS NULL AND e.status <> 'REJECTED'
            AND NOT EXISTS (SELECT 1 FROM fund_entry r WHERE r.reverses_entry_id = e.id AND r.status = 'COUNTED')`,
        [changed, month],
      );
      drawn.forEach((d) => {
        const i = entryIds.indexOf(d.roster_entry_id);
        check.add(i >= 0 ? ['input', 'rosterEntryIds', String(i)] : ['input', 'rosterEntryIds'], UserErrorCode.PAY_DRAWN, `Pay for ${month.slice(0, 7)} was already drawn from this person's hours; reverse that payout first.`);
      });
      failIfAny(check.errors);
    }
    await tx.em.query(`DELETE FROM patrol_participant WHERE patrol_id = $1 AND NOT (roster_entry_id = ANY($2::uuid[]))`, [patrol.id, entryIds]);
    if (entryIds.length) await tx.em.query(`INSERT INTO patrol_participant (patrol_id, roster_entry_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`, [patrol.id, entryIds]);
    tx.audit({ action: 'patrolParticipantsRecord', recordType: 'Patrol', recordId: patrol.id, details: { before, after: entryIds } });
    await emitRoster(tx, team, 'roster.participantsRecorded', { patrolId: patrol.id, rosterEntryIds: entryIds, month });
    return { patrol: await tx.em.findOneByOrFail(Patrol, { id: patrol.id }) };
  });
}

// ---------------------------------------------------------------- recognition

export async function awardRecognition(ctx: AppContext, input: RosterRecognitionAwardInput): Promise<{ recognition: RosterRecognition }> {
  const check = new InputCheck();
  const entryId = check.id('rosterEntryId', input.rosterEntryId, 'RosterEntry', { required: true });
  const reason = check.text('reason', input.reason, { max: 1000, required: true });
  const points = check.int('points', input.points, { min: 0, max: 1000 });
  if (input.kind === RecognitionKind.POINTS && points === 0) check.add('points', UserErrorCode.OUT_OF_RANGE, 'POINTS gives at least 1 point.');
  const awardedOn = input.awardedOn == null ? today() : dayOf(check, 'awardedOn', input.awardedOn);
  if (awardedOn && awardedOn > today()) check.add('awardedOn', UserErrorCode.OUT_OF_RANGE, 'awardedOn must not lie in the future.');
  failIfAny(check.errors);
  const entry = await findRosterEntry(ctx, entryId);
  if (!entry) fail('rosterEntryId', UserErrorCode.NOT_FOUND, 'No RosterEntry with this id.');
  const team = (await findPatrolTeam(ctx, entry.teamId))!;
  const area = await areasById(ctx).load(team.areaId);
  return inTransaction(ctx, async (tx) => {
    const audience = await audienceAt(tx, team.organizationId, team.kind === PatrolTeamKind.CONTRACTED, area?.path ?? '/');
    const giver = recognitionGiver(ctx.viewer, [team.organizationId, ...audience.filter((id) => id !== team.organizationId)]);
    if (!giver) throw forbidden("Recognition is given by ADMINs and COORDINATORs of the team's organisation or of the community and police station over its area.");
    const recognition = tx.em.create(RosterRecognition, { rosterEntryId: entry.id, kind: input.kind, points: points ?? 0, reason: reason!, awardedOn: awardedOn!, awardedByUserId: ctx.viewer.userId!, awardedByOrganizationId: giver });
    await tx.em.insert(RosterRecognition, recognition);
    tx.audit({ action: 'rosterRecognitionAward', recordType: 'RosterRecognition', recordId: recognition.id, details: { rosterEntryId: entry.id, kind: input.kind, points, reason, awardedOn, organizationId: giver } });
    await emitRoster(tx, team, 'roster.recognitionAwarded', { rosterEntryId: entry.id, rosterRecognitionId: recognition.id, kind: input.kind, points: points ?? 0 });
    return { recognition: await tx.em.findOneByOrFail(RosterRecognition, { id: recognition.id }) };
  });
}
