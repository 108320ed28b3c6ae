/** The shell: sign-in with the project's secret key, the navigation, and the lazily loaded pages. */
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, checkKey, currentKey, onKeyChange, setKey } from './lib/api.js';
import { linkHandler, useLocation } from './lib/router.js';
import { ProjectContext, type ProjectStatus } from './lib/project.js';
import { detectFeatures, FeaturesContext, type Features } from './lib/features.js';
import { ErrorBox, Loading } from './components/states.js';
import { Login } from './login.js';

interface PageDef {
  readonly path: string;
  readonly title: string;
  readonly load: () => Promise<{ default: ComponentType }>;
  /** Shown only when the server has this part of the API. */
  readonly needs?: keyof Features;
}

// Each page is its own chunk: the first load fetches the shell and the page opened, nothing else.
export const PAGES: readonly PageDef[] = [
  { path: '/', title: 'Overview', load: () => import('./pages/overview.js') },
  { path: '/funnel', title: 'Funnels', load: () => import('./pages/funnel.js') },
  { path: '/trends', title: 'Trends', load: () => import('./pages/trends.js') },
  { path: '/sessions', title: 'Sessions', load: () => import('./pages/sessions.js') },
  { path: '/engagement', title: 'Engagement', load: () => import('./pages/engagement.js') },
  { path: '/retention', title: 'Retention', load: () => import('./pages/retention.js') },
  { path: '/paths', title: 'Paths', load: () => import('./pages/paths.js') },
  { path: '/live', title: 'Live', load: () => import('./pages/live.js') },
  { path: '/reports', title: 'Reports', load: () => import('./pages/reports.js'), needs: 'reports' },
  { path: '/rejected', title: 'Quarantine', load: () => import('./pages/rejected.js') },
];

type Session = { state: 'checking' } | { state: 'login'; message?: string } | { state: 'ready'; status: ProjectStatus; features: Features };

export function App({ handedKey }: { handedKey: string | null }) {
  const [session, setSession] = useState<Session>({ state: 'checking' });

  const signIn = async (key: string): Promise<void> => {
    setSession({ state: 'checking' });
    try {
      const status = await checkKey<ProjectStatus>(key);
      setKey(key);
      setSession({ state: 'ready', status, features: await detectFeatures() });
    } catch (err) {
      const e = err as ApiError;
      const message =
        e.status === 401 ? 'This key is not a project secret key known to this server.' : e.status === 403 ? `${e.message}.` : e.message;
      setSession({ state: 'login', message });
    }
  };

  useEffect(() => {
    const key = handedKey ?? currentKey();
    if (key) void signIn(key);
    else setSession({ state: 'login' });
    // A data call answered 401 (key revoked, server reset): back to the sign-in form.
    return onKeyChange(() => {
      if (currentKey() === null) setSession({ state: 'login', message: 'The server no longer accepts this key. Sign in again.' });
    });
  }, []);

  if (session.state === 'checking') return <div class="center-screen"><Loading label="Opening the dashboard…" /></div>;
  if (session.state === 'login') return <Login onSubmit={signIn} {...(session.message ? { message: session.message } : {})} />;
  return (
    <ProjectContext.Provider value={session.status.project}>
      <FeaturesContext.Provider value={session.features}>
      <Shell
        status={session.status}
        features={session.features}
        onSignOut={() => {
          setKey(null);
          // After the key listener: a chosen sign-out is not an error.
          setSession({ state: 'login' });
        }}
      />
      </FeaturesContext.Provider>
    </ProjectContext.Provider>
  );
}

function Shell({ status, features, onSignOut }: { status: ProjectStatus; features: Features; onSignOut: () => void }) {
  const loc = useLocation();
  const pages = PAGES.filter((p) => p.needs === undefined || features[p.needs]);
  const page = pages.find((p) => p.path === loc.path);
  useEffect(() => {
    document.title = `${page?.title ?? 'Not found'} · ${status.project.name} · Clickpath`;
  }, [page, status.project.name]);
  return (
    <div class="layout">
      <nav class="sidebar" aria-label="Pages">
        <a class="brand" href="/" onClick={linkHandler('/')}>
          <span class="brand-mark" aria-hidden="true" />
          Clickpath
        </a>
        <div class="project-name" title={`project ${status.project.id}, time zone ${status.project.timezone}`}>
          {status.project.name}
          <span class="muted">{status.project.timezone}</span>
        </div>
        <ul>
          {pages.map((p) => (
            <li key={p.path}>
              <a href={p.path} class={p.path === loc.path ? 'active' : undefined} aria-current={p.path === loc.path ? 'page' : undefined} onClick={linkHandler(p.path)}>
                {p.title}
              </a>
            </li>
          ))}
        </ul>
        <button type="button" class="btn-link sign-out" onClick={onSignOut}>
          Sign out
        </button>
      </nav>
      <main class="content">{page ? <LazyPage key={page.path} page={page} /> : <NotFound />}</main>
    </div>
  );
}

function LazyPage({ page }: { page: PageDef }) {
  const [mod, setMod] = useState<ComponentType | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    page.load().then(
      (m) => live && setMod(() => m.default),
      (e: Error) => live && setError(new Error(`this page's code did not load (${e.message}); the server may have been updated: reload the page`)),
    );
    return () => {
      live = false;
    };
  }, [page, attempt]);
  if (error) return <ErrorBox error={error} retry={() => { setError(null); setAttempt((a) => a + 1); }} />;
  if (!mod) return <Loading />;
  const Page = mod;
  return <Page />;
}

function NotFound() {
  return (
    <div class="page">
      <h1>Page not found</h1>
      <p>
        <a href="/" onClick={linkHandler('/')}>Go to the overview</a>
      </p>
    </div>
  );
}
