import { defineByIdLoader } from '../../shared/loaders';
import { defineChildConnection } from '../../shared/relay/child-connection';
import { ActionItem } from './action-item.entity';

export const actionItemsById = defineByIdLoader(ActionItem);

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
