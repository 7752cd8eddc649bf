import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import type { AppContext } from '../../shared/context';
import { Access, AccessLevel } from '../../shared/auth/policy';
import { badUserInput, notFound } from '../../shared/errors';
import type { EventRecord } from '../../shared/events/event.entity';
import { eventStream, parseCursor } from '../../shared/events/event-stream';
import { Connection, ConnectionArgs, toConnection } from '../../shared/relay/connection';
import { filterId, idOf } from '../../shared/relay/global-id';
import { withUserErrors } from '../../shared/transaction';
import { InputCheck } from '../../shared/validation';
import { registerNodeType } from '../node/node.registry';
import { Organization } from '../organization/organization.entity';
import { organizationsById } from '../organization/organization.loaders';
import { Contract } from '../contract/contract.entity';
import { findContract } from '../contract/contract.service';
import { PatrolTeam } from '../patrol/patrol.entity';
import { findPatrolTeam } from '../patrol/patrol.service';
import { User } from '../user/user.entity';
import { usersById } from '../user/user.loaders';
import { FundAmount, FundEntry, FundStatement, FundStatementFigures, SecurityFund } from './fund.entity';
import { FUND_TOPIC, FundUpdate, toFundUpdate } from './fund.events';
import {
  FundEntryDecideInput,
  FundEntryPayload,
  FundEntryRecordInput,
  FundEntryReverseInput,
  FundPayoutFromHoursInput,
  FundStatementPayload,
  FundStatementPublishInput,
  SecurityFundCreateInput,
  SecurityFundPayload,
  SecurityFundUpdateInput,
} from './fund.inputs';
import { balanceMinorByFundId, fundEntriesByFundId, fundEntriesById, fundIdByTeamId, fundStatementsByFundId, securityFundsById, reversalIdByEntryId, teamIdsByFundId } from './fund.loaders';
import { approveEntry, createFund, findFund, findFundEntry, findFundStatement, listFunds, recordEntry, rejectEntry, reverseEntry, updateFund } from './fund.service';
import { checkPeriod, computeFigures, publishStatement } from './fund.statement';
import { payoutFromHours } from './fund.payroll';

const SecurityFundConnection = Connection(SecurityFund);
const FundEntryConnection = Connection(FundEntry);

registerNodeType('SecurityFund', (ctx, id) => findFund(ctx, id));
registerNodeType('FundEntry', (ctx, id) => findFundEntry(ctx, id));
registerNodeType('FundStatement', (ctx, id) => findFundStatement(ctx, id));

@Resolver(() => SecurityFund)
export class SecurityFundResolver {
  @Query(() => SecurityFundConnection, { description: 'Security funds you may see (your organisations\', those you supervise or guide, those paying your teams or contracts), by name.' })
  @Access(AccessLevel.SIGNED_IN)
  async securityFunds(
    @Ctx() ctx: AppContext,
    @Args() page: ConnectionArgs,
    @Arg('organizationId', () => ID, { nullable: true, description: 'Only the funds of this organisation.' }) organizationId?: string,
    @Arg('withinAreaId', () => ID, { nullable: true, description: 'Only the funds of organisations whose home area lies in this area or below it.' }) withinAreaId?: string,
  ) {
    return toConnection(await listFunds(ctx, { organizationId: filterId(organizationId, 'Organization'), withinAreaId: filterId(withinAreaId, 'Area') }, page));
  }

  @Query(() => SecurityFund, { nullable: true, description: 'One security fund; null when it does not exist or you may not see it.' })
  @Access(AccessLevel.SIGNED_IN)
  securityFund(@Ctx() ctx: AppContext, @Arg('id', () => ID, { description: 'Global id of the fund.' }) id: string) {
    return findFund(ctx, idOf(id, 'SecurityFund'));
  }

