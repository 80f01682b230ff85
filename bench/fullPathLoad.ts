// The full-path bench's Node client for one round, as a process of its own (fullPathClient.ts
// runNodeLoadApart): `node dist/bench/fullPathLoad.js REQUEST_JSON RESULT_FILE`.
import fs from "node:fs";
import { fullPathMessages, type NodeLoadRequest, runNodeLoad } from "./fullPathClient.js";

const [request, resultFile] = process.argv.slice(2);
if (!request || !resultFile) throw new Error("usage: fullPathLoad.js REQUEST_JSON RESULT_FILE");
const run = await runNodeLoad({ ...(JSON.parse(request) as NodeLoadRequest), messages: fullPathMessages() });
fs.writeFileSync(resultFile, JSON.stringify({ ...run, starts: [...(run.starts ?? [])] }));
