// Generated from the files of compiler/rules/ by test/compiler/ruleModuleList.test.ts: every
// exported RuleModule, by file name. Do not edit; regenerate with UPDATE_GOLDEN=1.
import { addRule } from "./add.js";
import { aliasesRule } from "./aliases.js";
import { allowRule } from "./allow.js";
import { authRule } from "./auth.js";
import { copyRule } from "./copy.js";
import { deliverRule } from "./deliver.js";
import { enforceRule } from "./enforce.js";
import { groupRule } from "./group.js";
import { groupsRule } from "./groups.js";
import { hostnameRule } from "./hostname.js";
import { limitRule } from "./limit.js";
import { limitsStoreRule } from "./limitsStore.js";
import { listenRule } from "./listen.js";
import { logRule } from "./log.js";
import { masqueradeRule } from "./masquerade.js";
import { metricsRule } from "./metrics.js";
import { milterRule } from "./milter.js";
import { qualifyRule } from "./qualify.js";
import { refuseRule } from "./refuse.js";
import { removeRule } from "./remove.js";
import { replaceRule } from "./replace.js";
import { requireRule } from "./require.js";
import { rewriteRule } from "./rewrite.js";
import { sendersRule } from "./senders.js";
import { signRule } from "./sign.js";
import { throttleRule } from "./throttle.js";
import { timeoutRule } from "./timeout.js";
import { tlsRule } from "./tls.js";
import { workersRule } from "./workers.js";
export const MODULE_LIST = [
    addRule,
    aliasesRule,
    allowRule,
    authRule,
    copyRule,
    deliverRule,
    enforceRule,
    groupRule,
    groupsRule,
    hostnameRule,
    limitRule,
    limitsStoreRule,
    listenRule,
    logRule,
    masqueradeRule,
    metricsRule,
    milterRule,
    qualifyRule,
    refuseRule,
    removeRule,
    replaceRule,
    requireRule,
    rewriteRule,
    sendersRule,
    signRule,
    throttleRule,
    timeoutRule,
    tlsRule,
    workersRule,
];
//# sourceMappingURL=moduleList.js.map