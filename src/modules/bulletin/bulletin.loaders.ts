import { In } from 'typeorm';
import { defineByIdLoader, defineLoader, groupByKey } from '../../shared/loaders';
import { Bulletin, BulletinRecipient, BulletinWatch } from './bulletin.entity';

export const bulletinsById = defineByIdLoader(Bulletin);

/** Recipients of each bulletin, by organisation id. */
export const bulletinRecipientsByBulletinId = defineLoader<string, BulletinRecipient[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(BulletinRecipient).find({ where: { bulletinId: In([...ids]) }, order: { organizationId: 'ASC' } });
  return groupByKey(ids, rows, (r) => r.bulletinId);
});

/** Checkpoints each bulletin asks patrols to watch. */
export const bulletinWatchesByBulletinId = defineLoader<string, BulletinWatch[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(BulletinWatch).find({ where: { bulletinId: In([...ids]) }, order: { id: 'ASC' } });
  return groupByKey(ids, rows, (w) => w.bulletinId);
});

/** Watch requests on each checkpoint still in force (bulletin not expired, watch not ended), newest bulletin first. */
export const activeBulletinWatchesByCheckpointId = defineLoader<string, BulletinWatch[]>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(BulletinWatch).createQueryBuilder('w')
    .innerJoin(Bulletin, 'b', 'b.id = w.bulletin_id')
    .where('w.checkpoint_id = ANY(:ids)', { ids: [...ids] })
    .andWhere('(b.expires_at IS NULL OR b.expires_at > now()) AND (w.watch_until IS NULL OR w.watch_until > now())')
    .orderBy('b.issued_at', 'DESC').addOrderBy('w.id').getMany();
  return groupByKey(ids, rows, (w) => w.checkpointId);
});
