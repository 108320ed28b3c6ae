/** The analyses this build ships. */
import type { AnyAnalysis } from './analysis.js';
import { funnelAnalysis } from './funnel/index.js';
import { funnelNames } from './funnel-names.js';
import { sessionsAnalysis } from './sessions/index.js';
import { engagementAnalysis } from './engagement/index.js';
import { trendsAnalysis } from './trends/index.js';
import { retentionAnalysis } from './retention/index.js';
import { pathsAnalysis } from './paths/index.js';

export const ALL_ANALYSES: readonly AnyAnalysis[] = [
  // The funnel's names hook lives outside funnel/ until the funnel rewrite takes it in.
  { ...funnelAnalysis, names: funnelNames },
  sessionsAnalysis,
  engagementAnalysis,
  trendsAnalysis,
  retentionAnalysis,
  pathsAnalysis,
];
