/**
 * A text input with suggestions (event names, property keys, values). Free text stays allowed:
 * the list only helps, so a name that is not in the sample can still be typed.
 */
import { useMemo, useRef, useState } from 'preact/hooks';
import { formatCount } from '../lib/format.js';

export interface Suggestion {
  readonly value: string;
  readonly count?: number;
  readonly hint?: string;
}

let nextId = 0;

export function Combobox({
  value,
  onChange,
  suggestions,
  placeholder,
  label,
  testId,
  width,
}: {
  value: string;
  onChange: (v: string) => void;
  suggestions: readonly Suggestion[];
  placeholder?: string;
  label: string;
  testId?: string;
  width?: string;
}) {
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [text, setText] = useState<string | null>(null);
  const id = useRef(`cb${nextId++}`).current;
  const shown = text ?? value;
  const matches = useMemo(() => {
    const q = (text ?? '').toLowerCase();
    const list = q ? suggestions.filter((s) => s.value.toLowerCase().includes(q)) : suggestions;
    return list.slice(0, 50);
  }, [suggestions, text]);

  const commit = (v: string): void => {
    setText(null);
    setOpen(false);
    if (v !== value) onChange(v);
  };

  return (
    <div class="combobox" style={width ? { width } : undefined}>
      <input
        type="text"
        role="combobox"
        aria-label={label}
        aria-expanded={open && matches.length > 0}
        aria-controls={`${id}-list`}
        aria-autocomplete="list"
        data-testid={testId}
        value={shown}
        placeholder={placeholder}
        spellcheck={false}
        autocomplete="off"
        onFocus={() => {
          setOpen(true);
          setActive(0);
        }}
        onInput={(e) => {
          setText((e.target as HTMLInputElement).value);
          setOpen(true);
          setActive(0);
        }}
        onBlur={() => {
          // Let a click on a suggestion land first.
          window.setTimeout(() => text !== null && commit(text), 150);
          window.setTimeout(() => setOpen(false), 150);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setOpen(true);
            setActive((a) => Math.min(a + 1, matches.length - 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((a) => Math.max(a - 1, 0));
          } else if (e.key === 'Enter') {
            e.preventDefault();
            const pick = open ? matches[active] : undefined;
            commit(pick ? pick.value : shown);
          } else if (e.key === 'Escape') {
            setText(null);
            setOpen(false);
          }
        }}
      />
      {open && matches.length > 0 && (
        <ul class="combobox-list" id={`${id}-list`} role="listbox">
          {matches.map((s, i) => (
            <li
              key={s.value}
              role="option"
              aria-selected={i === active}
              class={i === active ? 'active' : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                commit(s.value);
              }}
              onMouseEnter={() => setActive(i)}
            >
              <span class="combobox-value">{s.value || '(empty)'}</span>
              {(s.count !== undefined || s.hint) && <span class="muted">{s.hint ?? formatCount(s.count)}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
