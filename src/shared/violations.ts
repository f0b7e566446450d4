/**
 * A problem with one field of an input, carried as data (which field, which rule) from the validation that finds it
 * to whatever reports it: a campaign file maps the field to the name the user wrote, the CLI prints `field: rule`.
 * Pure, no Node built-ins.
 */
export interface FieldViolation {
  /** Path of the field as the input spells it: `relay.DstUrl`, `relay.SourceUrls[1]`, `labels.stage`, `request`. */
  field: string;
  /** What the field must be, or why it is refused: `must be an rtmp:// URL`. */
  rule: string;
}

/** `field: rule`, the form people read. */
export function formatViolation({ field, rule }: FieldViolation): string {
  return `${field}: ${rule}`;
}
