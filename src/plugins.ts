/** The feature modules `clickpath serve` and `clickpath demo` mount on top of the core API. */
import type { AppOptions } from './app.js';
import { livePlugin } from './live/live.plugin.js';
import { reportsPlugin } from './reports/reports.plugin.js';
import { webPlugins } from './web/plugins.js';

export function defaultPlugins(): NonNullable<AppOptions['plugins']> {
  return [livePlugin, (app, core, auth) => reportsPlugin(app, core, auth), ...webPlugins()];
}
