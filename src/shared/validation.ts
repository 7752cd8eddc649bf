import { UserError, UserErrorCode, userError } from './errors';
import { idOf } from './relay/global-id';

/**
 * Collects every problem of an input at once, so a client can show them all
 * instead of fixing one per round trip.
 */
export class InputCheck {
  readonly errors: UserError[] = [];

  add(field: string | string[], code: UserErrorCode, message: string): void {
    this.errors.push(userError(field, code, message));
  }

  /** Trimmed text; REQUIRED when blank and required, TOO_LONG past `max`. */
  text(field: string, value: string | null | undefined, options: { max: number; required?: boolean }): string | null {
    if (value === null || value === undefined) {
      if (options.required) this.add(field, UserErrorCode.REQUIRED, `${field} is required.`);
      return null;
    }
    const trimmed = value.trim();
    if (trimmed.length === 0) {
      if (options.required) this.add(field, UserErrorCode.REQUIRED, `${field} must not be blank.`);
      return null;
    }
    if (trimmed.length > options.max) {
      this.add(field, UserErrorCode.TOO_LONG, `${field} must be at most ${options.max} characters.`);
      return null;
    }
    return trimmed;
  }

  /** Database id behind a global id of the expected type; NOT_FOUND for anything else (an id of another type is an unknown id). */
  id(field: string, value: string | null | undefined, type: string, options: { required?: boolean } = {}): string | null {
    if (value === null || value === undefined || value === '') {
      if (options.required) this.add(field, UserErrorCode.REQUIRED, `${field} is required.`);
      return null;
    }
    const id = idOf(value, type);
    if (!id) this.add(field, UserErrorCode.NOT_FOUND, `No ${type} with this id.`);
    return id;
  }

  ids(field: string, values: string[] | null | undefined, type: string, options: { max: number }): string[] {
    if (!values) return [];
    if (values.length > options.max) {
      this.add(field, UserErrorCode.OUT_OF_RANGE, `${field} takes at most ${options.max} ids.`);
      return [];
    }
    const ids: string[] = [];
    values.forEach((value, i) => {
      const id = idOf(value, type);
      if (id) ids.push(id);
      else this.add(['input', field, String(i)], UserErrorCode.NOT_FOUND, `No ${type} with this id.`);
    });
    return [...new Set(ids)];
  }

  int(field: string, value: number | null | undefined, options: { min: number; max: number }): number | null {
    if (value === null || value === undefined) return null;
    if (!Number.isInteger(value) || value < options.min || value > options.max) {
      this.add(field, UserErrorCode.OUT_OF_RANGE, `${field} must be between ${options.min} and ${options.max}.`);
      return null;
    }
    return value;
  }

  get ok(): boolean {
    return this.errors.length === 0;
  }
}
