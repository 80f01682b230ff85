// `msac serve --compiled` refuses a compiled graph that does not match the graph's schema: exit 1,
// the JSON path of the first wrong field on stderr, and no listener opened (issue 14).
import { readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MSAC, makeDeployedFolder } from "../support/deployedFolder.js";
import { freePort } from "../support/freePort.js";
import { runProcess, startProcess } from "../support/processes.js";

const node = process.execPath;
let dir: string;

beforeAll(async () => {
  dir = await makeDeployedFolder("msa-tampered-");
}, 150_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

/** Compiles a policy listening on `port` and returns its graph as a plain object to tamper with. */
async function compiledGraph(name: string, port: number): Promise<Record<string, any>> {
  const file = join(dir, `${name}.msa`);
  await writeFile(
    file,
    [
      "hostname msa.example.test",
      'tls certificate "certs/server.pem" key "certs/server.key"',
      `listen 127.0.0.1:${port} plain`,
      'auth users "users.passwd"',
      "require auth",
      "qualify domains example.test",
      "enforce address syntax",
      "add Received",
      `deliver spool "spool-${name}"`,
    ].join("\n") + "\n",
  );
  const out = join(dir, `${name}.json`);
  const compiled = await runProcess(node, [MSAC, "compile", file, "-o", out]);
  expect(compiled.code, compiled.stderr).toBe(0);
  return JSON.parse(await readFile(out, "utf8")) as Record<string, any>;
}

const tamperings: { name: string; tamper: (graph: Record<string, any>) => void; path: RegExp }[] = [
  { name: "a missing stage", tamper: (graph) => delete graph.stages.rcpt, path: /missing `stages\.rcpt`/ },
  {
    name: "a node of unknown kind",
    tamper: (graph) => {
      graph.stages.mail.before[1].kind = "RequireMagic";
    },
    path: /`stages\.mail\.before\[1\]\.kind`/,
  },
  {
    name: "a field of the wrong type",
    tamper: (graph) => {
      graph.listeners[0].port = String(graph.listeners[0].port);
    },
    path: /`listeners\[0\]\.port`: .*expected number/,
  },
  { name: "a missing deliver", tamper: (graph) => delete graph.deliver, path: /missing `deliver`/ },
];

describe("msac serve --compiled with a tampered graph", () => {
  it.each(tamperings)("refuses $name with the path of the field, exit 1, nothing listening", async ({ name, tamper, path }) => {
    const port = await freePort();
    const slug = name.replace(/\W+/g, "-");
    const graph = await compiledGraph(slug, port);
    tamper(graph);
    const file = join(dir, `${slug}.tampered.json`);
    await writeFile(file, JSON.stringify(graph, null, 2));
    const msa = startProcess(node, [MSAC, "serve", "--compiled", file]);
    const code = await msa.waitForExit(15_000).catch(async (error: unknown) => {
      await msa.stop("SIGKILL");
      throw error;
    });
    expect(code).toBe(1);
    expect(msa.stderr).toMatch(path);
    expect(msa.stderr).toContain(file);
    expect(await refusesConnections(port)).toBe(true);
  });

  it("still serves the untampered graph", async () => {
    const port = await freePort();
    const graph = await compiledGraph("untampered", port);
    const file = join(dir, "untampered.json");
    await writeFile(file, JSON.stringify(graph));
    const msa = startProcess(node, [MSAC, "serve", "--compiled", file]);
    await msa.waitForLine((l) => l.json?.event === "listening", 15_000);
    expect(await refusesConnections(port)).toBe(false);
    expect(await msa.stop()).toBe(0);
  });
});
