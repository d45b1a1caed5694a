/**
 * A form field for a file or folder path: its label, a text input (a path may be typed or pasted)
 * and a "Choose…" button beside it that opens the native picker; hints and errors go below.
 */
import type { ChangeEvent, ReactNode } from "react";

interface Props {
  /** The input's id (the label points at it). */
  id: string;
  /** The input's data-testid. */
  testId: string;
  /** The Choose… button's data-testid, if tests need it. */
  chooseTestId?: string;
  /** What the label says (the field's name, and a muted note). */
  label: ReactNode;
  value: string;
  onChange: (e: ChangeEvent<HTMLInputElement>) => void;
  /** Open the native picker. */
  onChoose: () => void;
  placeholder?: string;
  disabled: boolean;
  invalid?: boolean;
  /** Hints and errors under the input. */
  children?: ReactNode;
}

export function PathField({ id, testId, chooseTestId, label, value, onChange, onChoose, placeholder, disabled, invalid, children }: Props) {
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <div className="input-with-button">
        <input
          id={id}
          type="text"
          data-testid={testId}
          value={value}
          onChange={onChange}
          placeholder={placeholder}
          spellCheck={false}
          autoComplete="off"
          disabled={disabled}
          aria-invalid={invalid}
        />
        <button type="button" className="button" data-testid={chooseTestId} onClick={onChoose} disabled={disabled}>
          Choose…
        </button>
      </div>
      {children}
    </div>
  );
}
