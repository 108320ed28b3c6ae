/**
 * Result and definition shapes of the analyses, taken from the server's own modules (type-only:
 * nothing of the server reaches the bundle), so a change of shape there fails the dashboard's
 * type check instead of a page at run time.
 */
export type { FunnelResult, FunnelStepResult, FunnelBreakdownRow, FunnelTrendRow } from '../../../src/analyses/funnel/result.js';
export type { FunnelDefinition } from '../../../src/analyses/funnel/definition.js';
export type { TrendsResult, TrendsSeries, TrendsPeriod } from '../../../src/analyses/trends/definition.js';
export type { SessionsResult, SessionDay, SessionRow } from '../../../src/analyses/sessions/result.js';
export type { PersonsAtStepResult, FunnelPerson } from '../../../src/analyses/funnel/persons.js';
export type { RetentionResult, RetentionCohort } from '../../../src/analyses/retention/definition.js';
export type { PathsResult, PathsNode, PathsLink, PathsEntry } from '../../../src/analyses/paths/definition.js';
export type { EngagementResult, EngagementDay, EngagementItemDay } from '../../../src/analyses/engagement/result.js';
export type { Report, ReportRun } from '../../../src/reports/report-definition.js';
