import { describe, expect, it } from "vitest";
import { signinToken } from "./signin";

describe("signinToken", () => {
  it("reads the token from a sign-in link's fragment", () => {
    expect(signinToken({ pathname: "/signin", hash: "#token=arb_abc-_9" })).toBe("arb_abc-_9");
    expect(signinToken({ pathname: "/signin/", hash: "#token=arb_x&x=1" })).toBe("arb_x");
  });

  it("is null elsewhere or without a token", () => {
    expect(signinToken({ pathname: "/", hash: "#token=arb_abc" })).toBeNull();
    expect(signinToken({ pathname: "/signin", hash: "" })).toBeNull();
    expect(signinToken({ pathname: "/signin", hash: "#token=" })).toBeNull();
  });
});
