/**
 * The funnel analysis: of the people who did step 1, how many reached each next step, where they
 * dropped off, how long it took, by breakdown value and over time. Semantics: docs/funnels.md.
 */
import type { Analysis } from '../analysis.js';
import { funnelDefinitionSchema, type FunnelDefinition } from './definition.js';
import { funnelTable, type FunnelResult } from './result.js';
import { runFunnel } from './run-funnel.js';

export const funnelAnalysis: Analysis<FunnelDefinition, FunnelResult> = {
  name: 'funnel',
  description: 'Conversion through 2-32 ordered, strict or any-order steps within a window, with exclusions, breakdowns and trend',
  schema: funnelDefinitionSchema,
  run: runFunnel,
  toTable: funnelTable,
};

export { personsAtStep, personsOptionIssues, type PersonsAtStepOptions, type PersonsAtStepResult, type FunnelPerson } from './persons.js';
export { formatIssues, formatPath, parseFunnelDefinition, funnelDefinitionSchema, type FunnelDefinition, type DefinitionIssue } from './definition.js';
export { trendTable, funnelTable, type FunnelResult, type FunnelStepResult, type FunnelBreakdownRow, type FunnelTrendRow } from './result.js';
export { planFunnel } from './funnel-plan.js';
export { compileFunnel } from './funnel-compiler.js';