  @Mutation(() => SecurityFundPayload, { description: 'Sets up a security fund of an organisation, optionally paying patrol teams and a contract. People who are ADMINs of the organisation.' })
  @Access(AccessLevel.WRITE)
  securityFundCreate(@Ctx() ctx: AppContext, @Arg('input', { description: 'The fund.' }) input: SecurityFundCreateInput) {
    return withUserErrors<SecurityFundPayload>(() => createFund(ctx, input));
  }

  @Mutation(() => SecurityFundPayload, { description: "Renames a fund or changes the teams and contract it pays (expectedVersion guards against overwriting). People who are ADMINs of the fund's organisation." })
  @Access(AccessLevel.WRITE)
  securityFundUpdate(@Ctx() ctx: AppContext, @Arg('input', { description: 'The change.' }) input: SecurityFundUpdateInput) {
    return withUserErrors<SecurityFundPayload>(() => updateFund(ctx, input));
  }

  @Mutation(() => FundEntryPayload, {
    description:
      "Records a contribution (counts at once) or a payout (PENDING until a second person approves it). Refused with PERIOD_PUBLISHED on a day of a published period. People who act for the fund's organisation (not OBSERVERs, not API clients).",
  })
  @Access(AccessLevel.WRITE)
  fundEntryRecord(@Ctx() ctx: AppContext, @Arg('input', { description: 'The entry.' }) input: FundEntryRecordInput) {
    return withUserErrors<FundEntryPayload>(() => recordEntry(ctx, input));
  }

  @Mutation(() => FundEntryPayload, { description: "Approves a pending payout or reversal so that it counts. Two-person rule: its recorder cannot (SECOND_PERSON_REQUIRED). ADMINs and COORDINATORs of the fund's organisation." })
  @Access(AccessLevel.WRITE)
  fundEntryApprove(@Ctx() ctx: AppContext, @Arg('input', { description: 'The entry.' }) input: FundEntryDecideInput) {
    return withUserErrors<FundEntryPayload>(() => approveEntry(ctx, input));
  }

  @Mutation(() => FundEntryPayload, { description: "Rejects a pending payout or reversal, with a reason; it never counts. Not by its recorder. ADMINs and COORDINATORs of the fund's organisation." })
  @Access(AccessLevel.WRITE)
  fundEntryReject(@Ctx() ctx: AppContext, @Arg('input', { description: 'The entry and reason.' }) input: FundEntryDecideInput) {
    return withUserErrors<FundEntryPayload>(() => rejectEntry(ctx, input));
  }

  @Mutation(() => FundEntryPayload, {
    description:
      "Corrects a counted entry by a new reversing entry dated in an open period (entries are never edited; an entry of a published period is corrected this way). The reversal waits for a second person's approval. People who act for the fund's organisation.",
  })
  @Access(AccessLevel.WRITE)
  fundEntryReverse(@Ctx() ctx: AppContext, @Arg('input', { description: 'The entry to reverse.' }) input: FundEntryReverseInput) {
    return withUserErrors<FundEntryPayload>(() => reverseEntry(ctx, input));
  }

  @Mutation(() => FundEntryPayload, {
    description:
      "Draws a paid guard's pay for an ended month from the hours of the completed patrols they took part in (hours x rate) into a GUARD_PAY payout, PENDING until a second person approves it. Once per person and month (PAY_DRAWN) unless that payout was rejected or reversed. People who act for the fund's organisation.",
  })
  @Access(AccessLevel.WRITE)
  fundPayoutFromHours(@Ctx() ctx: AppContext, @Arg('input', { description: 'The fund, person and month.' }) input: FundPayoutFromHoursInput) {
    return withUserErrors<FundEntryPayload>(() => payoutFromHours(ctx, input));
  }

  @Mutation(() => FundStatementPayload, {
    description:
      "Publishes (公示) the statement of an ended period; the period is then frozen. Refused with APPROVALS_PENDING while entries of the period await approval and with PERIOD_PUBLISHED when it overlaps a published period. People who are ADMINs of the fund's organisation.",
  })
  @Access(AccessLevel.WRITE)
  fundStatementPublish(@Ctx() ctx: AppContext, @Arg('input', { description: 'The fund and period.' }) input: FundStatementPublishInput) {
    return withUserErrors<FundStatementPayload>(() => publishStatement(ctx, input));
  }

