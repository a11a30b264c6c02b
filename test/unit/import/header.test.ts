import { describe, expect, it } from 'vitest';
import { CHICAGO_HEADER, chicagoMapping, chicagoRow, importExport } from '../../support/city-exports.ts';

/** The error an import fails with, and its message without the file's path. */
async function failure(text: string | Buffer) {
  const err = await importExport(text, chicagoMapping).then(
    () => null,
    (e: unknown) => e as Error & { code?: string },
  );
  if (err === null) throw new Error('the import did not fail');
  return { err, message: err.message.slice(err.message.indexOf(': ') + 2) };
}

describe('a header that does not match the mapping', () => {
  it('of a part of a split export, which has none, names the missing columns and shows no value of its first row', async () => {
    // Part 2 of a Chicago export cut in two: it starts with a row, the caller's contact columns set.
    const first = chicagoRow(1, { CONTACT_NAME: 'Jane Q Citizen', CONTACT_PHONE: '312-555-0142' });
    const { err, message } = await failure([first, chicagoRow(2), ''].join('\n'));
    expect(err).toMatchObject({ code: 'CL_IMPORT_HEADER_MISMATCH', stage: 'config', retriable: false });
    expect(message).toContain('columns.ticketId: "SR_NUMBER" is not in the header');
    expect(message).toContain('columns.openedAt: "CREATED_DATE" is not in the header');
    expect(message).toContain('the first line has 24 fields (their values are not shown)');
    expect(message).toContain('it looks like a row of data, not a header');
    expect(message).toContain('only the first part has the header line');
    for (const value of first.split(',').filter((v) => v !== '')) expect(message).not.toContain(value);
  });

  it('that names columns otherwise shows none of its names, and is not taken for data', async () => {
    const header = CHICAGO_HEADER.replace('SR_NUMBER', 'Service Request Number');
    const { err, message } = await failure([header, chicagoRow(1), ''].join('\n'));
    expect(err).toMatchObject({ code: 'CL_IMPORT_HEADER_MISMATCH' });
    expect(message).toContain('columns.ticketId: "SR_NUMBER" is not in the header');
    expect(message).toContain('the first line has 24 fields (their values are not shown)');
    expect(message).not.toContain('looks like a row of data');
    expect(message).not.toContain('Service Request Number');
  });

  it("holding bytes that are not UTF-8 points to the mapping's encoding, as a row holding them does", async () => {
    // Saved in windows-1252: "É" is the one byte 0xC9, not UTF-8.
    const header = CHICAGO_HEADER.replace('SR_TYPE', 'SR_TYP\u00c9');
    const { err, message } = await failure(Buffer.from([header, chicagoRow(1), ''].join('\n'), 'latin1'));
    expect(err).toMatchObject({ code: 'CL_IMPORT_HEADER_MISMATCH' });
    expect(message).toContain('columns.requestType: "SR_TYPE" is not in the header');
    const at = CHICAGO_HEADER.indexOf('SR_TYPE') + 'SR_TYP'.length;
    expect(message).toContain(
      `the header holds bytes that are not UTF-8 (the first at byte ${at} of the file); ` +
        "if the export is in another encoding, give it as the mapping's encoding",
    );
    const plain = await failure([CHICAGO_HEADER.replace('SR_TYPE', 'SR_TYPES'), chicagoRow(1), ''].join('\n'));
    expect(plain.message).not.toContain('not UTF-8');
  });

  it('is no matter for the first part, which has one', async () => {
    const { result } = await importExport([CHICAGO_HEADER, chicagoRow(1), ''].join('\n'), chicagoMapping);
    expect(result).toMatchObject({ read: 1, imported: 1, rejected: 0 });
  });
});
