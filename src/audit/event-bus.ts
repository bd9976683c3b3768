import { redactSecrets, redactValue, registerSecret } from '../config/secret-registry.js';
import type { AuditEvent, AuditEventBody, EventListener } from './audit-events.js';

/**
 * Stamps events with time and correlation ID and hands each to every listener, in order. As a last
 * line of defense it replaces any configured secret (in plain and percent-encoded form) that a
 * driver error message might have carried into an event.
 */
export class EventBus {
  readonly correlationId: string;
  readonly #listeners: EventListener[] = [];

  constructor(correlationId: string, listeners: ReadonlyArray<EventListener | undefined> = [], secrets: ReadonlyArray<string | undefined> = []) {
    this.correlationId = correlationId;
    for (const listener of listeners) {
      if (listener !== undefined) {
        this.#listeners.push(listener);
      }
    }

    for (const secret of secrets) {
      registerSecret(secret);
    }
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
    return redactSecrets(text);
  }

  #scrub(event: AuditEvent): AuditEvent {
    return redactValue(event);
  }
}
