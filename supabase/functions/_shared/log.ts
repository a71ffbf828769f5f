// One JSON object per log line (Supabase's log explorer indexes them). Values that look like Plaid
// tokens or Supabase secret keys are redacted as a last line of defence; callers never pass them.
export type Fields = Record<string, unknown>;
export type Logger = {
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
};

const secretPattern = /\b((?:access|public|link)-(?:sandbox|production|development)-|sb_secret_)[A-Za-z0-9_-]{8,}/g;

export function redact(text: string): string {
  return text.replace(secretPattern, (_m, prefix: string) => `${prefix}[redacted]`);
}

export function createLogger(base: Fields = {}, sink: (line: string) => void = console.log): Logger {
  const write = (level: string, msg: string, fields?: Fields) =>
    sink(redact(JSON.stringify({ level, msg, ...base, ...fields })).slice(0, 10_000));
  return {
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => createLogger({ ...base, ...fields }, sink),
  };
}
