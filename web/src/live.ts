import { useEffect, useRef } from 'react';
import { useQuery } from 'urql';
import { LatestEventCursorDocument } from './gql/graphql';

/**
 * Where a page's live subscriptions start: the event log's newest cursor, read once when the page opens.
 *
 * A subscription without `after` starts wherever the log is when the server gets its socket, and a change that
 * commits between the page's lists and that moment would show only after a reload. Subscribing after this cursor
 * replays every such change instead. The lists may have been read before it, so `onStart` runs once it is known
 * and the page reads them again: whatever committed before the cursor is in that read, whatever after it comes live.
 *
 * undefined while it is read (keep the subscriptions paused); null when it could not be read (they then start from
 * now, as before).
 */
export function useLiveStart(onStart: () => void): string | null | undefined {
  const [{ data, error }] = useQuery({ query: LatestEventCursorDocument, requestPolicy: 'network-only' });
  const start = data?.latestEventCursor ?? (error ? null : undefined);
  const started = useRef(false);
  useEffect(() => {
    if (start === undefined || started.current) return;
    started.current = true;
    onStart();
  }, [start]);
  return start;
}
