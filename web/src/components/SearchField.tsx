import { useId } from 'react';

interface Props {
  label: string;
  placeholder?: string;
  value: string;
  onChange: (value: string) => void;
  /** Said after the field, live: "3 apps" or "nothing found". */
  status?: string;
}

/** A search box that filters what is on the page as the owner types. */
export function SearchField({ label, placeholder, value, onChange, status }: Props) {
  const id = useId();
  return (
    <div className="field search-field" role="search">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="search"
        value={value}
        placeholder={placeholder}
        autoComplete="off"
        spellCheck={false}
        onChange={(event) => onChange(event.target.value)}
        {...(status ? { 'aria-describedby': `${id}-status` } : {})}
      />
      {status !== undefined && (
        <p id={`${id}-status`} className="hint" aria-live="polite">
          {status}
        </p>
      )}
    </div>
  );
}
