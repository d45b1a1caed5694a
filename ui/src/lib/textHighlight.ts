/** A text split around the places a search term occurs, for highlighting. */
export interface TextPart {
  text: string;
  match: boolean;
}

/**
 * `text` in parts: the occurrences of `term` (case-insensitive, as the grid's search) marked
 * `match`, the rest between them. A blank term gives the whole text as one part.
 */
export function highlightParts(text: string, term: string | null | undefined): TextPart[] {
  const t = (term ?? "").trim();
  if (t === "" || text === "") return [{ text, match: false }];
  const escaped = t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(escaped, "gi");
  const parts: TextPart[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    const at = m.index ?? 0;
    if (at > last) parts.push({ text: text.slice(last, at), match: false });
    parts.push({ text: m[0], match: true });
    last = at + m[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), match: false });
  return parts.length ? parts : [{ text, match: false }];
}
