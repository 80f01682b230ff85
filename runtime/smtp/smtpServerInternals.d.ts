// Types for the part of smtp-server's connection class that msa extends
// (the package publishes types for the server only).
declare module "smtp-server/lib/smtp-connection.js" {
  import type { EventEmitter } from "node:events";
  import type { Socket } from "node:net";
  import type { SMTPServerSession } from "smtp-server";

  export class SMTPConnection extends EventEmitter {
    constructor(server: unknown, socket: unknown, options: unknown);
    id: string;
    session: SMTPServerSession & { disabledCommands?: string[] };
    secure: boolean;
    remoteAddress: string;
    /** The socket replies are written to: the TLS socket once STARTTLS is done. */
    _socket: Socket;
    /** True while a STARTTLS handshake runs: nothing may be written then. */
    _upgrading: boolean;
    send(code: number, data?: string | string[], context?: string | false): void;
    init(): void;
    _setListeners(callback: () => void): void;
    connectionReady(next?: () => void): void;
    handler_EHLO(command: Buffer | string, callback: () => void): void;
    handler_AUTH(command: Buffer | string, callback: () => void): void;
    _validateMailParams(parsed: { args?: Record<string, string | true> | false }): unknown;
    _parseAddressCommand(name: string, command: Buffer | string): unknown;
    /** Forgets the transaction: at the greeting, EHLO, HELO, RSET, after DATA and after STARTTLS. */
    _resetSession(): void;
  }
}
