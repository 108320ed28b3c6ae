/**
 * The names a funnel definition uses, for the kernel's name check (`kernel/names.ts`). Kept out
 * of funnel/ while the funnel is rewritten onto the person timeline; it moves into the funnel's
 * index as its `names` hook then.
 */
import type { AnalysisContext, NamesRequest } from './analysis.js';
import type { FunnelDefinition } from './funnel/definition.js';
import { eventUses, filterUses, propertyUse } from './kernel/name-uses.js';
import { optionalRange } from './shared/time-range.js';

export function funnelNames(ctx: AnalysisContext, def: FunnelDefinition): NamesRequest {
  const steps = def.steps.flatMap((s, i) => [...eventUses(s.event, `steps[${i}].event`), ...filterUses(s.filters, `steps[${i}].filters`)]);
  const exclusions = (def.exclusions ?? []).flatMap((x, i) => [...eventUses(x.event, `exclusions[${i}].event`), ...filterUses(x.filters, `exclusions[${i}].filters`)]);
  const breakdown = def.breakdown ? [propertyUse('breakdown', def.breakdown.type, def.breakdown.property)] : [];
  // The funnel's from (a date or an ISO time with an offset) is a spelling of the shared grammar;
  // later steps may happen up to a window after `to`, so the check reads to the end.
  return { uses: [...steps, ...exclusions, ...filterUses(def.filters), ...breakdown], range: { fromMs: optionalRange(def.from, def.to, ctx.timezone).fromMs, toMs: null } };
}
