import { In } from 'typeorm';
import { byKey, defineLoader } from '../../shared/loaders';
import { User } from './user.entity';

export const usersById = defineLoader<string, User | null>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(User).findBy({ id: In([...ids]) });
  return byKey(ids, rows, (u) => u.id);
});
