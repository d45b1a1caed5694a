import { highlightParts } from "../lib/textHighlight";

interface Props {
  text: string;
  /** Occurrences of this term are highlighted (the grid's search). */
  highlight?: string | null;
  testId: string;
}

/** A text item, readable: a measure of comfortable width, long texts scroll inside the stage. */
export function TextStage({ text, highlight = null, testId }: Props) {
  const parts = highlightParts(text, highlight);
  return (
    <div className="text-stage" data-testid={testId} tabIndex={-1}>
      <div className="text-stage-body">
        {parts.map((p, i) =>
          p.match ? (
            <mark key={i} className="text-match">
              {p.text}
            </mark>
          ) : (
            p.text
          ),
        )}
      </div>
    </div>
  );
}
