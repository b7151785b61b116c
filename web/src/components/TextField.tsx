import { useId, type InputHTMLAttributes, type ReactNode } from 'react';

interface Props extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> {
  label: string;
  /** Help under the field, announced with it by screen readers. */
  hint?: ReactNode;
}

/** A labelled input with optional help: the one shape of every field in the panel's forms. */
export function TextField({ label, hint, ...input }: Props) {
  const id = useId();
  const hintId = `${id}-help`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} {...input} {...(hint ? { 'aria-describedby': hintId } : {})} />
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
    </div>
  );
}
