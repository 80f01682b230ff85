// `msac serve FILE` / `msac serve --compiled OUT.json`: compile (or load) the
// policy and run the server until SIGTERM or SIGINT, then stop gracefully:
// stop accepting, let sessions in flight finish, exit 0.
import fs from "node:fs";
import type { RuleGraph } from "../compiler/graph.js";
import { loadGraph } from "../compiler/graphJson.js";
import { createEventLog } from "../runtime/log.js";
import { startQueueRunner } from "../runtime/queue/queueRunner.js";
import { SubmissionServer } from "../runtime/submissionServer.js";
import { ExitStatus, type CommandIo } from "./io.js";
import { compileForCommand } from "./loadPolicy.js";

export function loadServeGraph(file: string | undefined, compiled: string | undefined, io: CommandIo): RuleGraph | number {
  if (compiled) {
    let text: string;
    try {
      text = fs.readFileSync(compiled, "utf8");
    } catch (error) {
      io.stderr.write(`msac: cannot read \`${compiled}\`: ${(error as Error).message}\n`);
      return ExitStatus.usage;
    }
    const loaded = loadGraph(text);
    if (!loaded.ok) {
      io.stderr.write(`msac: ${compiled}: ${loaded.message}\n`);
      return ExitStatus.errors;
    }
    return loaded.graph;
  }
  if (!file) {
    io.stderr.write("msac serve: give a policy FILE or --compiled OUT.json\n");
    return ExitStatus.usage;
  }
  const result = compileForCommand(file, io);
  return result.ok ? result.result.graph! : result.status;
}

export async function runServe(file: string | undefined, options: { compiled?: string }, io: CommandIo): Promise<number> {
  const graph = loadServeGraph(file, options.compiled, io);
  if (typeof graph === "number") return graph;
  const log = createEventLog(graph);
  const server = new SubmissionServer(graph, { log });
  try {
    await server.start();
  } catch (error) {
    log.error({ event: "start-failed", err: (error as Error).message }, "cannot start");
    await server.stop(0);
    return ExitStatus.errors;
  }
  // Store and forward: the runner forwards what the spool holds, including what an earlier run left.
  const queue = startQueueRunner(graph, log);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ event: "stopping", signal }, "stopping");
      process.off("SIGTERM", onTerm);
      process.off("SIGINT", onInt);
      resolve();
    };
    const onTerm = () => stop("SIGTERM");
    const onInt = () => stop("SIGINT");
    process.on("SIGTERM", onTerm);
    process.on("SIGINT", onInt);
  });
  await Promise.all([server.stop(), queue.stop()]);
  return ExitStatus.ok;
}
