// The worker thread that verifies SHA-crypt hashes (passwordHash.ts): unixcrypt runs all of a hash's
// rounds (5,000 by default, 656,000 in passlib's) in one synchronous call, which here holds this
// thread, not the server's event loop.
import * as shaCrypt from "unixcrypt";
import { answerCalls } from "../threads/workerCalls.js";
answerCalls(({ password, hash }) => ({ result: shaCrypt.verify(password, hash) }));
//# sourceMappingURL=shaCryptWorker.js.map