// Types for the part of smtp-server's connection class that msa extends
// (the package publishes types for the server only).
declare module "smtp-server/lib/smtp-connection.js" {
  import type { EventEmitter } from "node:events";
  import type { Socket } from "node:net";
  import type { SMTPServerAuthentication, SMTPServerAuthenticationResponse, SMTPServerSession } from "smtp-server";

  /** smtp-server's command line parser: a Writable that the socket is piped into. */
  export interface SmtpLineParser {
    _dataMode: boolean;
    /** The bytes of a command line received so far without its line ending. */
    _remainder: string;
    _write(chunk: Buffer, encoding: BufferEncoding, next: (error?: Error | null) => void): void;
  }

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
    handler_HELO(command: Buffer | string, callback: () => void): void;
    /** The EHLO or HELO name, lowercase, set before the reset that accepting it makes; false before one. */
    hostNameAppearsAs: string | false;
    handler_AUTH(command: Buffer | string, callback: () => void): void;
    _validateMailParams(parsed: { args?: Record<string, string | true> | false }): unknown;
    _parseAddressCommand(name: string, command: Buffer | string): unknown;
    /** True while an application handler (onAuth, onMailFrom, ...) has not called back. */
    _handlerPending: boolean;
    /** The message stream from DATA until onData has answered; false otherwise. */
    _dataStream: unknown;
    /** The line parser of the current socket; false once the connection closed. */
    _parser: SmtpLineParser | false;
    /** Transactions completed in the session (smtp-server counts them at the end of DATA). */
    _transactionCounter: number;
    /** Unknown commands in a row; a completed message starts it over. */
    _unrecognizedCommands: number;
    handler_DATA(command: Buffer | string, callback: () => void): void;
    _server: {
      options: { socketTimeout?: number; authMethods: string[] };
      /** The application's onData, given the message stream of DATA (and here of BDAT). */
      onData(stream: NodeJS.ReadableStream, session: SMTPServerSession, callback: (error?: (Error & { responseCode?: number }) | null, message?: string) => void): void;
      onAuth(
        auth: SMTPServerAuthentication,
        session: SMTPServerSession,
        callback: (error: (Error & { responseCode?: number }) | null | undefined, response?: SMTPServerAuthenticationResponse) => void,
      ): void;
    };
    /** Takes the next line instead of the command parser: the continuation of a SASL exchange. */
    _nextHandler: false | ((command: Buffer | string, callback: () => void) => void);
    /** "ESMTPSA" and its kin, for the Received field smtp-server would write. */
    _transmissionType(): string;
    /** Makes the line parser for the current socket (again after STARTTLS). */
    _createParser(): SmtpLineParser;
    /** Forgets the transaction: at the greeting, EHLO, HELO, RSET, after DATA and after STARTTLS. */
    _resetSession(): void;
  }
}
