import { In } from 'typeorm';
import { byKey, defineLoader } from '../../shared/loaders';
import { defineChildConnection } from '../../shared/relay/child-connection';
import { ActionItem } from './action-item.entity';

export const actionItemsById = defineLoader<string, ActionItem | null>(async (ids, ctx) => {
  const rows = await ctx.app.db.getRepository(ActionItem).findBy({ id: In([...ids]) });
  return byKey(ids, rows, (a) => a.id);
});

/** Action items of each meeting, earliest due first. */
export const actionItemsByMeetingId = defineChildConnection<ActionItem>({
  entity: ActionItem,
  parentColumn: 'x.meeting_id',
  sort: [
    { sql: 'x.due_on', value: (a) => a.dueOn },
    { sql: 'x.id', value: (a) => a.id },
  ],
});

/** Action items decided under each agenda item, earliest due first. */
export const actionItemsByAgendaItemId = defineChildConnection<ActionItem>({
  entity: ActionItem,
  parentColumn: 'x.agenda_item_id',
  sort: [
    { sql: 'x.due_on', value: (a) => a.dueOn },
    { sql: 'x.id', value: (a) => a.id },
  ],
});
