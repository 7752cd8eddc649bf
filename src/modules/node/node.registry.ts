import type { AppContext } from '../../shared/context';

/** Loads a record for `node(id:)` and returns it only if the viewer may see it. */
export type NodeFetcher = (ctx: AppContext, id: string) => Promise<object | null>;

const fetchers = new Map<string, NodeFetcher>();

export function registerNodeType(typeName: string, fetcher: NodeFetcher): void {
  fetchers.set(typeName, fetcher);
}

export function nodeFetcher(typeName: string): NodeFetcher | undefined {
  return fetchers.get(typeName);
}
