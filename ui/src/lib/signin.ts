/**
 * The token of a sign-in link (`http://HOST:PORT/signin#token=arb_…`), or null when the page was
 * not opened from one. The token sits in the fragment, which the browser never sends.
 */
export function signinToken(location: { pathname: string; hash: string }): string | null {
  if (location.pathname.replace(/\/+$/, "") !== "/signin") return null;
  const token = new URLSearchParams(location.hash.replace(/^#/, "")).get("token");
  return token && token.trim() !== "" ? token.trim() : null;
}