  @Subscription(() => FundUpdate, {
    description: "Changes of one fund: entries recorded, approved and rejected, statements published. Each event is delivered only if you may see the fund as of that event. Replays what came after `after` first, then goes live.",
    subscribe: async ({ args, context }) => {
      const ctx = context as AppContext;
      const cursor = parseCursor(args.after);
      const fund = await findFund(ctx, idOf(args.fundId, 'SecurityFund'));
      if (!fund) throw notFound('SecurityFund');
      const fundId = fund.id;
      return eventStream(ctx, { topic: FUND_TOPIC, subjectId: fundId, stillAllowed: async (now) => (await findFund(now, fundId)) !== null }, cursor);
    },
  })
  @Access(AccessLevel.SIGNED_IN)
  fundUpdates(
    @Root() event: EventRecord,
    @Arg('fundId', () => ID, { description: 'The fund to watch.' }) _fundId: string,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last update you have; omit to receive only new updates.' }) _after?: string,
  ): FundUpdate {
    return toFundUpdate(event);
  }

  @FieldResolver(() => Organization, { description: 'The organisation that collects, manages and supervises the fund.' })
  organization(@Root() fund: SecurityFund, @Ctx() ctx: AppContext) {
    return organizationsById(ctx).load(fund.organizationId);
  }

  @FieldResolver(() => Contract, { nullable: true, description: 'The contract the fund pays; null when none or you may not see it.' })
  contract(@Root() fund: SecurityFund, @Ctx() ctx: AppContext) {
    return findContract(ctx, fund.contractId);
  }

  @FieldResolver(() => [PatrolTeam], { description: 'The patrol teams paid from the fund that you may see.' })
  async teams(@Root() fund: SecurityFund, @Ctx() ctx: AppContext) {
    const teams = await Promise.all((await teamIdsByFundId(ctx).load(fund.id)).map((id) => findPatrolTeam(ctx, id)));
    return teams.filter((t): t is PatrolTeam => t !== null);
  }

  @FieldResolver(() => FundAmount, { description: 'The balance of the counted entries (pending payouts not subtracted).' })
  async balance(@Root() fund: SecurityFund, @Ctx() ctx: AppContext) {
    return Object.assign(new FundAmount(), { amountMinor: await balanceMinorByFundId(ctx).load(fund.id), currency: fund.currency });
  }

  @FieldResolver(() => FundEntryConnection, { description: 'Every entry, pending and rejected ones included, in date order (then as recorded).' })
  async entries(@Root() fund: SecurityFund, @Ctx() ctx: AppContext, @Args() page: ConnectionArgs) {
    return toConnection(await fundEntriesByFundId(ctx, fund.id, page));
  }

  @FieldResolver(() => FundStatementFigures, { description: 'The figures of any period (at most 366 days), published or not, from the counted entries as they stand now.' })
  async statement(
    @Root() fund: SecurityFund,
    @Ctx() ctx: AppContext,
    @Arg('periodStart', () => LocalDateResolver, { description: 'First day.' }) periodStart: string,
    @Arg('periodEnd', () => LocalDateResolver, { description: 'Last day.' }) periodEnd: string,
  ) {
    const check = new InputCheck();
    if (!checkPeriod(check, String(periodStart), String(periodEnd))) throw badUserInput(check.errors.map((e) => e.message).join(' '));
    return computeFigures(ctx.app.db.manager, fund, String(periodStart), String(periodEnd));
  }

  @FieldResolver(() => [FundStatement], { description: 'The published statements (公示), oldest period first.' })
  statements(@Root() fund: SecurityFund, @Ctx() ctx: AppContext) {
    return fundStatementsByFundId(ctx).load(fund.id);
  }
}

@Resolver(() => FundEntry)
export class FundEntryResolver {
  @FieldResolver(() => SecurityFund, { description: 'The fund.' })
  async fund(@Root() entry: FundEntry, @Ctx() ctx: AppContext) {
    return findFund(ctx, entry.fundId);
  }

