/** The analyses this build ships. */
import type { AnyAnalysis } from './analysis.js';

export const ALL_ANALYSES: readonly AnyAnalysis[] = [];
