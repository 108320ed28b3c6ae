/** The exact API definition behind a view, for the CLI (`--definition file.json`) or a script. */
export function DefinitionBox({ analysis, definition }: { analysis: string; definition: unknown }) {
  const text = JSON.stringify(definition, null, 2);
  return (
    <details class="definition-box">
      <summary>Definition (POST /v1/query/{analysis})</summary>
      <pre>{text}</pre>
      <button type="button" class="btn btn-small" onClick={() => void navigator.clipboard?.writeText(text)}>
        Copy
      </button>
    </details>
  );
}
