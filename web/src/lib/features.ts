/**
 * Parts of the API a server may or may not have (saved reports are a separate module): found out
 * once after sign-in, so the UI offers only what works instead of buttons that fail.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { ApiError, apiGet } from './api.js';

export interface Features {
  readonly reports: boolean;
}

export const NO_FEATURES: Features = { reports: false };

export async function detectFeatures(): Promise<Features> {
  try {
    await apiGet('/v1/reports');
    return { reports: true };
  } catch (err) {
    // 404: the module is not served. Any other failure: offer it and let the page show the error.
    return { reports: !(err instanceof ApiError && err.status === 404) };
  }
}

export const FeaturesContext = createContext<Features>(NO_FEATURES);

export const useFeatures = (): Features => useContext(FeaturesContext);
