import { useEffect, useState } from 'react';
import { useSubscription } from 'urql';
import { LiveCasesDocument, LiveMeetingsDocument, LivePatrolsDocument } from '../gql/graphql';
import { useI18n } from '../i18n';
import { useLiveStart } from '../live';
import { LiveBadge, formatTime } from '../ui';

interface FeedItem {
  key: string;
  kind: 'case' | 'patrol' | 'meeting';
  type: string;
  text: string;
  at: string;
}

const MAX_ITEMS = 50;

/**
 * Case, patrol and meeting changes in the area as they happen, from the moment the page opened (useLiveStart);
 * each subscription resumes from its last cursor after a drop.
 */
export function LiveFeed({ areaId, onEvent }: { areaId: string; onEvent: () => void }) {
  const { t, lang } = useI18n();
  const [items, setItems] = useState<FeedItem[]>([]);
  const push = (item: FeedItem) => setItems((list) => (list.some((i) => i.key === item.key) ? list : [item, ...list].slice(0, MAX_ITEMS)));

  const after = useLiveStart(onEvent);
  const pause = after === undefined;
  const [cases] = useSubscription({ query: LiveCasesDocument, variables: { areaId, after }, pause });
  const [patrols] = useSubscription({ query: LivePatrolsDocument, variables: { areaId, after }, pause });
  const [meetings] = useSubscription({ query: LiveMeetingsDocument, variables: { after }, pause });

  useEffect(() => {
    const u = cases.data?.caseUpdates;
    if (!u) return;
    push({ key: `c${u.cursor}`, kind: 'case', type: u.type, at: u.occurredAt, text: u.case ? `${u.case.reference} ${u.case.title}` : '' });
    onEvent();
  }, [cases.data]);
  useEffect(() => {
    const u = patrols.data?.patrolUpdates;
    if (!u) return;
    const checkpoints = u.events.filter((e) => e.checkpoint).map((e) => `${e.checkpoint!.name}${e.flagged ? ' ⚑' : ''}`);
    push({ key: `p${u.cursor}`, kind: 'patrol', type: u.type, at: u.occurredAt, text: `${u.patrol?.team.name ?? ''} ${checkpoints.join(', ')}`.trim() });
    onEvent();
  }, [patrols.data]);
  useEffect(() => {
    const u = meetings.data?.meetingsFeed;
    if (!u) return;
    push({ key: `m${u.cursor}`, kind: 'meeting', type: u.type, at: u.occurredAt, text: `${u.meeting?.title ?? ''}${u.agendaItem ? ` · ${u.agendaItem.title}` : ''}` });
    onEvent();
  }, [meetings.data]);

  return (
    <section className="card feed" data-testid="live-feed">
      <h2>{t('feed.title')} <LiveBadge /></h2>
      {items.length === 0 ? <p className="muted">{t('feed.empty')}</p> : null}
      <ul>
        {items.map((item) => (
          <li key={item.key} className={`feed-item ${item.kind}`} data-testid="feed-item" data-kind={item.kind}>
            <time>{formatTime(item.at, lang)}</time> <code>{item.type}</code> <span>{item.text}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
