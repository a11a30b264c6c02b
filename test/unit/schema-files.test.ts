import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../src/errors/index.ts';
import { readSchemaDirectory, subjectForTopic } from '../../src/messaging/index.ts';

describe('schema files', () => {
  it('names the subject after the topic (TopicNameStrategy)', () => {
    expect(subjectForTopic('crm.ticket-events.v1')).toBe('crm.ticket-events.v1-value');
  });

  it('reads every .avsc of a folder, subject from the file name', async () => {
    const files = await readSchemaDirectory('test/fixtures/schemas/roundtrip');
    expect(files.map((f) => f.subject)).toEqual(['probe-value']);
    expect(files[0]?.schema['name']).toBe('Probe');
  });

  it('reports every broken file at once, and not the valid one', async () => {
    const err = await readSchemaDirectory('test/fixtures/schemas/broken').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloseloopError);
    const e = err as CloseloopError;
    expect(e.code).toBe('CL_SCHEMA_FILE_INVALID');
    expect(e.message).toContain('a-unknown-type.avsc');
    expect(e.message).toContain('nosuchtype');
    expect(e.message).toContain('b-not-json.avsc');
    expect(e.message).not.toContain('c-valid.avsc');
  });
});