  @FieldResolver(() => User, { description: 'Who recorded it.' })
  recordedBy(@Root() entry: FundEntry, @Ctx() ctx: AppContext) {
    return usersById(ctx).load(entry.recordedByUserId);
  }

  @FieldResolver(() => User, { nullable: true, description: 'The second person who approved it; null for a contribution and while pending.' })
  approvedBy(@Root() entry: FundEntry, @Ctx() ctx: AppContext) {
    return entry.approvedByUserId ? usersById(ctx).load(entry.approvedByUserId) : null;
  }

  @FieldResolver(() => User, { nullable: true, description: 'The second person who rejected it.' })
  rejectedBy(@Root() entry: FundEntry, @Ctx() ctx: AppContext) {
    return entry.rejectedByUserId ? usersById(ctx).load(entry.rejectedByUserId) : null;
  }

  @FieldResolver(() => FundEntry, { nullable: true, description: 'For a reversing entry: the entry it undoes.' })
  reverses(@Root() entry: FundEntry, @Ctx() ctx: AppContext) {
    return entry.reversesEntryId ? fundEntriesById(ctx).load(entry.reversesEntryId) : null;
  }

  @FieldResolver(() => FundEntry, { nullable: true, description: 'The entry reversing this one, if any (pending, counted or rejected).' })
  async reversedBy(@Root() entry: FundEntry, @Ctx() ctx: AppContext) {
    const id = await reversalIdByEntryId(ctx).load(entry.id);
    return id ? fundEntriesById(ctx).load(id) : null;
  }
}

@Resolver(() => FundStatement)
export class FundStatementResolver {
  @FieldResolver(() => SecurityFund, { description: 'The fund.' })
  fund(@Root() statement: FundStatement, @Ctx() ctx: AppContext) {
    return findFund(ctx, statement.fundId);
  }

  @FieldResolver(() => User, { description: 'Who published it.' })
  publishedBy(@Root() statement: FundStatement, @Ctx() ctx: AppContext) {
    return usersById(ctx).load(statement.publishedByUserId);
  }

  @FieldResolver(() => String, { description: 'ISO 4217 currency of the amounts.' })
  async currency(@Root() statement: FundStatement, @Ctx() ctx: AppContext) {
    return (await securityFundsById(ctx).load(statement.fundId))?.currency ?? 'CNY';
  }
}

@Resolver(() => FundUpdate)
export class FundUpdateResolver {
  @FieldResolver(() => SecurityFund, { nullable: true, description: 'The fund as it is now.' })
  fund(@Root() update: FundUpdate, @Ctx() ctx: AppContext) {
    return findFund(ctx, String(update.event.payload.fundId));
  }

  @FieldResolver(() => FundEntry, { nullable: true, description: 'For entry events: the entry as it is now.' })
  entry(@Root() update: FundUpdate, @Ctx() ctx: AppContext) {
    const id = update.event.payload.entryId;
    return typeof id === 'string' ? findFundEntry(ctx, id) : null;
  }

  @FieldResolver(() => FundStatement, { nullable: true, description: 'For fund.statementPublished: the statement.' })
  statement(@Root() update: FundUpdate, @Ctx() ctx: AppContext) {
    const id = update.event.payload.statementId;
    return typeof id === 'string' ? findFundStatement(ctx, id) : null;
  }
}

@Resolver(() => PatrolTeam)
export class PatrolTeamFundResolver {
  @FieldResolver(() => SecurityFund, { nullable: true, description: 'The security fund the team is paid from; null when none or you may not see it.' })
  async fund(@Root() team: PatrolTeam, @Ctx() ctx: AppContext) {
    return findFund(ctx, await fundIdByTeamId(ctx).load(team.id));
  }
}

export const fundResolvers = [SecurityFundResolver, FundEntryResolver, FundStatementResolver, FundUpdateResolver, PatrolTeamFundResolver] as const;
