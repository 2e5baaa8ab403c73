/**
 * An expected failure a person can act on (bad input, missing configuration, wrong chain). Tasks and scripts
 * print its message alone, never a stack trace; anything else is a bug and keeps its stack.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
