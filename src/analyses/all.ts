/** The analyses this build ships. */
import type { AnyAnalysis } from './analysis.js';
import { funnelAnalysis } from './funnel/index.js';
import { sessionsAnalysis } from './sessions/index.js';
import { engagementAnalysis } from './engagement/index.js';
import { trendsAnalysis } from './trends/index.js';
import { retentionAnalysis } from './retention/index.js';
import { pathsAnalysis } from './paths/index.js';

export const ALL_ANALYSES: readonly AnyAnalysis[] = [
  funnelAnalysis,
  sessionsAnalysis,
  engagementAnalysis,
  trendsAnalysis,
  retentionAnalysis,
  pathsAnalysis,
];
