/**
 * The layering `npm test` holds the code to (npm run lint:deps). docs/architecture.md, "Layers",
 * says why each rule exists.
 */
// The top layer: the HTTP API, the CLI, the dashboard's server side, the composition roots, and
// each feature's HTTP edge (its *.plugin.ts / *.route(s).ts files, which may use the api helpers).
const TOP = ['^src/(api|cli|web)/', '^src/(app|plugins)\\.ts$', '\\.(plugin|routes?)\\.ts$'];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules form a tree of layers: a cycle means two modules cannot be understood or changed apart.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'top-layers-on-top',
      severity: 'error',
      comment: 'api, cli and web (and the route modules and composition roots beside them) sit on top: nothing below imports them.',
      from: { path: '^src/', pathNot: TOP },
      to: { path: TOP },
    },
    {
      name: 'analyses-use-the-store-interface',
      severity: 'error',
      comment: 'Analyses talk to the Store interface, never to an engine adapter (src/store/<engine>-store.ts) or the migration machinery, so every adapter runs them. Schema facts (timeline-schema.ts) are fine.',
      from: { path: '^src/analyses/' },
      to: { path: '^src/store/(.+-store|migrations?|create-table)\\.ts$' },
    },
    {
      name: 'collector-and-loader-apart',
      severity: 'error',
      comment: 'What the collector writes and the loader reads (the record format, identity rules) lives below both, in src/records.',
      from: { path: '^src/(collector|loader)/' },
      to: { path: '^src/(collector|loader)/', pathNot: '^src/$1/' },
    },
    {
      name: 'records-below-collector-and-loader',
      severity: 'error',
      comment: 'The record format and identity rules build on event rows only, so both sides of the log can use them.',
      from: { path: '^src/records/' },
      to: { path: '^src/', pathNot: '^src/(records|events)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a cycle through types still ties two modules together.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6'],
  },
};
