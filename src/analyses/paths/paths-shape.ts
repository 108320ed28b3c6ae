/**
 * Sankey graph from weighted paths, in one canonical order so results compare and render
 * stably: nodes by depth, then count descending, events before the end node, then event in
 * UTF-8 order; links by their source node's depth, count descending, then source and target the
 * same way.
 */
import { compareUtf8 } from '../shared/utf8-order.js';
import type { PathsLink, PathsNode } from './definition.js';

export function nodeId(depth: number, event: string | null): string {
  return event === null ? `end:${depth}` : `${depth}:${event}`;
}

export interface WeightedPath {
  /** Starts with the start event. */
  readonly path: readonly string[];
  readonly count: number;
}

/** Nodes and links of paths, each path ending in an end node when shorter than `steps` + 1. */
export function sankeyOf(paths: readonly WeightedPath[], steps: number): { nodes: PathsNode[]; links: PathsLink[] } {
  const nodes = new Map<string, { depth: number; event: string | null; count: number }>();
  const links = new Map<string, { source: string; target: string; depth: number; count: number }>();
  for (const { path, count } of paths) {
    const chain: Array<string | null> = path.length < steps + 1 ? [...path, null] : [...path];
    let previous: string | undefined;
    chain.forEach((event, depth) => {
      const id = nodeId(depth, event);
      const node = nodes.get(id) ?? { depth, event, count: 0 };
      node.count += count;
      nodes.set(id, node);
      if (previous !== undefined) {
        const key = JSON.stringify([previous, id]);
        const link = links.get(key) ?? { source: previous, target: id, depth: depth - 1, count: 0 };
        link.count += count;
        links.set(key, link);
      }
      previous = id;
    });
  }
  const nodeList = [...nodes].map(([id, n]) => ({ id, ...n }));
  nodeList.sort(compareNodes);
  const byId = new Map(nodeList.map((n) => [n.id, n]));
  const linkList = [...links.values()];
  linkList.sort(
    (a, b) =>
      a.depth - b.depth ||
      b.count - a.count ||
      compareNodes(byId.get(a.source)!, byId.get(b.source)!) ||
      compareNodes(byId.get(a.target)!, byId.get(b.target)!),
  );
  return {
    nodes: nodeList,
    links: linkList.map(({ source, target, count }) => ({ source, target, count })),
  };
}

function compareNodes(a: PathsNode, b: PathsNode): number {
  if (a.depth !== b.depth) return a.depth - b.depth;
  if (a.count !== b.count) return b.count - a.count;
  if (a.event === null || b.event === null) return a.event === b.event ? 0 : a.event === null ? 1 : -1;
  return compareUtf8(a.event, b.event);
}
