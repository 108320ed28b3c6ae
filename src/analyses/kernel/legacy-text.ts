/**
 * The bridge for code that still writes SQL text (funnel, sessions: the lead is rewriting them
 * onto the person timeline; the importer's mapped rows and the report state, which splice
 * sessions SQL). Their text was built only from placeholders of the one binder (NumberedParams)
 * or fixed named ones, so it may sit in a fragment; nothing else may call `legacyText`.
 * Delete this file when the last of them composes fragments (docs/architecture.md, "Adopting").
 */
import { render, type Fragment, type Param, type ParamSink } from './sql.js';

/** SQL text a legacy compiler wrote from its own bound placeholders. */
export function legacyText(text: string): Fragment {
  return Object.freeze({ kind: 'fragment', strings: Object.freeze([text]), slots: Object.freeze([]) });
}

const NO_PARAMS: ParamSink = {
  bind(type) {
    throw new Error(`legacy bridge: a ${type} parameter has no placeholder; bind it in the caller`);
  },
};

/**
 * A kernel fragment as legacy text, its project parameter written `{project:String}` (which the
 * legacy callers bind), and any other parameter bound through `sink` (the caller's binder).
 */
export function legacySql(fragment: Fragment, project: Param, sink: ParamSink = NO_PARAMS): string {
  return render(fragment, sink, new Map([[project, '{project:String}']]));
}
