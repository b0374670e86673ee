/** A client's mistake: answered with its status (400 unless said) and the message. */
export class ClientError extends Error {
  readonly statusCode: number;
  constructor(message: string, statusCode = 400) {
    super(message);
    this.statusCode = statusCode;
  }
}
