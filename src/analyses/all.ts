/** The analyses this build ships. */
import type { AnyAnalysis } from './analysis.js';
import { funnelAnalysis } from './funnel/index.js';
import { sessionsAnalysis } from './sessions/index.js';
import { trendsAnalysis } from './trends/index.js';
import { retentionAnalysis } from './retention/index.js';

export const ALL_ANALYSES: readonly AnyAnalysis[] = [funnelAnalysis, sessionsAnalysis, trendsAnalysis, retentionAnalysis];
