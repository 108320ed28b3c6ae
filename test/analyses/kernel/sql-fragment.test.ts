/** The fragment type's rules: slots take only fragments, params and allow-listed identifiers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, ident, and, join, sql, str, strings, TRUE, type Slot } from '../../../src/analyses/kernel/sql.js';
import { ProjectScope } from '../../../src/analyses/kernel/scope.js';

test('a value only ever becomes a placeholder, numbered in text order; one Param object binds once', () => {
  const name = str("x'); DROP TABLE events; --");
  const q = compile(sql`SELECT 1 WHERE a = ${name} OR b = ${name} OR c IN ${strings(['p', 'q'])}`);
  assert.equal(q.sql, 'SELECT 1 WHERE a = {p0:String} OR b = {p0:String} OR c IN {p1:Array(String)}');
  assert.deepEqual(q.params, { p0: "x'); DROP TABLE events; --", p1: ['p', 'q'] });
});

test('a slot refuses plain text and numbers at run time (and in the types)', () => {
  const text = 'event' as unknown as Slot;
  assert.throws(() => sql`SELECT ${text}`, /slot 0 is a string/);
  assert.throws(() => sql`SELECT ${5 as unknown as Slot}`, /slot 0 is a number/);
});

test('identifiers come from an allow-list only', () => {
  assert.equal(compile(sql`SELECT ${ident('os', ['os'])}`).sql, 'SELECT os');
  assert.throws(() => ident('os; DROP', ['os; DROP']), /not an allowed identifier/);
  assert.throws(() => ident('secret', ['os']), /not an allowed identifier/);
});

test('and/join compose without special cases for empty parts', () => {
  assert.equal(compile(and([])).sql, '1');
  assert.equal(compile(and([TRUE, sql``, sql`a`])).sql, 'a');
  assert.equal(compile(and([sql`a`, sql`b`])).sql, '(a) AND (b)');
  assert.equal(compile(join([sql`a`, sql`b`, sql`c`], ', ')).sql, 'a, b, c');
});

test('every scoped table access carries the project guard, the alias map too', () => {
  const scope = new ProjectScope('db', 'p1');
  const q = compile(scope.events());
  const guards = q.sql.match(/project_id = \{p0:String\}/g) ?? [];
  assert.equal(guards.length, 2, q.sql); // events and person_aliases
  assert.deepEqual(q.params, { p0: 'p1' });
  assert.match(compile(scope.rows('rejected_events')).sql, /^\(SELECT \* FROM db\.rejected_events WHERE project_id = \{p0:String\}\)$/);
});
