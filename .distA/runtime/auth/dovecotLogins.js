import { plainAddress } from "../proxy/proxyProtocol.js";
import { DovecotAuthClient, describeEndpoint } from "./dovecotAuthClient.js";
export class DovecotLogins {
    name;
    client;
    constructor(source) {
        this.name = `Dovecot ${describeEndpoint(source.endpoint)}`;
        this.client = new DovecotAuthClient(source.endpoint, { timeoutMs: source.timeoutMs });
    }
    async verify(login, password, client) {
        const answer = await this.client.authenticate({
            login,
            password,
            // `::ffff:192.0.2.1` (a dual-stack socket's IPv4 client) as Dovecot's penalty and logs name it.
            ...(client ? { remoteAddress: plainAddress(client.remoteAddress), localAddress: plainAddress(client.localAddress) } : {}),
            secured: client?.secured ?? false,
        });
        switch (answer.kind) {
            case "ok":
                return { kind: "accepted", login: answer.user };
            case "fail":
                return { kind: "rejected", reason: answer.reason ? `Dovecot: ${answer.reason}` : "Dovecot refused the login" };
            case "unavailable":
                return { kind: "unavailable", reason: answer.reason };
        }
    }
    close() {
        return this.client.close();
    }
}
//# sourceMappingURL=dovecotLogins.js.map