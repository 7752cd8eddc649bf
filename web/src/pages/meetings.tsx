import type { Viewer } from '../app';
export function MeetingsPage(_: { viewer: Viewer }) {
  return <div className="page" data-testid="meetings-page" />;
}
