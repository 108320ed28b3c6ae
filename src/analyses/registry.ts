/** Every analysis the API, CLI and reports can run, by name. */
import type { AnyAnalysis } from './analysis.js';

export class AnalysisRegistry {
  private readonly byName = new Map<string, AnyAnalysis>();

  constructor(analyses: readonly AnyAnalysis[]) {
    for (const a of analyses) {
      if (this.byName.has(a.name)) throw new Error(`analysis "${a.name}" registered twice`);
      this.byName.set(a.name, a);
    }
  }

  get(name: string): AnyAnalysis | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}
