import type { AuditEvent, AuditEventBody, EventListener } from './audit-events.js';

/** Secrets shorter than this are not scrubbed, because replacing them would garble ordinary text. */
const MIN_SECRET_LENGTH = 4;

/**
 * Stamps events with time and correlation ID and hands each to every listener, in order. As a last
 * line of defense it replaces any configured secret (in plain and percent-encoded form) that a
 * driver error message might have carried into an event.
 */
export class EventBus {
  readonly correlationId: string;
  readonly #listeners: EventListener[] = [];
  readonly #secrets: string[];

  constructor(correlationId: string, listeners: ReadonlyArray<EventListener | undefined> = [], secrets: ReadonlyArray<string | undefined> = []) {
    this.correlationId = correlationId;
    for (const listener of listeners) {
      if (listener !== undefined) {
        this.#listeners.push(listener);
      }
    }

    const forms = new Set<string>();
    for (const secret of secrets) {
      if (secret !== undefined && secret.length >= MIN_SECRET_LENGTH) {
        forms.add(secret);
        forms.add(encodeURIComponent(secret));
        forms.add(JSON.stringify(secret).slice(1, -1));
      }
    }
    this.#secrets = [...forms];
  }

  emit(body: AuditEventBody): AuditEvent {
    const event = this.#scrub({ time: new Date().toISOString(), correlationId: this.correlationId, ...body } as AuditEvent);
    for (const listener of this.#listeners) {
      listener(event);
    }

    return event;
  }

  /** Replaces configured secrets in any text with a fixed mask. */
  scrubText(text: string): string {
    let result = text;
    for (const secret of this.#secrets) {
      result = result.split(secret).join('****');
    }

    return result;
  }

  #scrub(event: AuditEvent): AuditEvent {
    return this.#secrets.length === 0 ? event : (this.#scrubValue(event) as AuditEvent);
  }

  #scrubValue(value: unknown): unknown {
    if (typeof value === 'string') {
      return this.scrubText(value);
    }

    if (Array.isArray(value)) {
      return value.map((item) => this.#scrubValue(item));
    }

    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.#scrubValue(item)]));
    }

    return value;
  }
}
