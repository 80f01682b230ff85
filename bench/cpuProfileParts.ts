// Where a server's event loop spends a message's time, from a V8 CPU profile (`node --cpu-prof`)
// of one load: each sample's time goes to one part of the work, decided by the innermost frame
// that names one (a file system call is the spool's, a socket write is sockets and TLS), and is
// divided by the messages, so the wire section can say where each millisecond of a message goes.
import fs from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
}

/** The parts of `.cpuprofile` JSON read here. */
export interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfilePart {
  part: string;
  msPerMessage: number;
  /** of the event loop's wall time during the load */
  share: number;
}

/** Loading code and compiling the policy: once per process, reported apart from the per-message parts. */
export const START_UP = "start-up (loading code, compiling the policy)";

/** Leaf names V8 gives to time not spent in a script. */
const SPECIAL = new Map([
  ["(idle)", "idle: waiting for the client, the disk or the next hop"],
  ["(garbage collector)", "garbage collection"],
  ["(program)", "Node and V8 native work"],
]);

/** Frames that name a part, innermost first: the first rule that matches a frame's URL decides. */
const PART_OF_URL: [RegExp, string][] = [
  [/node:internal\/(stream_base_commons|tls|net)|node:net|node:tls|_tls_wrap/, "sockets and TLS (Node)"],
  [/node:internal\/fs|\/runtime\/deliver\/spool|\/runtime\/queue\//, "spool and queue (files, records)"],
  [/\/(pino|sonic-boom|thread-stream|pino-std-serializers)\/|\/runtime\/log\.js|\/runtime\/smtp\/sessionLog\.js/, "logging"],
  [/\/nodemailer\/|\/runtime\/deliver\/relay/, "relay to the next hop (SMTP client)"],
  [/\/runtime\/decision\/|\/graph\//, "policy decisions"],
  [/\/runtime\/(message|address|rewrite|rights|aliases|dkim)\//, "message and address work (checks, edits, added fields)"],
  [/\/runtime\/(auth|limits)\/|\/argon2\//, "AUTH and limits"],
  [/smtp-server|\/runtime\/smtp\/|\/runtime\/submissionServer\.js/, "SMTP protocol (smtp-server and msa's adapter)"],
  [/chevrotain|\/compiler\/|\/grammar\/|node:internal\/modules/, START_UP],
];

function partOf(frame: CallFrame): string | undefined {
  if (frame.url === "") return frame.functionName === "compileSourceTextModule" ? START_UP : undefined;
  return PART_OF_URL.find(([pattern]) => pattern.test(frame.url))?.[1];
}

/** Each part's milliseconds per message and share of the load's time, largest first; start-up apart, in ms. */
export function profileParts(profile: CpuProfile, messages: number): { parts: ProfilePart[]; startUpMs: number } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const partOfNode = new Map<number, string>();
  const classify = (id: number): string => {
    const known = partOfNode.get(id);
    if (known) return known;
    const leaf = byId.get(id)!.callFrame.functionName;
    let part = SPECIAL.get(leaf);
    for (let at: number | undefined = id; part === undefined && at !== undefined; at = parent.get(at)) part = partOf(byId.get(at)!.callFrame);
    part ??= "other (timers, promises, Node internals)";
    partOfNode.set(id, part);
    return part;
  };
  const micros = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    total += delta;
    const part = classify(id);
    micros.set(part, (micros.get(part) ?? 0) + delta);
  });
  const startUp = micros.get(START_UP) ?? 0;
  micros.delete(START_UP);
  const load = total - startUp;
  const parts = [...micros]
    .map(([part, us]) => ({ part, msPerMessage: us / 1000 / Math.max(1, messages), share: load > 0 ? us / load : 0 }))
    .sort((a, b) => b.msPerMessage - a.msPerMessage);
  return { parts, startUpMs: startUp / 1000 };
}

/** Reads the one `.cpuprofile` node wrote into `dir`. */
export function readCpuProfile(dir: string): CpuProfile {
  const files = fs.readdirSync(dir).filter((name) => name.endsWith(".cpuprofile"));
  if (files.length !== 1) throw new Error(`expected one CPU profile in ${dir}, found ${files.length}`);
  return JSON.parse(fs.readFileSync(`${dir}/${files[0]}`, "utf8")) as CpuProfile;
}
