/** The project the secret key belongs to, as /v1/status reports it; every page reads it. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export interface ProjectInfo {
  readonly id: string;
  readonly name: string;
  readonly timezone: string;
}

export interface ProjectStatus {
  project: ProjectInfo;
  eventsStored: number;
  personsStored: number;
  rejectedCount: number;
  lastEventAt: string | null;
  log: { lagBytes: number; position: number; end: number };
  loader: {
    lastLoadAt: string | null; lastError: string | null; errorKind?: 'data' | 'transient' | 'unknown' | null;
    failedAttempts?: number; eventsLoaded: number; duplicatesSkipped: number; refused?: number;
  };
}

export const ProjectContext = createContext<ProjectInfo>({ id: '', name: '', timezone: 'UTC' });

export const useProject = (): ProjectInfo => useContext(ProjectContext);
