// `auth dovecot`: logins checked by Dovecot's auth service, as Postfix's `smtpd_sasl_type = dovecot`
// does. Dovecot's answers become login results: OK accepted (under the name Dovecot gives), FAIL
// rejected, a temporary failure or no answer unavailable (the client hears 454 4.7.0).
import type { LoginSource } from "../../graph/graph.js";
import { plainAddress } from "../proxy/proxyProtocol.js";
import { DovecotAuthClient, describeEndpoint } from "./dovecotAuthClient.js";
import type { LoginBackend, LoginClient, LoginResult } from "./loginBackend.js";

export class DovecotLogins implements LoginBackend {
  readonly name: string;
  private readonly client: DovecotAuthClient;

  constructor(source: LoginSource & { kind: "dovecot" }) {
    this.name = `Dovecot ${describeEndpoint(source.endpoint)}`;
    this.client = new DovecotAuthClient(source.endpoint, { timeoutMs: source.timeoutMs });
  }

  async verify(login: string, password: string, client?: LoginClient): Promise<LoginResult> {
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

  close(): Promise<void> {
    return this.client.close();
  }
}
