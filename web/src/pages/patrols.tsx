import type { Viewer } from '../app';
export function PatrolsPage(_: { viewer: Viewer }) {
  return <div className="page" data-testid="patrols-page" />;
}
