// An observed `limit size` only logs: it advertises no SIZE and cuts no message short.
import { describe, expect, it } from "vitest";
import { ehloKeywords } from "../../runtime/decision/authStage.js";
import { newSession } from "../../runtime/decision/session.js";
import { policy } from "./policy.js";

const BASE = ["hostname msa.example.test", "listen 127.0.0.1:2525 plain", "allow unauthenticated"];

describe("observe limit size", () => {
  it("advertises SIZE only for a limit that refuses", () => {
    expect(ehloKeywords(policy(...BASE, "limit size 10MB"), newSession("plain", "127.0.0.1")).size).toBe(10_000_000);
    expect(ehloKeywords(policy(...BASE, "observe limit size 10MB"), newSession("plain", "127.0.0.1")).size).toBeNull();
  });
});
